"""`POST /message`: message correlation. Correlation failures are answered as Camunda's REST
layer does: 400 with type ``RestException`` and the engine exception's ``toString()``."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.params import body_bool, body_str, json_body
from compat_api.responses import no_content, ok
from compat_api.routing import call
from engine import variables as typed
from engine.commands.message import CorrelationResult, correlate_message
from engine.errors import MismatchingMessageCorrelation
from engine.events.correlation import CorrelationSet

_CONTEXT = "Cannot deliver message"


def _variables(body: dict[str, Any], name: str) -> dict[str, typed.TypedValue] | None:
    value = body.get(name)
    return None if value is None else typed.parse_variables(value, context=_CONTEXT)


def _result(result: CorrelationResult, with_variables: bool) -> dict[str, Any]:
    instance = result.process_instance
    is_execution = result.result_type == "Execution"
    body: dict[str, Any] = {
        "resultType": result.result_type,
        "execution": {
            "id": result.execution_id, "processInstanceId": instance["id"], "ended": result.ended,
            "tenantId": instance["tenant_id"],
        } if is_execution else None,
        "processInstance": None if is_execution else dto.process_instance(instance),
    }
    if with_variables:
        body["variables"] = dto.variables(result.variables)
    return body


async def deliver_message(request: Request) -> Response:
    body = await json_body(request)
    name = body_str(body, "messageName")
    if not name:
        raise invalid("No message name supplied")
    tenant_id = body_str(body, "tenantId")
    without_tenant = bool(body_bool(body, "withoutTenantId"))
    if tenant_id is not None and without_tenant:
        raise invalid("Parameter 'tenantId' cannot be used together with parameter 'withoutTenantId'.")
    cs = CorrelationSet(
        message_name=name,
        business_key=body_str(body, "businessKey"),
        process_instance_id=body_str(body, "processInstanceId"),
        correlation_keys=_variables(body, "correlationKeys"),
        local_correlation_keys=_variables(body, "localCorrelationKeys"),
        tenant_id=tenant_id,
        tenant_set=tenant_id is not None or without_tenant,
    )
    variables_in_result = bool(body_bool(body, "variablesInResultEnabled"))
    try:
        results = await call(
            request, correlate_message, cs,
            correlate_all=bool(body_bool(body, "all")),
            process_variables=_variables(body, "processVariables"),
            process_variables_local=_variables(body, "processVariablesLocal"),
        )
    except MismatchingMessageCorrelation as exc:
        raise RestError(400, f"org.camunda.bpm.engine.MismatchingMessageCorrelationException: {exc.message}",
                        "RestException", exc.code) from exc
    if not (body_bool(body, "resultEnabled") or variables_in_result):
        return no_content()
    return ok([_result(result, variables_in_result) for result in results])


routes = [Route("/message", deliver_message, methods=["POST"])]

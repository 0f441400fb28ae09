"""`POST /signal`: throw a signal to every subscriber in the engine, or to one execution."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api.errors import invalid
from compat_api.params import body_bool, body_str, json_body
from compat_api.responses import no_content
from compat_api.routing import call
from engine import variables as typed
from engine.commands.signal import deliver_signal


async def throw_signal(request: Request) -> Response:
    body = await json_body(request)
    name = body_str(body, "name")
    if not name:
        raise invalid("No signal name given")
    execution_id = body_str(body, "executionId")
    tenant_id = body_str(body, "tenantId")
    without_tenant = bool(body_bool(body, "withoutTenantId"))
    if tenant_id is not None and without_tenant:
        raise invalid("Parameter 'tenantId' cannot be used together with parameter 'withoutTenantId'.")
    if execution_id is not None and (tenant_id is not None or without_tenant):
        raise invalid("It is not supported to specify a tenant id when a signal is delivered to a single execution.")
    variables = typed.parse_variables(body.get("variables"), context="Cannot deliver signal")
    await call(request, deliver_signal, name, variables=variables, execution_id=execution_id,
               tenant_id=tenant_id, without_tenant_id=without_tenant)
    return no_content()


routes = [Route("/signal", throw_signal, methods=["POST"])]

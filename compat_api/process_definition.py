"""`/process-definition`: query, lookup by id / key / key+tenant, XML, start, forms, delete."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.forms import form_source, submitted_variables
from compat_api.modification import instructions as start_instructions
from compat_api.params import Query, body_bool, body_str, json_body
from compat_api.responses import no_content, ok
from compat_api.routing import call, call_short
from compat_api.variables_resource import form_field_variables
from engine import variables as typed
from engine.commands import form as form_commands
from engine.commands import process_definition as commands
from engine.commands import process_instance as instances
from engine.commands.form import FormLocation
from engine.errors import BadUserRequest, NotFound, ProcessEngineException


def lookup(request: Request) -> dict[str, Any]:
    params = request.path_params
    if "id" in params:
        return {"definition_id": params["id"]}
    return {"key": params["key"], "tenant_id": params.get("tenantId")}


def _not_found(request: Request, exc: NotFound) -> RestError:
    type_ = "InvalidRequestException" if "id" in request.path_params else "RestException"
    return RestError(404, exc.message, type_)


async def _definition(request: Request):  # type: ignore[no-untyped-def]
    try:
        return await call(request, commands.get_definition, **lookup(request))
    except NotFound as exc:
        raise _not_found(request, exc) from exc


def _criteria(q: Query) -> dict[str, Any]:
    return {
        "processDefinitionId": q.str("processDefinitionId"), "processDefinitionIdIn": q.csv("processDefinitionIdIn"),
        "name": q.str("name"), "nameLike": q.str("nameLike"), "deploymentId": q.str("deploymentId"),
        "deployedAfter": q.date("deployedAfter"), "deployedAt": q.date("deployedAt"),
        "key": q.str("key"), "keysIn": q.csv("keysIn"), "keyLike": q.str("keyLike"),
        "category": q.str("category"), "categoryLike": q.str("categoryLike"),
        "version": q.int("version"), "latestVersion": q.bool("latestVersion"),
        "resourceName": q.str("resourceName"), "resourceNameLike": q.str("resourceNameLike"),
        "active": q.bool("active"), "suspended": q.bool("suspended"),
        "tenantIdIn": q.csv("tenantIdIn"), "withoutTenantId": q.bool("withoutTenantId"),
        "includeProcessDefinitionsWithoutTenantId": q.bool("includeProcessDefinitionsWithoutTenantId"),
        "versionTag": q.str("versionTag"), "versionTagLike": q.str("versionTagLike"),
        "withoutVersionTag": q.bool("withoutVersionTag"),
        "startableInTasklist": q.bool("startableInTasklist"), "notStartableInTasklist": q.bool("notStartableInTasklist"),
    }


async def list_definitions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_definitions, _criteria(q), sorting=q.sorting(), first_result=first, max_results=maximum)
    return ok([dto.process_definition(row) for row in rows])


async def count_definitions(request: Request) -> Response:
    q = Query(request)
    return ok(dto.count(await call(request, commands.query_definitions, _criteria(q), count_only=True)))


async def get_definition(request: Request) -> Response:
    return ok(dto.process_definition(await _definition(request)))


async def xml(request: Request) -> Response:
    try:
        definition, content = await call(request, commands.definition_xml, **lookup(request))
    except NotFound as exc:
        raise _not_found(request, exc) from exc
    return ok({"id": definition["id"], "bpmn20Xml": content.decode("utf-8", errors="replace")})


async def _start(request: Request, *, form_aware: bool) -> Response:
    """submit-form: types the variables by the start form first (compat_api.forms) and takes
    the business key from the formData businessKey field."""
    body = await json_body(request)
    definition = await _definition(request)
    prefix = f"Cannot instantiate process definition {definition['id']}"
    business_key = body_str(body, "businessKey")
    if form_aware:
        location = await call(request, form_commands.start_form, definition_id=definition["id"])
        variables = submitted_variables(location, body.get("variables"), context=prefix)
        source = form_source(location)
        field = source.business_key if source is not None else None
        if field and field in variables and variables[field].value is not None:
            business_key = str(variables[field].value)
    else:
        variables = typed.parse_variables(body.get("variables"), context=prefix)
    try:
        started = await call(
            request,
            instances.start_process_instance,
            definition_id=definition["id"],
            business_key=business_key,
            variables=variables,
            start_instructions=start_instructions(body.get("startInstructions"), context=prefix),
            with_variables_in_return=bool(body_bool(body, "withVariablesInReturn")),
        )
    except BadUserRequest as exc:
        raise RestError(400, exc.message, "InvalidRequestException") from exc
    except ProcessEngineException as exc:
        raise RestError(500, exc.message, "RestException", exc.code) from exc
    return _started(request, started)


async def start(request: Request) -> Response:
    """Lookup, typing and start in one engine command (one thread hop, one transaction)."""
    body = await json_body(request)
    dtos = body.get("variables")
    try:
        started = await call_short(
            request,
            instances.start_process_instance,
            **lookup(request),
            business_key=body_str(body, "businessKey"),
            variable_dtos=dtos if dtos is not None else {},
            with_variables_in_return=bool(body_bool(body, "withVariablesInReturn")),
            start_instructions=start_instructions(body.get("startInstructions"), context="Cannot instantiate process definition"),
        )
    except NotFound as exc:
        raise _not_found(request, exc) from exc
    except BadUserRequest as exc:
        raise RestError(400, exc.message, "InvalidRequestException") from exc
    except ProcessEngineException as exc:
        raise RestError(500, exc.message, "RestException", exc.code) from exc
    return _started(request, started)


def _started(request: Request, started: instances.StartedInstance) -> Response:
    result = dto.process_instance(started.instance, request, with_links=True)
    if started.variables is not None:
        result["variables"] = dto.variables(started.variables, deserialize=False)
    return ok(result)


async def submit_form(request: Request) -> Response:
    return await _start(request, form_aware=True)


async def _start_form(request: Request) -> FormLocation:
    try:
        return await call(request, form_commands.start_form, **lookup(request))
    except NotFound as exc:
        raise _not_found(request, exc) from exc


async def start_form(request: Request) -> Response:
    location = await _start_form(request)
    key = location.form_key
    if key is None and location.kind == "generated":
        key = f"embedded:engine://engine/:engine/process-definition/{location.definition_id}/rendered-form"
    ref = location.form_ref.to_json() if location.form_ref else None
    return ok({"key": key, "camundaFormRef": ref, "contextPath": None})


async def form_variables(request: Request) -> Response:
    q = Query(request)
    location = await _start_form(request)
    values = form_field_variables(location, q.csv("variableNames"))
    return ok(dto.variables(values, deserialize=bool(q.bool("deserializeValues", True))))


async def delete(request: Request) -> Response:
    q = Query(request)
    try:
        await call(request, commands.delete_definition, cascade=bool(q.bool("cascade")),
                   skip_custom_listeners=bool(q.bool("skipCustomListeners")), **lookup(request))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


async def suspend(request: Request) -> Response:
    body = await json_body(request, required=True)
    suspended = body_bool(body, "suspended", None)
    if suspended is None:
        raise invalid("suspended is required")
    try:
        await call(
            request, commands.set_definition_suspended, suspended,
            include_instances=bool(body_bool(body, "includeProcessInstances")), **lookup(request),
        )
    except NotFound as exc:
        raise _not_found(request, exc) from exc
    return no_content()


def _by(prefix: str) -> list[Route]:
    return [
        Route(prefix, get_definition, methods=["GET"]),
        Route(prefix, delete, methods=["DELETE"]),
        Route(prefix + "/xml", xml, methods=["GET"]),
        Route(prefix + "/start", start, methods=["POST"]),
        Route(prefix + "/submit-form", submit_form, methods=["POST"]),
        Route(prefix + "/startForm", start_form, methods=["GET"]),
        Route(prefix + "/form-variables", form_variables, methods=["GET"]),
        Route(prefix + "/suspended", suspend, methods=["PUT"]),
    ]


routes = [
    Route("/process-definition", list_definitions, methods=["GET"]),
    Route("/process-definition/count", count_definitions, methods=["GET"]),
    *_by("/process-definition/key/{key}/tenant-id/{tenantId}"),
    *_by("/process-definition/key/{key}"),
    *_by("/process-definition/{id}"),
]

"""`/process-instance`: query (GET and POST), get, delete, variables, activity instances, suspension."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.params import (
    Criteria,
    Query,
    body_bool,
    body_sorting,
    json_body,
)
from compat_api.responses import no_content, ok
from compat_api.routing import call, path
from compat_api.variables_resource import routes_for
from engine.commands import process_instance as commands
from engine.errors import NotFound

CRITERIA = Criteria(
    strings=(
        "businessKey", "businessKeyLike", "processDefinitionId", "processDefinitionKey", "deploymentId",
        "superProcessInstance", "subProcessInstance",
    ),
    lists=("processInstanceIds", "processDefinitionKeyIn", "processDefinitionKeyNotIn", "tenantIdIn", "activityIdIn"),
    bools=(
        "active", "suspended", "withoutTenantId", "rootProcessInstances", "leafProcessInstances",
        "variableNamesIgnoreCase", "variableValuesIgnoreCase",
    ),
    variable_filters=("variables",),
)


async def list_instances(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_process_instances, CRITERIA.from_query(q), sorting=q.sorting(), first_result=first, max_results=maximum)
    return ok([dto.process_instance(row) for row in rows])


async def query_instances(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, commands.query_process_instances, CRITERIA.from_body(body), sorting=body_sorting(body), first_result=first, max_results=maximum)
    return ok([dto.process_instance(row) for row in rows])


async def count_instances(request: Request) -> Response:
    q = Query(request)
    return ok(dto.count(await call(request, commands.query_process_instances, CRITERIA.from_query(q), count_only=True)))


async def count_instances_post(request: Request) -> Response:
    body = await json_body(request)
    return ok(dto.count(await call(request, commands.query_process_instances, CRITERIA.from_body(body), count_only=True)))


async def get_instance(request: Request) -> Response:
    try:
        row = await call(request, commands.get_process_instance, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(dto.process_instance(row))


async def delete_instance(request: Request) -> Response:
    q = Query(request)
    try:
        await call(request, commands.delete_process_instance, path(request, "id"), fail_if_not_exists=bool(q.bool("failIfNotExists", True)),
                   skip_custom_listeners=bool(q.bool("skipCustomListeners", False)))
    except NotFound as exc:
        raise RestError(404, f"Process instance with id {path(request, 'id')} does not exist", "InvalidRequestException") from exc
    return no_content()


async def activity_instances(request: Request) -> Response:
    try:
        tree = await call(request, commands.activity_instances, path(request, "id"))
    except NotFound as exc:
        raise RestError(500, exc.message, "RestException") from exc
    return ok(tree)


async def suspend(request: Request) -> Response:
    body = await json_body(request, required=True)
    suspended = body_bool(body, "suspended", None)
    if suspended is None:
        raise invalid("suspended is required")
    try:
        await call(request, commands.set_suspended, path(request, "id"), suspended)
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


routes = [
    Route("/process-instance", list_instances, methods=["GET"]),
    Route("/process-instance", query_instances, methods=["POST"]),
    Route("/process-instance/count", count_instances, methods=["GET"]),
    Route("/process-instance/count", count_instances_post, methods=["POST"]),
    Route("/process-instance/{id}", get_instance, methods=["GET"]),
    Route("/process-instance/{id}", delete_instance, methods=["DELETE"]),
    Route("/process-instance/{id}/activity-instances", activity_instances, methods=["GET"]),
    Route("/process-instance/{id}/suspended", suspend, methods=["PUT"]),
    *routes_for("/process-instance/{id}/variables", "process-instance"),
]

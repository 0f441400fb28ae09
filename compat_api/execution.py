"""`/execution`: the executions of process instances and their local variables.

m8flow models one execution per process instance (its id is the instance id), which is
what Camunda reports for instances without concurrency or scopes."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError
from compat_api.params import Query, body_str, json_body
from compat_api.responses import ok
from compat_api.routing import call, path
from compat_api.variables_resource import routes_for
from engine.commands import process_instance as instances
from engine.errors import NotFound


def _execution(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "processInstanceId": row["id"], "ended": row["end_time"] is not None, "tenantId": row["tenant_id"]}


def _criteria(process_instance_id: str | None, business_key: str | None, definition_id: str | None) -> dict[str, Any]:
    criteria: dict[str, Any] = {"businessKey": business_key, "processDefinitionId": definition_id}
    if process_instance_id is not None:
        criteria["processInstanceIds"] = [process_instance_id]
    return criteria


async def list_executions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, instances.query_process_instances,
                      _criteria(q.str("processInstanceId"), q.str("businessKey"), q.str("processDefinitionId")),
                      first_result=first, max_results=maximum)
    return ok([_execution(row) for row in rows])


async def query_executions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, instances.query_process_instances,
                      _criteria(body_str(body, "processInstanceId"), body_str(body, "businessKey"), body_str(body, "processDefinitionId")),
                      first_result=first, max_results=maximum)
    return ok([_execution(row) for row in rows])


async def count_executions(request: Request) -> Response:
    q = Query(request)
    count: int = await call(request, instances.query_process_instances,
                       _criteria(q.str("processInstanceId"), q.str("businessKey"), q.str("processDefinitionId")), count_only=True)
    return ok(dto.count(count))


async def get_execution(request: Request) -> Response:
    try:
        row = await call(request, instances.get_process_instance, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, f"Execution with id {path(request, 'id')} does not exist", "InvalidRequestException") from exc
    return ok(_execution(row))


routes = [
    Route("/execution", list_executions, methods=["GET"]),
    Route("/execution", query_executions, methods=["POST"]),
    Route("/execution/count", count_executions, methods=["GET"]),
    Route("/execution/{id}", get_execution, methods=["GET"]),
    *routes_for("/execution/{id}/localVariables", "execution"),
]

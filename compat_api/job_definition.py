"""`/job-definition`: list, count, get."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError
from compat_api.params import Query, body_bool, body_sorting, body_str, body_str_list, json_body
from compat_api.responses import ok
from compat_api.routing import call, path
from engine.commands import job_definition as commands
from engine.errors import NotFound


def job_definition(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "processDefinitionId": row["process_definition_id"],
        "processDefinitionKey": row["process_definition_key"],
        "activityId": row["activity_id"],
        "jobType": row["job_type"],
        "jobConfiguration": row["job_configuration"],
        "overridingJobPriority": row["overriding_job_priority"],
        "suspended": bool(row["suspended"]),
        "tenantId": row["tenant_id"],
        "deploymentId": row["deployment_id"],
    }


STRINGS = ("jobDefinitionId", "processDefinitionId", "processDefinitionKey", "jobType", "jobConfiguration")
LISTS = ("activityIdIn", "tenantIdIn")
FLAGS = ("active", "suspended", "withOverridingJobPriority", "withoutTenantId", "includeJobDefinitionsWithoutTenantId")


def _query_criteria(q: Query) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: q.str(name) for name in STRINGS}
    criteria.update({name: q.csv(name) for name in LISTS})
    criteria.update({name: q.bool(name) for name in FLAGS})
    return criteria


def _body_criteria(body: Mapping[str, Any]) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: body_str(body, name) for name in STRINGS}
    criteria.update({name: body_str_list(body, name) for name in LISTS})
    criteria.update({name: body_bool(body, name, None) for name in FLAGS})
    return criteria


async def list_job_definitions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_job_definitions, _query_criteria(q), sorting=q.sorting(),
                      first_result=first, max_results=maximum)
    return ok([job_definition(row) for row in rows])


async def query_job_definitions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, commands.query_job_definitions, _body_criteria(body), sorting=body_sorting(body),
                      first_result=first, max_results=maximum)
    return ok([job_definition(row) for row in rows])


async def count_job_definitions(request: Request) -> Response:
    criteria = _query_criteria(Query(request))
    return ok(dto.count(await call(request, commands.query_job_definitions, criteria, count_only=True)))


async def count_job_definitions_post(request: Request) -> Response:
    criteria = _body_criteria(await json_body(request))
    return ok(dto.count(await call(request, commands.query_job_definitions, criteria, count_only=True)))


async def get_job_definition(request: Request) -> Response:
    try:
        row = await call(request, commands.get_job_definition, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(job_definition(row))


routes = [
    Route("/job-definition", list_job_definitions, methods=["GET"]),
    Route("/job-definition", query_job_definitions, methods=["POST"]),
    Route("/job-definition/count", count_job_definitions, methods=["GET"]),
    Route("/job-definition/count", count_job_definitions_post, methods=["POST"]),
    Route("/job-definition/{id}", get_job_definition, methods=["GET"]),
]

"""`/job`: list, count, get, execute, retries, due date, suspension, stacktrace."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.params import (
    Query,
    body_bool,
    body_date,
    body_int,
    body_list,
    body_sorting,
    body_str,
    body_str_list,
    json_body,
)
from compat_api.responses import no_content, ok
from compat_api.routing import call, path
from engine.commands import job as commands
from engine.dates import parse_date
from engine.errors import InvalidRequest, NotFound


def job(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "jobDefinitionId": row["job_definition_id"],
        "dueDate": row["due_date"],
        "processInstanceId": row["process_instance_id"],
        "executionId": row["execution_id"],
        "processDefinitionId": row["process_definition_id"],
        "processDefinitionKey": row["process_definition_key"],
        "retries": row["retries"],
        "exceptionMessage": row["exception_message"],
        "failedActivityId": row["failed_activity_id"],
        "suspended": bool(row["suspended"]),
        "priority": row["priority"],
        "tenantId": row["tenant_id"],
        "createTime": row["create_time"],
        "batchId": None,
    }


STRINGS = (
    "jobId", "jobDefinitionId", "processInstanceId", "executionId", "processDefinitionId",
    "processDefinitionKey", "activityId", "exceptionMessage", "failedActivityId",
)
LISTS = ("jobIds", "processInstanceIds", "tenantIdIn")
FLAGS = (
    "withRetriesLeft", "executable", "timers", "messages", "withException", "noRetriesLeft", "active",
    "suspended", "withoutTenantId", "includeJobsWithoutTenantId",
)
PRIORITIES = ("priorityLowerThanOrEquals", "priorityHigherThanOrEquals")


def _conditions(name: str, raw: str | None) -> list[dict[str, Any]] | None:
    """``gt_2024-01-01T00:00:00.000+0000,lt_…`` (query string form of dueDates/createTimes)."""
    if not raw:
        return None
    conditions = []
    for part in raw.split(","):
        operator, _, value = part.partition("_")
        conditions.append({"operator": operator, "value": _date(name, value)})
    return conditions


def _date(name: str, value: Any) -> Any:
    try:
        return parse_date(value)
    except InvalidRequest:
        raise invalid(f"Invalid {name} comparator value: {value}") from None


def _query_criteria(q: Query) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: q.str(name) for name in STRINGS}
    criteria.update({name: q.csv(name) for name in LISTS})
    criteria.update({name: q.bool(name) for name in FLAGS})
    criteria.update({name: q.int(name) for name in PRIORITIES})
    criteria.update({name: _conditions(name, q.str(name)) for name in ("dueDates", "createTimes")})
    return criteria


def _body_criteria(body: Mapping[str, Any]) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: body_str(body, name) for name in STRINGS}
    criteria.update({name: body_str_list(body, name) for name in LISTS})
    criteria.update({name: body_bool(body, name, None) for name in FLAGS})
    criteria.update({name: body_int(body, name) for name in PRIORITIES})
    for name in ("dueDates", "createTimes"):
        entries = body_list(body, name)
        if entries is not None:
            if not all(isinstance(entry, dict) for entry in entries):
                raise invalid(f"Cannot deserialize value of '{name}': expected [{{operator, value}}]")
            criteria[name] = [{"operator": e.get("operator"), "value": _date(name, e.get("value"))} for e in entries]
    return criteria


async def list_jobs(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_jobs, _query_criteria(q), sorting=q.sorting(),
                      first_result=first, max_results=maximum)
    return ok([job(row) for row in rows])


async def count_jobs(request: Request) -> Response:
    return ok(dto.count(await call(request, commands.query_jobs, _query_criteria(Query(request)), count_only=True)))


async def query_jobs(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    body = await json_body(request)
    rows = await call(request, commands.query_jobs, _body_criteria(body), sorting=body_sorting(body),
                      first_result=first, max_results=maximum)
    return ok([job(row) for row in rows])


async def count_jobs_post(request: Request) -> Response:
    body = await json_body(request)
    return ok(dto.count(await call(request, commands.query_jobs, _body_criteria(body), count_only=True)))


def _not_found(exc: NotFound, job_id: str) -> RestError:
    return RestError(404, f"Job with id {job_id} does not exist", "InvalidRequestException")


async def get_job(request: Request) -> Response:
    job_id = path(request, "id")
    try:
        row = await call(request, commands.get_job, job_id)
    except NotFound as exc:
        raise _not_found(exc, job_id) from exc
    return ok(job(row))


async def execute_job(request: Request) -> Response:
    job_id = path(request, "id")
    try:
        await call(request, commands.execute_job, job_id)
    except NotFound as exc:
        raise _not_found(exc, job_id) from exc
    return no_content()


async def set_retries(request: Request) -> Response:
    job_id = path(request, "id")
    body = await json_body(request)
    try:
        await call(request, commands.set_retries, job_id, body_int(body, "retries"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


async def set_due_date(request: Request) -> Response:
    job_id = path(request, "id")
    body = await json_body(request)
    try:
        await call(request, commands.set_due_date, job_id, body_date(body, "duedate"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


async def set_suspended(request: Request) -> Response:
    job_id = path(request, "id")
    body = await json_body(request)
    try:
        await call(request, commands.set_suspended, job_id, bool(body_bool(body, "suspended")))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


async def get_stacktrace(request: Request) -> Response:
    job_id = path(request, "id")
    try:
        text = await call(request, commands.get_stacktrace, job_id)
    except NotFound as exc:
        raise _not_found(exc, job_id) from exc
    return PlainTextResponse(text or "")


async def delete_job(request: Request) -> Response:
    job_id = path(request, "id")
    try:
        await call(request, commands.delete_job, job_id)
    except NotFound as exc:
        raise _not_found(exc, job_id) from exc
    return no_content()


routes = [
    Route("/job", list_jobs, methods=["GET"]),
    Route("/job", query_jobs, methods=["POST"]),
    Route("/job/count", count_jobs, methods=["GET"]),
    Route("/job/count", count_jobs_post, methods=["POST"]),
    Route("/job/{id}", get_job, methods=["GET"]),
    Route("/job/{id}", delete_job, methods=["DELETE"]),
    Route("/job/{id}/execute", execute_job, methods=["POST"]),
    Route("/job/{id}/retries", set_retries, methods=["PUT"]),
    Route("/job/{id}/duedate", set_due_date, methods=["PUT"]),
    Route("/job/{id}/suspended", set_suspended, methods=["PUT"]),
    Route("/job/{id}/stacktrace", get_stacktrace, methods=["GET"]),
]

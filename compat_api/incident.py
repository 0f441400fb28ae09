"""`/incident`: list, count, get, resolve (custom incidents), annotation."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError
from compat_api.params import Query, body_str, json_body
from compat_api.responses import no_content, ok
from compat_api.routing import call, path
from engine.commands import incident as commands
from engine.errors import NotFound


def incident(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "processDefinitionId": row["process_definition_id"],
        "processInstanceId": row["process_instance_id"],
        "executionId": row["execution_id"],
        "incidentTimestamp": row["incident_timestamp"],
        "incidentType": row["incident_type"],
        "activityId": row["activity_id"],
        "failedActivityId": row["failed_activity_id"],
        "causeIncidentId": row["cause_incident_id"],
        "rootCauseIncidentId": row["root_cause_incident_id"],
        "configuration": row["configuration"],
        "tenantId": row["tenant_id"],
        "incidentMessage": row["incident_message"],
        "jobDefinitionId": row["job_definition_id"],
        "annotation": row["annotation"],
    }


STRINGS = (
    "incidentId", "incidentType", "incidentMessage", "incidentMessageLike", "processDefinitionId",
    "processInstanceId", "executionId", "activityId", "failedActivityId", "causeIncidentId",
    "rootCauseIncidentId", "configuration",
)
LISTS = ("processDefinitionKeyIn", "tenantIdIn", "jobDefinitionIdIn")
DATES = ("incidentTimestampBefore", "incidentTimestampAfter")


def _criteria(q: Query) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: q.str(name) for name in STRINGS}
    criteria.update({name: q.csv(name) for name in LISTS})
    criteria.update({name: q.date(name) for name in DATES})
    return criteria


async def list_incidents(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_incidents, _criteria(q), sorting=q.sorting(),
                      first_result=first, max_results=maximum)
    return ok([incident(row) for row in rows])


async def count_incidents(request: Request) -> Response:
    return ok(dto.count(await call(request, commands.query_incidents, _criteria(Query(request)), count_only=True)))


async def get_incident(request: Request) -> Response:
    try:
        row = await call(request, commands.get_incident, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(incident(row))


async def resolve_incident(request: Request) -> Response:
    try:
        await call(request, commands.resolve_incident, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


async def set_annotation(request: Request) -> Response:
    body = await json_body(request)
    await call(request, commands.set_annotation, path(request, "id"), body_str(body, "annotation"))
    return no_content()


async def clear_annotation(request: Request) -> Response:
    await call(request, commands.set_annotation, path(request, "id"), None)
    return no_content()


routes = [
    Route("/incident", list_incidents, methods=["GET"]),
    Route("/incident/count", count_incidents, methods=["GET"]),
    Route("/incident/{id}", get_incident, methods=["GET"]),
    Route("/incident/{id}", resolve_incident, methods=["DELETE"]),
    Route("/incident/{id}/annotation", set_annotation, methods=["PUT"]),
    Route("/incident/{id}/annotation", clear_annotation, methods=["DELETE"]),
]

"""`/event-subscription`: list and count waiting message and signal subscriptions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.params import Query
from compat_api.responses import ok
from compat_api.routing import call
from engine.commands.event_subscription import query_event_subscriptions


def _criteria(q: Query) -> dict[str, Any]:
    criteria: dict[str, Any] = {name: q.str(name) for name in (
        "eventSubscriptionId", "eventName", "eventType", "executionId", "processInstanceId", "activityId")}
    criteria["tenantIdIn"] = q.csv("tenantIdIn")
    criteria["withoutTenantId"] = q.bool("withoutTenantId")
    criteria["includeEventSubscriptionsWithoutTenantId"] = q.bool("includeEventSubscriptionsWithoutTenantId")
    return criteria


def _subscription(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "eventType": row["event_type"],
        "eventName": row["event_name"],
        "executionId": row["execution_id"],
        "processInstanceId": row["process_instance_id"],
        "activityId": row["activity_id"],
        "createdDate": row["created_date"],
        "tenantId": row["tenant_id"],
    }


async def list_subscriptions(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, query_event_subscriptions, _criteria(q), sorting=q.sorting(),
                      first_result=first, max_results=maximum)
    return ok([_subscription(row) for row in rows])


async def count_subscriptions(request: Request) -> Response:
    return ok(dto.count(await call(request, query_event_subscriptions, _criteria(Query(request)), count_only=True)))


routes = [
    Route("/event-subscription", list_subscriptions, methods=["GET"]),
    Route("/event-subscription/count", count_subscriptions, methods=["GET"]),
]

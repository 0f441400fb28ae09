"""Event subscription query (``RuntimeService.createEventSubscriptionQuery``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_, select

from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.store import Row
from engine.store import tables as t

es = t.event_subscription

SUBSCRIPTION_SORT = {"created": es.c.created_date, "tenantId": es.c.tenant_id}


@query_command
def query_event_subscriptions(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    c = criteria
    query = select(es)
    for name, column in (("eventSubscriptionId", es.c.id), ("eventName", es.c.event_name), ("eventType", es.c.event_type),
                         ("executionId", es.c.execution_id), ("processInstanceId", es.c.process_instance_id),
                         ("activityId", es.c.activity_id)):
        if c.get(name) is not None:
            query = query.where(column == c[name])
    tenants = []
    if c.get("tenantIdIn"):
        tenants.append(es.c.tenant_id.in_(c["tenantIdIn"]))
    if c.get("withoutTenantId") or (c.get("tenantIdIn") and c.get("includeEventSubscriptionsWithoutTenantId")):
        tenants.append(es.c.tenant_id.is_(None))
    if tenants:
        query = query.where(or_(*tenants))
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        query = apply_paging(apply_sorting(query, sorting, SUBSCRIPTION_SORT, es.c.created_date.asc()), first_result, max_results)
        return list(conn.execute(query).mappings())

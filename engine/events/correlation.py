"""Which subscriptions a message correlates to (Camunda's ``CorrelationSet``).

Executions first: waiting message subscriptions of running, active instances, narrowed by
process instance id, business key, process variables (``correlationKeys``) and the waiting
execution's local variables (``localCorrelationKeys``). Then the message start events of the
latest definitions, unless a process instance id was given.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from engine import variables as typed
from engine.store import Row
from engine.store import tables as t


@dataclass
class CorrelationSet:
    message_name: str
    business_key: str | None = None
    process_instance_id: str | None = None
    correlation_keys: Mapping[str, typed.TypedValue] | None = None
    local_correlation_keys: Mapping[str, typed.TypedValue] | None = None
    tenant_id: str | None = None
    tenant_set: bool = False  # tenantId given, or withoutTenantId
    executions_only: bool = field(default=False)

    def __str__(self) -> str:
        # Camunda's CorrelationSet.toString(), quoted in its correlation errors.
        return (f"CorrelationSet [businessKey={_java(self.business_key)}, processInstanceId="
                f"{_java(self.process_instance_id)}, processDefinitionId=null, correlationKeys="
                f"{_java_map(self.correlation_keys)}, localCorrelationKeys={_java_map(self.local_correlation_keys)}, "
                f"tenantId={_java(self.tenant_id)}, isTenantIdSet={_java(self.tenant_set)}, "
                f"isExecutionsOnly={_java(self.executions_only)}]")


def _java(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _java_map(values: Mapping[str, typed.TypedValue] | None) -> str:
    if values is None:
        return "null"
    return "{" + ", ".join(f"{name}={_java(tv.value)}" for name, tv in values.items()) + "}"


def _tenant_filter(column: Any, cs: CorrelationSet) -> list[Any]:
    if not cs.tenant_set:
        return []
    return [column.is_(None) if cs.tenant_id is None else column == cs.tenant_id]


def waiting_executions(conn: Connection, cs: CorrelationSet) -> list[Row]:
    es, pi = t.event_subscription, t.process_instance
    query = (
        select(es)
        .join(pi, pi.c.id == es.c.process_instance_id)
        .where(es.c.event_type == "message", es.c.event_name == cs.message_name,
               pi.c.end_time.is_(None), pi.c.suspended.is_(False), *_tenant_filter(es.c.tenant_id, cs))
        .order_by(es.c.created_date, es.c.id)
    )
    if cs.process_instance_id is not None:
        query = query.where(pi.c.id == cs.process_instance_id)
    if cs.business_key is not None:
        query = query.where(pi.c.business_key == cs.business_key)
    rows: list[Row] = list(conn.execute(query).mappings())
    if rows and cs.correlation_keys:
        by_instance = _variables(conn, {r["process_instance_id"] for r in rows}, cs.correlation_keys, process_scope=True)
        rows = [r for r in rows if _all_equal(by_instance.get(r["process_instance_id"], {}), cs.correlation_keys)]
    if rows and cs.local_correlation_keys:
        by_scope = _variables(conn, {r["process_instance_id"] for r in rows}, cs.local_correlation_keys, process_scope=False)
        rows = [r for r in rows if _all_equal(by_scope.get(r["execution_id"], {}), cs.local_correlation_keys)]
    return rows


def start_events(conn: Connection, cs: CorrelationSet) -> list[Row]:
    if cs.process_instance_id is not None or cs.executions_only:
        return []
    es = t.event_subscription
    query = select(es).where(
        es.c.process_instance_id.is_(None), es.c.event_type == "message", es.c.event_name == cs.message_name,
        *_tenant_filter(es.c.tenant_id, cs),
    ).order_by(es.c.created_date, es.c.id)
    return list(conn.execute(query).mappings())


def _variables(conn: Connection, instance_ids: set[str], names: Mapping[str, Any], *, process_scope: bool) -> dict[str, dict[str, typed.TypedValue]]:
    """{scope id: {name: value}}: the process scope (keyed by instance id) or every other scope."""
    v = t.variable
    query = select(v).where(v.c.process_instance_id.in_(instance_ids), v.c.name.in_(list(names)))
    found: dict[str, dict[str, typed.TypedValue]] = {}
    for row in conn.execute(query).mappings():
        if (row["scope_id"] == row["process_instance_id"]) != process_scope:
            continue
        found.setdefault(row["scope_id"], {})[row["name"]] = typed.decode(row)
    return found


def _all_equal(actual: Mapping[str, typed.TypedValue], expected: Mapping[str, typed.TypedValue]) -> bool:
    for name, wanted in expected.items():
        have = actual.get(name)
        if have is None:
            return False
        if typed.to_python(have) != typed.to_python(wanted):
            return False
    return True

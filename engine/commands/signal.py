"""Signals (Camunda's ``RuntimeService.createSignalEvent``): broadcast to every subscribed
execution and signal start event, or deliver to one execution."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from engine import variables as typed
from engine.errors import NullValue, ProcessEngineException
from engine.events import delivery
from engine.instance import ProcessInstanceSession
from engine.process_engine import ProcessEngine
from engine.store import tables as t


def deliver_signal(
    engine: ProcessEngine,
    name: str,
    *,
    variables: Mapping[str, typed.TypedValue] | None = None,
    execution_id: str | None = None,
    tenant_id: str | None = None,
    without_tenant_id: bool = False,
) -> None:
    with engine.database.transaction() as conn:
        if execution_id is None:
            delivery.broadcast_signal(engine, conn, name, variables, tenant_id=tenant_id,
                                      tenant_set=tenant_id is not None or without_tenant_id)
            return
        es, pi = t.event_subscription, t.process_instance
        row = conn.execute(
            select(es.c.process_instance_id, es.c.event_name)
            .join(pi, pi.c.id == es.c.process_instance_id)
            .where(es.c.execution_id == execution_id, pi.c.end_time.is_(None))
        ).all()
        if not row:
            raise NullValue(f"Cannot find execution with id '{execution_id}': execution is null")
        if not any(event_name == name for _, event_name in row):
            raise ProcessEngineException(
                f"Execution '{execution_id}' has not subscribed to a signal event with name '{name}'."
            )
        session = ProcessInstanceSession.load(engine, conn, row[0][0])
        session.variables.set_all(dict(variables or {}))
        delivery.signal_instance(session, name, execution_id)
        session.save()

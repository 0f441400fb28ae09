"""Message correlation (Camunda's ``RuntimeService.createMessageCorrelation``): deliver a message
to the one waiting execution or message start event it matches, or to all of them."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from engine import variables as typed
from engine.errors import MismatchingMessageCorrelation
from engine.events import correlation, delivery
from engine.events.correlation import CorrelationSet
from engine.instance import ProcessInstanceSession
from engine.process_engine import ProcessEngine
from engine.repository import definition_by_id


@dataclass
class CorrelationResult:
    """``resultType`` "Execution" (``execution`` set) or "ProcessDefinition" (a new instance)."""

    result_type: str
    process_instance: Mapping[str, Any]
    execution_id: str | None = None
    ended: bool = False
    variables: dict[str, typed.TypedValue] = field(default_factory=dict)


def correlate_message(
    engine: ProcessEngine,
    cs: CorrelationSet,
    *,
    correlate_all: bool = False,
    process_variables: Mapping[str, typed.TypedValue] | None = None,
    process_variables_local: Mapping[str, typed.TypedValue] | None = None,
) -> list[CorrelationResult]:
    with engine.database.transaction() as conn:
        executions = correlation.waiting_executions(conn, cs)
        starts = correlation.start_events(conn, cs)
        name = cs.message_name
        if not correlate_all:
            if len(executions) > 1:
                raise MismatchingMessageCorrelation(
                    f"ENGINE-13031 Cannot correlate a message with name '{name}' to a single execution. "
                    f"{len(executions)} executions match the correlation keys: {cs}"
                )
            if executions:
                starts = []
            elif len(starts) > 1:
                raise MismatchingMessageCorrelation(
                    f"ENGINE-13030 Cannot correlate a message with name '{name}' to a single process definition. "
                    f"{len(starts)} process definitions match the correlations keys: {cs}"
                )
            elif not starts:
                raise MismatchingMessageCorrelation(
                    f"Cannot correlate message '{name}': No process definition or execution matches the parameters"
                )
        results = _to_executions(engine, conn, cs, executions, process_variables or {}, process_variables_local or {})
        for row in starts:
            definition = definition_by_id(conn, row["process_definition_id"])
            if definition["suspended"]:
                continue
            variables = {**(process_variables or {}), **(process_variables_local or {})}
            session = delivery.start_by_event(engine, conn, definition, row["activity_id"],
                                              business_key=cs.business_key, variables=variables)
            results.append(CorrelationResult("ProcessDefinition", dict(session.row), None, session.ended,
                                             dict(session.variables.process())))
        return results


def _to_executions(
    engine: ProcessEngine,
    conn: Connection,
    cs: CorrelationSet,
    rows: list[Mapping[str, Any]],
    variables: Mapping[str, typed.TypedValue],
    local_variables: Mapping[str, typed.TypedValue],
) -> list[CorrelationResult]:
    results = []
    by_instance: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_instance.setdefault(row["process_instance_id"], []).append(row)
    for instance_id, subscriptions in by_instance.items():
        session = ProcessInstanceSession.load(engine, conn, instance_id)
        delivered = []
        for row in subscriptions:
            if session.ended:
                break
            catch = delivery.find_catch(session, row["execution_id"], "message", cs.message_name, row["activity_id"])
            delivery.set_variables(session, catch, variables, local_variables)
            delivery.deliver(session, catch)
            delivered.append(row["execution_id"])
        session.save()
        for execution_id in delivered:
            results.append(CorrelationResult("Execution", dict(session.row), execution_id, session.ended,
                                             dict(session.variables.process())))
    return results

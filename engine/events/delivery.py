"""Handing a message or signal to Spiff: to one waiting task, to an event sub-process start,
to a new instance through its start event, or to every subscriber of a signal.

Message payloads do not travel through Spiff's task data: correlation writes the message's
variables into the instance's Camunda scopes before the event is delivered, so every JUEL
expression after the catch sees them, as in Camunda.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, select

from engine.bpmn import event_names, event_scopes
from engine.errors import OptimisticLockingConflict, ProcessEngineException
from engine.events.subscriptions import Catch, waiting_catches
from engine.instance import ProcessInstanceSession, spiff_errors
from engine.repository import definition_by_id
from engine.store import tables as t
from engine.variables import TypedValue

if TYPE_CHECKING:
    from engine.process_engine import ProcessEngine

# Camunda-flavoured message definitions store their payload under this task-data name.
_RESULT_VAR = "m8flow_message"


def _event_for(definition: Any) -> BpmnEvent:
    if hasattr(definition, "result_var"):  # SpiffWorkflow.camunda's message definition
        return BpmnEvent(definition, payload={"payload": None, "result_var": _RESULT_VAR})
    return BpmnEvent(definition, payload={})


def find_catch(session: ProcessInstanceSession, execution_id: str, event_type: str, name: str, activity_id: str | None = None) -> Catch:
    for catch in waiting_catches(session):
        if (catch.execution_id == execution_id and catch.event_type == event_type and catch.event_name == name
                and (activity_id is None or catch.activity_id == activity_id)):
            return catch
    # The row said the token waits here, the instance says it moved: a concurrent command won.
    raise OptimisticLockingConflict(
        f"ENGINE-03005 Execution of 'UPDATE EventSubscriptionEntity[{execution_id}]' failed. "
        "Entity was updated by another transaction concurrently."
    )


def set_variables(session: ProcessInstanceSession, catch: Catch | None, variables: Mapping[str, TypedValue],
                  local_variables: Mapping[str, TypedValue]) -> None:
    session.variables.set_all(dict(variables))
    if not local_variables:
        return
    task = catch.task if catch is not None else None
    if task is None or task.workflow is session.workflow:
        # A top-level token runs in the process instance's execution: local is the instance.
        session.variables.set_all(dict(local_variables))
    else:
        session.variables.set_all(dict(local_variables), str(task.id), local=True)


def deliver(session: ProcessInstanceSession, catch: Catch) -> None:
    """Give the event to the waiting task (or start the event sub-process) and run on."""
    workflow = session.workflow
    assert workflow is not None
    with spiff_errors():
        task = catch.task
        if task is None:
            task = _trigger_event_subprocess(catch)
        task.task_spec.catch(task, _event_for(catch.definition))
        task.task_spec._update(task)
    session.run()


def _trigger_event_subprocess(catch: Catch) -> Any:
    assert catch.event_subprocess is not None
    subprocess = event_scopes.trigger(catch.scope, catch.event_subprocess)
    for task in subprocess.get_tasks(state=TaskState.WAITING):
        if task.task_spec.bpmn_id == catch.activity_id:
            return task
    raise ProcessEngineException(f"Event sub-process start event '{catch.activity_id}' is not waiting")


def start_by_event(
    engine: ProcessEngine,
    conn: Connection,
    definition: Mapping[str, Any],
    activity_id: str,
    *,
    business_key: str | None = None,
    variables: Mapping[str, TypedValue] | None = None,
) -> ProcessInstanceSession:
    """A new instance that begins at the given message or signal start event (the other start
    events of the process are skipped), saved."""
    session = ProcessInstanceSession.create(engine, conn, definition, business_key=business_key)
    session.variables.set_all(dict(variables or {}))
    workflow = session.workflow
    assert workflow is not None
    with spiff_errors():
        target = _advance_to_start_event(workflow, activity_id)
        target.task_spec.catch(target, _event_for(target.task_spec.event_definition))
        target.task_spec._update(target)
    session.row["start_activity_id"] = activity_id
    session.run()
    session.save()
    return session


def _advance_to_start_event(workflow: Any, activity_id: str) -> Any:
    """Run Spiff's helper tasks (Start, StartEventSplit) up to the start events, then cancel
    every start event but the one that fired."""
    for _ in range(4):
        for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY):
            if task.workflow is workflow and task.task_spec.bpmn_id == activity_id:
                for sibling in list(task.parent.children):
                    if sibling is not task and not sibling.has_state(TaskState.FINISHED_MASK):
                        sibling.cancel()
                return task
        helpers = [task for task in workflow.get_tasks(state=TaskState.READY)
                   if task.workflow is workflow and task.task_spec.bpmn_id is None]
        if not helpers:
            break
        for task in helpers:
            task.run()
    raise ProcessEngineException(f"Start event '{activity_id}' not found in the process")


def signal_instance(session: ProcessInstanceSession, name: str, execution_id: str | None = None) -> bool:
    """Every subscription of the instance to the signal catches it (or only the one of
    ``execution_id``); returns whether anything caught it."""
    catches = [c for c in waiting_catches(session) if c.event_type == "signal" and c.event_name == name]
    if execution_id is not None:
        catches = [c for c in catches if c.execution_id == execution_id]
    if not catches:
        return False
    workflow = session.workflow
    assert workflow is not None
    if execution_id is not None:
        for catch in catches:
            deliver(session, catch)
        return True
    with spiff_errors():
        workflow.event_manager.catch(BpmnEvent(event_names.named(catches[0].definition, name)), internal=False)
    session.run()
    return True


def broadcast_signal(
    engine: ProcessEngine,
    conn: Connection,
    name: str,
    variables: Mapping[str, TypedValue] | None = None,
    *,
    tenant_id: str | None = None,
    tenant_set: bool = False,
    exclude_instance: str | None = None,
) -> None:
    """Camunda's signal broadcast: every running instance subscribed to the signal catches it,
    and every latest definition with a matching signal start event starts an instance."""
    es, pi = t.event_subscription, t.process_instance
    tenant_filter = [] if not tenant_set else [es.c.tenant_id.is_(None) if tenant_id is None else es.c.tenant_id == tenant_id]
    waiting = select(es.c.process_instance_id).join(pi, pi.c.id == es.c.process_instance_id).where(
        es.c.event_type == "signal", es.c.event_name == name, pi.c.end_time.is_(None), pi.c.suspended.is_(False),
        *tenant_filter,
    ).distinct()
    instance_ids = sorted(row[0] for row in conn.execute(waiting) if row[0] != exclude_instance)
    for instance_id in instance_ids:
        session = ProcessInstanceSession.load(engine, conn, instance_id)
        session.variables.set_all(dict(variables or {}))
        if signal_instance(session, name):
            session.save()
    starts = select(es.c.process_definition_id, es.c.activity_id).where(
        es.c.process_instance_id.is_(None), es.c.event_type == "signal", es.c.event_name == name, *tenant_filter,
    )
    for definition_id, activity_id in list(conn.execute(starts)):
        definition = definition_by_id(conn, definition_id)
        if not definition["suspended"]:
            start_by_event(engine, conn, definition, activity_id, variables=variables)

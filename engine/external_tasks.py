"""External tasks inside a process instance: which parked activities are external tasks, their
rows in the ``external_task`` table, and what completing one or throwing a BPMN error at it
does to the Spiff workflow.

A token reaching an activity with ``camunda:type="external"`` (service, send and business rule
tasks; message intermediate-throw and end events) parks in Spiff state STARTED. Each save of
the instance projects those tokens into rows (one per token, keyed by the Spiff task id) and
removes the rows of tokens that moved on, were cancelled by a boundary event, or ended with
the instance. Topic and priority expressions are evaluated when the row is created, as in
Camunda.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess, SubWorkflowTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, select

from engine.bpmn import event_scopes
from engine.bpmn.script_engine import camunda, evaluate
from engine.bpmn.specs import model_has
from engine.dates import now
from engine.errors import ExpressionError, NotFound, ProcessEngineException
from engine.notify import external_tasks_changed
from engine.store import tables as t
from engine.store.hot import HotStatement

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

DEFAULT_PRIORITY = 0


def is_external(spec: Any) -> bool:
    return camunda(spec).get("attributes", {}).get("type") == "external" and not isinstance(spec, SubWorkflowTask)


def _has_external_tasks(session: ProcessInstanceSession) -> bool:
    """Whether the definition (or a process it calls) has any external activity; cached on the
    parsed spec, which lives as long as the definition version."""
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "external", is_external)


def parked_external_tasks(session: ProcessInstanceSession) -> dict[str, Any]:
    workflow = session.workflow
    assert workflow is not None
    if session.ended:
        return {}
    return {str(task.id): task for task in workflow.get_tasks(state=TaskState.STARTED) if is_external(task.task_spec)}


# Built once: every save of an instance with external activities runs them.
_EXISTING = HotStatement(
    select(t.external_task.c.id).where(t.external_task.c.process_instance_id == bindparam("instance_id"))
)
_DELETE_INCIDENTS = HotStatement(delete(t.incident).where(t.incident.c.configuration == bindparam("b_id")))
_DELETE = HotStatement(delete(t.external_task).where(t.external_task.c.id == bindparam("b_id")))
_INSERT = HotStatement(t.external_task.insert())


def sync_external_tasks(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Project the instance's parked external activities into the ``external_task`` table."""
    if not _has_external_tasks(session):
        return
    conn = session.conn
    # A new instance has no rows yet.
    existing: set[str] = set() if new_instance else set(_EXISTING.scalars(conn, {"instance_id": session.id}))
    current = {} if ended else parked_external_tasks(session)
    gone = existing - current.keys()
    if gone:
        ids = [{"b_id": task_id} for task_id in gone]
        _DELETE_INCIDENTS.run_many(conn, ids)
        _DELETE.run_many(conn, ids)
        for task_id in gone:
            session.variables.drop_scope(task_id)
    rows = [_new_row(session, task_id, task) for task_id, task in current.items() if task_id not in existing]
    if rows:
        _INSERT.run_many(conn, rows)
        external_tasks_changed(conn, {row["topic_name"] for row in rows})


def _new_row(session: ProcessInstanceSession, task_id: str, spiff_task: Any) -> dict[str, Any]:
    spec = spiff_task.task_spec
    attributes = camunda(spec).get("attributes", {})
    context = session.context_for(spiff_task, scope_id=task_id)
    element = spec.bpmn_id

    def expression(text: str | None) -> Any:
        if text is None or text == "":
            return None
        try:
            return evaluate(text, context, element_id=element)
        except ExpressionError:
            raise
        except Exception as exc:
            raise ExpressionError(f"Error while evaluating expression: {text}. Cause: {exc}") from exc

    topic = expression(attributes.get("topic"))
    if topic is None or topic == "":
        raise ProcessEngineException(f"External task '{element}' has no topic (camunda:topic)")
    assert session.workflow is not None  # the task came from it
    process_attributes = (getattr(session.workflow.spec, "extensions", None) or {}).get("camunda", {}).get("attributes", {})
    priority_text = attributes.get("taskPriority") or process_attributes.get("taskPriority")
    priority = expression(priority_text)
    try:
        priority = DEFAULT_PRIORITY if priority in (None, "") else int(priority)
    except (TypeError, ValueError) as exc:
        raise ProcessEngineException(
            f"Priority value is not an Integer nor a Long: '{priority}' (taskPriority of '{element}')"
        ) from exc
    properties = {p["name"]: p.get("value") for p in camunda(spec).get("properties", []) if p.get("name")}
    return {
        "id": task_id,
        "topic_name": str(topic),
        "worker_id": None,
        "lock_expiration_time": None,
        "retries": None,
        "error_message": None,
        "error_details": None,
        "priority": priority,
        "create_time": now(),
        "activity_id": element,
        "activity_instance_id": f"{element}:{task_id}",
        "execution_id": session.id,
        "process_instance_id": session.id,
        "process_definition_id": session.definition["id"],
        "process_definition_key": session.definition["key"],
        "process_definition_version_tag": session.definition.get("version_tag"),
        "tenant_id": session.row["tenant_id"],
        "business_key": session.row["business_key"],
        "extension_properties": json.dumps(properties) if properties else None,
        "revision": 1,
    }


def parked_task(session: ProcessInstanceSession, task_id: str) -> Any:
    """The STARTED Spiff task behind an external task row."""
    workflow = session.workflow
    assert workflow is not None
    try:
        spiff_task = workflow.get_task_from_id(UUID(task_id))
    except Exception:  # noqa: BLE001 — Spiff raises a KeyError variety for unknown ids
        spiff_task = None
    if spiff_task is None or spiff_task.state != TaskState.STARTED or not is_external(spiff_task.task_spec):
        raise NotFound(f"Cannot find external task with id {task_id}")
    return spiff_task


def complete(session: ProcessInstanceSession, task_id: str) -> None:
    """The worker finished: the token leaves the activity and the instance runs on."""
    spiff_task = parked_task(session, task_id)
    session.complete_task(spiff_task)
    session.variables.drop_scope(task_id)


def throw_bpmn_error(session: ProcessInstanceSession, task_id: str, error_code: str, error_message: str | None) -> bool:
    """Camunda's ``propagateBpmnError``: the nearest enclosing error boundary event that catches
    the code (on the activity, then on each enclosing sub-process) takes the token, else an
    error event sub-process of an enclosing scope. Without either, the execution ends silently,
    as Camunda does by default. Returns whether it was caught."""
    spiff_task = parked_task(session, task_id)
    definition = ErrorEventDefinition(error_code, code=error_code)
    event = BpmnEvent(definition, payload={"errorCode": error_code, "errorMessage": error_message})
    current: Any = spiff_task
    while current is not None:
        catcher = _catching_boundary_event(current, event)
        if catcher is not None:
            _spiff(lambda catcher=catcher: _catch(catcher, event))
            session.variables.drop_scope(task_id)
            session.run()
            return True
        current = _enclosing_activity(current)
    start = _error_event_sub_process_start(spiff_task, event)
    if start is not None:
        workflow, event_subprocess, start_id = start

        def trigger() -> None:
            subprocess = event_scopes.trigger(workflow, event_subprocess)
            for waiting in subprocess.get_tasks(state=TaskState.WAITING):
                if waiting.task_spec.bpmn_id == start_id:
                    _catch(waiting, event)
                    return
            raise ProcessEngineException(f"Error start event '{start_id}' of '{event_subprocess}' is not waiting")

        _spiff(trigger)
        session.variables.drop_scope(task_id)
        session.run()
        return True
    _spiff(lambda: _end_branch(spiff_task))
    session.variables.drop_scope(task_id)
    session.run()
    return False


def _error_event_sub_process_start(spiff_task: Any, event: BpmnEvent) -> tuple[Any, str, str] | None:
    """The error event sub-process that takes an error no boundary event caught: the nearest
    one, in the task's own scope first, then in each enclosing one (Camunda's propagation).
    Returns (workflow of that scope, event sub-process spec name, error start event id)."""
    workflow = spiff_task.workflow
    while workflow is not None:
        for spec in workflow.spec.task_specs.values():
            if not isinstance(spec, EventSubprocess):
                continue
            sub_spec = workflow.top_workflow.subprocess_specs.get(spec.spec)
            if sub_spec is None:
                continue
            for start in sub_spec.start.outputs:
                definition = getattr(start, "event_definition", None)
                if isinstance(definition, ErrorEventDefinition) and definition.catches(None, event):
                    return workflow, spec.name, start.bpmn_id
        workflow = getattr(workflow, "parent_workflow", None)
    return None


def _catch(catcher: Any, event: BpmnEvent) -> None:
    catcher.task_spec.catch(catcher, event)
    catcher.task_spec._update(catcher)


def _catching_boundary_event(spiff_task: Any, event: BpmnEvent) -> Any:
    parent = spiff_task.parent
    if parent is None:
        return None
    candidates = [
        sibling for sibling in parent.children
        if sibling is not spiff_task and isinstance(sibling.task_spec, BoundaryEvent)
        and isinstance(sibling.task_spec.event_definition, ErrorEventDefinition)
        and sibling.task_spec.catches(sibling, event)
    ]
    # A boundary event naming the code wins over a catch-all one (no errorRef / no code).
    candidates.sort(key=lambda task: task.task_spec.event_definition.code is None)
    return candidates[0] if candidates else None


def _enclosing_activity(spiff_task: Any) -> Any:
    """The sub-process or call activity task whose workflow holds ``spiff_task``."""
    workflow = spiff_task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    if parent_id is None:
        return None
    top = workflow.top_workflow
    try:
        return top.get_task_from_id(parent_id)
    except Exception:  # noqa: BLE001
        return None


def _end_branch(spiff_task: Any) -> None:
    # The activity goes with its boundary events: cancel the split that holds them all.
    parent = spiff_task.parent
    if parent is not None and any(isinstance(child.task_spec, BoundaryEvent) for child in parent.children):
        parent.cancel()
    else:
        spiff_task.cancel()


def _spiff(action: Any) -> Any:
    try:
        return action()
    except SpiffWorkflowException as exc:
        cause = exc.__cause__ or getattr(exc, "exception", None)
        if isinstance(cause, ProcessEngineException):
            raise cause from exc
        raise ProcessEngineException(str(exc)) from exc


def extension_properties(row: Mapping[str, Any]) -> dict[str, Any]:
    text = row.get("extension_properties")
    return json.loads(text) if text else {}

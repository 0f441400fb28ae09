"""Conditional events. A waiting conditional catch or boundary event fires once its
condition holds: SpiffWorkflow evaluates it whenever the instance runs, so any command that
moves the instance triggers it. Camunda also evaluates conditions when a variable is set
from outside, through the variables REST resources, which write their rows without running
the instance: those call ``variables_changed``. Conditional start events of event
sub-processes are evaluated here, when a command sets variables (``on_save``) and in
``variables_changed``. Not done: ``camunda:variableName`` / ``variableEvents`` filters (any
change of any variable evaluates every condition) and conditional start events of processes
(``POST /condition``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, select

from engine.bpmn import event_scopes
from engine.bpmn.specs import model_has
from engine.process_engine import ProcessEngine
from engine.store import tables as t
from engine.workflow_cache import fingerprint

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

def has_conditional_events(spec: Any, subprocess_specs: Mapping[str, Any]) -> bool:
    """Cached on the parsed spec, which lives as long as the definition version."""
    return model_has(spec, subprocess_specs, "conditional_events",
                     lambda task_spec: isinstance(getattr(task_spec, "event_definition", None), ConditionalEventDefinition))


def variables_changed(engine: ProcessEngine, conn: Connection, instance_id: str) -> None:
    """Variables of the instance were written directly: run it, so its waiting conditional
    events see them (only if its definition has any)."""
    from engine.instance import ProcessInstanceSession, spiff_errors

    pi = t.process_instance
    definition_id = conn.execute(
        select(pi.c.process_definition_id).where(pi.c.id == instance_id, pi.c.end_time.is_(None))
    ).scalar()
    if definition_id is None:
        return
    spec, subprocess_specs = engine.specs.get(conn, engine.specs.definition(conn, definition_id))
    if not has_conditional_events(spec, subprocess_specs):
        return
    session = ProcessInstanceSession.load(engine, conn, instance_id)
    workflow = session.workflow
    assert workflow is not None
    before = fingerprint(workflow)
    with spiff_errors():
        for scope in (workflow, *workflow.subprocesses.values()):
            scope.update_waiting_tasks()  # a conditional event whose condition holds is ready
        start_event_subprocesses(workflow)
    session.run()
    if fingerprint(workflow) != before:
        session.save()


def start_event_subprocesses(workflow: Any) -> bool:
    """Start each event sub-process of a running scope whose conditional start event's
    condition holds now (Camunda evaluates them when variables change); True if any did."""
    started = False
    for scope in event_scopes.scopes(workflow):
        for name, start in list(event_scopes.triggered_starts(scope)):
            definition = getattr(start, "event_definition", None)
            if not isinstance(definition, ConditionalEventDefinition) or event_scopes.is_interrupted(scope):
                continue
            if not workflow.script_engine.evaluate(scope.task_tree, definition.expression):
                continue
            subprocess = event_scopes.trigger(scope, name)
            for task in subprocess.get_tasks(state=TaskState.WAITING):
                if task.task_spec.bpmn_id == start.bpmn_id:
                    task.task_spec._update(task)
            started = True
    return started


def on_save(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """``before_save`` step: a command that set variables (completing a task with variables,
    a message's payload...) starts the conditional event sub-processes they satisfy."""
    workflow = session.workflow
    if ended or workflow is None or not has_conditional_events(workflow.spec, workflow.subprocess_specs):
        return
    written, removed = session.variables.changes()
    if not written and not removed:
        return
    from engine.instance import spiff_errors

    with spiff_errors():
        started = start_event_subprocesses(workflow)
    if started:
        session.run()

"""Activity lifecycle: input/output mappings, execution listeners and task listeners, in
Camunda's order.

    activity start:  input parameters -> execution listeners "start"
                     (user task) row created -> task listeners "create" [-> "assignment"]
    user task done:  task listeners "complete"
    activity end:    output parameters -> execution listeners "end" -> local scope dropped
    sequence flow:   execution listeners "take", after the source ended
    waiting:         user tasks, catch events, receive tasks and event-based gateways start
                     when the token arrives (after the "take" of its flow), not when they run
    cancelled:       (user task) task listeners "delete" -> execution listeners "end",
                     innermost activity first; no output parameters
    process:         execution listeners "start" before the first element, "end" after the last

Engine-run elements start in ``will_complete`` (before Spiff runs them) and end in
``did_complete``; elements that wait (a user task READY, a catch event WAITING) start when
the completion before them made them so, in ``did_complete``, or in an after-steps hook when
no completion placed them (modification); enclosing sub-processes start lazily, before the
first element inside them runs. Spiff
has no step for a sequence flow: a flow is taken when its source completes and the target's
task became definite (``take`` listeners sit on the source spec, see ``engine.bpmn.dialect``).
Spiff cancels tasks without a hook either: started activities whose cancellation runs
listeners are tracked per command and looked at after every completion (interrupting boundary
events, terminate end events, event sub-processes) and before the instance is saved
(modification); ``fire_for_deletion`` serves a deleted instance. A user task cancelled in the
command that created it runs its "create" listeners (on the row it would have had) before
"delete". ``skip_custom_listeners`` silences every listener of the command. A listener is ``expression``
(JUEL), ``script`` (Python) or ``class``/``delegateExpression`` (a registered handler, see
``engine.delegates``).
"""
from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    EventBasedGateway,
    IntermediateCatchEvent,
    ReceiveTask,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from engine.bpmn.activity_types import activity_type
from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import PYTHON_FORMATS, ExpressionContext, run_python
from engine.bpmn.specs import model_has
from engine.delegate_task import TaskBean
from engine.delegates import invoke
from engine.errors import ScriptEvaluationError
from engine.io_mappings import apply_inputs, apply_outputs
from engine.jobs import task_timeouts
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

_STARTED = "m8flow_started"
_ENDED = "m8flow_cancel_listened"  # the cancellation listeners ran (never twice)
# User tasks created in this command whose "create" listeners run once their row exists.
_created: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
# Started activities whose cancellation runs listeners, by Spiff task id (see open_activities).
_open: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()
# Sessions that run no custom listeners (skipCustomListeners=true).
_skipping: weakref.WeakSet[Any] = weakref.WeakSet()
# Elements a token waits in once it arrived WAITING (user tasks wait READY).
_CATCHING = (IntermediateCatchEvent, ReceiveTask, EventBasedGateway)


def _needs_lifecycle(session: ProcessInstanceSession) -> bool:
    """Whether any element of the definition has mappings or listeners (cached on the spec)."""
    workflow = session.workflow
    assert workflow is not None
    cached = getattr(workflow.spec, "_m8flow_lifecycle", None)
    if cached is None:
        specs = [workflow.spec, *workflow.subprocess_specs.values()]
        keys = ("inputOutput", "executionListeners", "taskListeners")
        cached = any(key in camunda_of(ts) for process in specs for ts in [process, *process.task_specs.values()]
                     for key in keys) or any(
            "takeListeners" in (getattr(ts, "extensions", None) or {})
            for process in specs for ts in process.task_specs.values())
        workflow.spec._m8flow_lifecycle = cached
    return bool(cached)


def _is_activity(spec: Any) -> bool:
    return activity_type(spec) is not None and not isinstance(spec, MultiInstanceTask)


# -- hooks ------------------------------------------------------------------------------------
def will_complete(session: ProcessInstanceSession, spiff_task: Any) -> None:
    if not _needs_lifecycle(session):
        return
    if session not in _open:
        open_activities(session)  # before anything in this command can be cancelled
    spec = spiff_task.task_spec
    if spec.name == "Start" and spiff_task.workflow is spiff_task.workflow.top_workflow:
        _process_listeners(session, spiff_task, "start")
    start_activity(session, spiff_task)
    if isinstance(spec, UserTask) and spiff_task.state == TaskState.READY:
        fire_task_listeners(session, spiff_task, "complete")


def did_complete(session: ProcessInstanceSession, spiff_task: Any) -> None:
    if _open and _open.get(session):
        end_cancelled_activities(session)  # what this completion interrupted ends first
    if spiff_task.state != TaskState.COMPLETED:
        return
    spec = spiff_task.task_spec
    if isinstance(spec, MultiInstanceTask):
        # The body's counters, and instances a completion condition cancelled.
        for child in spiff_task.children:
            session.variables.drop_scope(str(child.id))
        session.variables.drop_scope(str(spiff_task.id))
    else:
        if _needs_lifecycle(session):
            if _is_activity(spec):
                apply_outputs(session, spiff_task)
                fire_execution_listeners(session, spiff_task, "end")
            if spiff_task.workflow is spiff_task.workflow.top_workflow and (
                    spec.name == "End" or isinstance(getattr(spec, "event_definition", None), TerminateEventDefinition)):
                _process_listeners(session, spiff_task, "end")  # a terminate end event ends it too
        if not isinstance(spec, UserTask):
            session.variables.drop_scope(str(spiff_task.id))
    take = (getattr(spec, "extensions", None) or {}).get("takeListeners")
    if take:
        _fire_take_listeners(session, spiff_task, take)
    if _needs_lifecycle(session):
        for child in spiff_task.children:
            if _arrived(child):
                _arrive(session, child)


def start_waiting_activities(session: ProcessInstanceSession) -> bool:
    """After-steps hook: elements that wait and no completion started (modification)."""
    if not _needs_lifecycle(session):
        return False
    assert session.workflow is not None
    for spiff_task in session.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if _arrived(spiff_task):
            _arrive(session, spiff_task)
    return False


def _arrived(spiff_task: Any) -> bool:
    """A token waits here and the element has not started yet: a READY user task, a WAITING
    catch event, receive task or event-based gateway (the events after a gateway start only
    when theirs arrives, as in Camunda)."""
    if spiff_task.internal_data.get(_STARTED):
        return False
    spec = spiff_task.task_spec
    if isinstance(spec, UserTask):
        return spiff_task.state == TaskState.READY
    return isinstance(spec, _CATCHING) and spiff_task.state == TaskState.WAITING


def _arrive(session: ProcessInstanceSession, spiff_task: Any) -> None:
    """Start an element the token waits in; a user task's "create" listeners follow once its
    row exists (``fire_task_create_listeners``)."""
    start_activity(session, spiff_task)
    if isinstance(spiff_task.task_spec, UserTask) and camunda_of(spiff_task.task_spec).get("taskListeners"):
        _created.setdefault(session, []).append(spiff_task)
        task_timeouts.schedule(session, spiff_task)


def start_activity(session: ProcessInstanceSession, spiff_task: Any) -> None:
    """Inputs and start listeners, once per activity instance, enclosing sub-processes first."""
    if spiff_task.internal_data.get(_STARTED):
        return
    parent_id = getattr(spiff_task.workflow, "parent_task_id", None)
    if parent_id is not None:
        start_activity(session, spiff_task.workflow.top_workflow.get_task_from_id(parent_id))
    spiff_task.internal_data[_STARTED] = True
    if not _is_activity(spiff_task.task_spec):
        return
    opened = _open.get(session)
    if opened is not None and _listens_on_cancel(spiff_task.task_spec):
        opened[spiff_task.id] = spiff_task
    apply_inputs(session, spiff_task)
    fire_execution_listeners(session, spiff_task, "start")


# -- execution listeners ----------------------------------------------------------------------
def fire_execution_listeners(session: ProcessInstanceSession, spiff_task: Any, event: str) -> None:
    if session in _skipping:
        return
    listeners = [entry for entry in camunda_of(spiff_task.task_spec).get("executionListeners", [])
                 if entry.get("event") == event]
    for listener in listeners:
        context = session.context_for(spiff_task)
        context.event_name = event
        _notify(session, listener, context, spiff_task.task_spec.bpmn_id)


def _fire_take_listeners(session: ProcessInstanceSession, spiff_task: Any, take: dict[str, list[Any]]) -> None:
    """``take`` listeners of the flows to the targets this completion activated (a target
    task that became definite; a flow Spiff did not follow leaves no such child)."""
    if session in _skipping:
        return
    for child in spiff_task.children:
        flows = take.get(child.task_spec.name)
        if not flows or not child.has_state(TaskState.DEFINITE_MASK | TaskState.COMPLETED):
            continue
        for flow in flows:
            for listener in flow["listeners"]:
                context = session.context_for(spiff_task)
                # The source activity ended: its own scope is no longer the execution's.
                context.outer_scopes = tuple(s for s in context.outer_scopes if s != str(spiff_task.id))
                context.event_name = "take"
                context.transition_id = flow["flow"]
                _notify(session, listener, context, flow["flow"])


def _process_listeners(session: ProcessInstanceSession, spiff_task: Any | None, event: str) -> None:
    assert session.workflow is not None
    if session in _skipping:
        return
    listeners = [entry for entry in camunda_of(session.workflow.spec).get("executionListeners", [])
                 if entry.get("event") == event]
    for listener in listeners:
        context = session.context_for(None)
        context.event_name = event
        _notify(session, listener, context, session.definition["key"])


def _notify(session: ProcessInstanceSession, listener: dict[str, Any], context: ExpressionContext,
            element: str | None, argument: Any = None) -> None:
    script = listener.get("script")
    if script:
        _run_script(session, script, context, element)
    elif any(listener.get(key) for key in ("class", "delegateExpression", "expression")):
        invoke(listener, context, element, argument, listener=True)


def _run_script(session: ProcessInstanceSession, script: dict[str, Any], context: ExpressionContext, element: str | None) -> None:
    script_format = (script.get("scriptFormat") or "python").lower()
    if script_format not in PYTHON_FORMATS:
        raise ScriptEvaluationError(
            f"Listener script of '{element}' is written in {script_format}; m8flow runs Python scripts only. "
            "Convert it with `m8flow migrate convert` or port it to Python."
        )
    if not session.engine.settings.scripts_enabled:
        raise ScriptEvaluationError(
            f"Listener script of '{element}': inline scripts are disabled (M8FLOW_SCRIPTS_ENABLED=false)."
        )
    if not script.get("text"):
        raise ScriptEvaluationError(f"Listener script of '{element}': external script resources are not supported")
    extra = {"task": context.resolve("task")} if context.event_name in TASK_EVENTS else None
    run_python(script["text"], context, f"listener of {element}", element, extra)


# -- cancelled activities ---------------------------------------------------------------------
def _listens_on_cancel(spec: Any) -> bool:
    """An activity with "end" execution listeners, or a user task with "delete" listeners."""
    cached = getattr(spec, "_m8flow_cancel_listeners", None)
    if cached is None:
        camunda = camunda_of(spec)
        cached = _is_activity(spec) and (
            any(entry.get("event") == "end" for entry in camunda.get("executionListeners", []))
            or (isinstance(spec, UserTask) and any(entry.get("event") == "delete"
                                                   for entry in camunda.get("taskListeners", [])))
        )
        spec._m8flow_cancel_listeners = cached
    return bool(cached)


def _has_cancel_listeners(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    assert workflow is not None
    return _any_cancel_listeners(workflow.spec, workflow.subprocess_specs)


def _any_cancel_listeners(spec: Any, subprocess_specs: Mapping[str, Any]) -> bool:
    return model_has(spec, subprocess_specs, "cancel_listeners", _listens_on_cancel)


def deletion_runs_listeners(spec: Any, subprocess_specs: Mapping[str, Any]) -> bool:
    """Whether deleting an instance of the definition runs listeners (without loading it)."""
    process_end = any(entry.get("event") == "end" for entry in camunda_of(spec).get("executionListeners", []))
    return process_end or _any_cancel_listeners(spec, subprocess_specs)


def _tasks(session: ProcessInstanceSession, state: int) -> list[Any]:
    """Tasks in a state, in the instance and in every sub-process (cancelled ones included)."""
    workflow = session.workflow
    assert workflow is not None
    found = {task.id: task for task in workflow.get_tasks(state=state)}
    for inner in workflow.subprocesses.values():
        found.update((task.id, task) for task in inner.get_tasks(state=state) if task.workflow is inner)
    return list(found.values())


def open_activities(session: ProcessInstanceSession) -> dict[Any, Any] | None:
    """This command's started activities whose cancellation runs listeners (None: the
    definition has none). Built once per command; ``start_activity`` adds to it."""
    if not _has_cancel_listeners(session):
        return None
    opened = _open.get(session)
    if opened is None:
        opened = {
            task.id: task for task in _tasks(session, TaskState.NOT_FINISHED_MASK | TaskState.CANCELLED)
            if task.internal_data.get(_STARTED) and not task.internal_data.get(_ENDED)
            and _listens_on_cancel(task.task_spec)
        }
        _open[session] = opened
    return opened


def skip_custom_listeners(session: ProcessInstanceSession) -> None:
    """No listener runs in this command (Camunda's ``skipCustomListeners``): neither of the
    activities it cancels nor of those it starts, task listeners included (Camunda's task
    takes the flag from its execution)."""
    _skipping.add(session)


def end_cancelled_activities(session: ProcessInstanceSession) -> None:
    """Tracked activities Spiff cancelled (or dropped from the tree) end: task "delete" and
    execution "end" listeners, innermost first."""
    opened = open_activities(session)
    if not opened:
        return
    cancelled = []
    for task_id, task in list(opened.items()):
        if task.state == TaskState.COMPLETED:
            del opened[task_id]
        elif task.state == TaskState.CANCELLED or task.workflow.tasks.get(task.id) is not task:
            del opened[task_id]
            cancelled.append(task)
    _end(session, cancelled)


def end_cancelled_on_save(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection, before the user task rows go: cancellations outside a completion
    (process-instance modification) end their activities too."""
    if _open.get(session) or (session not in _open and not new_instance and _needs_lifecycle(session)):
        end_cancelled_activities(session)


def fire_for_deletion(session: ProcessInstanceSession) -> None:
    """A deleted instance: its running activities end, innermost first, then the process."""
    _end(session, [task for task in _tasks(session, TaskState.NOT_FINISHED_MASK)
                   if task.internal_data.get(_STARTED) and _listens_on_cancel(task.task_spec)])
    _process_listeners(session, None, "end")


def _end(session: ProcessInstanceSession, cancelled: list[Any]) -> None:
    for task in sorted(cancelled, key=_depth, reverse=True):
        task.internal_data[_ENDED] = True
        if session in _skipping:
            continue
        if isinstance(task.task_spec, UserTask):
            row = _pending_row(session, task)
            if row is not None:
                fire_task_listeners(session, task, "create", row=row)
            fire_task_listeners(session, task, "delete", row=row)
        fire_execution_listeners(session, task, "end")


def _pending_row(session: ProcessInstanceSession, spiff_task: Any) -> dict[str, Any] | None:
    """The row of a user task created in this command whose "create" listeners have not run
    (no row yet): Camunda runs them at creation, so they run before the task's "delete"."""
    created = _created.get(session)
    if not created or spiff_task not in created:
        return None
    created.remove(spiff_task)
    from engine.user_tasks import new_task_row

    return new_task_row(session, spiff_task)


def _depth(task: Any) -> int:
    in_body = task.parent is not None and isinstance(task.parent.task_spec, MultiInstanceTask)
    return 2 * getattr(task.workflow, "depth", 0) + (1 if in_body else 0)


# -- task listeners ---------------------------------------------------------------------------
TASK_EVENTS = ("create", "assignment", "update", "complete", "delete", "timeout")


def task_listens(spec: Any, events: list[str]) -> bool:
    """Whether a user task spec has task listeners for any of ``events``."""
    return spec is not None and any(entry.get("event") in events for entry in camunda_of(spec).get("taskListeners", []))


def fire_task_listeners(session: ProcessInstanceSession, spiff_task: Any, event: str, listener_id: str | None = None,
                        row: dict[str, Any] | None = None) -> None:
    """The task listeners of ``event`` (only the one with ``listener_id``: a timeout). ``row``
    stands in for a task that never got one (created and cancelled in one command): changes
    go to it instead of the table."""
    if session in _skipping:
        return
    listeners = [entry for entry in camunda_of(spiff_task.task_spec).get("taskListeners", [])
                 if entry.get("event") == event and (listener_id is None or entry.get("id") == listener_id)]
    if not listeners:
        return
    task_id = str(spiff_task.id)
    stored = row is None
    if row is None:
        found = session.conn.execute(select(t.task).where(t.task.c.id == task_id)).mappings().first()
        if found is None:
            return
        row = dict(found)
    context = session.context_for(spiff_task, scope_id=task_id)
    context.event_name = event
    bean = TaskBean(row, context, event)
    context.add_bean("task", bean)
    for listener in listeners:
        _notify(session, listener, context, spiff_task.task_spec.bpmn_id, bean)
    if not stored:
        row.update(bean.changes)
    elif bean.changes:
        session.conn.execute(update(t.task).where(t.task.c.id == task_id).values(**bean.changes))
    if bean.candidates and stored:
        session.conn.execute(t.identity_link.insert(), [
            {"task_id": task_id, "type": "candidate", "user_id": user, "group_id": group}
            for user, group in bean.candidates
        ])
    if event == "create" and bean.getAssignee() is not None:
        fire_task_listeners(session, spiff_task, "assignment", row=None if stored else row)


def fire_task_create_listeners(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection, after the user task rows: "create" listeners of tasks created now."""
    created = _created.pop(session, None)
    if not created or ended:
        return
    for spiff_task in created:
        if spiff_task.state == TaskState.READY:
            fire_task_listeners(session, spiff_task, "create")

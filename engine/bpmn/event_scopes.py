"""Event sub-processes in every scope: the process and each embedded sub-process.

Camunda scopes an event sub-process to the process or sub-process that contains it: it can
start while that scope runs, an interrupting one cancels the rest of that scope only, and it
stops listening when the scope completes. SpiffWorkflow 3.2.0 falls short in three places,
which ``apply()`` (called by ``engine.bpmn.spiff_fixes``) patches:

* ``EventManager.update_collaboration`` starts only the top process's event sub-processes, so a
  message or signal never starts one inside a sub-process;
* ``EventManager.catch`` walks an error or escalation out from the scope that threw it, looking
  at each scope's waiting tasks (boundary events) but not at its event sub-processes;
* a scope's end (``_EndJoin``) waits for every event sub-process still waiting for its start
  event (a timer), so a process or sub-process with one never completes.

The helpers below are what event subscriptions, delivery and the interrupting hook use.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import CodeEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.bpmn.util.event import EventManager
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import event_names

# Set on a scope's root task once an interrupting event sub-process of it has started: the
# rest of the scope is gone, so no other event sub-process of it may start (as in Camunda).
INTERRUPTED = "m8flow_scope_interrupted"
_PREPARED = "_m8flow_event_subprocesses_ready"
_preparing = threading.Lock()
_RUNNING = TaskState.WAITING | TaskState.READY | TaskState.STARTED | TaskState.ERROR


def scopes(workflow: Any) -> list[Any]:
    """The process and every sub-process of it that still runs, outermost first."""
    top = workflow.top_workflow
    running = [sub for sub in top.subprocesses.values() if not sub.completed]
    return [top, *sorted(running, key=lambda sub: sub.depth)]


def execution_id(scope: Any, instance_id: str) -> str:
    """The scope's execution: the instance for the process, else the sub-process activity."""
    return instance_id if scope.parent_task_id is None else str(scope.parent_task_id)


def is_interrupted(scope: Any) -> bool:
    return bool(scope.task_tree.internal_data.get(INTERRUPTED))


def triggered_starts(scope: Any) -> Iterator[tuple[str, Any]]:
    """``(event sub-process name, start event spec)`` for each start event of the scope's event
    sub-processes that an event triggers (message, signal, error, escalation)."""
    if is_interrupted(scope):
        return
    specs = scope.top_workflow.subprocess_specs
    for name in scope.spec.start.trigger_specs:
        for start in getattr(specs.get(name), "bpmn_start_events", ()):
            yield name, start


def prepare(workflow: Any) -> None:
    """Spiff's ``trigger_wf`` connects ``Start`` to an event sub-process the first time one is
    triggered, changing the spec: with specs cached per definition, every later instance would
    then run the event sub-process from its start. Connect each one once, to its scope's end
    only, and mark ``Start`` as its input so Spiff leaves the spec alone."""
    top = workflow.top_workflow
    if getattr(top.spec, _PREPARED, False):
        return
    with _preparing:  # the specs are shared by every command on the definition, in any thread
        if getattr(top.spec, _PREPARED, False):
            return
        for spec in (top.spec, *top.subprocess_specs.values()):
            for name in spec.start.trigger_specs:
                event_subprocess = spec.task_specs.get(name)
                if event_subprocess is not None and spec.start not in event_subprocess.inputs:
                    event_subprocess._inputs.append(spec.start.name)
                    event_subprocess.connect(spec.end)
        setattr(top.spec, _PREPARED, True)


def trigger(scope: Any, name: str) -> Any:
    """Start the event sub-process ``name`` of ``scope``; returns its workflow."""
    prepare(scope)
    child_id = scope.spec.start.trigger_wf(scope.task_tree, name)
    # Spiff adds the task without predicting its children: once done it would lead nowhere,
    # and its scope would never reach its end.
    task = scope.tasks[child_id]
    task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    return scope.top_workflow.subprocesses[child_id]


def waiting_start(subprocess: Any, start_name: str) -> Any:
    return subprocess.get_next_task(state=TaskState.WAITING, spec_name=start_name)


def is_listening(task: Any) -> bool:
    """An event sub-process task that waits for its start event and runs nothing yet."""
    if not isinstance(task.task_spec, EventSubprocess):
        return False
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    if subprocess is None:
        return not task.has_state(TaskState.STARTED)
    return all(
        isinstance(inner.task_spec, StartEvent) and inner.state == TaskState.WAITING
        for inner in subprocess.tasks.values() if inner.has_state(_RUNNING)
    )


# -- the patches ---------------------------------------------------------------------------
def _update_collaboration(self: EventManager, event: Any) -> None:
    # Errors and escalations reach this only after walking out of every scope (``_catch``):
    # only the process's own event sub-processes are left for them, as in Spiff.
    top = self.workflow
    candidates = [top] if isinstance(event.event_definition, CodeEventDefinition) else scopes(top)
    for scope in candidates:
        for name, start in triggered_starts(scope):
            if event_names.catches(scope.task_tree, start.event_definition, event):
                subprocess = _waiting_event_subprocess(scope, start.name) or trigger(scope, name)
                subprocess.correlations.update(event.correlations)


def _waiting_event_subprocess(scope: Any, start_name: str) -> Any:
    for subprocess in scope.top_workflow.subprocesses.values():
        if (not subprocess.completed and subprocess.parent_workflow is scope
                and waiting_start(subprocess, start_name) is not None):
            return subprocess
    return None


_spiff_catch = EventManager.catch


def _catch(self: EventManager, event: Any, internal: bool = True) -> int:
    scope = event.target
    if scope is not None and scope.parent_task_id is not None:
        waiting = any(task.workflow is scope and task.task_spec.event_definition.catches(task, event)
                      for task in self.tasks.values())
        if not waiting:
            for name, start in triggered_starts(scope):
                if start.event_definition == event.event_definition:
                    task = waiting_start(trigger(scope, name), start.name)
                    task.task_spec.catch(task, event)
                    task.task_spec._update(task)
                    return 1
    return int(_spiff_catch(self, event, internal) or 0)


_spiff_end_threshold = _EndJoin._check_threshold_unstructured
_spiff_end_run = _EndJoin._run_hook


def _end_threshold(self: Any, my_task: Any) -> bool:
    # Spiff's check, except that a listening event sub-process (and what it predicts) does
    # not hold the end back.
    stack = [my_task.workflow.task_tree]
    while stack:
        task = stack.pop()
        if task is not my_task and not task.has_state(TaskState.FINISHED_MASK):
            if not is_listening(task):
                return False
            continue
        if task.task_spec.name != self.name:
            stack.extend(task.children)
    return True


def _end_run(self: Any, my_task: Any) -> bool:
    for task in list(my_task.workflow.task_tree.children):
        if not task.has_state(TaskState.FINISHED_MASK) and is_listening(task):
            task.cancel()
    return bool(_spiff_end_run(self, my_task))


def apply() -> None:
    EventManager.update_collaboration = _update_collaboration  # type: ignore[method-assign]
    EventManager.catch = _catch  # type: ignore[method-assign]
    _EndJoin._check_threshold_unstructured = _end_threshold  # type: ignore[method-assign]
    _EndJoin._run_hook = _end_run  # type: ignore[method-assign]

"""What the runtime adds to Spiff's event handling while an instance runs:

* an interrupting event sub-process cancels the rest of its scope (the process or the
  embedded sub-process that holds it) when its start event fires (Spiff ignores
  ``isInterrupting`` and lets the main flow run on);
* a signal thrown by an intermediate throw or end event reaches the whole engine (other
  instances and signal start events) when the instance is saved, not only its own instance;
* events Spiff could not deliver inside the instance are dropped instead of piling up in the
  serialized state (Camunda has no such queue).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import event_names, event_scopes
from engine.events.subscriptions import has_expression_names, waiting_catches

if TYPE_CHECKING:
    from engine.behaviours import Behaviours
    from engine.instance import ProcessInstanceSession

_thrown_signals: WeakKeyDictionary[Any, list[str]] = WeakKeyDictionary()


def prepare_event_subprocesses(session: ProcessInstanceSession, task: Any) -> None:
    """Before Spiff may trigger one from inside (an error, a signal): see ``event_scopes.prepare``."""
    event_scopes.prepare(task.workflow)


def interrupt_scope(session: ProcessInstanceSession, task: Any) -> None:
    spec = task.task_spec
    if not isinstance(spec, StartEvent) or task.state != TaskState.COMPLETED:
        return
    workflow = task.workflow
    parent_id = workflow.parent_task_id
    if parent_id is None:
        return
    parent = workflow.top_workflow.get_task_from_id(parent_id)
    if parent is None or not isinstance(parent.task_spec, EventSubprocess):
        return
    if not (getattr(spec, "extensions", None) or {}).get("isInterrupting", True):
        return
    scope = parent.workflow
    scope.task_tree.internal_data[event_scopes.INTERRUPTED] = True
    for child in list(scope.task_tree.children):
        if child is not parent:
            child.cancel()


def note_thrown_signal(session: ProcessInstanceSession, task: Any) -> None:
    spec = task.task_spec
    if (isinstance(spec, ThrowingEvent) and isinstance(getattr(spec, "event_definition", None), SignalEventDefinition)
            and task.state == TaskState.COMPLETED):
        _thrown_signals.setdefault(session, []).append(event_names.resolve(task, spec.event_definition))


def resolve_event_names(session: ProcessInstanceSession) -> bool:
    """Subscriptions with ``${…}`` names resolve as their tokens arrive, before the instance
    is saved (``engine.bpmn.event_names``). Never moves a token."""
    if has_expression_names(session):
        waiting_catches(session)
    return False


def drop_undelivered_events(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    if workflow is not None and workflow.bpmn_events:
        workflow.get_events()
    return False


def broadcast_thrown_signals(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection, after the instance's own rows are written: other instances catch the
    signals this command threw (the throwing instance already caught them itself)."""
    names = _thrown_signals.pop(session, None)
    if not names:
        return
    from engine.events.delivery import broadcast_signal

    tenant = session.row["tenant_id"]
    for name in names:
        broadcast_signal(session.engine, session.conn, name, tenant_id=tenant, tenant_set=tenant is not None,
                         exclude_instance=session.id)


def register(behaviours: Behaviours) -> None:
    behaviours.will_complete_hooks.append(prepare_event_subprocesses)
    behaviours.did_complete_hooks.extend([interrupt_scope, note_thrown_signal])
    behaviours.after_steps_hooks.extend([resolve_event_names, drop_undelivered_events])

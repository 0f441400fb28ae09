"""Event subscriptions of running instances: which tokens wait for which message or signal.

A subscription is one waiting Spiff task (intermediate catch event, boundary event, receive
task, one branch of an event-based gateway) or one message/signal start event of an event
sub-process of a running scope (the process, or an embedded sub-process: its execution).
Names written as ``${…}`` are resolved once per subscription (``engine.bpmn.event_names``).
Each save projects them into ``event_subscription`` rows, keyed by (execution, type, name,
activity), so correlation can find them with one query.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from engine.bpmn import event_names, event_scopes
from engine.bpmn.specs import model_has
from engine.dates import now
from engine.ids import new_id
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

@dataclass(frozen=True)
class Catch:
    """One subscription: ``task`` is the waiting Spiff task, or None for an event
    sub-process start (``event_subprocess`` names its spec, ``scope`` is the workflow it
    starts in); ``definition`` is the Spiff event definition an event must equal to be caught."""

    event_type: str
    event_name: str
    activity_id: str
    execution_id: str
    task: Any
    definition: Any
    event_subprocess: str | None = None
    scope: Any = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.execution_id, self.event_type, self.event_name, self.activity_id)


def event_type_of(definition: Any) -> str | None:
    if isinstance(definition, MessageEventDefinition):
        return "message"
    if isinstance(definition, SignalEventDefinition):
        return "signal"
    return None


def waiting_catches(session: ProcessInstanceSession) -> list[Catch]:
    workflow = session.workflow
    assert workflow is not None
    catches: list[Catch] = []
    for task in list(workflow.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        spec = task.task_spec
        definition = spec.event_definition
        if isinstance(definition, MultipleEventDefinition):
            # Event-based gateway: Spiff moves each target's definition onto the gateway, in
            # the order of its outgoing flows.
            for index, sub in enumerate(definition.event_definitions):
                kind = event_type_of(sub)
                if kind is not None:
                    target = spec.outputs[index].bpmn_id if index < len(spec.outputs) else spec.bpmn_id
                    catches.append(Catch(kind, event_names.resolve(task, sub), target, str(task.id), task, sub))
            continue
        kind = event_type_of(definition)
        if kind is not None:
            catches.append(Catch(kind, event_names.resolve(task, definition), spec.bpmn_id, str(task.id), task,
                                 definition))
    for scope in event_scopes.scopes(workflow):
        for name, start in event_scopes.triggered_starts(scope):
            kind = event_type_of(start.event_definition)
            if kind is not None:
                catches.append(Catch(kind, event_names.resolve(scope.task_tree, start.event_definition), start.bpmn_id,
                                     event_scopes.execution_id(scope, session.id), None, start.event_definition,
                                     name, scope))
    return catches


def _has_events(session: ProcessInstanceSession) -> bool:
    """Whether the model has any message or signal catch; cached on the parsed spec."""
    workflow = session.workflow
    assert workflow is not None
    kinds = (MessageEventDefinition, SignalEventDefinition, MultipleEventDefinition)
    return model_has(workflow.spec, workflow.subprocess_specs, "events",
                     lambda spec: isinstance(getattr(spec, "event_definition", None), kinds))


def has_expression_names(session: ProcessInstanceSession) -> bool:
    """Whether a message or signal of the model is named by an expression; cached on the spec."""
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "expression_names", lambda spec: any(
        event_type_of(definition) is not None and event_names.is_expression(definition.name)
        for definition in _definitions(getattr(spec, "event_definition", None))
    ))


def _definitions(definition: Any) -> list[Any]:
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [] if definition is None else [definition]


def sync_event_subscriptions(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection: the instance's ``event_subscription`` rows follow its waiting catches."""
    if not _has_events(session):
        return
    conn, es = session.conn, t.event_subscription
    existing: dict[tuple[str, str, str, str], str] = {}
    if not new_instance:
        query = select(es.c.id, es.c.execution_id, es.c.event_type, es.c.event_name, es.c.activity_id).where(
            es.c.process_instance_id == session.id
        )
        existing = {(r.execution_id, r.event_type, r.event_name, r.activity_id): r.id for r in conn.execute(query)}
    current = {} if ended else {catch.key: catch for catch in waiting_catches(session)}
    gone = [existing[key] for key in existing.keys() - current.keys()]
    if gone:
        conn.execute(delete(es).where(es.c.id.in_(gone)))
    created = now()
    rows = [
        {
            "id": new_id(),
            "event_type": catch.event_type,
            "event_name": catch.event_name,
            "execution_id": catch.execution_id,
            "process_instance_id": session.id,
            "activity_id": catch.activity_id,
            "process_definition_id": session.definition["id"],
            "tenant_id": session.row["tenant_id"],
            "created_date": created,
        }
        for key, catch in current.items()
        if key not in existing
    ]
    if rows:
        conn.execute(es.insert(), rows)

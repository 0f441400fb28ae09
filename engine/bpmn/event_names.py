"""Message and signal names written as expressions (``<bpmn:message name="order-${orderId}"/>``).

Camunda resolves such a name with JUEL when the subscription is created (a token reaches a
catch event, receive task or boundary event; the scope of an event sub-process starts) and
when a signal is thrown. Correlation and broadcasts then match the resolved name, and
``/event-subscription`` shows it. Spiff compares names as written. Here a waiting task keeps
the names it resolved in its internal data (a scope keeps those of its event sub-process starts
on its root task), so later changes to the variables do not move the subscription; a thrown
signal travels under its resolved name; and ``apply()`` (called by ``engine.bpmn.spiff_fixes``)
makes Spiff's signal matching compare resolved names.
"""
from __future__ import annotations

from copy import copy
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ItemAwareEventDefinition,
    SignalEventDefinition,
)

from engine.bpmn import juel

_NAMES = "m8flow_event_names"


def is_expression(name: str | None) -> bool:
    return bool(name) and ("${" in name or "#{" in name)  # type: ignore[operator]


def resolve(task: Any, definition: Any) -> str:
    """The name of ``definition`` as ``task`` subscribes to or throws it: resolved the first
    time it is asked for, with the task's variables, then kept on the task."""
    name = definition.name
    if not is_expression(name):
        return str(name)
    names = task.internal_data.setdefault(_NAMES, {})
    if name not in names:
        names[name] = _evaluate(task, name)
    return str(names[name])


def _evaluate(task: Any, text: str) -> str:
    from engine.bpmn.script_engine import evaluate

    engine = task.workflow.top_workflow.script_engine
    value = evaluate(text, engine.context(task), element_id=task.task_spec.bpmn_id)
    return "" if value is None else str(value)


def resolve_static(name: str) -> str:
    """A name without an execution (a start event's, at deployment): only expressions that
    need no variable resolve, as in Camunda."""
    if not is_expression(name):
        return name
    value = juel.parse(name).evaluate(_NoVariables())
    return "" if value is None else str(value)


class _NoVariables(juel.ElContext):
    def resolve(self, name: str) -> Any:
        raise KeyError(name)

    def function(self, name: str) -> Any:
        return None


def named(definition: Any, name: str) -> Any:
    """``definition`` under another name (a thrown or broadcast event's resolved name)."""
    if definition.name == name:
        return definition
    renamed = copy(definition)
    renamed.name = name
    return renamed


def catches(task: Any, definition: Any, event: Any) -> bool:
    """Whether ``definition``, as ``task`` resolved it, equals the event's definition."""
    if is_expression(definition.name):
        definition = named(definition, resolve(task, definition))
    return bool(definition == event.event_definition)


_spiff_signal_catches = SignalEventDefinition.catches


def _signal_catches(self: Any, my_task: Any, event: Any) -> bool:
    if my_task is not None and is_expression(self.name):
        return bool(_spiff_signal_catches(named(self, resolve(my_task, self)), my_task, event))
    return bool(_spiff_signal_catches(self, my_task, event))


def _signal_throw(self: Any, my_task: Any) -> None:
    definition = named(self, resolve(my_task, self)) if is_expression(self.name) else self
    ItemAwareEventDefinition.throw(definition, my_task)


def apply() -> None:
    SignalEventDefinition.catches = _signal_catches  # type: ignore[method-assign]
    SignalEventDefinition.throw = _signal_throw  # type: ignore[method-assign]

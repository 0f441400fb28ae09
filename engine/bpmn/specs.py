"""Task spec classes of the Camunda 7 dialect, where Spiff's defaults behave differently.

Camunda runs ``bpmn:task`` and ``bpmn:manualTask`` straight through; Spiff makes both wait for a
human (``manual = True``). Service-like tasks (service, send, business rule) all park in
STARTED, as Spiff's ``ServiceTask`` has no run hook: the runtime acts on their ``camunda``
extensions (external task, delegate, expression, decision) and completes them with
``task.complete()``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import (
    EndEvent,
    IntermediateThrowEvent,
    ManualTask,
    NoneTask,
    ServiceTask,
)


class PassThroughTask(NoneTask):
    """``bpmn:task``: completes as soon as it is reached, as in Camunda."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class PassThroughManualTask(ManualTask):
    """``bpmn:manualTask``: Camunda treats it like ``bpmn:task`` (no wait state)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class CamundaSendTask(ServiceTask):
    """``bpmn:sendTask``: in Camunda a delegate (class/expression/external), not a BPMN throw."""


class CamundaBusinessRuleTask(ServiceTask):
    """``bpmn:businessRuleTask``: the runtime evaluates ``camunda:decisionRef`` (or runs the
    delegate / external task) so decisions may live in another deployment and use FEEL."""


class CamundaReceiveTask(ServiceTask):
    """``bpmn:receiveTask`` without a message: waits until the runtime signals it."""


class _ExternalImplementation:
    """Message throw and end events may be implemented like a service task; with
    ``camunda:type="external"`` Camunda creates an external task instead of throwing a BPMN
    message, so the token parks in STARTED until a worker completes it."""

    extensions: dict[str, Any]

    def _run_hook(self, my_task: Any) -> Any:
        attributes = (getattr(self, "extensions", None) or {}).get("camunda", {}).get("attributes", {})
        if attributes.get("type") == "external":
            return None
        return super()._run_hook(my_task)  # type: ignore[misc]


class CamundaIntermediateThrowEvent(_ExternalImplementation, IntermediateThrowEvent):
    pass


class CamundaEndEvent(_ExternalImplementation, EndEvent):
    pass


class CamundaCallActivity(ServiceTask):
    """``bpmn:callActivity``: parks in STARTED while the called process runs as a process
    instance of its own; the runtime completes it when that instance ends (see
    ``engine.call_activities``). Spiff's ``CallActivity`` would run the callee inline."""


def model_has(spec: Any, subprocess_specs: Mapping[str, Any], name: str, predicate: Callable[[Any], bool]) -> bool:
    """Whether any task spec of the process or of its embedded sub-processes satisfies
    ``predicate``: answered once per parsed spec (which lives as long as the definition
    version) and kept on it as ``_m8flow_has_<name>``, so a command on a model without the
    feature skips it for the price of an attribute lookup."""
    attribute = f"_m8flow_has_{name}"
    cached = getattr(spec, attribute, None)
    if cached is None:
        cached = any(predicate(task_spec) for process in (spec, *subprocess_specs.values())
                     for task_spec in process.task_specs.values())
        setattr(spec, attribute, cached)
    return bool(cached)

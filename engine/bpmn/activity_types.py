"""Camunda's activity type names (``org.camunda.bpm.engine.ActivityTypes``) for task specs.

The type is decided from the XML at parse time and kept in ``spec.extensions["activityType"]``:
Spiff's spec classes lose the distinction in places (an event-based gateway strips its
targets' event definitions; link events become none events).
"""
from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask

from engine.bpmn.extensions import BPMN_NS

_B = "{" + BPMN_NS + "}"
# Marks elements the parser adds (implicit splits made explicit): no Camunda activity.
SYNTHETIC = "{urn:m8flow:bpmn}synthetic"

_PLAIN = {
    "userTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask",
    "manualTask", "task", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "complexGateway",
}

_EVENTS: dict[str, dict[str | None, str]] = {
    "startEvent": {
        None: "startEvent", "timer": "startTimerEvent", "message": "messageStartEvent",
        "signal": "signalStartEvent", "escalation": "escalationStartEvent",
        "compensate": "compensationStartEvent", "error": "errorStartEvent",
        "conditional": "conditionalStartEvent",
    },
    "intermediateCatchEvent": {
        None: "intermediateCatchEvent", "message": "intermediateMessageCatch",
        "timer": "intermediateTimer", "link": "intermediateLinkCatch",
        "signal": "intermediateSignalCatch", "conditional": "intermediateConditional",
    },
    "intermediateThrowEvent": {
        None: "intermediateNoneThrowEvent", "signal": "intermediateSignalThrow",
        "compensate": "intermediateCompensationThrowEvent",
        "message": "intermediateMessageThrowEvent",
        "escalation": "intermediateEscalationThrowEvent",
    },
    "endEvent": {
        None: "noneEndEvent", "error": "errorEndEvent", "cancel": "cancelEndEvent",
        "terminate": "terminateEndEvent", "message": "messageEndEvent",
        "signal": "signalEndEvent", "compensate": "compensationEndEvent",
        "escalation": "escalationEndEvent",
    },
    "boundaryEvent": {
        None: "boundaryEvent", "timer": "boundaryTimer", "message": "boundaryMessage",
        "signal": "boundarySignal", "compensate": "compensationBoundaryCatch",
        "error": "boundaryError", "escalation": "boundaryEscalation",
        "cancel": "cancelBoundaryCatch", "conditional": "boundaryConditional",
    },
}


def event_definition_kind(element: etree._Element) -> str | None:
    """'timer', 'message', ... for the element's first event definition; None for none events."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(_B) and tag.endswith("EventDefinition"):
            return tag[len(_B):-len("EventDefinition")]
    return None


def activity_type_of_element(element: etree._Element) -> str | None:
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(_B) or element.get(SYNTHETIC):
        return None
    local = tag[len(_B):]
    if local in _PLAIN:
        return local
    by_kind = _EVENTS.get(local)
    if by_kind is None:
        return None
    return by_kind.get(event_definition_kind(element), local)


def activity_type(task_spec: Any) -> str | None:
    """Camunda's activity type of a parsed spec, or None for Spiff's helper specs
    (``Start``, ``End``, ``*.BoundaryEventSplit``, ``StartEventJoin``, ...)."""
    if isinstance(task_spec, MultiInstanceTask):
        return "multiInstanceBody"
    if isinstance(task_spec, LoopTask):  # standardLoopCharacteristics: Camunda has no type
        return None
    extensions = getattr(task_spec, "extensions", None) or {}
    return extensions.get("activityType")

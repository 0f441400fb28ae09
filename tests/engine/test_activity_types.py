"""engine.bpmn.activity_types: Camunda's ActivityTypes names for parsed specs."""
from __future__ import annotations

from engine.bpmn.activity_types import activity_type
from engine.bpmn.parser import build_process_spec
from tests.engine.bpmn_fixtures import chain, definitions, process


def types_of(xml: bytes) -> dict[str, str | None]:
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    return {name: activity_type(task_spec) for name, task_spec in spec.task_specs.items()}


def timer(kind: str = "timeDuration") -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>PT1M</bpmn:{kind}></bpmn:timerEventDefinition>"


def test_tasks_gateways_and_plain_events():
    types = types_of(chain(
        '<bpmn:userTask id="u"/>', '<bpmn:serviceTask id="s" camunda:type="external" '
        'camunda:topic="t"/>', '<bpmn:scriptTask id="sc"><bpmn:script>x=1</bpmn:script>'
        '</bpmn:scriptTask>', '<bpmn:sendTask id="se" camunda:class="a"/>',
        '<bpmn:receiveTask id="r"/>', '<bpmn:businessRuleTask id="b" camunda:decisionRef="d"/>',
        '<bpmn:manualTask id="m"/>', '<bpmn:task id="t"/>', '<bpmn:parallelGateway id="pg"/>',
        '<bpmn:intermediateThrowEvent id="it"/>',
    ))
    assert types == {
        "Start": None, "p.EndJoin": None, "End": None,
        "start": "startEvent", "u": "userTask", "s": "serviceTask", "sc": "scriptTask",
        "se": "sendTask", "r": "receiveTask", "b": "businessRuleTask", "m": "manualTask",
        "t": "task", "pg": "parallelGateway", "it": "intermediateNoneThrowEvent",
        "end": "noneEndEvent",
    }


def test_event_types_follow_the_event_definition():
    xml = definitions('<bpmn:message id="msg" name="m"/><bpmn:error id="err" errorCode="E"/>'
                      + process(
        f'<bpmn:startEvent id="start">{timer("timeCycle")}</bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="w"/>'
        '<bpmn:userTask id="w"/>'
        f'<bpmn:boundaryEvent id="bt" attachedToRef="w">{timer()}</bpmn:boundaryEvent>'
        '<bpmn:boundaryEvent id="be" attachedToRef="w"><bpmn:errorEventDefinition errorRef="err"/>'
        "</bpmn:boundaryEvent>"
        '<bpmn:boundaryEvent id="bm" attachedToRef="w"><bpmn:messageEventDefinition '
        'messageRef="msg"/></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="gw"/>'
        '<bpmn:eventBasedGateway id="gw"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="ct"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="cm"/>'
        f'<bpmn:intermediateCatchEvent id="ct">{timer("timeDate")}</bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="cm"><bpmn:messageEventDefinition messageRef="msg"/>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="f5" sourceRef="ct" targetRef="ee"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="cm" targetRef="te"/>'
        '<bpmn:sequenceFlow id="f7" sourceRef="bt" targetRef="ee"/>'
        '<bpmn:sequenceFlow id="f8" sourceRef="be" targetRef="ee"/>'
        '<bpmn:sequenceFlow id="f9" sourceRef="bm" targetRef="ee"/>'
        '<bpmn:endEvent id="ee"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>'
        '<bpmn:endEvent id="te"><bpmn:terminateEventDefinition/></bpmn:endEvent>'))
    types = types_of(xml)
    assert types["start"] == "startTimerEvent"
    assert (types["bt"], types["be"], types["bm"]) == (
        "boundaryTimer", "boundaryError", "boundaryMessage")
    assert types["w.BoundaryEventSplit"] is None and types["w.BoundaryEventJoin"] is None
    # the event-based gateway strips its targets' event definitions; the type survives
    assert (types["gw"], types["ct"], types["cm"]) == (
        "eventBasedGateway", "intermediateTimer", "intermediateMessageCatch")
    assert (types["ee"], types["te"]) == ("errorEndEvent", "terminateEndEvent")


def test_multi_instance_body_and_subprocesses():
    sub = chain('<bpmn:userTask id="u"/>', pid="sub")
    xml = chain(
        '<bpmn:userTask id="mi"><bpmn:multiInstanceLoopCharacteristics '
        'camunda:collection="xs" camunda:elementVariable="x"/></bpmn:userTask>',
        '<bpmn:callActivity id="ca" calledElement="sub"/>',
        '<bpmn:subProcess id="sp"><bpmn:startEvent id="ss"/><bpmn:sequenceFlow id="sf" '
        'sourceRef="ss" targetRef="se"/><bpmn:endEvent id="se"/></bpmn:subProcess>',
    )
    spec, subs = build_process_spec({"a.bpmn": xml, "sub.bpmn": sub}, "p")
    assert activity_type(spec.task_specs["mi"]) == "multiInstanceBody"
    assert activity_type(spec.task_specs["mi [child]"]) == "userTask"
    assert activity_type(spec.task_specs["ca"]) == "callActivity"
    assert activity_type(spec.task_specs["sp"]) == "subProcess"
    assert activity_type(subs["sp"].task_specs["ss"]) == "startEvent"

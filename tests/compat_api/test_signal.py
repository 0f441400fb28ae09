"""`POST /signal` and signals thrown inside processes: broadcast to every waiting instance and
signal start event of the engine, as Camunda 7 does."""
from __future__ import annotations

from tests.compat_api.test_message import waiting_at
from tests.conftest import deploy, start, tasks


def instances_of(rest, key: str) -> list[dict]:
    return rest.get("/process-instance", params={"processDefinitionKey": key}).json()


def test_signal_reaches_every_waiting_instance_and_starts_signal_start_processes(rest):
    deploy(rest, "events/signals.bpmn")
    waiting = [start(rest, "signalCatch") for _ in range(2)]
    boundary = start(rest, "signalBoundary")
    response = rest.post("/signal", json={"name": "Alarm", "variables": {"level": {"value": 3}}})
    assert response.status_code == 204, response.text
    assert all(waiting_at(rest, i["id"]) == ["alarmed"] for i in waiting)
    assert waiting_at(rest, boundary["id"]) == ["evacuate"]
    [started] = instances_of(rest, "signalStart")
    assert waiting_at(rest, started["id"]) == ["respond"]
    assert rest.get(f"/process-instance/{started['id']}/variables/level").json()["value"] == 3


def test_signal_to_one_execution_leaves_the_others_waiting(rest):
    deploy(rest, "events/signals.bpmn")
    first, second = start(rest, "signalCatch"), start(rest, "signalCatch")
    [subscription] = rest.get("/event-subscription", params={"processInstanceId": second["id"]}).json()
    assert subscription["eventType"] == "signal" and subscription["activityId"] == "waitAlarm"
    response = rest.post("/signal", json={"name": "Alarm", "executionId": subscription["executionId"]})
    assert response.status_code == 204, response.text
    assert waiting_at(rest, first["id"]) == [] and waiting_at(rest, second["id"]) == ["alarmed"]
    assert instances_of(rest, "signalStart") == []


def test_signal_intermediate_throw_event_reaches_another_instances_catch(rest):
    deploy(rest, "events/signals.bpmn", "events/signal_throw.bpmn")
    waiting = start(rest, "signalCatch")
    thrower = start(rest, "signalThrow")
    [task] = tasks(rest, processInstanceId=thrower["id"])
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert waiting_at(rest, waiting["id"]) == ["alarmed"]
    assert len(instances_of(rest, "signalStart")) == 1


def test_signal_end_event_broadcasts_too(rest):
    deploy(rest, "events/signals.bpmn", "events/signal_throw.bpmn")
    waiting = start(rest, "signalCatch")
    ender = start(rest, "signalEnd")
    [task] = tasks(rest, processInstanceId=ender["id"])
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert waiting_at(rest, waiting["id"]) == ["alarmed"]


def test_event_based_gateway_takes_the_signal_branch(rest):
    deploy(rest, "events/event_gateway.bpmn")
    instance = start(rest, "eventGateway")
    assert rest.post("/signal", json={"name": "Stop"}).status_code == 204
    assert waiting_at(rest, instance["id"]) == ["viaSignal"]
    assert rest.post("/message", json={"messageName": "Go"}).status_code == 400


def test_missing_signal_name_is_a_400(rest):
    response = rest.post("/signal", json={})
    assert response.status_code == 400 and response.json()["message"] == "No signal name given"


# -- signal names written as expressions ---------------------------------------------------
def start_zone(rest, key: str, zone: str, **variables: str) -> str:
    values = {"zone": {"value": zone}, **{name: {"value": value} for name, value in variables.items()}}
    return start(rest, key, variables=values)["id"]


def test_a_signal_catch_event_subscribes_under_its_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    north, south = start_zone(rest, "alarmCatch", "north"), start_zone(rest, "alarmCatch", "south")
    [row] = rest.get("/event-subscription", params={"processInstanceId": south}).json()
    assert row["eventName"] == "alarm-south"
    assert rest.post("/signal", json={"name": "alarm-south"}).status_code == 204
    assert waiting_at(rest, north) == [] and waiting_at(rest, south) == ["alarmed"]


def test_a_signal_throw_event_broadcasts_its_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    north, south = start_zone(rest, "alarmCatch", "north"), start_zone(rest, "alarmCatch", "south")
    relay = start_zone(rest, "alarmRelay", "east", target="south")
    [prepare] = [t for t in tasks(rest, processInstanceId=relay) if t["taskDefinitionKey"] == "prepare"]
    assert rest.post(f"/task/{prepare['id']}/complete", json={}).status_code == 204
    assert waiting_at(rest, north) == [] and waiting_at(rest, south) == ["alarmed"]
    assert waiting_at(rest, relay) == []


def test_a_signal_thrown_inside_an_instance_reaches_its_own_catch_by_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    relay = start_zone(rest, "alarmRelay", "east", target="east")
    [prepare] = [t for t in tasks(rest, processInstanceId=relay) if t["taskDefinitionKey"] == "prepare"]
    assert rest.post(f"/task/{prepare['id']}/complete", json={}).status_code == 204
    assert waiting_at(rest, relay) == ["heard"]


CALLER_AND_SIGNAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:signal id="go" name="go"/>
  <bpmn:process id="caller" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="begin"/>
    <bpmn:userTask id="begin"/>
    <bpmn:sequenceFlow id="f2" sourceRef="begin" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="called"/>
    <bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f6" sourceRef="split" targetRef="throw"/>
    <bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f7" sourceRef="throw" targetRef="end2"/>
    <bpmn:endEvent id="end2"/>
  </bpmn:process>
  <bpmn:process id="called" isExecutable="true">
    <bpmn:startEvent id="calledStart"/>
    <bpmn:sequenceFlow id="c1" sourceRef="calledStart" targetRef="catch"/>
    <bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="c2" sourceRef="catch" targetRef="calledEnd"/>
    <bpmn:endEvent id="calledEnd"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_signal_that_ends_a_called_instance_leaves_the_resumed_caller_with_its_timer(rest):
    # The caller's thrown signal ends its called instance, which resumes the caller (saved
    # again in the same command) into a timer: the timer's job must survive the first save.
    files = {"data": ("caller.bpmn", CALLER_AND_SIGNAL, "application/xml")}
    assert rest.post("/deployment/create", files=files).status_code == 200
    instance = start(rest, "caller")
    [begin] = tasks(rest)
    assert rest.post(f"/task/{begin['id']}/complete", json={}).status_code == 204
    assert instances_of(rest, "called") == []
    [job] = rest.get("/job", params={"processInstanceId": instance["id"]}).json()
    assert rest.get(f"/job-definition/{job['jobDefinitionId']}").json()["activityId"] == "wait"

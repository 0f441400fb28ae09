"""Long loops through the REST API: correct results however many iterations (the task tree
is pruned as it goes: engine/bpmn/pruning.py). Timings live in bench/bench_loops.py."""
from __future__ import annotations

import httpx

SCRIPT_LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://m8flow.test">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inc"/>
    <bpmn:scriptTask id="inc" scriptFormat="python"><bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="done"/>
    <bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="{target}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{counter &lt; {n}}}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="gw" targetRef="last"/>
    <bpmn:userTask id="last" name="Look at the counter"/>
    <bpmn:sequenceFlow id="f3" sourceRef="last" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    {extra}
  </bpmn:process>
</bpmn:definitions>
"""
USER_LOOP_EXTRA = """<bpmn:userTask id="work" name="Work"/>
    <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="inc"/>"""


def deploy(rest: httpx.Client, key: str, xml: str) -> None:
    files = [("data", (f"{key}.bpmn", xml.encode(), "application/octet-stream"))]
    response = rest.post("/deployment/create", files=files, data={"deployment-name": key})
    assert response.status_code == 200, response.text


def counter_at_the_end(rest: httpx.Client, instance_id: str) -> int:
    [task] = rest.get("/task", params={"processInstanceId": instance_id}).json()
    assert task["taskDefinitionKey"] == "last"
    return rest.get(f"/task/{task['id']}/variables/counter").json()["value"]


def test_script_loop_of_10000_iterations_ends_with_the_right_counter(rest: httpx.Client):
    deploy(rest, "scriptLoop", SCRIPT_LOOP.format(key="scriptLoop", target="inc", n=10_000, extra=""))
    started = rest.post("/process-definition/key/scriptLoop/start",
                        json={"variables": {"counter": {"value": 0, "type": "Integer"}}})
    assert started.status_code == 200, started.text
    assert counter_at_the_end(rest, started.json()["id"]) == 10_000


def test_user_task_loop_completed_300_times_over_rest(rest: httpx.Client):
    xml = SCRIPT_LOOP.format(key="userLoop", target="work", n=300, extra=USER_LOOP_EXTRA)
    xml = xml.replace('targetRef="inc"/>\n    <bpmn:scriptTask', 'targetRef="work"/>\n    <bpmn:scriptTask', 1)
    deploy(rest, "userLoop", xml)
    started = rest.post("/process-definition/key/userLoop/start",
                        json={"variables": {"counter": {"value": 0, "type": "Integer"}}})
    assert started.status_code == 200, started.text
    instance_id = started.json()["id"]
    for _ in range(300):
        [task] = rest.get("/task", params={"processInstanceId": instance_id}).json()
        assert task["taskDefinitionKey"] == "work"
        assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert counter_at_the_end(rest, instance_id) == 300

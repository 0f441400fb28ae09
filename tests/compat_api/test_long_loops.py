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


JOIN_LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://m8flow.test">
  <bpmn:process id="{kind}Loop" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>
    <bpmn:exclusiveGateway id="merge"/>
    <bpmn:sequenceFlow id="f0" sourceRef="merge" targetRef="fork"/>
    <bpmn:{kind}Gateway id="fork"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="a">{condition}</bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="b">{condition}</bpmn:sequenceFlow>
    <bpmn:userTask id="a"/>
    <bpmn:userTask id="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="join"/>
    <bpmn:{kind}Gateway id="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="inc"/>
    <bpmn:scriptTask id="inc" scriptFormat="python"><bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f7" sourceRef="inc" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="done"/>
    <bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="merge"><bpmn:conditionExpression>${{counter &lt; {n}}}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="gw" targetRef="last"/>
    <bpmn:userTask id="last"/>
    <bpmn:sequenceFlow id="f8" sourceRef="last" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
# The branches of each round, in the order they are completed: out of order against the
# round before, so a join counting an earlier round's arrival would fire early.
ORDERS = ["ab", "ba", "ba", "ab", "ba", "ab", "ab", "ba", "ba", "ab", "ab", "ba"]


def run_join_loop(rest: httpx.Client, kind: str, condition: str = "") -> None:
    deploy(rest, f"{kind}Loop", JOIN_LOOP.format(kind=kind, condition=condition, n=len(ORDERS)))
    started = rest.post(f"/process-definition/key/{kind}Loop/start",
                        json={"variables": {"counter": {"value": 0, "type": "Integer"}}})
    assert started.status_code == 200, started.text
    instance_id = started.json()["id"]
    for order in ORDERS:
        for index, activity in enumerate(order):
            waiting = rest.get("/task", params={"processInstanceId": instance_id}).json()
            assert sorted(t["taskDefinitionKey"] for t in waiting) == sorted(order[index:])
            [task] = [t for t in waiting if t["taskDefinitionKey"] == activity]
            assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert counter_at_the_end(rest, instance_id) == len(ORDERS)


def test_a_parallel_join_in_a_loop_waits_for_both_branches_of_its_round(rest: httpx.Client):
    run_join_loop(rest, "parallel")


def test_an_inclusive_join_in_a_loop_waits_for_the_branches_of_its_round(rest: httpx.Client):
    run_join_loop(rest, "inclusive", "<bpmn:conditionExpression>${true}</bpmn:conditionExpression>")

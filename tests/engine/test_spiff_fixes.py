"""engine.bpmn.spiff_fixes: each test fails on plain SpiffWorkflow 3.2.0."""
from __future__ import annotations

import time

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parser import SERIALIZER, build_process_spec, parse_deployment
from tests.engine.bpmn_fixtures import chain, definitions, process


def test_workflow_parked_in_external_service_task_round_trips():
    # CAMUNDA_CONFIG has no ServiceTask converter: serialize_json raised TypeError.
    xml = chain('<bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge"/>',
                '<bpmn:userTask id="ship"/>')
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()

    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))

    [parked] = restored.get_tasks(state=TaskState.STARTED)
    assert parked.task_spec.bpmn_id == "charge"
    assert parked.task_spec.extensions["camunda"]["attributes"]["topic"] == "charge"
    parked.complete()
    restored.do_engine_steps()
    [ready] = restored.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "ship"


@pytest.mark.parametrize("element", [
    '<bpmn:sendTask id="x" camunda:class="a.B"/>',
    '<bpmn:businessRuleTask id="x" camunda:decisionRef="d"/>',
    '<bpmn:receiveTask id="x"/>',
    '<bpmn:task id="x"/>',
    '<bpmn:manualTask id="x"/>',
])
def test_every_dialect_spec_class_serializes(element):
    xml = chain(element, '<bpmn:userTask id="u"/>')
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    assert type(restored.spec.task_specs["x"]) is type(spec.task_specs["x"])
    assert restored.spec.task_specs["x"].manual == spec.task_specs["x"].manual


def test_receive_task_with_message_round_trips():
    xml = definitions('<bpmn:message id="m" name="paid"/>' + process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
        '<bpmn:receiveTask id="wait" messageRef="m"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'))
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    assert [e.name for e in restored.waiting_events()] == ["paid"]


def loop_model(iterations: int) -> bytes:
    return definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inc"/>'
        '<bpmn:scriptTask id="inc" scriptFormat="python">'
        "<bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="done"/>'
        '<bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="inc">'
        f"<bpmn:conditionExpression>counter &lt; {iterations}</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="done" sourceRef="gw" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>', pid="loop"))


def test_a_loop_past_500_iterations_completes_with_the_right_count():
    # With Spiff's default max_depth=1000 this stopped at 500 and reported completion. (The
    # cost is quadratic in the unpruned tree: 2,000 iterations took 34 s, 600 take ~3 s.)
    spec, subs = build_process_spec({"loop.bpmn": loop_model(600)}, "loop")
    workflow = BpmnWorkflow(spec, subs)
    workflow.get_tasks(spec_name="Start")[0].data["counter"] = 0
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.last_task.data["counter"] == 600


def test_chain_of_600_tasks_parses_and_runs():
    # Spiff's parser recursed past Python's default recursion limit at ~480 elements.
    tasks = [f'<bpmn:task id="t{i}"/>' for i in range(600)]
    xml = chain(*tasks)
    assert [p.key for p in parse_deployment({"a.bpmn": xml}).processes] == ["p"]
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    assert workflow.is_completed()


def join_loop_model(kind: str, rounds: int) -> bytes:
    condition = "<bpmn:conditionExpression>True</bpmn:conditionExpression>" if kind == "inclusive" else ""
    return definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="merge"/>'
        '<bpmn:exclusiveGateway id="merge"/>'
        '<bpmn:sequenceFlow id="m0" sourceRef="merge" targetRef="fork"/>'
        f'<bpmn:{kind}Gateway id="fork"/>'
        f'<bpmn:sequenceFlow id="f1" sourceRef="fork" targetRef="a">{condition}</bpmn:sequenceFlow>'
        f'<bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="b">{condition}</bpmn:sequenceFlow>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="join"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="join"/>'
        f'<bpmn:{kind}Gateway id="join"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="join" targetRef="again"/>'
        '<bpmn:exclusiveGateway id="again" default="done"/>'
        '<bpmn:sequenceFlow id="loop" sourceRef="again" targetRef="merge">'
        f'<bpmn:conditionExpression>rounds &lt; {rounds}</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="done" sourceRef="again" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>', pid="loop"))


@pytest.mark.parametrize("kind", ["parallel", "inclusive"])
def test_a_join_in_a_loop_waits_for_the_tokens_of_its_own_round(kind):
    # Spiff counted an earlier round's arrival: a round whose branches arrived in another
    # order than the round before fired its join after the first branch.
    orders = ["ab", "ba", "ab", "ba", "ba", "ab"]
    spec, subs = build_process_spec({"a.bpmn": join_loop_model(kind, len(orders))}, "loop")
    workflow = BpmnWorkflow(spec, subs)
    workflow.get_tasks(spec_name="Start")[0].data["rounds"] = 0
    workflow.do_engine_steps()
    for number, order in enumerate(orders, start=1):
        for index, activity in enumerate(order):
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            assert sorted(task.task_spec.bpmn_id for task in ready) == sorted(order[index:])
            [task] = [task for task in ready if task.task_spec.bpmn_id == activity]
            task.data["rounds"] = number
            task.run()
            workflow.do_engine_steps()
    assert workflow.is_completed()


def test_a_cycle_without_a_gateway_is_predicted_once_and_still_loops():
    # A task with two incoming flows, looped back through a timer (CreateLoadProcess.bpmn
    # of the corpus): Spiff's prediction recursed until RecursionError.
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:userTask id="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="pause"/>'
        '<bpmn:intermediateCatchEvent id="pause"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"PT0S"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="pause" targetRef="work"/>'))
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    for _round in range(3):
        [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready.task_spec.bpmn_id == "work"
        ready.run()
        workflow.do_engine_steps()
        time.sleep(0.002)
        workflow.refresh_waiting_tasks()
        workflow.do_engine_steps()
    assert len(workflow.get_tasks(spec_name="work", state=TaskState.COMPLETED)) == 3
    assert len(workflow.get_tasks(spec_name="work")) == 5  # three done, one ready, one predicted
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    assert [t.task_spec.bpmn_id for t in restored.get_tasks(state=TaskState.READY)] == ["work"]

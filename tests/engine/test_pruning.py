"""engine.bpmn.pruning: loops keep a small task tree, and pruning changes no outcome.

Each scenario prunes after *every* completed task (harsher than the amortized production
hook) and compares with the same run on Spiff's unpruned tree where that is affordable.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parser import build_process_spec
from engine.bpmn.pruning import maybe_prune, prune
from engine.bpmn.state import dump_state, load_state
from tests.engine.bpmn_fixtures import definitions, process


def flows(*pairs: str) -> str:
    out = []
    for i, pair in enumerate(pairs):
        source, target, *condition = pair.split(">")
        body = f"<bpmn:conditionExpression>{condition[0]}</bpmn:conditionExpression>" if condition else ""
        out.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>')
    return "".join(out)


def script(task_id: str, code: str) -> str:
    return f'<bpmn:scriptTask id="{task_id}" scriptFormat="python"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'


def workflow_of(xml: bytes, pid: str = "p", **data: Any) -> BpmnWorkflow:
    spec, subs = build_process_spec({"m.bpmn": xml}, pid)
    workflow = BpmnWorkflow(spec, subs)
    workflow.get_tasks(spec_name="Start")[0].data.update(data)
    return workflow


def pruning(task: Any) -> None:
    prune(task.workflow, keep=task)


def run(workflow: BpmnWorkflow, prune_tree: bool = True) -> None:
    workflow.do_engine_steps(did_complete_task=pruning if prune_tree else None)


def round_trip(workflow: BpmnWorkflow) -> BpmnWorkflow:
    return load_state(dump_state(workflow), workflow.spec, workflow.subprocess_specs)


def depth(workflow: Any) -> int:
    return max(task.depth for task in workflow.tasks.values())


def complete_ready(workflow: BpmnWorkflow, spec_name: str, prune_tree: bool = True, **data: Any) -> None:
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == spec_name]
    task.data.update(data)
    task.run()
    if prune_tree:
        pruning(task)
    run(workflow, prune_tree)


def script_loop(iterations: int) -> bytes:
    return definitions(process(
        '<bpmn:startEvent id="start"/>' + script("inc", "counter = counter + 1")
        + '<bpmn:exclusiveGateway id="gw" default="f3"/><bpmn:endEvent id="end"/>'
        + flows("start>inc", "inc>gw", f"gw>inc>counter &lt; {iterations}", "gw>end")))


def test_script_loop_of_10000_iterations_ends_with_the_right_counter_and_a_small_tree():
    workflow = workflow_of(script_loop(10_000), counter=0)
    sizes = []

    def hook(task: Any) -> None:
        maybe_prune(task.workflow, keep=task)
        sizes.append(len(task.workflow.tasks))

    workflow.do_engine_steps(did_complete_task=hook)
    assert workflow.is_completed()
    assert workflow.last_task.data["counter"] == 10_000
    assert max(sizes) < 100


def test_pruning_changes_nothing_in_a_script_loop():
    pruned, plain = workflow_of(script_loop(300), counter=0), workflow_of(script_loop(300), counter=0)
    run(pruned)
    run(plain, prune_tree=False)
    assert pruned.is_completed() and plain.is_completed()
    assert pruned.data == plain.data
    assert pruned.last_task.data == plain.last_task.data


# A loop enters a parallel split through an exclusive merge, as in Camunda (a parallel
# gateway joining the start and the back-edge would wait for both).
PARALLEL_LOOP = definitions(process(
    '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="merge"/><bpmn:parallelGateway id="fork"/>'
    '<bpmn:userTask id="a"/><bpmn:userTask id="b"/>' + script("c", "c_count = c_count + 1")
    + '<bpmn:parallelGateway id="join"/>' + script("count", "rounds = rounds + 1")
    + '<bpmn:exclusiveGateway id="again" default="f10"/><bpmn:endEvent id="end"/>'
    + flows("start>merge", "merge>fork", "fork>a", "fork>b", "fork>c", "a>join", "b>join", "c>join", "join>count",
            "count>again", "again>end", "again>merge>rounds &lt; 40")))


def ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def test_loop_through_a_parallel_split_and_join_waits_for_every_branch_in_every_round():
    # Plain Spiff fires this join early in round 2 when the branches arrive in a new order
    # (a cancelled join task of round 1 counts as an arrival): engine.bpmn.loop_joins.
    workflow = workflow_of(PARALLEL_LOOP, rounds=0, c_count=0)
    run(workflow)
    for i in range(40):
        first, second = ("a", "b") if i % 2 else ("b", "a")
        assert ready(workflow) == ["a", "b"]
        complete_ready(workflow, first)
        workflow = round_trip(workflow)
        assert ready(workflow) == [second]
        complete_ready(workflow, second)
    assert workflow.is_completed()
    assert workflow.data["rounds"] == 40
    assert len(workflow.tasks) < 80


INCLUSIVE_LOOP = definitions(process(
    '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="merge"/><bpmn:inclusiveGateway id="fork" default="f4"/>'
    + script("x", "xs = xs + 1") + script("y", "ys = ys + 1") + script("z", "zs = zs + 1")
    + '<bpmn:inclusiveGateway id="join"/>' + script("count", "rounds = rounds + 1")
    + '<bpmn:exclusiveGateway id="again" default="f10"/><bpmn:endEvent id="end"/>'
    + flows("start>merge", "merge>fork", "fork>x>rounds % 2 == 0", "fork>y>rounds % 3 == 0", "fork>z", "x>join",
            "y>join", "z>join", "join>count", "count>again", "again>end", "again>merge>rounds &lt; 60")))


def test_loop_through_an_inclusive_split_and_join_matches_the_unpruned_run():
    pruned = workflow_of(INCLUSIVE_LOOP, rounds=0, xs=0, ys=0, zs=0)
    plain = workflow_of(INCLUSIVE_LOOP, rounds=0, xs=0, ys=0, zs=0)
    run(pruned)
    run(plain, prune_tree=False)
    assert pruned.is_completed() and plain.is_completed()
    assert pruned.data == plain.data
    assert pruned.data["rounds"] == 60


BOUNDARY_LOOP = definitions('<bpmn:message id="m" name="nudge"/><bpmn:message id="s" name="skip"/>' + process(
    '<bpmn:startEvent id="start"/><bpmn:userTask id="work"/>'
    '<bpmn:boundaryEvent id="nudge" attachedToRef="work" cancelActivity="false">'
    '<bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>'
    '<bpmn:boundaryEvent id="skip" attachedToRef="work"><bpmn:messageEventDefinition messageRef="s"/></bpmn:boundaryEvent>'
    + script("nudged", "nudged = True") + '<bpmn:endEvent id="nudge_end"/>'
    + script("count", "rounds = rounds + 1")
    + '<bpmn:exclusiveGateway id="again" default="f6"/><bpmn:endEvent id="end"/>'
    + flows("start>work", "nudge>nudged", "nudged>nudge_end", "work>count", "skip>count", "count>again",
            "again>end", "again>work>rounds &lt; 60")))


def send(workflow: BpmnWorkflow, boundary: str) -> None:
    definition = workflow.spec.task_specs[boundary].event_definition
    workflow.send_event(BpmnEvent(definition, {"payload": {}, "result_var": None}))


def test_loop_through_an_activity_with_boundary_events_keeps_them_working():
    workflow = workflow_of(BOUNDARY_LOOP, rounds=0)
    nudges = 0
    run(workflow)
    for i in range(60):
        if i % 3 == 0:
            send(workflow, "nudge")
            run(workflow)
            assert workflow.last_task.task_spec.bpmn_id == "nudge_end"
            nudges += 1
            workflow = round_trip(workflow)
        if i % 4 == 1:
            send(workflow, "skip")
            run(workflow)
        else:
            complete_ready(workflow, "work")
        workflow = round_trip(workflow)
    assert workflow.is_completed()
    assert workflow.data["rounds"] == 60
    assert nudges == 20
    assert len(workflow.tasks) < 60


NESTED_LOOPS = definitions(process(
    '<bpmn:startEvent id="start"/>' + script("outer", "i = i + 1; j = 0") + script("inner", "j = j + 1; total = total + 1")
    + '<bpmn:exclusiveGateway id="inner_again" default="f4"/><bpmn:exclusiveGateway id="outer_again" default="f5"/>'
    '<bpmn:endEvent id="end"/>'
    + flows("start>outer", "outer>inner", "inner>inner_again", "inner_again>inner>j &lt; 200",
            "inner_again>outer_again", "outer_again>end", "outer_again>outer>i &lt; 7")))


def test_nested_loops_count_every_inner_iteration():
    workflow = workflow_of(NESTED_LOOPS, i=0, j=0, total=0)
    run(workflow)
    assert workflow.is_completed()
    assert (workflow.data["i"], workflow.data["j"], workflow.data["total"]) == (7, 200, 1400)


BRANCH_LOOP = definitions(process(
    '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="wait"/>'
    + script("init", "counter = 0") + script("inc", "counter = counter + 1")
    + '<bpmn:exclusiveGateway id="gw" default="f6"/><bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
    + flows("start>fork", "fork>wait", "fork>init", "init>inc", "inc>gw", "gw>inc>counter &lt; 2000", "gw>join",
            "wait>join", "join>end")))


def test_loop_inside_a_branch_of_an_open_parallel_structure_stays_shallow():
    workflow = workflow_of(BRANCH_LOOP)
    run(workflow)
    assert not workflow.is_completed()
    assert depth(workflow) < 20
    workflow = round_trip(workflow)
    complete_ready(workflow, "wait")
    assert workflow.is_completed()
    assert workflow.data["counter"] == 2000


SUBPROCESS_LOOP = definitions(process(
    '<bpmn:startEvent id="start"/>'
    '<bpmn:subProcess id="sub"><bpmn:startEvent id="s_start"/>' + script("s_inc", "counter = counter + 1")
    + '<bpmn:endEvent id="s_end"/>' + flows("s_start>s_inc", "s_inc>s_end").replace('id="f', 'id="s')
    + "</bpmn:subProcess>"
    '<bpmn:exclusiveGateway id="gw" default="f3"/><bpmn:endEvent id="end"/>'
    + flows("start>sub", "sub>gw", "gw>sub>counter &lt; 150", "gw>end")))


def test_loop_over_an_embedded_subprocess_drops_finished_subprocesses():
    workflow = workflow_of(SUBPROCESS_LOOP, counter=0)
    most = 0

    def hook(task: Any) -> None:
        nonlocal most
        maybe_prune(task.workflow, keep=task)
        most = max(most, len(workflow.subprocesses))

    workflow.do_engine_steps(did_complete_task=hook)
    assert workflow.is_completed()
    assert workflow.data["counter"] == 150
    assert most < 40


def test_state_pruned_mid_loop_round_trips_and_resumes():
    xml = definitions(process(
        '<bpmn:startEvent id="start"/><bpmn:userTask id="work"/>' + script("inc", "counter = counter + 1")
        + '<bpmn:exclusiveGateway id="gw" default="f4"/><bpmn:endEvent id="end"/>'
        + flows("start>work", "work>inc", "inc>gw", "gw>work>counter &lt; 100", "gw>end")))
    workflow = workflow_of(xml, counter=0)
    run(workflow)
    for i in range(99):
        complete_ready(workflow, "work", note=f"round {i}")
        text = dump_state(workflow)
        workflow = load_state(text, workflow.spec, workflow.subprocess_specs)
        assert dump_state(workflow) == text
    [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert ready.data == {"counter": 99, "note": "round 98"}
    assert depth(workflow) < 10
    complete_ready(workflow, "work")
    assert workflow.is_completed() and workflow.data["counter"] == 100

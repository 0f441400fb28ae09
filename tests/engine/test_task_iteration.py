"""engine.bpmn.task_iteration walks the task tree as SpiffWorkflow 3.2.0 does, only cheaper."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskIterator, TaskState

from engine.bpmn import task_iteration
from engine.bpmn.parser import build_process_spec, is_bpmn_resource, parse_deployment
from engine.errors import ParseError
from tests.engine.bpmn_fixtures import definitions, process

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

STATES = [TaskState.ANY_MASK, TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.COMPLETED,
          TaskState.FUTURE, TaskState.LIKELY, TaskState.NOT_FINISHED_MASK, TaskState.FINISHED_MASK,
          TaskState.PREDICTED_MASK, TaskState.DEFINITE_MASK, TaskState.READY | TaskState.WAITING]

NESTED = definitions(process(
    '<bpmn:startEvent id="start"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork"/>'
    '<bpmn:parallelGateway id="fork"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="review"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="sub"/>'
    '<bpmn:userTask id="review"/>'
    '<bpmn:subProcess id="sub">'
    '  <bpmn:startEvent id="s_start"/>'
    '  <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="inner"/>'
    '  <bpmn:userTask id="inner"/>'
    '  <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="deeper"/>'
    '  <bpmn:subProcess id="deeper">'
    '    <bpmn:startEvent id="d_start"/>'
    '    <bpmn:sequenceFlow id="d1" sourceRef="d_start" targetRef="deepest"/>'
    '    <bpmn:userTask id="deepest"/>'
    '    <bpmn:sequenceFlow id="d2" sourceRef="deepest" targetRef="d_end"/>'
    '    <bpmn:endEvent id="d_end"/>'
    '  </bpmn:subProcess>'
    '  <bpmn:sequenceFlow id="s3" sourceRef="deeper" targetRef="s_end"/>'
    '  <bpmn:endEvent id="s_end"/>'
    '</bpmn:subProcess>'
    '<bpmn:boundaryEvent id="late" attachedToRef="sub"><bpmn:timerEventDefinition>'
    '  <bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    '<bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="timed_out"/>'
    '<bpmn:endEvent id="timed_out"/>'
    '<bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="join"/>'
    '<bpmn:sequenceFlow id="f6" sourceRef="sub" targetRef="join"/>'
    '<bpmn:parallelGateway id="join"/>'
    '<bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="count"/>'
    '<bpmn:scriptTask id="count" scriptFormat="python"><bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>'
    '<bpmn:sequenceFlow id="f10" sourceRef="count" targetRef="again"/>'
    '<bpmn:exclusiveGateway id="again" default="f9"/>'
    '<bpmn:sequenceFlow id="f8" sourceRef="again" targetRef="fork">'
    '  <bpmn:conditionExpression>rounds &lt; 6</bpmn:conditionExpression></bpmn:sequenceFlow>'
    '<bpmn:sequenceFlow id="f9" sourceRef="again" targetRef="end"/>'
    '<bpmn:endEvent id="end"/>'))


@contextmanager
def spiffs_own_walk() -> Iterator[None]:
    task_iteration.restore()
    try:
        yield
    finally:
        task_iteration.apply()


def started_nested() -> BpmnWorkflow:
    workflow = BpmnWorkflow(*build_process_spec({"nested.bpmn": NESTED}, "p"))
    workflow.do_engine_steps()
    return workflow


def walks(workflow: BpmnWorkflow) -> dict[str, list[Any]]:
    """Task ids of every kind of walk Spiff and this engine make, by query."""
    scopes = [workflow, *workflow.subprocesses.values()]
    spec_names = sorted({task.task_spec.name for task in workflow.get_tasks()})
    queries: dict[str, Callable[[Any], list[Any]]] = {}
    for state in STATES:
        queries[f"state {state}"] = lambda wf, state=state: wf.get_tasks(state=state)
        queries[f"plain {state}"] = lambda wf, state=state: list(TaskIterator(wf.task_tree, state=state))
        queries[f"skip {state}"] = lambda wf, state=state: wf.get_tasks(state=state, skip_subprocesses=True)
    queries["ready manual"] = lambda wf: wf.get_tasks(state=TaskState.READY, manual=True)
    queries["ready automatic"] = lambda wf: wf.get_tasks(state=TaskState.READY, manual=False)
    queries["updated since"] = lambda wf: wf.get_tasks(updated_ts=min(t.last_state_change for t in wf.get_tasks()) + 1e-9)
    for name in spec_names:
        queries[f"spec {name}"] = lambda wf, name=name: wf.get_tasks(spec_name=name)
        queries[f"up to {name}"] = lambda wf, name=name: wf.get_tasks(end_at_spec=name)
        queries[f"plain up to {name}"] = lambda wf, name=name: list(TaskIterator(wf.task_tree, end_at_spec=name))
    queries["first ready"] = lambda wf: [wf.get_next_task(state=TaskState.READY)]
    return {f"{i} {label}": [t.id if t is not None else None for t in query(scope)]
            for i, scope in enumerate(scopes) for label, query in queries.items()}


def assert_same_walks(workflow: BpmnWorkflow) -> None:
    fast = walks(workflow)
    with spiffs_own_walk():
        own = walks(workflow)
    assert fast == own


def run_to_end(workflow: BpmnWorkflow, steps: int = 25, tolerant: bool = False) -> int:
    """Compare the walks at every step of a run that completes the first ready task each time;
    returns how many states were compared. ``tolerant``: a step Spiff cannot take (its own
    script engine does not run JUEL) ends the run instead of failing."""
    compared = 0
    for _ in range(steps):
        assert_same_walks(workflow)
        compared += 1
        ready = workflow.get_tasks(state=TaskState.READY)
        if not ready:
            break
        try:
            ready[0].run()
            workflow.do_engine_steps()
        except Exception:
            if not tolerant:
                raise
            break
    return compared


def test_walks_match_spiff_through_nested_sub_processes_loops_and_a_boundary_event():
    spec, subprocess_specs = build_process_spec({"nested.bpmn": NESTED}, "p")
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.get_tasks(state=TaskState.READY)[0].data["rounds"] = 0
    workflow.do_engine_steps()
    assert run_to_end(workflow, steps=60) > 15
    assert workflow.completed
    assert len(workflow.get_tasks(spec_name="count")) == 6


def test_walk_of_a_deep_loop_has_no_depth_limit():
    # Spiff's default max_depth=1000 ended walks early; spiff_fixes lifts it, and the fast
    # walk keeps no depth at all.
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>'
        '<bpmn:scriptTask id="step" scriptFormat="python"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="more"/>'
        '<bpmn:exclusiveGateway id="more" default="f4"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="more" targetRef="step">'
        '  <bpmn:conditionExpression>n &lt; 700</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f4" sourceRef="more" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'))
    spec, subprocess_specs = build_process_spec({"loop.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.get_tasks(state=TaskState.READY)[0].data["n"] = 0
    workflow.do_engine_steps()
    assert workflow.completed
    assert len(workflow.get_tasks(spec_name="step")) == 700
    assert_same_walks(workflow)


def test_iterator_with_a_depth_limit_runs_spiffs_own_walk():
    workflow = started_nested()
    limited = [t.id for t in TaskIterator(workflow.task_tree, max_depth=2)]
    with spiffs_own_walk():
        assert limited == [t.id for t in TaskIterator(workflow.task_tree, max_depth=2)]
    assert 0 < len(limited) < len(workflow.get_tasks())


def _corpus_models() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and is_bpmn_resource(p.name))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_walks_match_spiff_over_the_corpus():
    compared = 0
    for path in _corpus_models():
        resources = {path.name: path.read_bytes()}
        try:
            keys = [info.key for info in parse_deployment(resources).processes]
        except ParseError:
            continue
        for key in keys:
            try:
                workflow = BpmnWorkflow(*build_process_spec(resources, key))
            except ParseError:  # not startable (no start event, ...)
                continue
            try:
                workflow.do_engine_steps()
            except Exception:  # noqa: BLE001 - Spiff's own script engine cannot run JUEL
                pass
            compared += run_to_end(workflow, tolerant=True)
    print(f"\n{compared} workflow states compared", file=sys.stderr)
    assert compared > 300


def test_a_subclass_of_the_iterator_keeps_its_own_steps():
    workflow = started_nested()
    steps = []

    class Counting(TaskIterator):
        def _next(self):  # type: ignore[no-untyped-def]
            steps.append(1)
            return super()._next()

    walked = list(Counting(workflow.task_tree))
    assert len(steps) > len(walked) - 1 > 0


@pytest.mark.parametrize("updated_ts", [float("nan"), -1.0, 0.5])
def test_an_unusual_updated_since_filters_as_spiff_filters(updated_ts):
    workflow = started_nested()
    fast = [t.id for t in workflow.get_tasks(updated_ts=updated_ts)]
    with spiffs_own_walk():
        assert fast == [t.id for t in workflow.get_tasks(updated_ts=updated_ts)]

"""Cost of one loop iteration as a loop grows: a script task incrementing a counter behind an
exclusive gateway back-edge (JUEL condition), run by the engine in one command.

    python bench/bench_loops.py [--iterations N]

Prints the median cost of one iteration around iterations 10, 100, 1,000 and 10,000 and the
ratio to the cost at iteration 10 (issue target: ≤ 1.5× at 10,000), then the same for
Spiff's unpruned tree at 10 and 1,000 as the baseline it replaces.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import behaviours
from engine.bpmn import pruning
from engine.commands.deployment import create_deployment
from engine.commands.process_instance import start_process_instance
from engine.process_engine import ProcessEngine
from engine.variables import from_python

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://m8flow/bench">
  <bpmn:process id="loop" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inc"/>
    <bpmn:scriptTask id="inc" scriptFormat="python"><bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="done"/>
    <bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="inc"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${counter &lt; %d}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="gw" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
POINTS = (10, 100, 1_000, 10_000)


def per_iteration(engine: ProcessEngine, iterations: int) -> list[float]:
    stamps: list[float] = []

    def stamp(session: Any, task: Any) -> None:
        if task.task_spec.bpmn_id == "inc":
            stamps.append(time.perf_counter())

    create_deployment(engine, {"loop.bpmn": (MODEL % iterations).encode()}, name="bench")
    behaviours.BEHAVIOURS.did_complete_hooks.append(stamp)
    try:
        start_process_instance(engine, key="loop", variables={"counter": from_python(0)})
    finally:
        behaviours.BEHAVIOURS.did_complete_hooks.remove(stamp)
    return [b - a for a, b in pairwise(stamps)]


def around(costs: list[float], i: int) -> float:
    return statistics.median(costs[max(0, i - 6): i + 5])


def report(label: str, costs: list[float], points: tuple[int, ...]) -> None:
    base = around(costs, points[0])
    for i in points:
        if i <= len(costs) + 1:
            cost = around(costs, i)
            print(f"{label:>9}  iteration {i:>6,}: {cost * 1e6:8.0f} µs/iteration  ratio {cost / base:5.2f}×")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = ProcessEngine.from_url(f"sqlite:///{tmp}/bench.db")
        try:
            costs = per_iteration(engine, args.iterations)
            report("pruned", costs, tuple(p for p in POINTS if p <= args.iterations))
            hook = pruning.prune_after_completion
            behaviours.BEHAVIOURS.did_complete_hooks.remove(hook)
            try:
                baseline = per_iteration(engine, 1_000)
            finally:
                behaviours.BEHAVIOURS.did_complete_hooks.append(hook)
            report("unpruned", baseline, (10, 100, 1_000))
        finally:
            engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Parallel and inclusive joins inside a loop wait for the tokens of their own round.

SpiffWorkflow 3.2.0 decides whether a join may fire by looking at every task of the join's
spec in the tree, earlier loop rounds included. In round one, branch A arrives first: its
join task waits, and is cancelled when branch B arrives and fires the join. In round two,
when B arrives first, the parallel join counts round one's cancelled A arrival (its parent
completed) and fires without waiting for A; the inclusive join does not even look below
round one's fired join and fires on round one's arrivals. The instance then runs the rest of
the loop twice. Pruning (``engine.bpmn.pruning``) drops those stale tasks, but only every
time the tree has doubled, so between prunings the join fires early.

A round of a join begins below the last task of its spec that fired above the arriving
token (none in round one). ``apply()`` (called by ``engine.bpmn.spiff_fixes``) makes both
joins count only arrivals below that task, which is exactly the tokens of their round.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState


def round_start(my_task: Any) -> Any | None:
    """The last task of ``my_task``'s join spec that fired above it: its round begins there."""
    node = my_task.parent
    while node is not None:
        if node.task_spec is my_task.task_spec and node.state == TaskState.COMPLETED:
            return node
        node = node.parent
    return None


def _parallel_threshold(self: Any, my_task: Any) -> bool:
    # Spiff's ParallelGateway._check_threshold_unstructured, over the tasks of this round.
    start = round_start(my_task)
    waiting_inputs = set(self.inputs)

    def remove_ancestor(task: Any) -> None:
        while task is not None:
            if task.task_spec in waiting_inputs:
                waiting_inputs.remove(task.task_spec)
                return
            task = task.parent

    for task in my_task.workflow.get_tasks(spec_name=self.name):
        if start is not None and task is not my_task and not task.is_descendant_of(start):
            continue  # an arrival of an earlier round
        if task.is_descendant_of(my_task):
            remove_ancestor(task)
        elif my_task.is_descendant_of(task):
            continue
        elif task.parent.state == TaskState.COMPLETED and task.parent.task_spec in waiting_inputs:
            waiting_inputs.remove(task.parent.task_spec)
    return len(waiting_inputs) == 0


def _inclusive_threshold(self: Any, my_task: Any) -> bool:
    # Spiff's InclusiveGateway._check_threshold_unstructured, over the tasks of this round.
    start = round_start(my_task)
    roots = list(start.children) if start is not None else [my_task.workflow.task_tree]
    tasks, sources = [], []
    for root in roots:
        for task in my_task.workflow.get_tasks(first_task=root, end_at_spec=self.name):
            if task.task_spec == self:
                tasks.append(task)
            elif task.has_state(TaskState.READY | TaskState.WAITING):
                sources.append(task.task_spec)

    completed_inputs = {task.parent.task_spec for task in tasks if task.parent.state == TaskState.COMPLETED}
    for task in tasks:
        if task.parent.has_state(TaskState.DEFINITE_MASK) and task.parent.task_spec not in completed_inputs:
            return False

    waiting_inputs = [spec for spec in self.inputs if spec not in completed_inputs]
    checked: list[Any] = []

    def check(spec: Any) -> Any:
        # The source a spec's ancestors lead back to, if any (Spiff's recursion).
        checked.append(spec)
        for parent in spec.inputs:
            if parent not in checked:
                return parent if parent in sources else check(parent)
        return None

    for spec in completed_inputs:
        source = check(spec)
        if source is not None:
            sources.remove(source)
    # A waiting input that an unfinished token can still reach holds the join back.
    return not any(check(spec) is not None for spec in waiting_inputs)


def apply() -> None:
    ParallelGateway._check_threshold_unstructured = _parallel_threshold  # type: ignore[method-assign]
    InclusiveGateway._check_threshold_unstructured = _inclusive_threshold  # type: ignore[method-assign]

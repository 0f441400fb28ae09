"""Multi-instance activities as Camunda 7 runs them, on SpiffWorkflow's MI task specs.

``camunda:collection`` (an expression or a variable name; Json arrays count), an optional
``camunda:elementVariable``, ``loopCardinality`` and ``completionCondition``, parallel or
sequential. The collection is evaluated once, when the multi-instance body starts. Variables
follow Camunda's scopes: ``nrOfInstances``, ``nrOfActiveInstances`` and
``nrOfCompletedInstances`` live on the multi-instance body (the MI task's scope), ``loopCounter``
and the element variable on each instance (the child task's scope), so expressions inside an
instance see both and nothing leaks into the process scope.

Spiff evaluates ``cardinality`` through the script engine; the parser sets it to
``nrOfInstances``, which resolves to the body's variable set just before.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.script_engine import evaluate, evaluate_condition
from engine.errors import ProcessEngineException

NR_OF_INSTANCES = "nrOfInstances"
NR_OF_ACTIVE = "nrOfActiveInstances"
NR_OF_COMPLETED = "nrOfCompletedInstances"
LOOP_COUNTER = "loopCounter"
_ITEMS = "m8flow_items"


class _CamundaMultiInstance:
    """Shared by the parallel and sequential specs; ``bpmn_id`` names the activity."""

    bpmn_id: str
    task_spec: str
    collection: str | None
    element_variable: str | None
    loop_cardinality: str | None

    def _update_hook(self, my_task: Any) -> Any:
        context = my_task.workflow.script_engine.context(my_task)
        items = self._items(context)
        my_task.internal_data[_ITEMS] = items
        body = str(my_task.id)
        context.variables.set_local(NR_OF_INSTANCES, len(items), body)
        context.variables.set_local(NR_OF_COMPLETED, 0, body)
        context.variables.set_local(NR_OF_ACTIVE, self._initially_active(len(items)), body)
        return super()._update_hook(my_task)  # type: ignore[misc]

    def _initially_active(self, count: int) -> int:
        raise NotImplementedError

    def _items(self, context: Any) -> list[Any]:
        if self.collection:
            value = _as_collection(evaluate_condition(self.collection, context, element_id=self.bpmn_id))
            if value is None:
                raise ProcessEngineException(
                    f"ENGINE-02007 Invalid number of instances: must be a non-negative integer value, or the "
                    f"collection '{self.collection}' must be a collection (activity '{self.bpmn_id}')"
                )
            return value
        text = self.loop_cardinality or "0"
        raw = evaluate(text, context, element_id=self.bpmn_id)
        try:
            count = int(raw)
        except (TypeError, ValueError) as exc:
            raise ProcessEngineException(
                f"Could not resolve loopCardinality expression '{text}': not a number (activity '{self.bpmn_id}')"
            ) from exc
        if count < 0:
            raise ProcessEngineException(
                f"Invalid number of instances: must be non-negative integer value, but was {count}"
            )
        return list(range(count))

    def create_child(self, my_task: Any, item: Any, key_or_index: Any = None) -> None:
        """Spiff's, with the instance's local variables set before the child can run."""
        task_spec = my_task.workflow.spec.task_specs[self.task_spec]
        if not task_spec.completed_event.is_connected(self.merge_child):  # type: ignore[attr-defined]
            task_spec.completed_event.connect(self.merge_child)  # type: ignore[attr-defined]
        child = my_task._add_child(task_spec, TaskState.WAITING)
        child.triggered = True
        index = key_or_index if key_or_index is not None else item
        child.internal_data["key_or_index"] = index
        variables = my_task.workflow.script_engine.context(my_task).variables
        scope = str(child.id)
        variables.set_local(LOOP_COUNTER, index, scope)
        if self.element_variable and self.collection:
            variables.set_local(self.element_variable, my_task.internal_data[_ITEMS][index], scope)
        child.task_spec._update(child)

    def merge_child(self, workflow: Any, child: Any) -> None:
        my_task = child.parent
        variables = workflow.script_engine.context(my_task).variables
        body = str(my_task.id)
        local = variables.local(body)
        completed = _int(local.get(NR_OF_COMPLETED)) + 1
        variables.set_local(NR_OF_COMPLETED, completed, body)
        variables.set_local(NR_OF_ACTIVE, self._active_after(completed, _int(local.get(NR_OF_INSTANCES))), body)
        super().merge_child(workflow, child)  # type: ignore[misc]

    def _active_after(self, completed: int, total: int) -> int:
        raise NotImplementedError


class CamundaParallelMultiInstance(_CamundaMultiInstance, ParallelMultiInstanceTask):
    def __init__(self, wf_spec: Any, bpmn_id: str, *, collection: str | None = None,
                 element_variable: str | None = None, loop_cardinality: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.collection = collection
        self.element_variable = element_variable
        self.loop_cardinality = loop_cardinality

    def _initially_active(self, count: int) -> int:
        return count

    def _active_after(self, completed: int, total: int) -> int:
        return max(total - completed, 0)


class CamundaSequentialMultiInstance(_CamundaMultiInstance, SequentialMultiInstanceTask):
    def __init__(self, wf_spec: Any, bpmn_id: str, *, collection: str | None = None,
                 element_variable: str | None = None, loop_cardinality: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.collection = collection
        self.element_variable = element_variable
        self.loop_cardinality = loop_cardinality

    def _initially_active(self, count: int) -> int:
        return min(count, 1)

    def _active_after(self, completed: int, total: int) -> int:
        return 1 if completed < total else 0


def _int(value: Any) -> int:
    return int(getattr(value, "value", value) or 0)


def _as_collection(value: Any) -> list[Any] | None:
    if isinstance(value, str) and value.strip().startswith("["):
        value = json.loads(value)
    unwrap = getattr(value, "_value", None)  # a Spin JSON node (S(json).prop('items'))
    if unwrap is not None and not isinstance(value, (list, tuple, Mapping)):
        value = unwrap
    if isinstance(value, (list, tuple, set, frozenset)):
        return [getattr(item, "_value", item) for item in value]
    return None

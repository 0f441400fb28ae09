"""A running instance's SpiffWorkflow state, serialized without its model.

Spiff's serializer writes the whole process spec (and every called spec) into each instance.
The model is the same for every instance of a definition version, so m8flow stores it once
(the deployment's XML) and keeps parsed specs in memory; an instance row holds only the task
tree, subprocesses and pending events.

Every save serializes every task, and Spiff's registry dispatch around each task's few
fields cost two thirds of a dump (50 µs for a six-task process). ``_task_dict`` writes the
dict SpiffWorkflow 3.2's ``TaskConverter`` writes, key for key, for the ``Task`` class that
converter is registered for; the output is the same JSON (tests/engine/test_state.py).
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.bpmn.parser import SERIALIZER

_registry = SERIALIZER.registry
_encoder = SERIALIZER._encoder_cls
_decoder = SERIALIZER.json_decoder_cls


def _converter_for(cls: type):  # type: ignore[no-untyped-def]
    typename = _registry.typenames[cls]
    to_dict = _registry.convert_to_dict[typename]  # partial(_obj_to_dict, typename, converter.to_dict)
    return to_dict.args[1].__self__


_converter = _converter_for(BpmnWorkflow)
_TASK = _registry.typenames[Task]
assert type(_converter_for(Task)) is TaskConverter, "the task dicts below are TaskConverter's"
assert type(_converter_for(BpmnSubWorkflow)) is BpmnSubWorkflowConverter
_convert_internal = _registry.convert


def _task_dict(task: Task, texts: dict[UUID, str]) -> dict[str, Any]:
    """``TaskConverter.to_dict`` with the registry's typename, as it writes them. ``texts``:
    the workflow's task ids as text (a UUID formats itself anew each time, four times a task)."""
    parent_id = task._parent
    parent = task.workflow.tasks.get(parent_id)
    if parent is None:
        data: Any = task.data
        delta: dict[str, Any] = {}
    else:
        data = {}
        before, after = parent.data, task.data
        if before or after:
            delta = {"updates": DeepMerge.get_updated_keys(before, after), "deletions": DeepMerge.get_deleted_keys(before, after)}
        else:
            delta = {"updates": {}, "deletions": []}
    internal = task.internal_data
    return {
        "id": texts[task.id],
        "parent": (texts.get(parent_id) or str(parent_id)) if parent is not None else None,
        "children": [texts.get(child) or str(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task._state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": _convert_internal(internal) if internal else {},
        "data": data,
        "delta": delta,
        "typename": _TASK,
    }


def _tasks_dict(tasks: dict[UUID, Task]) -> dict[str, Any]:
    texts = {task_id: str(task_id) for task_id in tasks}
    return {
        texts[task_id]: _task_dict(task, texts) if type(task) is Task else _registry.convert(task)
        for task_id, task in tasks.items()
    }


def _workflow_fields(workflow: Any) -> dict[str, Any]:
    """``WorkflowConverter.to_dict``: what the top workflow and its sub-processes share."""
    return {
        "data": _registry.convert(_registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_dict(workflow.tasks),
        "root": str(workflow.task_tree.id),
    }


def _subprocess_dict(subprocess: Any) -> Any:
    """``BpmnSubWorkflowConverter.to_dict`` with the same task dicts."""
    if type(subprocess) is not BpmnSubWorkflow:
        return _registry.convert(subprocess)
    return {
        **_workflow_fields(subprocess),
        "parent_task_id": str(subprocess.parent_task_id),
        "spec": subprocess.spec.name,
        "typename": _registry.typenames[BpmnSubWorkflow],
    }


def dump_state(workflow: BpmnWorkflow) -> str:
    _registry._encoder_mode = True
    try:
        dct = {
            **_workflow_fields(workflow),
            "subprocesses": {str(key): _subprocess_dict(sub) for key, sub in workflow.subprocesses.items()},
            "bpmn_events": _registry.convert(workflow.bpmn_events),
        }
        return json.dumps(dct, cls=_encoder, separators=(",", ":"))
    finally:
        _registry._encoder_mode = False


def load_state(text: str, spec, subprocess_specs) -> BpmnWorkflow:  # type: ignore[no-untyped-def]
    dct = json.loads(text, cls=_decoder)
    workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
    workflow.tasks = _converter.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    _converter.set_default_attributes(workflow, dct)
    _converter.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = _registry.restore(dct.get("bpmn_events", []))
    return workflow

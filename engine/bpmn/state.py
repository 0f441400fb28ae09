"""A running instance's SpiffWorkflow state, serialized without its model.

Spiff's serializer writes the whole process spec (and every called spec) into each instance.
The model is the same for every instance of a definition version, so m8flow stores it once
(the deployment's XML) and keeps parsed specs in memory; an instance row holds only the task
tree, subprocesses and pending events.
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from engine.bpmn.parser import SERIALIZER

_registry = SERIALIZER.registry
_encoder = SERIALIZER._encoder_cls
_decoder = SERIALIZER.json_decoder_cls


def _converter_for(cls: type):  # type: ignore[no-untyped-def]
    typename = _registry.typenames[cls]
    to_dict = _registry.convert_to_dict[typename]  # partial(_obj_to_dict, typename, converter.to_dict)
    return to_dict.args[1].__self__


_converter = _converter_for(BpmnWorkflow)


def dump_state(workflow: BpmnWorkflow) -> str:
    _registry._encoder_mode = True
    try:
        dct = {
            "data": _registry.convert(_registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": _converter.mapping_to_dict(workflow.tasks),
            "root": str(workflow.task_tree.id),
            "subprocesses": _converter.mapping_to_dict(workflow.subprocesses),
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

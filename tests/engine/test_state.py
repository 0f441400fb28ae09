"""engine.bpmn.state: an instance's Spiff state is written exactly as SpiffWorkflow 3.2's own
converters write it (so it loads with them), only faster."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import state
from engine.commands.deployment import create_deployment
from engine.commands.process_instance import start_process_instance
from engine.errors import ProcessEngineException
from engine.instance import ProcessInstanceSession
from engine.process_engine import ProcessEngine
from tests.conftest import FIXTURES

MODELS = [
    "parallel.bpmn", "order.bpmn", "external_nested.bpmn", "external_payment.bpmn",
    "events/event_subprocess.bpmn", "events/nested_event_subprocesses.bpmn", "events/errors_escalations.bpmn",
    "events/message_targets.bpmn", "events/event_gateway.bpmn", "jobs/timer_event_subprocess.bpmn",
    "scopes/mi_subprocess.bpmn", "scopes/io_subprocess.bpmn",
    "patterns/wcp15_mi_without_run_time_knowledge.bpmn", "patterns/wcp25_cancel_region.bpmn",
    "patterns/wcp41_thread_merge.bpmn", "patterns/wcp42_thread_split.bpmn", "patterns/wcp21_structured_loop.bpmn",
]
VARIABLES = {"amount": 5, "approved": True, "count": 3, "items": ["a", "b", "c"], "owner": "demo", "again": False}


def _as_spiff_writes_it(workflow: Any) -> str:
    """dump_state as it was written with SpiffWorkflow's converters."""
    registry, converter = state._registry, state._converter
    registry._encoder_mode = True
    try:
        dct = {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": converter.mapping_to_dict(workflow.tasks),
            "root": str(workflow.task_tree.id),
            "subprocesses": converter.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": registry.convert(workflow.bpmn_events),
        }
        return json.dumps(dct, cls=state._encoder, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def _sessions(engine: ProcessEngine) -> Iterator[ProcessInstanceSession]:
    dtos = {name: {"value": value} for name, value in VARIABLES.items()}
    for model in MODELS:
        deployment = create_deployment(engine, {model.rsplit("/", 1)[-1]: (FIXTURES / model).read_bytes()}, name=model)
        for definition in deployment.process_definitions or []:
            try:
                started = start_process_instance(engine, definition_id=definition["id"], variable_dtos=dtos)
            except ProcessEngineException:
                continue  # needs variables of its own: the others cover its shapes
            if started.instance["state"] != "ACTIVE":
                continue
            with engine.database.transaction() as conn:
                session = ProcessInstanceSession.load(engine, conn, started.instance["id"])
                yield session
                # One step further: complete what waits for a person, then compare again.
                for task in session.workflow.get_tasks(state=TaskState.READY, manual=True):
                    try:
                        session.complete_task(task)
                    except ProcessEngineException:
                        break  # a condition needs variables of its own
                    yield session


@pytest.fixture
def sessions(engine: ProcessEngine) -> list[str]:
    """(Spiff's dump, ours) for every instance and every step of the models."""
    pairs = []
    for session in _sessions(engine):
        pairs.append((_as_spiff_writes_it(session.workflow), state.dump_state(session.workflow), bool(session.workflow.subprocesses)))
    assert len(pairs) >= 15 and any(has_subprocesses for *_, has_subprocesses in pairs)
    return pairs


def test_the_state_is_what_spiffs_converters_write(sessions: list[Any]) -> None:
    for spiffs, ours, _ in sessions:
        assert ours == spiffs


def test_task_data_is_written_as_a_delta_from_the_parent_as_spiff_does(engine: ProcessEngine) -> None:
    session = next(_sessions(engine))
    workflow = session.workflow
    root = workflow.task_tree
    root.data = {"kept": 1, "dropped": 2}
    for child in root.children:
        child.data = {"kept": 1, "changed": [3]}
        child.internal_data = {"event_fired": True}
    assert state.dump_state(workflow) == _as_spiff_writes_it(workflow)


def test_what_is_written_loads_back_into_the_same_state(engine: ProcessEngine) -> None:
    for session in _sessions(engine):
        text = state.dump_state(session.workflow)
        spec, subprocess_specs = session.workflow.spec, session.workflow.subprocess_specs
        assert state.dump_state(state.load_state(text, spec, subprocess_specs)) == text

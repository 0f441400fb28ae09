"""engine.ids: row and task ids are UUIDs in creation order (version 7), unique, and in the
canonical text form Camunda's clients pass back."""
from __future__ import annotations

import time
import uuid

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn.parser import build_process_spec
from engine.ids import new_id, uuid7
from tests.engine.bpmn_fixtures import chain


def test_an_id_is_a_version_7_uuid_in_canonical_text() -> None:
    text = new_id()
    parsed = uuid.UUID(text)
    assert str(parsed) == text
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122


def test_an_id_begins_with_the_time_it_was_made_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7().int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= made <= after


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones() -> None:
    ids = []
    for _ in range(5):
        ids.append(new_id())
        time.sleep(0.002)
    assert ids == sorted(ids)


def test_ids_made_in_the_same_millisecond_are_distinct() -> None:
    ids = {new_id() for _ in range(20_000)}
    assert len(ids) == 20_000


def test_spiff_tasks_get_time_ordered_ids() -> None:
    spec, subprocess_specs = build_process_spec({"a.bpmn": chain('<bpmn:userTask id="u"/>')}, "p")
    workflow = BpmnWorkflow(spec, subprocess_specs)
    assert {task.id.version for task in workflow.get_tasks()} == {7}

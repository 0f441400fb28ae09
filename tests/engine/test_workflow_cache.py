"""The workflow cache (engine/workflow_cache.py): a command reuses the workflow the previous
save of its instance left in memory, and never one that is stale or was rolled back."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine import variables as typed
from engine.commands import task as tasks
from engine.commands.deployment import create_deployment
from engine.commands.process_instance import activity_instances, start_process_instance
from engine.errors import ProcessEngineException
from engine.process_engine import ProcessEngine
from engine.workflow_cache import WorkflowCache

TWO_TASKS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="two_tasks" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>
    <bpmn:userTask id="first"/>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="second">
      <bpmn:conditionExpression>${approved}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="end"/>
    <bpmn:userTask id="second"/>
    <bpmn:sequenceFlow id="f5" sourceRef="second" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


class _Workflow:
    def __init__(self, tasks: int) -> None:
        self.tasks = dict.fromkeys(range(tasks))
        self.subprocesses: dict = {}


def _task_ids(engine: ProcessEngine, instance_id: str) -> dict[str, str]:
    rows = tasks.query_tasks(engine, {"processInstanceId": instance_id})
    return {row["task_definition_key"]: row["id"] for row in rows}


@pytest.fixture
def second_node(database_url: str) -> Iterator[ProcessEngine]:
    """Another gateway process on the same database: its own cache."""
    node = ProcessEngine.from_url(database_url, upgrade=False)
    yield node
    node.close()


def test_a_workflow_is_taken_only_at_the_revision_it_was_saved_at():
    cache = WorkflowCache(budget=100)
    workflow = _Workflow(3)
    cache.put("i", 2, workflow)
    assert cache.take("i", 3) is None
    cache.put("i", 2, workflow)
    assert cache.take("i", 2) is workflow


def test_a_taken_workflow_is_no_longer_in_the_cache():
    cache = WorkflowCache(budget=100)
    cache.put("i", 1, _Workflow(3))
    assert cache.take("i", 1) is not None
    assert cache.take("i", 1) is None


def test_the_least_recently_saved_workflows_leave_when_the_budget_is_spent():
    cache = WorkflowCache(budget=10)
    for name in "abc":
        cache.put(name, 1, _Workflow(4))
    assert len(cache) == 2 and cache.take("a", 1) is None and cache.take("c", 1) is not None


def test_a_workflow_larger_than_the_budget_is_not_kept():
    cache = WorkflowCache(budget=10)
    cache.put("i", 1, _Workflow(11))
    assert len(cache) == 0


def test_a_command_after_a_save_reuses_the_saved_workflow(engine: ProcessEngine):
    create_deployment(engine, {"two.bpmn": TWO_TASKS})
    instance = start_process_instance(engine, key="two_tasks").instance
    assert len(engine.workflows) == 1
    tasks.complete(engine, _task_ids(engine, instance["id"])["first"], {"approved": typed.TypedValue("Boolean", True)})
    assert list(_task_ids(engine, instance["id"])) == ["second"]


def test_a_workflow_another_gateway_moved_on_is_read_from_the_database(engine, second_node):
    create_deployment(engine, {"two.bpmn": TWO_TASKS})
    instance = start_process_instance(engine, key="two_tasks").instance  # cached here, revision 1
    first = _task_ids(engine, instance["id"])["first"]
    tasks.complete(second_node, first, {"approved": typed.TypedValue("Boolean", True)})  # revision 2 there
    tasks.complete(engine, _task_ids(engine, instance["id"])["second"])
    assert _task_ids(engine, instance["id"]) == {}


def test_a_command_that_rolls_back_leaves_no_workflow_behind(engine: ProcessEngine):
    create_deployment(engine, {"two.bpmn": TWO_TASKS})
    instance = start_process_instance(engine, key="two_tasks").instance
    first = _task_ids(engine, instance["id"])["first"]
    with pytest.raises(ProcessEngineException):
        tasks.complete(engine, first)  # the gateway cannot read ${approved}: rolled back
    assert len(engine.workflows) == 0
    tasks.complete(engine, first, {"approved": typed.TypedValue("Boolean", False)})
    assert _task_ids(engine, instance["id"]) == {}


def test_reading_the_activity_instance_tree_keeps_the_workflow_for_the_next_command(engine: ProcessEngine):
    create_deployment(engine, {"two.bpmn": TWO_TASKS})
    instance = start_process_instance(engine, key="two_tasks").instance
    activity_instances(engine, instance["id"])
    assert len(engine.workflows) == 1
    tasks.complete(engine, _task_ids(engine, instance["id"])["first"], {"approved": typed.TypedValue("Boolean", True)})
    assert list(_task_ids(engine, instance["id"])) == ["second"]

"""Multi-instance activities with Camunda's collection, element variable, cardinality,
completion condition and nrOf*/loopCounter variables."""
from __future__ import annotations

import json

from tests.conftest import deploy, start, tasks


def _json(value) -> dict:
    return {"value": json.dumps(value), "type": "Json"}


def _complete(rest, task: dict, **variables) -> None:
    body = {"variables": {name: {"value": value} for name, value in variables.items()}}
    response = rest.post(f"/task/{task['id']}/complete", json=body)
    assert response.status_code == 204, response.text


def _variables(rest, instance_id: str) -> dict:
    return {name: dto["value"] for name, dto in rest.get(f"/process-instance/{instance_id}/variables").json().items()}


def test_parallel_over_a_json_array_creates_one_task_per_element(rest):
    deploy(rest, "scopes/mi_parallel.bpmn")
    start(rest, "mi_par", variables={"items": _json(["ann", "bob", "cy"])})
    found = sorted((t["assignee"], t["name"]) for t in tasks(rest))
    assert found == [("ann", "Review ann (0 of 3)"), ("bob", "Review bob (1 of 3)"), ("cy", "Review cy (2 of 3)")]


def test_element_variable_is_local_to_each_instance(rest):
    deploy(rest, "scopes/mi_parallel.bpmn")
    instance = start(rest, "mi_par", variables={"items": _json(["ann", "bob"])})
    first = tasks(rest, assignee="ann")[0]
    assert rest.get(f"/task/{first['id']}/localVariables").json()["item"]["value"] == "ann"
    assert set(_variables(rest, instance["id"])) == {"items"}


def test_parallel_instances_all_complete_before_the_flow_moves_on(rest):
    deploy(rest, "scopes/mi_parallel.bpmn")
    instance = start(rest, "mi_par", variables={"items": _json(["ann", "bob"])})
    first, second = tasks(rest, sortBy="assignee", sortOrder="asc")
    _complete(rest, first)
    assert [t["assignee"] for t in tasks(rest)] == ["bob"]
    _complete(rest, second)
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]
    assert set(_variables(rest, instance["id"])) == {"items"}


def test_sequential_over_a_collection_variable_runs_one_instance_at_a_time(rest):
    deploy(rest, "scopes/mi_sequential.bpmn")
    start(rest, "mi_seq", variables={"reviewers": _json(["ann", "bob"])})
    [first] = tasks(rest)
    assert first["assignee"] == "ann"
    _complete(rest, first)
    [second] = tasks(rest)
    assert second["assignee"] == "bob"
    _complete(rest, second)
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_collection_expression_over_spin_json_elements(rest):
    deploy(rest, "scopes/mi_spin.bpmn")
    start(rest, "mi_spin", variables={"order": _json({"lines": [{"owner": "ann"}, {"owner": "bob"}]})})
    assert sorted(t["assignee"] for t in tasks(rest)) == ["ann", "bob"]


def test_completion_condition_on_completed_instances_cancels_the_rest(rest):
    deploy(rest, "scopes/mi_condition.bpmn")
    start(rest, "mi_cond")
    votes = tasks(rest)
    assert len(votes) == 3
    _complete(rest, votes[0])
    _complete(rest, votes[1])
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_loop_cardinality_expression_and_active_instances_count(rest):
    deploy(rest, "scopes/mi_active.bpmn")
    start(rest, "mi_active", variables={"count": {"value": 3, "type": "Integer"}})
    votes = tasks(rest)
    assert len(votes) == 3
    _complete(rest, votes[0])
    assert len(tasks(rest)) == 2
    _complete(rest, votes[1])
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_sequential_script_task_sees_element_variable_and_loop_counter(rest):
    deploy(rest, "scopes/mi_script.bpmn")
    instance = start(rest, "mi_script", variables={"amounts": _json([10, 20, 30]), "total": {"value": 0, "type": "Integer"}})
    assert _variables(rest, instance["id"])["total"] == 10 * 1 + 20 * 2 + 30 * 3


def test_parallel_external_tasks_one_per_instance(rest):
    deploy(rest, "scopes/mi_external.bpmn")
    start(rest, "mi_ext")
    locked = rest.post("/external-task/fetchAndLock", json={
        "workerId": "w", "maxTasks": 5, "topics": [{"topicName": "mi-work", "lockDuration": 10000}],
    }).json()
    assert len(locked) == 2
    for task in locked:
        assert rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "w"}).status_code == 204
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_parallel_sub_process_instances_see_their_element(rest):
    deploy(rest, "scopes/mi_subprocess.bpmn")
    start(rest, "mi_sub", variables={"items": _json(["ann", "bob"])})
    inner = tasks(rest)
    assert sorted(t["assignee"] for t in inner) == ["ann", "bob"]
    for task in inner:
        _complete(rest, task)
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_parallel_call_activity_starts_one_called_instance_per_element(rest):
    deploy(rest, "scopes/mi_call.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "mi_call", variables={"items": _json(["ann", "bob"])})
    subs = rest.get("/process-instance", params={"superProcessInstance": caller["id"]}).json()
    assert sorted(_variables(rest, sub["id"])["item"] for sub in subs) == ["ann", "bob"]
    for task in tasks(rest):
        _complete(rest, task)
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]

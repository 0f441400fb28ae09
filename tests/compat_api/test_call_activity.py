"""Call activities: the called process runs as a process instance of its own (Camunda 7)."""
from __future__ import annotations

from tests.conftest import deploy, start, tasks


def _variables(rest, instance_id: str) -> dict:
    response = rest.get(f"/process-instance/{instance_id}/variables")
    assert response.status_code == 200, response.text
    return {name: dto["value"] for name, dto in response.json().items()}


def _sub_instance(rest, caller_id: str) -> dict:
    [sub] = rest.get("/process-instance", params={"superProcessInstance": caller_id}).json()
    return sub


def test_call_activity_starts_a_separate_instance_linked_to_its_caller(rest):
    deploy(rest, "scopes/caller_plain.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_plain")
    sub = _sub_instance(rest, caller["id"])
    assert sub["id"] != caller["id"]
    assert sub["definitionId"].startswith("ca_child:")
    assert rest.get("/process-instance", params={"subProcessInstance": sub["id"]}).json()[0]["id"] == caller["id"]
    [inside] = tasks(rest)
    assert inside["processInstanceId"] == sub["id"]
    assert inside["taskDefinitionKey"] == "child_task"
    assert rest.get("/process-instance/count", params={"rootProcessInstances": "true"}).json() == {"count": 1}


def test_caller_continues_when_the_called_instance_ends(rest):
    deploy(rest, "scopes/caller_plain.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_plain")
    [inside] = tasks(rest)
    assert rest.post(f"/task/{inside['id']}/complete", json={}).status_code == 204
    [after] = tasks(rest)
    assert after["taskDefinitionKey"] == "after"
    assert after["processInstanceId"] == caller["id"]
    assert rest.get("/process-instance", params={"superProcessInstance": caller["id"]}).json() == []


def test_nothing_is_copied_without_mappings(rest):
    deploy(rest, "scopes/caller_plain.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_plain", variables={"a": {"value": 1, "type": "Integer"}})
    sub = _sub_instance(rest, caller["id"])
    assert _variables(rest, sub["id"]) == {}
    [inside] = tasks(rest)
    rest.post(f"/task/{inside['id']}/complete", json={"variables": {"result": {"value": "r"}}})
    assert _variables(rest, caller["id"]) == {"a": 1}


def test_in_mappings_copy_source_target_expression_and_business_key(rest):
    deploy(rest, "scopes/caller_mapped.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_mapped", businessKey="order-7", variables={"a": {"value": 5, "type": "Integer"}})
    sub = _sub_instance(rest, caller["id"])
    assert _variables(rest, sub["id"]) == {"x": 5, "doubled": 10}
    assert sub["businessKey"] == "order-7"


def test_out_mappings_copy_source_target_and_expression_back(rest):
    deploy(rest, "scopes/caller_mapped.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_mapped", variables={"a": {"value": 5, "type": "Integer"}})
    [inside] = tasks(rest)
    rest.post(f"/task/{inside['id']}/complete", json={"variables": {"result": {"value": "done"}, "other": {"value": 1}}})
    assert _variables(rest, caller["id"]) == {"a": 5, "fromChild": "done", "computed": 6}


def test_variables_all_copies_every_variable_in_and_out(rest):
    deploy(rest, "scopes/caller_all.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_all", variables={"a": {"value": 1, "type": "Integer"}, "b": {"value": "two"}})
    sub = _sub_instance(rest, caller["id"])
    assert _variables(rest, sub["id"]) == {"a": 1, "b": "two"}
    [inside] = tasks(rest)
    rest.post(f"/task/{inside['id']}/complete", json={"variables": {"c": {"value": True}}})
    assert _variables(rest, caller["id"]) == {"a": 1, "b": "two", "c": True}


def test_called_element_expression_and_a_callee_that_ends_at_once(rest):
    deploy(rest, "scopes/caller_sync.bpmn", "scopes/child_script.bpmn")
    caller = start(rest, "ca_sync", variables={"childKey": {"value": "ca_child_script"}, "x": {"value": 4, "type": "Integer"}})
    [after] = tasks(rest)
    assert after["processInstanceId"] == caller["id"]
    assert _variables(rest, caller["id"])["result"] == 40


def test_binding_latest_deployment_version_and_version_tag(rest):
    deploy(rest, "scopes/versioned_1.bpmn", deployment_name="v1")
    deploy(rest, "scopes/versioned_2.bpmn", "scopes/caller_deployment.bpmn", deployment_name="v2")
    deploy(rest, "scopes/versioned_3.bpmn", "scopes/caller_latest.bpmn", "scopes/caller_version.bpmn",
           "scopes/caller_version_tag.bpmn", deployment_name="v3")
    called = {}
    for key in ("ca_latest", "ca_deployment", "ca_version", "ca_tag"):
        caller = start(rest, key)
        sub = _sub_instance(rest, caller["id"])
        called[key] = rest.get(f"/process-definition/{sub['definitionId']}").json()["version"]
    assert called == {"ca_latest": 3, "ca_deployment": 2, "ca_version": 1, "ca_tag": 2}


def test_deleting_the_caller_deletes_the_called_instance(rest):
    deploy(rest, "scopes/caller_plain.bpmn", "scopes/child_task.bpmn")
    caller = start(rest, "ca_plain")
    assert rest.delete(f"/process-instance/{caller['id']}").status_code == 204
    assert rest.get("/process-instance/count").json() == {"count": 0}
    assert tasks(rest) == []


def test_a_callee_that_is_not_deployed_fails_the_start_and_names_it(rest):
    deploy(rest, "scopes/caller_plain.bpmn")
    response = rest.post("/process-definition/key/ca_plain/start", json={})
    assert response.status_code == 500
    assert "ca_child" in response.json()["message"]
    assert rest.get("/process-instance/count").json() == {"count": 0}

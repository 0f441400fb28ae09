"""Several BPMN files in one deployment, and call activities across deployments."""
from __future__ import annotations

from tests.conftest import deploy, start, tasks


def test_one_deployment_with_several_models_deploys_each_definition(rest):
    body = deploy(rest, "order.bpmn", "parallel.bpmn")
    assert sorted(d["key"] for d in body["deployedProcessDefinitions"].values()) == ["order", "parallel"]
    assert len(rest.get(f"/deployment/{body['id']}/resources").json()) == 2


def test_call_activity_within_one_deployment_runs_the_called_process(rest):
    deploy(rest, "caller.bpmn", "callee.bpmn")
    start(rest, "caller")
    [inside] = tasks(rest)
    assert inside["taskDefinitionKey"] == "inside"
    rest.post(f"/task/{inside['id']}/complete", json={})
    [after] = tasks(rest)
    assert after["taskDefinitionKey"] == "after"


def test_call_activity_resolves_a_process_from_another_deployment(rest):
    deploy(rest, "callee.bpmn", deployment_name="callee")
    deploy(rest, "caller.bpmn", deployment_name="caller")
    start(rest, "caller")
    [inside] = tasks(rest)
    assert inside["taskDefinitionKey"] == "inside"
    assert rest.post(f"/task/{inside['id']}/complete", json={}).status_code == 204
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_starting_a_caller_whose_callee_is_not_deployed_fails_cleanly(rest):
    deploy(rest, "caller.bpmn")
    response = rest.post("/process-definition/key/caller/start", json={})
    assert response.status_code in (400, 500)
    assert set(response.json()) >= {"type", "message"}
    assert rest.get("/process-instance/count").json() == {"count": 0}

"""Start instructions on `/process-definition/.../start` and
`/process-instance/{id}/modification`: tokens placed at activities, variables per instruction."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import FIXTURES, start, tasks


@pytest.fixture
def claims(rest: httpx.Client) -> None:
    content = (FIXTURES / "import" / "claims.bpmn").read_bytes()
    response = rest.post("/deployment/create", files=[("data", ("claims.bpmn", content))], data={"deployment-name": "claims"})
    assert response.status_code == 200, response.text


def activities(rest: httpx.Client, instance_id: str) -> list[str]:
    """Waiting activities, leaving out what Camunda does not list as activity instances."""
    tree = rest.get(f"/process-instance/{instance_id}/activity-instances").json()
    return sorted(a["activityId"] for a in tree["childActivityInstances"]
                  if a["activityType"] not in ("boundaryTimer", "parallelGateway"))


def at(rest: httpx.Client, *instructions: dict, **body: object) -> dict:
    return start(rest, "claims", startInstructions=list(instructions), **body)


def test_start_before_a_user_task_deep_in_the_model_skips_everything_before_it(rest, claims):
    instance = at(rest, {"type": "startBeforeActivity", "activityId": "review"},
                  businessKey="claim-7", variables={"reviewer": {"value": "anna"}})
    assert instance["businessKey"] == "claim-7"
    assert activities(rest, instance["id"]) == ["review"]
    [task] = tasks(rest, processInstanceId=instance["id"])
    assert task["assignee"] == "anna"
    # the script task before it did not run
    assert "screened" not in rest.get(f"/process-instance/{instance['id']}/variables").json()


def test_start_at_both_parallel_branches_then_the_join_waits_for_both(rest, claims):
    instance = at(rest, {"type": "startBeforeActivity", "activityId": "check"},
                  {"type": "startBeforeActivity", "activityId": "pay"})
    assert activities(rest, instance["id"]) == ["check", "pay"]
    [task] = tasks(rest, processInstanceId=instance["id"])
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert activities(rest, instance["id"]) == ["pay"]
    [locked] = rest.post("/external-task/fetchAndLock", json={
        "workerId": "w", "maxTasks": 1, "topics": [{"topicName": "payment", "lockDuration": 10000}]}).json()
    assert locked["processInstanceId"] == instance["id"]
    assert rest.post(f"/external-task/{locked['id']}/complete", json={"workerId": "w"}).status_code == 204
    assert activities(rest, instance["id"]) == ["cooling"]


def test_start_after_an_activity_takes_its_outgoing_flow(rest, claims):
    instance = at(rest, {"type": "startAfterActivity", "activityId": "review"})
    assert activities(rest, instance["id"]) == ["check", "pay"]


def test_start_transition_into_a_join_counts_as_that_branch_arriving(rest, claims):
    instance = at(rest, {"type": "startTransition", "transitionId": "payToJoin"},
                  {"type": "startBeforeActivity", "activityId": "check"})
    [task] = tasks(rest, processInstanceId=instance["id"])
    rest.post(f"/task/{task['id']}/complete", json={})
    assert activities(rest, instance["id"]) == ["cooling"]


def test_variables_per_instruction_land_in_the_process_or_the_activity_instance(rest, claims):
    instance = at(rest, {"type": "startBeforeActivity", "activityId": "review", "variables": {
        "reviewer": {"value": "local-anna", "type": "String", "local": True},
        "amount": {"value": 120, "type": "Integer"},
    }})
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables == {"amount": {"type": "Integer", "value": 120, "valueInfo": {}}}
    [task] = tasks(rest, processInstanceId=instance["id"])
    assert task["assignee"] == "local-anna"
    assert rest.get(f"/task/{task['id']}/localVariables").json()["reviewer"]["value"] == "local-anna"


def test_start_before_an_unknown_activity_is_400_with_camundas_message(rest, claims):
    response = rest.post("/process-definition/key/claims/start", json={
        "startInstructions": [{"type": "startBeforeActivity", "activityId": "nope"}]})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Cannot instantiate process definition claims:1:")
    assert "Cannot perform instruction: Start before activity 'nope'; Element 'nope' does not exist in process" in message
    assert rest.get("/process-instance/count").json() == {"count": 0}


def test_modification_cancel_and_start_before_moves_the_token(rest, claims):
    instance = start(rest, "claims", variables={"reviewer": {"value": "bob"}})
    assert activities(rest, instance["id"]) == ["review"]
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={
        "skipCustomListeners": True, "skipIoMappings": True, "annotation": "moved by ops",
        "instructions": [
            {"type": "cancel", "activityId": "review"},
            {"type": "startBeforeActivity", "activityId": "cooling", "variables": {"moved": {"value": True}}},
        ]})
    assert response.status_code == 204, response.text
    assert activities(rest, instance["id"]) == ["cooling"]
    assert tasks(rest, processInstanceId=instance["id"]) == []
    assert rest.get(f"/process-instance/{instance['id']}/variables/moved").json()["value"] is True


def test_modification_cancelling_the_last_activity_instance_ends_the_instance(rest, claims):
    instance = start(rest, "claims", variables={"reviewer": {"value": "bob"}})
    tree = rest.get(f"/process-instance/{instance['id']}/activity-instances").json()
    [review] = tree["childActivityInstances"]
    response = rest.post(f"/process-instance/{instance['id']}/modification-async", json={
        "instructions": [{"type": "cancel", "activityInstanceId": review["id"]}]})
    assert response.status_code == 200
    assert response.json()["type"] == "instance-modification"
    assert rest.get(f"/process-instance/{instance['id']}").status_code == 404


def test_modification_with_an_unknown_activity_instance_is_400(rest, claims):
    instance = start(rest, "claims", variables={"reviewer": {"value": "bob"}})
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={
        "instructions": [{"type": "cancel", "activityInstanceId": "nope:1"}]})
    assert response.status_code == 400
    assert response.json()["message"] == ("Cannot perform instruction: Cancel activity instance 'nope:1'; "
                                          "Activity instance 'nope:1' does not exist")
    assert activities(rest, instance["id"]) == ["review"]


def test_start_inside_an_embedded_sub_process_then_the_instance_runs_out_of_it(rest, claims):
    instance = at(rest, {"type": "startBeforeActivity", "activityId": "archive"})
    tree = rest.get(f"/process-instance/{instance['id']}/activity-instances").json()
    [close] = tree["childActivityInstances"]
    assert (close["activityId"], [a["activityId"] for a in close["childActivityInstances"]]) == ("close", ["archive"])
    [task] = tasks(rest, processInstanceId=instance["id"])
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert rest.get(f"/process-instance/{instance['id']}").status_code == 404
    history = rest.get("/process-instance/count").json()
    assert history == {"count": 0}


def test_cancelling_the_last_token_of_a_sub_process_ends_the_sub_process(rest, claims):
    instance = at(rest, {"type": "startBeforeActivity", "activityId": "archive"},
                  {"type": "startBeforeActivity", "activityId": "review"}, variables={"reviewer": {"value": "x"}})
    assert activities(rest, instance["id"]) == ["close", "review"]
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={
        "instructions": [{"type": "cancel", "activityId": "archive"}]})
    assert response.status_code == 204, response.text
    assert activities(rest, instance["id"]) == ["review"]
    assert [t["taskDefinitionKey"] for t in tasks(rest, processInstanceId=instance["id"])] == ["review"]

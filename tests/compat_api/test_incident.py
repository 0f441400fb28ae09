"""`/incident`: an external task out of retries opens a failedExternalTask incident; setting
retries resolves it and it leaves the runtime list."""
from __future__ import annotations

from tests.compat_api.external_task_helpers import deploy_single, fetch, start_single

INCIDENT_FIELDS = {
    "id", "processDefinitionId", "processInstanceId", "executionId", "incidentTimestamp", "incidentType",
    "activityId", "failedActivityId", "causeIncidentId", "rootCauseIncidentId", "configuration", "tenantId",
    "incidentMessage", "jobDefinitionId", "annotation",
}


def _fail_without_retries(rest, topic: str) -> tuple[dict, dict]:
    deploy_single(rest)
    instance = start_single(rest, topic)
    [task] = fetch(rest, topic)
    # retries omitted: Camunda's primitive int reads 0, so the first failure opens the incident
    response = rest.post(f"/external-task/{task['id']}/failure", json={"workerId": "worker-1", "errorMessage": "no route to host"})
    assert response.status_code == 204
    return instance, task


def test_failure_without_retries_opens_a_failed_external_task_incident(rest):
    instance, task = _fail_without_retries(rest, "incident")
    [incident] = rest.get("/incident").json()
    assert set(incident) == INCIDENT_FIELDS
    assert incident["incidentType"] == "failedExternalTask"
    assert incident["configuration"] == task["id"]
    assert incident["incidentMessage"] == "no route to host"
    assert incident["processInstanceId"] == instance["id"] and incident["activityId"] == "work"
    assert incident["causeIncidentId"] == incident["rootCauseIncidentId"] == incident["id"]
    assert rest.get(f"/incident/{incident['id']}").json() == incident
    assert rest.get("/incident/count", params={"incidentType": "failedExternalTask"}).json() == {"count": 1}
    assert fetch(rest, "incident") == []
    assert rest.get("/external-task", params={"noRetriesLeft": "true"}).json()[0]["retries"] == 0


def test_setting_retries_resolves_the_incident_and_makes_the_task_fetchable(rest):
    _instance, task = _fail_without_retries(rest, "resolve")
    assert rest.put(f"/external-task/{task['id']}/retries", json={"retries": 3}).status_code == 204
    assert rest.get("/incident").json() == []
    [again] = fetch(rest, "resolve")
    assert again["id"] == task["id"] and again["retries"] == 3


def test_batch_retries_resolve_incidents_of_every_named_task(rest):
    _instance, task = _fail_without_retries(rest, "batch")
    assert rest.put("/external-task/retries", json={"retries": 1, "externalTaskIds": [task["id"]]}).status_code == 204
    assert rest.get("/incident/count").json() == {"count": 0}
    empty = rest.put("/external-task/retries", json={"retries": 1, "externalTaskIds": []})
    assert empty.status_code == 400
    null = rest.put(f"/external-task/{task['id']}/retries", json={"retries": None})
    assert null.status_code == 400 and null.json()["message"] == "The number of retries cannot be null."


def test_annotations_are_set_and_cleared_and_failed_task_incidents_cannot_be_deleted(rest):
    _fail_without_retries(rest, "annotate")
    [incident] = rest.get("/incident").json()
    url = f"/incident/{incident['id']}"
    assert rest.put(f"{url}/annotation", json={"annotation": "ops looking"}).status_code == 204
    assert rest.get(url).json()["annotation"] == "ops looking"
    assert rest.delete(f"{url}/annotation").status_code == 204
    assert rest.get(url).json()["annotation"] is None
    assert rest.delete(url).status_code == 400
    assert rest.get("/incident/missing").status_code == 404


def test_incidents_go_with_their_task_when_the_instance_is_deleted(rest):
    instance, _task = _fail_without_retries(rest, "deleted")
    assert rest.delete(f"/process-instance/{instance['id']}").status_code == 204
    assert rest.get("/incident").json() == []
    assert rest.get("/external-task/count").json() == {"count": 0}

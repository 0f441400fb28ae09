"""Async continuations, failed jobs and the /job and /job-definition resources."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from engine.dates import format_date, parse_date
from tests.compat_api.job_helpers import eventually, jobs, task_keys
from tests.conftest import ThreadedServer, deploy, start

JOB_FIELDS = {
    "id", "jobDefinitionId", "dueDate", "processInstanceId", "executionId", "processDefinitionId",
    "processDefinitionKey", "retries", "exceptionMessage", "failedActivityId", "suspended", "priority",
    "tenantId", "createTime", "batchId",
}


@pytest.fixture
def manual_rest(engine, monkeypatch) -> Iterator[httpx.Client]:
    """A gateway without a job executor: jobs run only when ``POST /job/{id}/execute`` says so."""
    monkeypatch.setenv("M8FLOW_JOB_EXECUTOR", "false")
    server = ThreadedServer(engine).start()
    with httpx.Client(base_url=server.url + "/engine-rest", timeout=30) as client:
        yield client
    server.stop()


def _variable(rest, instance_id: str, name: str):
    response = rest.get(f"/process-instance/{instance_id}/variables/{name}")
    return response.json()["value"] if response.status_code == 200 else None


def test_async_before_makes_start_return_before_the_script_runs(manual_rest):
    deploy(manual_rest, "jobs/async_script.bpmn")
    instance = start(manual_rest, "async_script", variables={"fail": {"value": False}})
    [job] = jobs(manual_rest, processInstanceId=instance["id"])
    assert (job["dueDate"], job["retries"]) == (None, 3)
    assert _variable(manual_rest, instance["id"], "result") is None
    assert task_keys(manual_rest, instance["id"]) == []
    assert manual_rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert _variable(manual_rest, instance["id"], "result") == 42
    assert task_keys(manual_rest, instance["id"]) == ["review"]


def test_async_before_commits_the_start_and_the_executor_runs_the_script(rest):
    deploy(rest, "jobs/async_script.bpmn")
    instance = start(rest, "async_script", variables={"fail": {"value": False}})
    # The start returned at the boundary: the job exists or has just run, never half of both.
    assert _variable(rest, instance["id"], "result") in (None, 42)
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["review"], timeout=3)
    assert _variable(rest, instance["id"], "result") == 42
    assert jobs(rest, processInstanceId=instance["id"]) == []


def test_async_before_is_a_message_job_of_an_async_continuation(rest):
    deploy(rest, "jobs/async_script.bpmn")
    [definition] = rest.get("/job-definition", params={"processDefinitionKey": "async_script"}).json()
    assert (definition["activityId"], definition["jobType"], definition["jobConfiguration"]) == (
        "compute", "async-continuation", "async-before")


def test_async_after_continues_behind_the_activity(rest):
    deploy(rest, "jobs/async_after.bpmn")
    instance = start(rest, "async_after")
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["review"], timeout=3)
    assert _variable(rest, instance["id"], "result") == 7
    [definition] = rest.get("/job-definition", params={"processDefinitionKey": "async_after"}).json()
    assert definition["jobConfiguration"] == "async-after"


def test_a_failing_job_is_retried_by_its_cycle_and_raises_a_failed_job_incident(rest):
    deploy(rest, "jobs/async_script.bpmn")
    instance = start(rest, "async_script", variables={"fail": {"value": True}})
    # R2/PT0.5S: first failure leaves 1 retry, half a second later the last one leaves 0.
    failed = eventually(lambda: [j for j in jobs(rest, processInstanceId=instance["id"]) if j["retries"] == 0], timeout=4)
    assert failed, jobs(rest, processInstanceId=instance["id"])
    [job] = failed
    assert "the computation failed" in job["exceptionMessage"]
    assert job["failedActivityId"] == "compute"
    stacktrace = rest.get(f"/job/{job['id']}/stacktrace")
    assert stacktrace.status_code == 200 and "ValueError" in stacktrace.text
    [incident] = rest.get("/incident", params={"processInstanceId": instance["id"]}).json()
    assert (incident["incidentType"], incident["configuration"], incident["jobDefinitionId"]) == (
        "failedJob", job["id"], job["jobDefinitionId"])
    assert rest.delete(f"/incident/{incident['id']}").status_code == 400

    assert rest.put(f"/process-instance/{instance['id']}/variables/fail", json={"value": False}).status_code == 204
    assert rest.put(f"/job/{job['id']}/retries", json={"retries": 1}).status_code == 204
    assert rest.get("/incident", params={"processInstanceId": instance["id"]}).json() == []
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["review"], timeout=3)


def test_execute_runs_a_timer_before_its_due_date(rest):
    deploy(rest, "jobs/timer_catch.bpmn")
    instance = start(rest, "timer_catch", variables={"duration": {"value": "PT1H"}})
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert set(job) == JOB_FIELDS
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert task_keys(rest, instance["id"]) == ["after"]
    missing = rest.post(f"/job/{job['id']}/execute")
    assert missing.status_code == 404 and missing.json()["type"] == "InvalidRequestException"


def test_execute_of_a_failing_job_answers_500_and_counts_down_its_retries(manual_rest):
    deploy(manual_rest, "jobs/async_script.bpmn")
    instance = start(manual_rest, "async_script", variables={"fail": {"value": True}})
    [job] = jobs(manual_rest, processInstanceId=instance["id"])
    response = manual_rest.post(f"/job/{job['id']}/execute")
    assert response.status_code == 500
    assert "the computation failed" in response.json()["message"]
    after_one = manual_rest.get(f"/job/{job['id']}").json()
    assert after_one["retries"] == 1  # R2/PT0.5S: the cycle's count replaces the default 3
    assert timedelta(0) < parse_date(after_one["dueDate"]) - datetime.now(UTC) <= timedelta(seconds=0.5)
    assert manual_rest.post(f"/job/{job['id']}/execute").status_code == 500
    assert manual_rest.get(f"/job/{job['id']}").json()["retries"] == 0
    assert len(manual_rest.get("/incident", params={"incidentType": "failedJob"}).json()) == 1


def test_due_date_retries_and_suspension_can_be_set(rest):
    deploy(rest, "jobs/timer_catch.bpmn")
    instance = start(rest, "timer_catch", variables={"duration": {"value": "PT1H"}})
    [job] = jobs(rest, processInstanceId=instance["id"])
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    assert rest.put(f"/job/{job['id']}/duedate", json={"duedate": format_date(later)}).status_code == 204
    assert parse_date(rest.get(f"/job/{job['id']}").json()["dueDate"]) == later
    assert rest.put(f"/job/{job['id']}/retries", json={"retries": 5}).status_code == 204
    assert rest.put(f"/job/{job['id']}/retries", json={"retries": -1}).status_code == 400
    assert rest.put(f"/job/{job['id']}/suspended", json={"suspended": True}).status_code == 204
    got = rest.get(f"/job/{job['id']}").json()
    assert (got["retries"], got["suspended"]) == (5, True)
    assert [j["id"] for j in jobs(rest, suspended="true")] == [job["id"]]
    assert jobs(rest, active="true") == []
    soon = datetime.now(UTC) - timedelta(seconds=1)
    assert rest.put(f"/job/{job['id']}/duedate", json={"duedate": format_date(soon)}).status_code == 204
    assert task_keys(rest, instance["id"]) == []  # suspended jobs do not run
    assert rest.put(f"/job/{job['id']}/suspended", json={"suspended": False}).status_code == 204
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["after"], timeout=3)


def test_jobs_are_queried_with_camunda_filters(rest):
    deploy(rest, "jobs/timer_catch.bpmn", "jobs/timer_boundary.bpmn")
    one = start(rest, "timer_catch", variables={"duration": {"value": "PT1H"}})
    start(rest, "timer_boundary", variables={"duration": {"value": "PT2H"}})
    assert len(jobs(rest)) == 2
    assert rest.get("/job/count").json() == {"count": 2}
    assert rest.get("/job/count", params={"processDefinitionKey": "timer_catch"}).json() == {"count": 1}
    assert [j["processInstanceId"] for j in jobs(rest, activityId="wait")] == [one["id"]]
    assert len(jobs(rest, timers="true")) == 2 and jobs(rest, messages="true") == []
    assert jobs(rest, executable="true") == [] and len(jobs(rest, withRetriesLeft="true")) == 2
    in_90_minutes = format_date(datetime.now(UTC) + timedelta(minutes=90))
    assert [j["processInstanceId"] for j in jobs(rest, dueDates=f"lt_{in_90_minutes}")] == [one["id"]]
    ordered = jobs(rest, sortBy="jobDueDate", sortOrder="desc")
    assert [j["processDefinitionKey"] for j in ordered] == ["timer_boundary", "timer_catch"]
    posted = rest.post("/job", json={"processInstanceIds": [one["id"]], "dueDates": [{"operator": "lt", "value": in_90_minutes}]})
    assert [j["processInstanceId"] for j in posted.json()] == [one["id"]]
    assert rest.post("/job/count", json={"timers": True}).json() == {"count": 2}
    assert rest.get("/job", params={"sortBy": "nonsense", "sortOrder": "asc"}).status_code == 400
    assert rest.get("/job/unknown").status_code == 404
    assert rest.get("/job/unknown/stacktrace").status_code == 404
    assert rest.put("/job/unknown/suspended", json={"suspended": True}).status_code == 404


def test_job_definitions_are_listed_counted_and_fetched(rest):
    deploy(rest, "jobs/timer_catch.bpmn", "jobs/async_script.bpmn", "jobs/timer_start_v2.bpmn")
    definitions = rest.get("/job-definition").json()
    assert sorted(d["jobType"] for d in definitions) == [
        "async-continuation", "timer-intermediate-transition", "timer-start-event"]
    assert set(definitions[0]) == {
        "id", "processDefinitionId", "processDefinitionKey", "activityId", "jobType", "jobConfiguration",
        "overridingJobPriority", "suspended", "tenantId", "deploymentId"}
    assert rest.get("/job-definition/count").json() == {"count": 3}
    assert rest.post("/job-definition/count", json={"jobType": "timer-start-event"}).json() == {"count": 1}
    [async_definition] = rest.get("/job-definition", params={"activityIdIn": "compute"}).json()
    assert rest.get(f"/job-definition/{async_definition['id']}").json() == async_definition
    assert rest.get("/job-definition/unknown").status_code == 404

"""Timers fire by themselves while the gateway runs (± 1 s), after a restart for those that
fell due meanwhile, and exactly once across gateway processes."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from engine.dates import format_date, parse_date
from engine.jobs.cron import next_fire_time
from tests.compat_api.job_helpers import eventually, jobs, task_keys
from tests.compat_api.test_restart_and_races import GatewayProcess
from tests.conftest import FIXTURES, deploy, free_port, start


def test_a_duration_timer_catch_event_fires_by_itself(rest):
    deploy(rest, "jobs/timer_literal.bpmn")
    instance = start(rest, "timer_literal")
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert job["processDefinitionKey"] == "timer_literal" and job["retries"] == 3
    assert task_keys(rest, instance["id"]) == []
    began = time.monotonic()
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["after"], timeout=4)
    assert 0.5 < time.monotonic() - began < 2.5
    assert jobs(rest, processInstanceId=instance["id"]) == []


def test_the_duration_may_be_an_expression(rest):
    deploy(rest, "jobs/timer_catch.bpmn")
    before = datetime.now(UTC)
    instance = start(rest, "timer_catch", variables={"duration": {"value": "PT1H"}})
    [job] = jobs(rest, processInstanceId=instance["id"])
    due = parse_date(job["dueDate"])
    assert timedelta(minutes=59) < due - before < timedelta(minutes=61)


def test_a_time_date_expression_sets_the_due_date(rest):
    deploy(rest, "jobs/timer_date.bpmn")
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    instance = start(rest, "timer_date", variables={"dueDate": {"value": format_date(due), "type": "Date"}})
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert parse_date(job["dueDate"]) == due


def test_a_time_date_in_the_past_fires_at_once(rest):
    deploy(rest, "jobs/timer_date.bpmn")
    past = format_date(datetime.now(UTC) - timedelta(hours=1))
    instance = start(rest, "timer_date", variables={"dueDate": {"value": past, "type": "Date"}})
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["after"], timeout=2)


def test_an_interrupting_boundary_timer_cancels_the_user_task(rest):
    deploy(rest, "jobs/timer_boundary.bpmn")
    instance = start(rest, "timer_boundary", variables={"duration": {"value": "PT1S"}})
    assert task_keys(rest, instance["id"]) == ["work"]
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert rest.get(f"/job-definition/{job['jobDefinitionId']}").json()["jobType"] == "timer-transition"
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["escalated"], timeout=4)


def test_a_completed_task_takes_its_boundary_timer_with_it(rest):
    deploy(rest, "jobs/timer_boundary.bpmn")
    instance = start(rest, "timer_boundary", variables={"duration": {"value": "PT1H"}})
    [task] = rest.get("/task", params={"processInstanceId": instance["id"]}).json()
    assert len(jobs(rest, processInstanceId=instance["id"])) == 1
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 204
    assert jobs(rest, processInstanceId=instance["id"]) == []


def test_a_non_interrupting_cycle_timer_fires_n_times_beside_the_task(rest):
    deploy(rest, "jobs/timer_boundary_cycle.bpmn")
    instance = start(rest, "timer_boundary_cycle", variables={"cycle": {"value": "R2/PT0.5S"}})
    assert eventually(lambda: task_keys(rest, instance["id"]) == ["remind", "remind", "work"], timeout=4)
    time.sleep(0.8)  # no third round
    assert task_keys(rest, instance["id"]) == ["remind", "remind", "work"]
    assert jobs(rest, processInstanceId=instance["id"]) == []


def test_a_quartz_cron_cycle_is_due_at_its_next_fire_time(rest):
    deploy(rest, "jobs/timer_cron.bpmn")
    instance = start(rest, "timer_cron")
    [job] = jobs(rest, processInstanceId=instance["id"])
    due = parse_date(job["dueDate"])
    assert due.weekday() < 5 and (due.hour, due.minute, due.second) == (9, 0, 0)
    assert due == next_fire_time("0 0 9 ? * MON-FRI", datetime.now(UTC))
    [definition] = rest.get("/job-definition", params={"processDefinitionKey": "timer_cron"}).json()
    assert definition["jobConfiguration"] == "CYCLE: 0 0 9 ? * MON-FRI"


def test_a_cron_cycle_fires_and_moves_on_to_its_next_fire_time(rest):
    deploy(rest, "jobs/timer_cron.bpmn")
    instance = start(rest, "timer_cron")
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert task_keys(rest, instance["id"]) == ["remind", "work"]
    [again] = jobs(rest, processInstanceId=instance["id"])
    # The next round counts from now, as a cron cycle does in Camunda.
    assert parse_date(again["dueDate"]) == next_fire_time("0 0 9 ? * MON-FRI", datetime.now(UTC))


def test_a_timer_start_event_creates_instances_and_a_redeploy_replaces_its_schedule(rest):
    first = deploy(rest, "jobs/timer_start.bpmn")
    v1 = next(iter(first["deployedProcessDefinitions"]))
    [job] = jobs(rest, processDefinitionId=v1)
    assert job["processInstanceId"] is None
    instances = eventually(lambda: rest.get("/process-instance", params={"processDefinitionId": v1}).json(), timeout=4)
    assert len(instances) == 1
    assert task_keys(rest, instances[0]["id"]) == ["work"]
    second = deploy(rest, "jobs/timer_start_v2.bpmn")
    v2 = next(iter(second["deployedProcessDefinitions"]))
    [replacement] = jobs(rest, processDefinitionKey="timer_start")
    assert replacement["processDefinitionId"] == v2
    assert parse_date(replacement["dueDate"]).hour == 2
    time.sleep(1.5)  # v1's second round would have been due by now
    assert len(rest.get("/process-instance", params={"processDefinitionId": v1}).json()) == 1


def test_a_timer_event_sub_process_starts_when_due(rest):
    deploy(rest, "jobs/timer_event_subprocess.bpmn")
    instance = start(rest, "timer_event_subprocess")
    [job] = jobs(rest, processInstanceId=instance["id"])
    assert rest.get(f"/job-definition/{job['jobDefinitionId']}").json()["jobType"] == "timer-start-event-subprocess"
    assert eventually(lambda: "chase" in task_keys(rest, instance["id"]), timeout=4)


def test_a_timer_that_fell_due_while_the_gateway_was_down_fires_after_restart(database_url):
    port = free_port()
    gateway = GatewayProcess(database_url, port).start()
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as rest:
            deploy(rest, "jobs/timer_catch.bpmn")
            instance = start(rest, "timer_catch", variables={"duration": {"value": "PT1S"}})
    finally:
        gateway.kill()
    time.sleep(1.2)
    gateway = GatewayProcess(database_url, port).start()
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as rest:
            assert eventually(lambda: task_keys(rest, instance["id"]) == ["after"], timeout=3)
    finally:
        gateway.kill()


def test_two_gateways_fire_each_timer_exactly_once(postgres_url):
    from tests.conftest import _truncate

    _truncate(postgres_url)
    gateways = [GatewayProcess(postgres_url, free_port()).start() for _ in range(2)]
    try:
        with httpx.Client(base_url=gateways[0].url, timeout=30) as one, \
                httpx.Client(base_url=gateways[1].url, timeout=30) as two:
            deploy(one, "jobs/timer_start.bpmn", "jobs/timer_boundary_cycle.bpmn")
            assert len(jobs(two, processDefinitionKey="timer_start")) == 1
            instances = [
                start(client, "timer_boundary_cycle", variables={"cycle": {"value": "R1/PT1S"}})["id"]
                for client in (one, two) * 5
            ]
            assert eventually(lambda: jobs(one) == [], timeout=6)
            started = one.get("/process-instance", params={"processDefinitionKey": "timer_start"}).json()
            assert len(started) == 2  # R2: two rounds, each started once
            assert [task_keys(two, instance) for instance in instances] == [["remind", "work"]] * 10
            assert one.get("/incident").json() == []
    finally:
        for gateway in gateways:
            gateway.kill()


@pytest.mark.parametrize("text", ["0 0/5 * * * ?", "0 15 10 ? * MON-FRI", "*/10 * * * * ?", "0 0 12 1 * ?"])
def test_quartz_cron_expressions_parse(text):
    after = datetime(2024, 1, 1, 10, 2, 3, tzinfo=UTC)
    assert next_fire_time(text, after) > after


def test_a_timer_literal_quoted_by_migrate_convert_is_read_as_the_literal(rest):
    # `m8flow migrate convert` writes ISO literals quoted ('PT1H'); both spellings are the timer.
    model = (FIXTURES / "jobs" / "timer_literal.bpmn").read_bytes().replace(b">PT1S<", b">'PT1H'<")
    files = {"data": ("quoted_timer.bpmn", model, "application/xml")}
    assert rest.post("/deployment/create", files=files).status_code == 200
    before = datetime.now(UTC)
    instance = start(rest, "timer_literal")
    [job] = jobs(rest, processInstanceId=instance["id"])
    due = parse_date(job["dueDate"])
    assert timedelta(minutes=59) < due - before < timedelta(minutes=61)
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert task_keys(rest, instance["id"]) == ["after"]


# -- timer start events are scheduled by their deployment -----------------------------------
def deploy_hourly(rest, duration: str = "PT1H") -> str:
    model = (FIXTURES / "jobs" / "timer_start_hourly.bpmn").read_bytes().replace(b"PT1H", duration.encode())
    response = rest.post("/deployment/create", files={"data": ("hourly.bpmn", model, "application/xml")})
    assert response.status_code == 200, response.text
    return next(iter(response.json()["deployedProcessDefinitions"]))


def test_a_deployment_schedules_its_timer_start_event_at_once(rest):
    before = datetime.now(UTC)
    definition_id = deploy_hourly(rest)
    [job] = jobs(rest, processDefinitionId=definition_id)
    assert job["processInstanceId"] is None and job["executionId"] is None and job["retries"] == 3
    assert timedelta(minutes=59) < parse_date(job["dueDate"]) - before < timedelta(minutes=61)
    definition = rest.get(f"/job-definition/{job['jobDefinitionId']}").json()
    assert definition["jobType"] == "timer-start-event" and definition["activityId"] == "hourly"
    assert definition["jobConfiguration"] == "DURATION: PT1H"
    assert definition["processDefinitionId"] == definition_id


def test_a_timer_start_literal_quoted_by_migrate_convert_is_scheduled_as_the_literal(rest):
    before = datetime.now(UTC)
    definition_id = deploy_hourly(rest, "'PT1H'")
    [job] = jobs(rest, processDefinitionId=definition_id)
    assert timedelta(minutes=59) < parse_date(job["dueDate"]) - before < timedelta(minutes=61)


def test_a_timer_start_event_that_cannot_be_scheduled_refuses_the_deployment(rest):
    # Camunda schedules timer start events at deployment; no instance, so no variables.
    model = (FIXTURES / "jobs" / "timer_start_hourly.bpmn").read_bytes().replace(b"PT1H", b"${startDelay}")
    response = rest.post("/deployment/create", files={"data": ("hourly.bpmn", model, "application/xml")})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "ParseException" and "startDelay" in body["message"]
    [error] = body["details"]["hourly.bpmn"]["errors"]
    assert error["mainElementId"] == "hourly" and error["line"] is not None
    assert rest.get("/process-definition").json() == [] and jobs(rest) == []


def test_a_process_without_a_start_event_deploys_without_jobs(rest):
    model = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="no_start" isExecutable="true"><bpmn:userTask id="work"/></bpmn:process>
</bpmn:definitions>"""
    response = rest.post("/deployment/create", files={"data": ("no_start.bpmn", model, "application/xml")})
    assert response.status_code == 200, response.text
    assert jobs(rest) == []


def test_a_new_version_replaces_the_timer_start_job_of_the_previous_one(rest):
    deploy_hourly(rest)
    latest = deploy_hourly(rest, "PT2H")
    [job] = jobs(rest, processDefinitionKey="timer_start_hourly")
    assert job["processDefinitionId"] == latest
    assert parse_date(job["dueDate"]) - datetime.now(UTC) > timedelta(minutes=119)
    assert len(rest.get("/job-definition", params={"processDefinitionKey": "timer_start_hourly"}).json()) == 2


def test_deleting_a_deployment_removes_its_timer_start_job_and_job_definitions(rest):
    definition_id = deploy_hourly(rest)
    deployment_id = rest.get(f"/process-definition/{definition_id}").json()["deploymentId"]
    assert rest.delete(f"/deployment/{deployment_id}").status_code == 204
    assert jobs(rest) == []
    assert rest.get("/job-definition").json() == []


def test_deleting_a_process_definition_removes_its_timer_start_job(rest):
    definition_id = deploy_hourly(rest)
    assert rest.delete(f"/process-definition/{definition_id}").status_code == 204
    assert jobs(rest) == []


def test_deleting_the_latest_version_gives_the_previous_one_its_timer_start_job_back(rest):
    previous = deploy_hourly(rest)
    latest = deploy_hourly(rest, "PT2H")
    assert rest.delete(f"/process-definition/{latest}").status_code == 204
    [job] = jobs(rest)
    assert job["processDefinitionId"] == previous
    assert timedelta(minutes=59) < parse_date(job["dueDate"]) - datetime.now(UTC) < timedelta(minutes=61)


def test_the_deployed_timer_start_job_starts_an_instance_when_executed(rest):
    definition_id = deploy_hourly(rest)
    [job] = jobs(rest, processDefinitionId=definition_id)
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    [instance] = rest.get("/process-instance", params={"processDefinitionId": definition_id}).json()
    assert task_keys(rest, instance["id"]) == ["work"]
    assert jobs(rest, processDefinitionId=definition_id) == []

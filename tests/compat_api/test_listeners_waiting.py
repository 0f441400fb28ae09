"""Listeners of elements a token waits in (catch events, receive tasks, user tasks): they
start when the token arrives, end when their event arrives or when they are cancelled."""
from __future__ import annotations

import pytest

from tests.conftest import deploy, start, tasks

WAIT = [("wait", "start")]
ARRIVED = [("wait", "start"), ("wait", "end")]


def _jobs(rest, instance_id: str) -> list[dict]:
    return rest.get("/job", params={"processInstanceId": instance_id}).json()


@pytest.mark.parametrize("kind", ["message", "signal", "timer", "conditional", "receive"])
def test_a_waiting_element_runs_its_start_listeners_when_the_token_arrives(rest, recorded, kind):
    deploy(rest, "scopes/listener_wait.bpmn")
    start(rest, f"lw_{kind}", variables={"go": {"value": False}})
    assert recorded == WAIT


def test_a_message_catch_event_runs_its_end_listeners_when_the_message_arrives(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_message")
    response = rest.post("/message", json={"messageName": "go", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert recorded == ARRIVED
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]


def test_a_signal_catch_event_runs_its_end_listeners_when_the_signal_arrives(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    start(rest, "lw_signal")
    assert rest.post("/signal", json={"name": "go"}).status_code == 204
    assert recorded == ARRIVED


def test_a_timer_catch_event_runs_its_end_listeners_when_its_job_runs(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_timer")
    [job] = _jobs(rest, instance["id"])
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert recorded == ARRIVED


def test_a_receive_task_runs_its_end_listeners_when_the_message_arrives(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_receive")
    response = rest.post("/message", json={"messageName": "go", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert recorded == ARRIVED


def test_an_interrupting_boundary_event_runs_the_end_listeners_of_the_waiting_receive_task(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_boundary")
    response = rest.post("/message", json={"messageName": "cancel", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["escalated"]
    assert recorded == ARRIVED


def test_a_terminate_end_event_runs_the_end_listeners_of_a_waiting_catch_event(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_terminate")
    [stop] = tasks(rest)
    assert rest.post(f"/task/{stop['id']}/complete", json={}).status_code == 204
    assert rest.get(f"/process-instance/{instance['id']}").status_code == 404
    assert recorded == ARRIVED


@pytest.mark.parametrize("kind", ["message", "signal", "timer", "conditional", "receive"])
def test_deleting_the_instance_runs_the_end_listeners_of_a_waiting_element(rest, recorded, kind):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, f"lw_{kind}", variables={"go": {"value": False}})
    assert rest.delete(f"/process-instance/{instance['id']}").status_code == 204
    assert recorded == ARRIVED


def test_deleting_the_instance_with_skip_custom_listeners_runs_no_end_listener_of_a_waiting_element(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_message")
    response = rest.delete(f"/process-instance/{instance['id']}", params={"skipCustomListeners": "true"})
    assert response.status_code == 204
    assert recorded == WAIT


def test_modification_cancel_runs_the_end_listeners_of_a_waiting_catch_event(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_message")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"instructions": [
        {"type": "cancel", "activityId": "wait"}, {"type": "startBeforeActivity", "activityId": "after"}]})
    assert response.status_code == 204, response.text
    assert recorded == ARRIVED


def test_modification_start_before_a_catch_event_runs_its_start_listeners(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_message")
    recorded.clear()
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"instructions": [
        {"type": "startBeforeActivity", "activityId": "wait"}]})
    assert response.status_code == 204, response.text
    assert recorded == WAIT


def test_events_after_an_event_based_gateway_start_only_when_theirs_arrives(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_gateway")
    assert recorded == []
    response = rest.post("/message", json={"messageName": "go", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert recorded == ARRIVED  # the timer's event never started, so it does not end either
    assert _jobs(rest, instance["id"]) == []


def test_a_user_task_created_and_cancelled_in_one_request_runs_create_then_delete_listeners(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_short_lived_task")
    assert rest.get(f"/process-instance/{instance['id']}").status_code == 404
    assert recorded == [("work", "start"), ("work", "create"), ("work", "delete"), ("work", "end")]


def test_modification_start_before_a_user_task_runs_its_start_and_create_listeners(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_task")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"instructions": [
        {"type": "startBeforeActivity", "activityId": "work"}]})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "start"), ("work", "create")]


def test_modification_with_skip_custom_listeners_runs_no_listener_of_the_activities_it_starts(rest, recorded):
    deploy(rest, "scopes/listener_wait.bpmn")
    instance = start(rest, "lw_task")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={
        "skipCustomListeners": True, "instructions": [{"type": "startBeforeActivity", "activityId": "work"}]})
    assert response.status_code == 204, response.text
    assert sorted(t["taskDefinitionKey"] for t in tasks(rest)) == ["first", "work"]
    assert recorded == []

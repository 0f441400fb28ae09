"""Control flow Spiff runs differently from Camunda, or not at all, checked through REST:
event sub-processes (interrupting or not), errors and escalations, terminate end events, link
events, inclusive joins, and the event subscription query."""
from __future__ import annotations

from tests.compat_api.external_task_helpers import fetch
from tests.compat_api.test_message import correlate, waiting_at
from tests.conftest import deploy, start, tasks


def complete(rest, instance_id: str, activity_id: str) -> None:
    [task] = [t for t in tasks(rest, processInstanceId=instance_id) if t["taskDefinitionKey"] == activity_id]
    response = rest.post(f"/task/{task['id']}/complete", json={})
    assert response.status_code == 204, response.text


def state(rest, instance_id: str) -> str:
    return rest.get(f"/process-instance/{instance_id}").status_code


def test_interrupting_event_sub_process_cancels_the_main_flow(rest):
    deploy(rest, "events/event_subprocess.bpmn")
    instance = start(rest, "eventSubprocess")
    assert correlate(rest, "Abort").status_code == 204
    assert waiting_at(rest, instance["id"]) == ["aborted"]
    assert rest.get("/event-subscription", params={"processInstanceId": instance["id"]}).json() == []
    complete(rest, instance["id"], "aborted")
    assert state(rest, instance["id"]) == 404


def test_non_interrupting_event_sub_process_keeps_the_main_flow(rest):
    deploy(rest, "events/event_subprocess.bpmn")
    instance = start(rest, "eventSubprocess")
    assert correlate(rest, "Note").status_code == 204
    assert correlate(rest, "Note", processInstanceId=instance["id"]).status_code == 204
    assert waiting_at(rest, instance["id"]) == ["main", "noted", "noted"]
    fresh = start(rest, "eventSubprocess")
    assert waiting_at(rest, fresh["id"]) == ["main"]


def test_error_end_event_is_caught_by_the_sub_process_boundary_event(rest):
    deploy(rest, "events/errors_escalations.bpmn")
    failed = start(rest, "errorEnd", variables={"fail": {"value": True}})
    passed = start(rest, "errorEnd", variables={"fail": {"value": False}})
    assert waiting_at(rest, failed["id"]) == ["handleFailure"]
    assert waiting_at(rest, passed["id"]) == ["succeeded"]


def test_error_end_event_starts_the_error_event_sub_process_and_interrupts(rest):
    deploy(rest, "events/errors_escalations.bpmn")
    instance = start(rest, "errorEventSubprocess")
    complete(rest, instance["id"], "breaks")
    assert waiting_at(rest, instance["id"]) == ["repair"]


def test_non_interrupting_escalation_boundary_event_lets_the_sub_process_continue(rest):
    deploy(rest, "events/errors_escalations.bpmn")
    instance = start(rest, "escalation")
    assert waiting_at(rest, instance["id"]) == ["apologise", "deliver"]


def test_terminate_end_event_ends_every_parallel_branch(rest):
    deploy(rest, "events/control_flow.bpmn")
    instance = start(rest, "terminate")
    assert waiting_at(rest, instance["id"]) == ["fast", "slow"]
    complete(rest, instance["id"], "fast")
    assert tasks(rest, processInstanceId=instance["id"]) == []
    assert state(rest, instance["id"]) == 404


def test_link_throw_event_continues_at_its_catch_event(rest):
    deploy(rest, "events/control_flow.bpmn")
    instance = start(rest, "link")
    complete(rest, instance["id"], "before")
    assert waiting_at(rest, instance["id"]) == ["after"]


def test_inclusive_gateway_join_waits_only_for_the_branches_taken(rest):
    deploy(rest, "events/control_flow.bpmn")
    instance = start(rest, "inclusive", variables={"a": {"value": True}, "b": {"value": True}, "c": {"value": False}})
    assert waiting_at(rest, instance["id"]) == ["taskA", "taskB"]
    complete(rest, instance["id"], "taskA")
    assert waiting_at(rest, instance["id"]) == ["taskB"]
    complete(rest, instance["id"], "taskB")
    assert waiting_at(rest, instance["id"]) == ["joined"]


def test_event_subscriptions_list_waiting_catches_and_start_events(rest):
    deploy(rest, "events/message_targets.bpmn", "events/message_start.bpmn")
    instance = start(rest, "messageCatch")
    listed = rest.get("/event-subscription", params={"eventType": "message"}).json()
    by_activity = {row["activityId"]: row for row in listed}
    assert set(by_activity) == {"waitApproval", "orderPlaced"}
    assert by_activity["waitApproval"]["processInstanceId"] == instance["id"]
    assert by_activity["orderPlaced"]["processInstanceId"] is None and by_activity["orderPlaced"]["eventName"] == "OrderPlaced"
    assert rest.get("/event-subscription/count", params={"eventName": "Approve"}).json() == {"count": 1}


def test_a_new_version_replaces_the_message_start_event_of_the_previous_one(rest):
    deploy(rest, "events/message_start.bpmn")
    deploy(rest, "events/message_start.bpmn", deployment_name="again")
    response = correlate(rest, "OrderPlaced", resultEnabled=True)
    assert response.status_code == 200, response.text
    [result] = response.json()
    definition = rest.get(f"/process-definition/{result['processInstance']['definitionId']}").json()
    assert definition["version"] == 2


# -- event sub-processes inside an embedded sub-process ------------------------------------
def start_order(rest, outcome: str = "done") -> str:
    deploy(rest, "events/nested_event_subprocesses.bpmn")
    instance = start(rest, "nestedEvents", variables={"outcome": {"value": outcome}})
    assert waiting_at(rest, instance["id"]) == ["inner", "outside"]
    return instance["id"]


def finish(rest, instance_id: str, *activity_ids: str) -> None:
    for activity_id in activity_ids:
        complete(rest, instance_id, activity_id)


def timer_job(rest, instance_id: str, activity_id: str) -> dict:
    [definition] = rest.get("/job-definition", params={"activityIdIn": activity_id}).json()
    [job] = rest.get("/job", params={"processInstanceId": instance_id, "jobDefinitionId": definition["id"]}).json()
    return job


def test_sub_process_event_sub_processes_subscribe_while_the_sub_process_runs(rest):
    instance_id = start_order(rest)
    listed = rest.get("/event-subscription", params={"processInstanceId": instance_id}).json()
    assert sorted((row["eventType"], row["eventName"], row["activityId"]) for row in listed) == [
        ("message", "CancelOrder", "cancelStart"), ("message", "NoteOrder", "noteStart"),
        ("signal", "PingOrder", "pingStart"), ("signal", "StopOrder", "stopStart"),
    ]
    assert len(rest.get("/job", params={"processInstanceId": instance_id}).json()) == 2
    assert timer_job(rest, instance_id, "reminderStart") and timer_job(rest, instance_id, "timeoutStart")


def test_sub_process_event_sub_processes_end_with_their_sub_process(rest):
    instance_id = start_order(rest)
    finish(rest, instance_id, "inner")
    assert waiting_at(rest, instance_id) == ["outside"]
    assert rest.get("/event-subscription", params={"processInstanceId": instance_id}).json() == []
    assert rest.get("/job", params={"processInstanceId": instance_id}).json() == []
    finish(rest, instance_id, "outside", "after")
    assert state(rest, instance_id) == 404


def test_interrupting_message_event_sub_process_cancels_only_its_sub_process(rest):
    instance_id = start_order(rest)
    assert correlate(rest, "CancelOrder").status_code == 204
    assert waiting_at(rest, instance_id) == ["cancelled", "outside"]
    assert rest.get("/event-subscription", params={"processInstanceId": instance_id}).json() == []
    assert rest.get("/job", params={"processInstanceId": instance_id}).json() == []
    finish(rest, instance_id, "cancelled")
    assert waiting_at(rest, instance_id) == ["outside"]
    finish(rest, instance_id, "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_non_interrupting_message_event_sub_process_runs_beside_its_sub_process(rest):
    instance_id = start_order(rest)
    assert correlate(rest, "NoteOrder").status_code == 204
    assert waiting_at(rest, instance_id) == ["inner", "noted", "outside"]
    finish(rest, instance_id, "inner", "outside")
    assert waiting_at(rest, instance_id) == ["noted"]
    finish(rest, instance_id, "noted")
    assert waiting_at(rest, instance_id) == ["after"]


def test_interrupting_signal_event_sub_process_cancels_only_its_sub_process(rest):
    instance_id = start_order(rest)
    assert rest.post("/signal", json={"name": "StopOrder"}).status_code == 204
    assert waiting_at(rest, instance_id) == ["outside", "stopped"]
    finish(rest, instance_id, "stopped", "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_non_interrupting_signal_event_sub_process_runs_beside_its_sub_process(rest):
    instance_id = start_order(rest)
    assert rest.post("/signal", json={"name": "PingOrder"}).status_code == 204
    assert waiting_at(rest, instance_id) == ["inner", "outside", "pinged"]
    finish(rest, instance_id, "pinged", "inner", "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_interrupting_timer_event_sub_process_cancels_only_its_sub_process(rest):
    instance_id = start_order(rest)
    job = timer_job(rest, instance_id, "timeoutStart")
    assert rest.get(f"/job-definition/{job['jobDefinitionId']}").json()["jobType"] == "timer-start-event-subprocess"
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert waiting_at(rest, instance_id) == ["outside", "timedOut"]
    assert rest.get("/job", params={"processInstanceId": instance_id}).json() == []
    finish(rest, instance_id, "timedOut", "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_non_interrupting_timer_event_sub_process_runs_beside_its_sub_process(rest):
    instance_id = start_order(rest)
    job = timer_job(rest, instance_id, "reminderStart")
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert waiting_at(rest, instance_id) == ["inner", "outside", "reminded"]
    finish(rest, instance_id, "inner", "reminded", "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_error_event_sub_process_catches_the_error_of_its_sub_process(rest):
    instance_id = start_order(rest, outcome="broken")
    finish(rest, instance_id, "inner")
    assert waiting_at(rest, instance_id) == ["outside", "repair"]
    finish(rest, instance_id, "repair", "outside")
    assert waiting_at(rest, instance_id) == ["after"]


def test_escalation_event_sub_process_runs_beside_the_rest_of_its_sub_process(rest):
    instance_id = start_order(rest, outcome="late")
    finish(rest, instance_id, "inner")
    assert waiting_at(rest, instance_id) == ["apologise", "outside"]
    finish(rest, instance_id, "outside")
    assert waiting_at(rest, instance_id) == ["apologise"]
    finish(rest, instance_id, "apologise")
    assert waiting_at(rest, instance_id) == ["after"]


def test_a_workers_bpmn_error_starts_the_error_event_sub_process_of_its_sub_process(rest):
    deploy(rest, "events/nested_event_subprocesses.bpmn")
    instance_id = start(rest, "nestedWorkerError")["id"]
    [charge] = fetch(rest, "charge")
    response = rest.post(f"/external-task/{charge['id']}/bpmnError", json={"workerId": "worker-1", "errorCode": "BROKEN"})
    assert response.status_code == 204
    assert waiting_at(rest, instance_id) == ["askCustomer"]
    finish(rest, instance_id, "askCustomer")
    assert waiting_at(rest, instance_id) == ["after"]


def test_a_waiting_timer_event_sub_process_does_not_keep_its_process_instance_running(rest):
    deploy(rest, "jobs/timer_event_subprocess.bpmn")
    instance_id = start(rest, "timer_event_subprocess")["id"]
    finish(rest, instance_id, "work")
    assert state(rest, instance_id) == 404
    assert rest.get("/job").json() == []

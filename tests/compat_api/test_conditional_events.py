"""Conditional events: a waiting conditional catch or boundary event fires once its
condition holds, including when the variable is set through the variables REST resources."""
from __future__ import annotations

from tests.compat_api.test_message import waiting_at
from tests.conftest import deploy, start, tasks


def _flag(value: bool) -> dict:
    return {"value": value, "type": "Boolean"}


def _activities(rest, instance_id: str) -> list[str]:
    tree = rest.get(f"/process-instance/{instance_id}/activity-instances").json()
    return sorted(child["activityId"] for child in tree["childActivityInstances"])


def test_a_conditional_catch_event_waits_while_its_condition_is_false(rest):
    deploy(rest, "events/conditional.bpmn")
    instance = start(rest, "conditional_catch", variables={"ready": _flag(False)})
    assert _activities(rest, instance["id"]) == ["waitReady"]


def test_a_conditional_catch_event_passes_at_once_when_its_condition_already_holds(rest):
    deploy(rest, "events/conditional.bpmn")
    instance = start(rest, "conditional_catch", variables={"ready": _flag(True)})
    assert waiting_at(rest, instance["id"]) == ["proceed"]


def test_setting_a_process_variable_through_rest_fires_the_conditional_catch_event(rest):
    deploy(rest, "events/conditional.bpmn")
    instance = start(rest, "conditional_catch", variables={"ready": _flag(False)})
    response = rest.put(f"/process-instance/{instance['id']}/variables/ready", json=_flag(True))
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance["id"]) == ["proceed"]


def test_modifying_variables_through_rest_fires_the_conditional_catch_event(rest):
    deploy(rest, "events/conditional.bpmn")
    instance = start(rest, "conditional_catch", variables={"ready": _flag(False)})
    response = rest.post(f"/process-instance/{instance['id']}/variables", json={"modifications": {"ready": _flag(True)}})
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance["id"]) == ["proceed"]


def test_a_conditional_boundary_event_interrupts_its_task_when_the_condition_holds(rest):
    deploy(rest, "events/conditional.bpmn")
    instance = start(rest, "conditional_boundary", variables={"cancelRequested": _flag(False)})
    [work] = tasks(rest, processInstanceId=instance["id"])
    response = rest.put(f"/task/{work['id']}/variables/cancelRequested", json=_flag(True))
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance["id"]) == ["handleCancel"]


def _start_event_subprocess_process(rest) -> str:
    deploy(rest, "events/conditional.bpmn")
    return start(rest, "conditional_event_subprocess", variables={"alarm": _flag(False), "abort": _flag(False)})["id"]


def test_setting_a_variable_through_rest_starts_a_conditional_event_subprocess(rest):
    instance_id = _start_event_subprocess_process(rest)
    response = rest.put(f"/process-instance/{instance_id}/variables/alarm", json=_flag(True))
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance_id) == ["first", "react"]  # non-interrupting: first stays


def test_completing_a_task_with_the_variable_starts_a_conditional_event_subprocess(rest):
    instance_id = _start_event_subprocess_process(rest)
    [first] = tasks(rest, processInstanceId=instance_id)
    assert rest.post(f"/task/{first['id']}/complete", json={"variables": {"alarm": _flag(True)}}).status_code == 204
    assert waiting_at(rest, instance_id) == ["react", "second"]


def test_an_interrupting_conditional_event_subprocess_cancels_the_rest_of_the_process(rest):
    instance_id = _start_event_subprocess_process(rest)
    response = rest.put(f"/process-instance/{instance_id}/variables/abort", json=_flag(True))
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance_id) == ["cleanUp"]

"""Execution and task listeners: expressions (JUEL), Python scripts, registered handlers."""
from __future__ import annotations

import pytest

from engine import delegates
from tests.conftest import deploy, start, tasks


def _variables(rest, instance_id: str) -> dict:
    return {name: dto["value"] for name, dto in rest.get(f"/process-instance/{instance_id}/variables").json().items()}


@pytest.fixture
def recorded():
    """Events seen by ``com.acme.Recorder``: (activity, task or sequence flow, event)."""
    events: list[tuple[str | None, str]] = []

    def record(bean):
        if hasattr(bean, "getTaskDefinitionKey"):
            events.append((bean.getTaskDefinitionKey(), bean.getEventName()))
        else:
            events.append((bean.getCurrentTransitionId() or bean.getCurrentActivityId(), bean.getEventName()))

    with delegates.registered("com.acme.Recorder", record):
        yield events


def test_execution_listener_expressions_run_on_start_and_end(rest):
    deploy(rest, "scopes/listener_expression.bpmn")
    instance = start(rest, "ls_expr")
    assert _variables(rest, instance["id"]) == {"processStarted": True, "startedAt": "work"}
    [task] = tasks(rest)
    rest.post(f"/task/{task['id']}/complete", json={})
    assert _variables(rest, instance["id"])["ended"] == "end"


def test_execution_listener_python_script_runs_on_start(rest):
    deploy(rest, "scopes/listener_script.bpmn")
    instance = start(rest, "ls_script", variables={"name": {"value": "ann"}})
    assert _variables(rest, instance["id"])["greeting"] == "hello ann"


def test_task_listener_on_create_sets_the_assignee(rest):
    deploy(rest, "scopes/listener_task.bpmn")
    start(rest, "ls_task", variables={"owner": {"value": "kermit"}})
    [task] = tasks(rest)
    assert task["assignee"] == "kermit"
    assert tasks(rest, candidateGroup="sales", includeAssignedTasks="true")[0]["id"] == task["id"]


def test_task_listener_on_assignment_and_complete(rest):
    deploy(rest, "scopes/listener_task.bpmn")
    instance = start(rest, "ls_task", variables={"owner": {"value": "kermit"}})
    assert _variables(rest, instance["id"])["assignedTo"] == "kermit"
    [task] = tasks(rest)
    rest.post(f"/task/{task['id']}/complete", json={})
    assert _variables(rest, instance["id"])["completedBy"] == "kermit"


def test_execution_listener_class_runs_the_registered_handler(rest):
    def audit(execution):
        execution.setVariable("audited", f"{execution.getCurrentActivityId()}:{execution.getEventName()}")

    deploy(rest, "scopes/listener_class.bpmn")
    with delegates.registered("com.acme.AuditListener", audit):
        instance = start(rest, "ls_class")
        [task] = tasks(rest)
        rest.post(f"/task/{task['id']}/complete", json={})
    assert _variables(rest, instance["id"])["audited"] == "work:end"


def test_execution_listener_class_gets_its_fields(rest):
    class Stamp:
        def notify(self, execution):
            execution.setVariable("stamp", f"{self.label.getValue(execution)} by {self.who.getValue(execution)}")

    deploy(rest, "scopes/listener_fields.bpmn")
    with delegates.registered("com.acme.Stamp", Stamp), delegates.registered("assigner", lambda task, **fields: None):
        instance = start(rest, "ls_fields", variables={"name": {"value": "ann"}})
    assert _variables(rest, instance["id"])["stamp"] == "started by ann"


def test_task_listener_bean_gets_its_fields_on_a_copy(rest):
    class Assigner:
        user = None

        def notify(self, task):
            task.setAssignee(self.user.getValue(task))

    bean = Assigner()
    deploy(rest, "scopes/listener_fields.bpmn")
    with delegates.registered("com.acme.Stamp", lambda execution, **fields: None), delegates.registered("assigner", bean):
        start(rest, "ls_fields", variables={"name": {"value": "ann"}})
    [task] = tasks(rest)
    assert task["assignee"] == "ann-desk"
    assert bean.user is None  # the registered bean is shared: fields go to a copy


def test_take_listeners_run_on_the_flow_taken_and_not_on_the_other(rest, recorded):
    deploy(rest, "scopes/listener_take.bpmn")
    instance = start(rest, "ls_take", variables={"go": {"value": True}})
    assert recorded == [("toGateway", "take")]
    assert _variables(rest, instance["id"]) == {"go": True, "tookYes": "yes"}


def test_take_listener_event_attribute_is_ignored_and_scripts_run(rest, recorded):
    deploy(rest, "scopes/listener_take.bpmn")
    instance = start(rest, "ls_take", variables={"go": {"value": False}})
    assert _variables(rest, instance["id"]) == {"go": False, "tookNo": "take"}


def test_interrupting_boundary_event_runs_delete_and_end_listeners_innermost_first(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.post("/message", json={"messageName": "cancel", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["escalated"]
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end")]


def test_completing_a_task_runs_complete_and_end_listeners_but_not_delete(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    start(rest, "ls_cancel")
    [task] = tasks(rest)
    rest.post(f"/task/{task['id']}/complete", json={})
    assert recorded == [("work", "complete"), ("work", "end"), ("sub", "end")]


def test_deleting_the_instance_runs_delete_and_end_listeners_then_the_process_end(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    assert rest.delete(f"/process-instance/{instance['id']}").status_code == 204
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end"), (None, "end")]


def test_deleting_with_skip_custom_listeners_runs_none(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.delete(f"/process-instance/{instance['id']}", params={"skipCustomListeners": "true"})
    assert response.status_code == 204
    assert recorded == []


def test_terminate_end_event_runs_delete_and_end_listeners_of_the_cancelled_task(rest, recorded):
    deploy(rest, "scopes/listener_terminate.bpmn")
    instance = start(rest, "ls_terminate")
    stop = next(t for t in tasks(rest) if t["taskDefinitionKey"] == "stop")
    rest.post(f"/task/{stop['id']}/complete", json={})
    assert rest.get(f"/process-instance/{instance['id']}").status_code == 404
    assert recorded == [("work", "delete"), ("work", "end"), (None, "end")]


def test_modification_cancel_runs_delete_and_end_listeners(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"instructions": [
        {"type": "cancel", "activityId": "work"}, {"type": "startBeforeActivity", "activityId": "after"}]})
    assert response.status_code == 204, response.text
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end")]


def test_modification_with_skip_custom_listeners_cancels_without_listeners(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"skipCustomListeners": True, "instructions": [
        {"type": "cancel", "activityId": "work"}, {"type": "startBeforeActivity", "activityId": "after"}]})
    assert response.status_code == 204, response.text
    assert recorded == []

"""Execution and task listeners: expressions (JUEL), Python scripts, registered handlers."""
from __future__ import annotations

from engine import delegates
from tests.conftest import deploy, start, tasks


def _variables(rest, instance_id: str) -> dict:
    return {name: dto["value"] for name, dto in rest.get(f"/process-instance/{instance_id}/variables").json().items()}


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

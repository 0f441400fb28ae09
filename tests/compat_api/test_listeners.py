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

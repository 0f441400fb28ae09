"""Execution and task listeners: expressions (JUEL), Python scripts, registered handlers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine import delegates
from engine.dates import parse_date
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


def test_interrupting_event_sub_process_runs_delete_and_end_listeners(rest, recorded):
    deploy(rest, "scopes/listener_event_subprocess.bpmn")
    instance = start(rest, "ls_event_subprocess")
    response = rest.post("/message", json={"messageName": "abort", "processInstanceId": instance["id"]})
    assert response.status_code == 204, response.text
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["aborted"]
    assert recorded == [("work", "delete"), ("work", "end")]


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


def test_activities_a_modification_ended_do_not_end_again_when_the_instance_is_read_back(rest, recorded, engine):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    rest.post(f"/process-instance/{instance['id']}/modification", json={"instructions": [
        {"type": "cancel", "activityId": "work"}, {"type": "startBeforeActivity", "activityId": "after"}]})
    engine.workflows.clear()  # another gateway, a restart: the stored state is all there is
    [after] = tasks(rest)
    assert rest.post(f"/task/{after['id']}/complete", json={}).status_code == 204
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end"), (None, "end")]  # the process ends


def test_modification_with_skip_custom_listeners_cancels_without_listeners(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.post(f"/process-instance/{instance['id']}/modification", json={"skipCustomListeners": True, "instructions": [
        {"type": "cancel", "activityId": "work"}, {"type": "startBeforeActivity", "activityId": "after"}]})
    assert response.status_code == 204, response.text
    assert recorded == []


def _update_task(rest):
    deploy(rest, "scopes/listener_update.bpmn")
    instance = start(rest, "ls_update")
    [task] = tasks(rest)
    return instance["id"], task["id"]


def test_claim_runs_update_then_assignment_listeners(rest, recorded):
    instance_id, task_id = _update_task(rest)
    assert recorded == []  # creating a task is no update
    assert rest.post(f"/task/{task_id}/claim", json={"userId": "kermit"}).status_code == 204
    assert recorded == [("work", "update"), ("work", "assignment")]
    assert _variables(rest, instance_id)["assignedTo"] == "kermit"


def test_unclaim_runs_assignment_listeners_with_no_assignee(rest, recorded):
    instance_id, task_id = _update_task(rest)
    rest.post(f"/task/{task_id}/claim", json={"userId": "kermit"})
    recorded.clear()
    assert rest.post(f"/task/{task_id}/unclaim").status_code == 204
    assert recorded == [("work", "update"), ("work", "assignment")]
    assert _variables(rest, instance_id)["assignedTo"] is None


def test_setting_the_assignee_runs_update_and_assignment_listeners(rest, recorded):
    instance_id, task_id = _update_task(rest)
    assert rest.post(f"/task/{task_id}/assignee", json={"userId": "gonzo"}).status_code == 204
    assert recorded == [("work", "update"), ("work", "assignment")]
    assert _variables(rest, instance_id)["assignedTo"] == "gonzo"


def test_setting_the_same_assignee_again_runs_only_update_listeners(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    rest.post(f"/task/{task_id}/assignee", json={"userId": "gonzo"})
    recorded.clear()
    rest.post(f"/task/{task_id}/claim", json={"userId": "gonzo"})
    assert recorded == [("work", "update")]


def test_delegate_and_resolve_run_update_and_assignment_listeners(rest, recorded):
    instance_id, task_id = _update_task(rest)
    rest.post(f"/task/{task_id}/claim", json={"userId": "kermit"})
    recorded.clear()
    assert rest.post(f"/task/{task_id}/delegate", json={"userId": "piggy"}).status_code == 204
    assert _variables(rest, instance_id)["assignedTo"] == "piggy"
    assert rest.post(f"/task/{task_id}/resolve", json={}).status_code == 204
    assert _variables(rest, instance_id)["assignedTo"] == "kermit"
    assert recorded == [("work", "update"), ("work", "assignment")] * 2


def test_adding_a_candidate_group_runs_only_update_listeners(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    response = rest.post(f"/task/{task_id}/identity-links", json={"groupId": "sales", "type": "candidate"})
    assert response.status_code == 204
    assert recorded == [("work", "update")]


def test_setting_a_task_local_variable_runs_update_listeners(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    response = rest.put(f"/task/{task_id}/localVariables/note", json={"value": "hi", "type": "String"})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "update")]


def test_modifying_several_task_local_variables_runs_update_listeners_once(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    response = rest.post(f"/task/{task_id}/localVariables", json={"modifications": {
        "a": {"value": 1}, "b": {"value": 2}}})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "update")]


def test_removing_a_task_local_variable_runs_no_update_listener(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    rest.put(f"/task/{task_id}/localVariables/note", json={"value": "hi"})
    recorded.clear()
    assert rest.delete(f"/task/{task_id}/localVariables/note").status_code == 204
    assert recorded == []  # as Camunda's RemoveTaskVariablesCmd


def test_a_task_variable_that_goes_to_the_process_runs_no_update_listener(rest, recorded):
    instance_id, task_id = _update_task(rest)
    assert rest.put(f"/task/{task_id}/variables/note", json={"value": "hi"}).status_code == 204
    assert recorded == []
    assert _variables(rest, instance_id)["note"] == "hi"


def test_a_task_variable_that_is_local_to_the_task_runs_update_listeners(rest, recorded):
    _instance_id, task_id = _update_task(rest)
    rest.put(f"/task/{task_id}/localVariables/note", json={"value": "hi"})
    recorded.clear()
    assert rest.put(f"/task/{task_id}/variables/note", json={"value": "again"}).status_code == 204
    assert recorded == [("work", "update")]


def test_deleting_the_definition_with_cascade_runs_delete_and_end_listeners(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.delete(f"/process-definition/{instance['definitionId']}", params={"cascade": "true"})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end"), (None, "end")]


def test_deleting_the_definition_by_key_with_cascade_runs_delete_and_end_listeners(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    start(rest, "ls_cancel")
    response = rest.delete("/process-definition/key/ls_cancel", params={"cascade": "true"})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end"), (None, "end")]


def test_deleting_the_definition_with_cascade_and_skip_custom_listeners_runs_none(rest, recorded):
    deploy(rest, "scopes/listener_cancel.bpmn")
    instance = start(rest, "ls_cancel")
    response = rest.delete(f"/process-definition/{instance['definitionId']}",
                           params={"cascade": "true", "skipCustomListeners": "true"})
    assert response.status_code == 204, response.text
    assert recorded == []


def test_deleting_the_deployment_with_cascade_runs_delete_and_end_listeners(rest, recorded):
    deployment = deploy(rest, "scopes/listener_cancel.bpmn")
    start(rest, "ls_cancel")
    response = rest.delete(f"/deployment/{deployment['id']}", params={"cascade": "true"})
    assert response.status_code == 204, response.text
    assert recorded == [("work", "delete"), ("work", "end"), ("sub", "end"), (None, "end")]
    assert tasks(rest) == []


def test_deleting_the_deployment_with_cascade_and_skip_custom_listeners_runs_none(rest, recorded):
    deployment = deploy(rest, "scopes/listener_cancel.bpmn")
    start(rest, "ls_cancel")
    response = rest.delete(f"/deployment/{deployment['id']}", params={"cascade": "true", "skipCustomListeners": "true"})
    assert response.status_code == 204, response.text
    assert recorded == []


def _jobs(rest, instance_id: str) -> list[dict]:
    return rest.get("/job", params={"processInstanceId": instance_id}).json()


def test_timeout_listener_creates_a_timer_job_due_after_its_duration(rest, recorded):
    deploy(rest, "scopes/listener_timeout.bpmn")
    before = datetime.now(UTC)
    instance = start(rest, "ls_timeout", variables={"remindAfter": {"value": "PT1H"}})
    [job] = _jobs(rest, instance["id"])
    assert timedelta(minutes=59) < parse_date(job["dueDate"]) - before < timedelta(minutes=61)
    definition = rest.get(f"/job-definition/{job['jobDefinitionId']}").json()
    assert (definition["jobType"], definition["activityId"]) == ("timer-task-listener", "work")
    assert recorded == []


def test_executing_the_timeout_job_runs_the_listener_and_the_task_stays(rest, recorded):
    deploy(rest, "scopes/listener_timeout.bpmn")
    instance = start(rest, "ls_timeout", variables={"remindAfter": {"value": "PT1H"}})
    [job] = _jobs(rest, instance["id"])
    assert rest.post(f"/job/{job['id']}/execute").status_code == 204
    assert recorded == [("work", "timeout")]
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["work"]
    assert _jobs(rest, instance["id"]) == []


def test_a_timeout_cycle_fires_until_its_repetitions_are_done(rest):
    deploy(rest, "scopes/listener_timeout_cycle.bpmn")
    instance = start(rest, "ls_timeout_cycle", variables={"nagged": {"value": 0}})
    for expected in (1, 2):
        [job] = _jobs(rest, instance["id"])
        assert rest.post(f"/job/{job['id']}/execute").status_code == 204
        assert _variables(rest, instance["id"])["nagged"] == expected
    assert _jobs(rest, instance["id"]) == []
    assert len(tasks(rest)) == 1


def test_completing_the_task_removes_its_timeout_job(rest, recorded):
    deploy(rest, "scopes/listener_timeout.bpmn")
    instance = start(rest, "ls_timeout", variables={"remindAfter": {"value": "PT1H"}})
    [task] = tasks(rest)
    rest.post(f"/task/{task['id']}/complete", json={})
    assert _jobs(rest, instance["id"]) == []
    assert recorded == []


def test_a_new_due_date_of_the_timeout_job_is_kept(rest):
    deploy(rest, "scopes/listener_timeout.bpmn")
    instance = start(rest, "ls_timeout", variables={"remindAfter": {"value": "PT1H"}})
    [job] = _jobs(rest, instance["id"])
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    response = rest.put(f"/job/{job['id']}/duedate", json={"duedate": due.strftime("%Y-%m-%dT%H:%M:%S.000+0000")})
    assert response.status_code == 204, response.text
    # Resolving with variables saves the instance again, and with it its jobs.
    rest.post(f"/task/{tasks(rest)[0]['id']}/resolve", json={"variables": {"x": {"value": 1}}})
    [job] = _jobs(rest, instance["id"])
    assert parse_date(job["dueDate"]) == due


def test_the_docs_page_names_every_task_listener_event_and_bean_method():
    from engine.bpmn.script_engine import ExecutionBean
    from engine.delegate_task import TaskBean
    from engine.listeners import TASK_EVENTS
    from tests.conftest import REPO

    page = (REPO / "docs" / "delegates-and-listeners.md").read_text()
    for name in (*TASK_EVENTS, "start", "end", "take", *TaskBean.__el_methods__, *ExecutionBean.__el_methods__):
        assert f"`{name}`" in page, name

"""`/task`: the calls Tasklist, pycamunda and formsflow make on user tasks."""
from __future__ import annotations

import pytest

from tests.conftest import deploy, start, tasks

ORDER_VARS = {"amount": {"value": 1200, "type": "Long"}, "owner": {"value": "demo", "type": "String"}}


@pytest.fixture
def order(rest):
    deploy(rest, "order.bpmn")
    return start(rest, "order", businessKey="order-1", variables=ORDER_VARS)


def test_user_task_is_created_with_evaluated_camunda_attributes(rest, order):
    [task] = tasks(rest)
    assert task["name"] == "Approve 1200"
    assert task["assignee"] == "demo"
    assert task["priority"] == 70
    assert task["taskDefinitionKey"] == "approve"
    assert task["processInstanceId"] == order["id"]
    assert task["created"].endswith("+0000")


def test_task_dto_carries_every_camunda_field(rest, order):
    [task] = tasks(rest)
    expected = {
        "id", "name", "assignee", "owner", "created", "lastUpdated", "due", "followUp", "delegationState",
        "description", "executionId", "parentTaskId", "priority", "processDefinitionId", "processInstanceId",
        "caseExecutionId", "caseDefinitionId", "caseInstanceId", "taskDefinitionKey", "suspended", "formKey",
        "camundaFormRef", "tenantId",
    }
    assert expected <= task.keys()


def test_complete_moves_the_token_and_sets_variables(rest, order):
    [task] = tasks(rest)
    response = rest.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": True}}})
    assert response.status_code == 204
    [next_task] = tasks(rest)
    assert next_task["taskDefinitionKey"] == "ship"
    variables = rest.get(f"/process-instance/{order['id']}/variables").json()
    assert variables["approved"] == {"type": "Boolean", "value": True, "valueInfo": {}}


def test_complete_with_variables_in_return(rest, order):
    [task] = tasks(rest)
    response = rest.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": False}}, "withVariablesInReturn": True})
    assert response.status_code == 200
    assert response.json()["amount"] == {"type": "Long", "value": 1200, "valueInfo": {}}
    assert response.json()["approved"]["value"] is False


def test_rejected_order_ends_the_instance(rest, order):
    [task] = tasks(rest)
    rest.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": False}}})
    assert tasks(rest) == []
    assert rest.get(f"/process-instance/{order['id']}").status_code == 404


def test_complete_unknown_task_is_a_camunda_error(rest):
    response = rest.post("/task/unknown/complete", json={})
    assert response.status_code == 500
    assert response.json()["type"] == "RestException"
    assert response.json()["message"] == "Cannot complete task unknown: Cannot find task with id unknown: task is null"


def test_complete_with_a_bad_typed_value_is_400(rest, order):
    [task] = tasks(rest)
    response = rest.post(f"/task/{task['id']}/complete", json={"variables": {"n": {"value": "abc", "type": "Integer"}}})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "InvalidRequestException"
    assert body["message"].startswith(f"Cannot complete task {task['id']}: Cannot convert value 'abc'")


def test_claim_unclaim_and_already_claimed(rest, order):
    [task] = tasks(rest)
    assert rest.post(f"/task/{task['id']}/unclaim").status_code == 204
    assert rest.post(f"/task/{task['id']}/claim", json={"userId": "mary"}).status_code == 204
    assert rest.get(f"/task/{task['id']}").json()["assignee"] == "mary"
    refused = rest.post(f"/task/{task['id']}/claim", json={"userId": "john"})
    assert refused.status_code == 500
    assert refused.json() == {"type": "TaskAlreadyClaimedException", "message": f"Task '{task['id']}' is already claimed by someone else.", "code": 0}


def test_claim_unknown_task_is_500_null_value(rest):
    response = rest.post("/task/nope/claim", json={"userId": "x"})
    assert response.status_code == 500
    assert response.json()["type"] == "NullValueException"


def test_set_assignee_and_delegate_then_resolve(rest, order):
    [task] = tasks(rest)
    assert rest.post(f"/task/{task['id']}/assignee", json={"userId": "boss"}).status_code == 204
    assert rest.post(f"/task/{task['id']}/delegate", json={"userId": "helper"}).status_code == 204
    delegated = rest.get(f"/task/{task['id']}").json()
    assert (delegated["owner"], delegated["assignee"], delegated["delegationState"]) == ("boss", "helper", "PENDING")
    assert rest.post(f"/task/{task['id']}/resolve", json={}).status_code == 204
    resolved = rest.get(f"/task/{task['id']}").json()
    assert (resolved["assignee"], resolved["delegationState"]) == ("boss", "RESOLVED")


def test_candidate_group_query(rest, order):
    rest.post(f"/task/{tasks(rest)[0]['id']}/unclaim")
    assert len(tasks(rest, candidateGroup="sales")) == 1
    assert tasks(rest, candidateGroup="hr") == []
    assert len(rest.post("/task", json={"candidateGroups": ["hr", "management"]}).json()) == 1


def test_candidate_query_excludes_assigned_tasks_unless_asked(rest, order):
    assert tasks(rest, candidateGroup="sales") == []
    assert len(tasks(rest, candidateGroup="sales", includeAssignedTasks="true")) == 1


def test_identity_links_list_assignee_and_candidates(rest, order):
    [task] = tasks(rest)
    links = rest.get(f"/task/{task['id']}/identity-links").json()
    assert {"userId": "demo", "groupId": None, "type": "assignee"} in links
    assert {"userId": None, "groupId": "sales", "type": "candidate"} in links


def test_task_queries_by_instance_business_key_and_definition(rest, order):
    assert len(tasks(rest, processInstanceBusinessKey="order-1")) == 1
    assert len(tasks(rest, processDefinitionKey="order", taskDefinitionKey="approve")) == 1
    assert tasks(rest, processInstanceId="other") == []
    assert rest.get("/task/count", params={"assignee": "demo"}).json() == {"count": 1}
    assert rest.post("/task/count", json={"assigneeLike": "de%"}).json() == {"count": 1}


def test_task_query_by_process_variable(rest, order):
    assert len(rest.get("/task", params={"processVariables": "amount_gt_1000"}).json()) == 1
    assert rest.get("/task", params={"processVariables": "amount_lt_1000"}).json() == []
    body = {"processVariables": [{"name": "owner", "operator": "eq", "value": "demo"}]}
    assert len(rest.post("/task", json=body).json()) == 1


def test_parallel_branches_see_a_variable_set_in_the_other_branch_at_once(rest):
    deploy(rest, "parallel.bpmn")
    instance = start(rest, "parallel")
    legal = tasks(rest, taskDefinitionKey="legal")[0]
    finance = tasks(rest, taskDefinitionKey="finance")[0]
    rest.post(f"/task/{legal['id']}/complete", json={"variables": {"legalOk": {"value": True}}})
    seen_from_finance = rest.get(f"/task/{finance['id']}/variables").json()
    assert seen_from_finance["legalOk"]["value"] is True
    rest.post(f"/task/{finance['id']}/complete", json={})
    [decide] = tasks(rest, processInstanceId=instance["id"])
    assert decide["taskDefinitionKey"] == "decide"


def test_candidate_users_and_due_date_from_the_model(rest):
    deploy(rest, "parallel.bpmn")
    start(rest, "parallel")
    finance = tasks(rest, taskDefinitionKey="finance")[0]
    assert finance["due"] == "2030-01-02T10:00:00.000+0000"
    assert [t["id"] for t in tasks(rest, candidateUser="john")] == [finance["id"]]
    assert tasks(rest, dueBefore="2030-01-01T00:00:00.000+0000") == []


def test_task_local_variables_stay_on_the_task(rest, order):
    [task] = tasks(rest)
    assert rest.put(f"/task/{task['id']}/localVariables/note", json={"value": "check", "type": "String"}).status_code == 204
    assert rest.get(f"/task/{task['id']}/localVariables").json() == {"note": {"type": "String", "value": "check", "valueInfo": {}}}
    assert "note" not in rest.get(f"/process-instance/{order['id']}/variables").json()
    assert rest.get(f"/task/{task['id']}/variables").json()["note"]["value"] == "check"


def test_get_unknown_task_is_404(rest):
    response = rest.get("/task/nope")
    assert response.status_code == 404
    assert response.json() == {"type": "InvalidRequestException", "message": "No matching task with id nope", "code": None}


def test_paging_applies_to_post_queries_through_the_query_string(rest):
    deploy(rest, "order.bpmn")
    for _ in range(3):
        start(rest, "order", variables=ORDER_VARS)
    assert len(rest.post("/task", params={"firstResult": 1, "maxResults": 5}, json={}).json()) == 2

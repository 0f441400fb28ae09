"""`/process-definition/.../start` and `/process-instance`."""
from __future__ import annotations

import pytest

from tests.conftest import deploy, start, tasks

VARS = {"amount": {"value": 5, "type": "Integer"}, "owner": {"value": "demo"}}


@pytest.fixture
def deployed(rest):
    return deploy(rest, "order.bpmn")


def test_start_by_key_returns_the_instance_with_a_self_link(rest, deployed):
    instance = start(rest, "order", businessKey="bk", variables=VARS)
    assert instance["businessKey"] == "bk"
    assert instance["definitionId"].startswith("order:1:")
    assert instance["ended"] is False
    assert instance["links"] == [{"method": "GET", "href": rest.base_url.join(f"/engine-rest/process-instance/{instance['id']}").__str__(), "rel": "self"}]


def test_start_by_id_and_with_variables_in_return(rest, deployed):
    [definition_id] = deployed["deployedProcessDefinitions"]
    response = rest.post(f"/process-definition/{definition_id}/start", json={"variables": VARS, "withVariablesInReturn": True})
    assert response.status_code == 200
    assert response.json()["variables"]["amount"] == {"type": "Integer", "value": 5, "valueInfo": {}}


def test_start_unknown_key_is_404(rest):
    response = rest.post("/process-definition/key/nope/start", json={})
    assert response.status_code == 404
    assert response.json()["message"] == "No matching process definition with key: nope and no tenant-id"


def test_start_with_an_unknown_variable_type_is_400(rest, deployed):
    response = rest.post("/process-definition/key/order/start", json={"variables": {"x": {"value": 1, "type": "Number"}}})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Cannot instantiate process definition order:1:")


def test_start_failing_on_an_unresolvable_expression_is_500_and_leaves_nothing(rest, deployed):
    response = rest.post("/process-definition/key/order/start", json={"variables": {"amount": {"value": 1}}})
    assert response.status_code == 500
    assert "owner" in response.json()["message"]
    assert rest.get("/process-instance/count").json() == {"count": 0}


def test_list_count_and_filter_instances(rest, deployed):
    first = start(rest, "order", businessKey="a", variables=VARS)
    start(rest, "order", businessKey="b", variables={**VARS, "amount": {"value": 50}})
    assert rest.get("/process-instance/count").json() == {"count": 2}
    assert [i["id"] for i in rest.get("/process-instance", params={"businessKey": "a"}).json()] == [first["id"]]
    assert len(rest.get("/process-instance", params={"variables": "amount_gteq_10"}).json()) == 1
    body = {"variables": [{"name": "amount", "operator": "lt", "value": 10}], "processDefinitionKey": "order"}
    assert [i["id"] for i in rest.post("/process-instance", json=body).json()] == [first["id"]]
    assert rest.post("/process-instance/count", json={"businessKeyLike": "%"}).json() == {"count": 2}


def test_instance_dto_fields(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    got = rest.get(f"/process-instance/{instance['id']}").json()
    assert set(got) >= {"links", "id", "definitionId", "businessKey", "caseInstanceId", "ended", "suspended", "tenantId"}


def test_unknown_instance_is_404(rest):
    response = rest.get("/process-instance/nope")
    assert response.status_code == 404
    assert response.json()["message"] == "Process instance with id nope does not exist"


def test_delete_instance_removes_its_tasks(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    assert rest.delete(f"/process-instance/{instance['id']}").status_code == 204
    assert tasks(rest) == []
    assert rest.delete(f"/process-instance/{instance['id']}").status_code == 404
    assert rest.delete(f"/process-instance/{instance['id']}", params={"failIfNotExists": "false"}).status_code == 204


def test_activity_instances_show_the_waiting_user_task(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    tree = rest.get(f"/process-instance/{instance['id']}/activity-instances").json()
    assert tree["activityType"] == "processDefinition"
    [child] = tree["childActivityInstances"]
    assert (child["activityId"], child["activityType"]) == ("approve", "userTask")


def test_suspended_instance_refuses_task_completion(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    assert rest.put(f"/process-instance/{instance['id']}/suspended", json={"suspended": True}).status_code == 204
    [task] = tasks(rest)
    assert task["suspended"] is True
    assert rest.post(f"/task/{task['id']}/complete", json={}).status_code == 500
    rest.put(f"/process-instance/{instance['id']}/suspended", json={"suspended": False})
    assert rest.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": False}}}).status_code == 204


def test_process_instance_variable_crud(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    base = f"/process-instance/{instance['id']}/variables"
    assert rest.put(f"{base}/customer", json={"value": '{"name": "Ada"}', "type": "Json"}).status_code == 204
    assert rest.get(f"{base}/customer").json() == {"type": "Json", "value": '{"name": "Ada"}', "valueInfo": {}}
    assert rest.post(base, json={"modifications": {"n": {"value": 3, "type": "Long"}}, "deletions": ["customer"]}).status_code == 204
    names = set(rest.get(base).json())
    assert names == {"amount", "owner", "n"}
    assert rest.delete(f"{base}/n").status_code == 204
    missing = rest.get(f"{base}/n")
    assert missing.status_code == 404
    assert missing.json()["message"] == "process instance variable with name n does not exist"


def test_bytes_variable_downloads_through_data(rest, deployed):
    instance = start(rest, "order", variables={**VARS, "blob": {"value": "aGVsbG8=", "type": "Bytes"}})
    response = rest.get(f"/process-instance/{instance['id']}/variables/blob/data")
    assert response.status_code == 200
    assert response.content == b"hello"


def test_file_variable_upload_and_download(rest, deployed):
    instance = start(rest, "order", variables=VARS)
    files = {"data": ("note.txt", b"contents", "text/plain"), "valueType": (None, "File")}
    assert rest.post(f"/process-instance/{instance['id']}/variables/doc/data", files=files).status_code == 204
    response = rest.get(f"/process-instance/{instance['id']}/variables/doc/data")
    assert response.content == b"contents"
    assert 'filename="note.txt"' in response.headers["content-disposition"]
    assert rest.get(f"/process-instance/{instance['id']}/variables/doc").json()["value"] is None


def test_execution_local_variable_data(rest, deployed):
    instance = start(rest, "order", variables={**VARS, "blob": {"value": "aGk=", "type": "Bytes"}})
    [execution] = rest.get("/execution", params={"processInstanceId": instance["id"]}).json()
    response = rest.get(f"/execution/{execution['id']}/localVariables/blob/data")
    assert response.content == b"hi"

"""`POST /message`: every kind of message catch, correlation by business key, variables and
instance id, `all`, mismatches, message start events and the result DTOs — as Camunda 7."""
from __future__ import annotations

import httpx

from tests.conftest import deploy, start, tasks


def correlate(rest: httpx.Client, name: str, **body: object) -> httpx.Response:
    return rest.post("/message", json={"messageName": name, **body})


def waiting_at(rest: httpx.Client, instance_id: str) -> list[str]:
    return sorted(task["taskDefinitionKey"] for task in tasks(rest, processInstanceId=instance_id))


def variable(rest: httpx.Client, instance_id: str, name: str) -> object:
    return rest.get(f"/process-instance/{instance_id}/variables/{name}").json()["value"]


def test_intermediate_message_catch_event_continues_and_receives_the_variables(rest):
    deploy(rest, "events/message_targets.bpmn")
    instance = start(rest, "messageCatch")
    response = correlate(rest, "Approve", processInstanceId=instance["id"],
                         processVariables={"approvedBy": {"value": "mary"}})
    assert response.status_code == 204, response.text
    assert waiting_at(rest, instance["id"]) == ["approved"]
    assert variable(rest, instance["id"], "approvedBy") == "mary"


def test_interrupting_message_boundary_event_cancels_the_task(rest):
    deploy(rest, "events/message_targets.bpmn")
    instance = start(rest, "messageBoundary")
    assert correlate(rest, "Cancel").status_code == 204
    assert waiting_at(rest, instance["id"]) == ["cancelled"]


def test_receive_task_waits_for_its_message(rest):
    deploy(rest, "events/message_targets.bpmn")
    instance = start(rest, "receiveTask")
    assert waiting_at(rest, instance["id"]) == []
    assert correlate(rest, "Pay").status_code == 204
    assert waiting_at(rest, instance["id"]) == ["paid"]


def test_correlation_by_business_key_picks_that_instance(rest):
    deploy(rest, "events/message_targets.bpmn")
    first = start(rest, "messageCatch", businessKey="order-1")
    second = start(rest, "messageCatch", businessKey="order-2")
    assert correlate(rest, "Approve", businessKey="order-2").status_code == 204
    assert waiting_at(rest, first["id"]) == [] and waiting_at(rest, second["id"]) == ["approved"]


def test_correlation_keys_match_process_variables(rest):
    deploy(rest, "events/message_targets.bpmn")
    first = start(rest, "messageCatch", variables={"orderId": {"value": 1}})
    second = start(rest, "messageCatch", variables={"orderId": {"value": 2}})
    response = correlate(rest, "Approve", correlationKeys={"orderId": {"value": 2, "type": "Integer"}})
    assert response.status_code == 204, response.text
    assert waiting_at(rest, first["id"]) == [] and waiting_at(rest, second["id"]) == ["approved"]


def test_no_matching_execution_or_definition_is_a_400_rest_exception(rest):
    deploy(rest, "events/message_targets.bpmn")
    response = correlate(rest, "Nobody")
    assert response.status_code == 400
    assert response.json()["type"] == "RestException"
    assert response.json()["message"] == (
        "org.camunda.bpm.engine.MismatchingMessageCorrelationException: Cannot correlate message 'Nobody': "
        "No process definition or execution matches the parameters")


def test_more_than_one_matching_execution_without_all_is_a_400(rest):
    deploy(rest, "events/message_targets.bpmn")
    start(rest, "messageCatch")
    start(rest, "messageCatch")
    response = correlate(rest, "Approve")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "org.camunda.bpm.engine.MismatchingMessageCorrelationException: ENGINE-13031 Cannot correlate a message "
        "with name 'Approve' to a single execution. 2 executions match the correlation keys: CorrelationSet "
        "[businessKey=null, processInstanceId=null, processDefinitionId=null, correlationKeys=null, "
        "localCorrelationKeys=null, tenantId=null, isTenantIdSet=false, isExecutionsOnly=false]")


def test_all_correlates_to_every_matching_execution(rest):
    deploy(rest, "events/message_targets.bpmn")
    instances = [start(rest, "messageCatch") for _ in range(3)]
    response = correlate(rest, "Approve", all=True, resultEnabled=True)
    assert response.status_code == 200, response.text
    assert sorted(r["execution"]["processInstanceId"] for r in response.json()) == sorted(i["id"] for i in instances)
    assert all(waiting_at(rest, i["id"]) == ["approved"] for i in instances)


def test_message_start_event_creates_an_instance_with_the_variables_and_business_key(rest):
    deploy(rest, "events/message_start.bpmn")
    response = correlate(rest, "OrderPlaced", businessKey="order-9", resultEnabled=True,
                         processVariables={"amount": {"value": 12.5}})
    assert response.status_code == 200, response.text
    [result] = response.json()
    assert result["resultType"] == "ProcessDefinition" and result["execution"] is None
    instance = result["processInstance"]
    assert instance["businessKey"] == "order-9" and instance["definitionKey"] == "messageStart"
    assert waiting_at(rest, instance["id"]) == ["review"]
    assert variable(rest, instance["id"], "amount") == 12.5


def test_deleting_the_latest_version_lets_the_previous_one_start_by_message_again(rest):
    previous = next(iter(deploy(rest, "events/message_start.bpmn", deployment_name="v1")["deployedProcessDefinitions"]))
    latest = next(iter(deploy(rest, "events/message_start.bpmn", deployment_name="v2")["deployedProcessDefinitions"]))
    assert rest.delete(f"/process-definition/{latest}").status_code == 204
    response = correlate(rest, "OrderPlaced", resultEnabled=True)
    assert response.status_code == 200, response.text
    assert response.json()[0]["processInstance"]["definitionId"] == previous


def test_result_enabled_with_variables_returns_camundas_result_dto(rest):
    deploy(rest, "events/message_targets.bpmn")
    instance = start(rest, "messageCatch", variables={"a": {"value": "x"}})
    response = correlate(rest, "Approve", resultEnabled=True, variablesInResultEnabled=True,
                         processVariables={"b": {"value": True}})
    assert response.status_code == 200, response.text
    [result] = response.json()
    assert set(result) == {"resultType", "execution", "processInstance", "variables"}
    assert result["resultType"] == "Execution" and result["processInstance"] is None
    assert result["execution"]["processInstanceId"] == instance["id"] and result["execution"]["ended"] is False
    assert result["variables"] == {"a": {"type": "String", "value": "x", "valueInfo": {}},
                                   "b": {"type": "Boolean", "value": True, "valueInfo": {}}}


def test_event_based_gateway_takes_the_message_branch(rest):
    deploy(rest, "events/event_gateway.bpmn")
    instance = start(rest, "eventGateway")
    assert correlate(rest, "Go").status_code == 204
    assert waiting_at(rest, instance["id"]) == ["viaMessage"]
    assert rest.get("/event-subscription", params={"processInstanceId": instance["id"]}).json() == []


def test_message_boundary_event_on_an_embedded_sub_process_cancels_it(rest):
    deploy(rest, "events/control_flow.bpmn")
    instance = start(rest, "subprocessBoundary")
    assert waiting_at(rest, instance["id"]) == ["inner"]
    assert correlate(rest, "StopWork").status_code == 204
    assert waiting_at(rest, instance["id"]) == ["stopped"]


def test_missing_message_name_is_a_400(rest):
    response = rest.post("/message", json={"businessKey": "x"})
    assert response.status_code == 400
    assert response.json()["message"] == "No message name supplied"


# -- message names written as expressions --------------------------------------------------
def start_order(rest, key: str, order_id: int) -> str:
    return start(rest, key, variables={"orderId": {"value": order_id}})["id"]


def subscription_names(rest, instance_id: str) -> list[str]:
    rows = rest.get("/event-subscription", params={"processInstanceId": instance_id}).json()
    return sorted(row["eventName"] for row in rows)


def test_a_message_catch_event_subscribes_under_its_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    first, second = start_order(rest, "paidCatch", 1), start_order(rest, "paidCatch", 2)
    assert subscription_names(rest, first) == ["paid-1"] and subscription_names(rest, second) == ["paid-2"]
    assert correlate(rest, "paid-2").status_code == 204
    assert waiting_at(rest, first) == [] and waiting_at(rest, second) == ["paid"]


def test_a_message_name_is_resolved_once_when_the_subscription_is_created(rest):
    deploy(rest, "events/expression_names.bpmn")
    instance_id = start_order(rest, "paidCatch", 1)
    response = rest.put(f"/process-instance/{instance_id}/variables/orderId", json={"value": 5})
    assert response.status_code == 204, response.text
    assert subscription_names(rest, instance_id) == ["paid-1"]
    assert correlate(rest, "paid-5").status_code == 400
    assert correlate(rest, "paid-1").status_code == 204
    assert waiting_at(rest, instance_id) == ["paid"]


def test_a_receive_task_waits_for_its_resolved_message_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    instance_id = start_order(rest, "paidReceive", 7)
    assert subscription_names(rest, instance_id) == ["paid-7"]
    assert correlate(rest, "paid-${orderId}").status_code == 400
    assert correlate(rest, "paid-7").status_code == 204
    assert waiting_at(rest, instance_id) == ["paid"]


def test_a_message_boundary_event_subscribes_under_its_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    instance_id = start_order(rest, "cancelBoundary", 3)
    assert subscription_names(rest, instance_id) == ["cancel-3"]
    assert correlate(rest, "cancel-3").status_code == 204
    assert waiting_at(rest, instance_id) == ["cancelled"]


def test_a_message_event_sub_process_subscribes_under_its_resolved_name(rest):
    deploy(rest, "events/expression_names.bpmn")
    instance_id = start_order(rest, "noteEventSubprocess", 4)
    assert subscription_names(rest, instance_id) == ["note-4"]
    assert correlate(rest, "note-4").status_code == 204
    assert waiting_at(rest, instance_id) == ["noted", "work"]


def test_a_message_start_event_name_expression_is_resolved_at_deployment(rest):
    deploy(rest, "events/expression_names.bpmn")
    [row] = rest.get("/event-subscription", params={"activityId": "placed"}).json()
    assert row["eventName"] == "placed-web"
    response = correlate(rest, "placed-web", resultEnabled=True)
    assert response.status_code == 200, response.text
    assert waiting_at(rest, response.json()[0]["processInstance"]["id"]) == ["handle"]

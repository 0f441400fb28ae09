"""`/external-task`: what fetchAndLock returns and which tasks it hands out, completion, locks
and owner checks, failures, retries and BPMN errors — as Camunda 7 answers them."""
from __future__ import annotations

import time

from tests.compat_api.external_task_helpers import deploy_single, fetch, start_single
from tests.conftest import deploy, start, tasks

LOCKED_FIELDS = {
    "activityId", "activityInstanceId", "errorMessage", "errorDetails", "executionId", "id", "lockExpirationTime",
    "processDefinitionId", "processDefinitionKey", "processDefinitionVersionTag", "processInstanceId", "tenantId",
    "retries", "suspended", "workerId", "priority", "topicName", "businessKey", "variables", "extensionProperties",
}


def test_a_token_at_each_kind_of_external_activity_creates_an_external_task(rest):
    deploy(rest, "external_payment.bpmn")
    instance = start(rest, "payment", variables={"priority": {"value": 5}})
    listed = rest.get("/external-task", params={"processInstanceId": instance["id"]}).json()
    assert {task["activityId"]: task["topicName"] for task in listed} == {
        "charge": "charge", "receipt": "receipt", "audit": "audit"}
    [receipt] = fetch(rest, "receipt")
    rest.post(f"/external-task/{receipt['id']}/complete", json={"workerId": "worker-1"})
    [throw] = fetch(rest, "notify")  # message intermediate throw event
    assert throw["activityId"] == "notify"
    rest.post(f"/external-task/{throw['id']}/complete", json={"workerId": "worker-1"})
    [end] = fetch(rest, "archive")  # message end event
    assert end["activityId"] == "notified"


def test_locked_task_carries_every_field_typed_variables_and_extension_properties(rest):
    deploy(rest, "external_payment.bpmn")
    instance = start(rest, "payment", businessKey="order-7",
                     variables={"priority": {"value": 80}, "amount": {"value": 12.5}, "customer": {"value": '{"id":1}', "type": "Json"}})
    [task] = fetch(rest, "charge", topic_options={"includeExtensionProperties": True})
    assert set(task) == LOCKED_FIELDS
    assert task["processInstanceId"] == instance["id"] and task["businessKey"] == "order-7"
    assert task["workerId"] == "worker-1" and task["retries"] is None and task["priority"] == 80
    assert task["processDefinitionKey"] == "payment" and task["processDefinitionVersionTag"] == "v1"
    assert task["extensionProperties"] == {"retryPolicy": "aggressive"}
    assert task["variables"]["amount"] == {"type": "Double", "value": 12.5, "valueInfo": {}}
    assert task["variables"]["customer"] == {"type": "Json", "value": '{"id":1}', "valueInfo": {}}


def test_variables_null_means_all_an_empty_list_none_and_names_select(rest):
    deploy_single(rest)
    start_single(rest, "vars", a=1, b="two")
    [task] = fetch(rest, "vars", topic_options={"variables": None})
    assert set(task["variables"]) == {"topic", "a", "b"}
    rest.post(f"/external-task/{task['id']}/unlock")
    [task] = fetch(rest, "vars", topic_options={"variables": []})
    assert task["variables"] == {} and task["extensionProperties"] == {}
    rest.post(f"/external-task/{task['id']}/unlock")
    [task] = fetch(rest, "vars", topic_options={"variables": ["b", "missing"]})
    assert task["variables"] == {"b": {"type": "String", "value": "two", "valueInfo": {}}}


def test_explicit_nulls_sent_by_the_python_and_java_clients_are_accepted(rest):
    deploy_single(rest)
    start_single(rest, "nulls")
    response = rest.post("/external-task/fetchAndLock", json={
        "workerId": "java", "maxTasks": 1, "usePriority": None, "asyncResponseTimeout": None, "sorting": None,
        "topics": [{"topicName": "nulls", "lockDuration": 1000, "variables": None, "businessKey": None,
                    "processDefinitionId": None, "processDefinitionIdIn": None, "processDefinitionKey": None,
                    "processDefinitionKeyIn": None, "processDefinitionVersionTag": None, "withoutTenantId": False,
                    "tenantIdIn": None, "processVariables": {}, "deserializeValues": True,
                    "includeExtensionProperties": True, "localVariables": None}]})
    assert response.status_code == 200 and len(response.json()) == 1


def test_topic_filters_select_by_business_key_definition_and_process_variables(rest):
    deploy_single(rest)
    start_single(rest, "filtered", region="north")
    wanted = start(rest, "single", businessKey="bk-1", variables={"topic": {"value": "filtered"}, "region": {"value": "south"}, "n": {"value": 3}})
    assert fetch(rest, "filtered", topic_options={"businessKey": "nope"}) == []
    assert fetch(rest, "filtered", topic_options={"processDefinitionKey": "other"}) == []
    assert fetch(rest, "filtered", topic_options={"processVariables": {"region": "west"}}) == []
    [task] = fetch(rest, "filtered", topic_options={"processVariables": {"region": "south", "n": 3}})
    assert task["processInstanceId"] == wanted["id"]
    rest.post(f"/external-task/{task['id']}/unlock")
    [task] = fetch(rest, "filtered", topic_options={"businessKey": "bk-1", "processDefinitionKeyIn": ["single"]})
    assert task["processInstanceId"] == wanted["id"]


def test_use_priority_hands_out_the_highest_priority_first(rest):
    deploy(rest, "external_payment.bpmn")
    for priority in (3, 90, 40):
        start(rest, "payment", variables={"priority": {"value": priority}})
    first = fetch(rest, "charge", max_tasks=1, usePriority=True)
    assert [task["priority"] for task in first] == [90]
    rest.put(f"/external-task/{first[0]['id']}/priority", json={"priority": 1})
    assert rest.get(f"/external-task/{first[0]['id']}").json()["priority"] == 1
    assert [task["priority"] for task in fetch(rest, "charge", usePriority=True)] == [40, 3]


def test_a_locked_task_is_not_handed_out_again_until_its_lock_expires(rest):
    deploy_single(rest)
    start_single(rest, "expiry")
    [task] = fetch(rest, "expiry", worker="a", lock=300)
    assert fetch(rest, "expiry", worker="b") == []
    time.sleep(0.4)
    [again] = fetch(rest, "expiry", worker="b")
    assert again["id"] == task["id"] and again["workerId"] == "b"
    refused = rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "a"})
    assert refused.status_code == 400
    # A RestException wrapping an engine exception carries its code (0), as in Camunda.
    assert refused.json() == {"type": "RestException", "code": 0, "message":
                              f"External Task {task['id']} cannot be completed by worker 'a'. It is locked by worker 'b'."}
    assert rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "b"}).status_code == 204


def test_the_original_worker_may_complete_after_expiry_when_nobody_reclaimed_it(rest):
    deploy_single(rest)
    instance = start_single(rest, "late")
    [task] = fetch(rest, "late", lock=50)
    time.sleep(0.1)
    done = rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "worker-1", "variables": {"ok": {"value": True}},
                                                                 "localVariables": {"scratch": {"value": 1}}})
    assert done.status_code == 204
    assert [t["taskDefinitionKey"] for t in tasks(rest, processInstanceId=instance["id"])] == ["review"]
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables["ok"]["value"] is True and "scratch" not in variables
    missing = rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "worker-1"})
    assert missing.status_code == 404
    assert missing.json()["message"] == f"External task with id {task['id']} does not exist"


def test_only_the_lock_holder_may_report_failure_bpmn_error_or_extend_the_lock(rest):
    deploy_single(rest)
    start_single(rest, "owner")
    [task] = fetch(rest, "owner", worker="holder")
    url = f"/external-task/{task['id']}"
    cases = {
        "failure": ({"workerId": "other", "retries": 1}, f"Failure of External Task {task['id']} cannot be reported by worker 'other"),
        "bpmnError": ({"workerId": "other", "errorCode": "E"}, f"Bpmn error of External Task {task['id']} cannot be reported by worker 'other"),
        "extendLock": ({"workerId": "other", "newDuration": 1000}, f"The lock of the External Task {task['id']} cannot be extended by worker 'other'"),  # Camunda's doubled quote
    }
    for operation, (body, prefix) in cases.items():
        response = rest.post(f"{url}/{operation}", json=body)
        assert response.status_code == 400, operation
        assert response.json()["message"] == prefix + "'. It is locked by worker 'holder'."
    assert rest.post(f"{url}/lock", json={"workerId": "other", "lockDuration": 1000}).status_code == 400


def test_extend_lock_moves_the_expiry_and_is_refused_once_the_lock_expired(rest):
    deploy_single(rest)
    start_single(rest, "extend")
    [task] = fetch(rest, "extend", lock=200)
    url = f"/external-task/{task['id']}"
    assert rest.post(f"{url}/extendLock", json={"workerId": "worker-1", "newDuration": 60_000}).status_code == 204
    time.sleep(0.3)
    assert fetch(rest, "extend", worker="other") == []
    assert rest.get(url).json()["lockExpirationTime"] > task["lockExpirationTime"]
    assert rest.post(f"{url}/extendLock", json={"workerId": "worker-1", "newDuration": 0}).status_code == 400
    rest.post(f"{url}/lock", json={"workerId": "worker-1", "lockDuration": 50})
    time.sleep(0.1)
    expired = rest.post(f"{url}/extendLock", json={"workerId": "worker-1", "newDuration": 1000})
    assert expired.status_code == 400 and expired.json()["message"].startswith("Cannot extend a lock that expired")


def test_unlock_makes_the_task_fetchable_at_once(rest):
    deploy_single(rest)
    start_single(rest, "unlock")
    [task] = fetch(rest, "unlock", worker="a")
    assert rest.post(f"/external-task/{task['id']}/unlock").status_code == 204
    [again] = fetch(rest, "unlock", worker="b")
    assert again["id"] == task["id"]
    assert rest.post("/external-task/nope/unlock").status_code == 404


def test_failure_with_retries_hides_the_task_for_the_retry_timeout(rest):
    deploy_single(rest)
    start_single(rest, "retry")
    [task] = fetch(rest, "retry")
    failed = rest.post(f"/external-task/{task['id']}/failure", json={
        "workerId": "worker-1", "errorMessage": "x" * 700, "errorDetails": "Traceback...", "retries": 2, "retryTimeout": 300})
    assert failed.status_code == 204
    assert fetch(rest, "retry") == []
    time.sleep(0.35)
    [again] = fetch(rest, "retry")
    assert again["retries"] == 2 and again["errorMessage"] == "x" * 666 and again["errorDetails"] == "Traceback..."
    details = rest.get(f"/external-task/{task['id']}/errorDetails")
    assert details.status_code == 200 and details.text == "Traceback..."


def test_a_bpmn_error_is_caught_by_the_matching_boundary_event(rest):
    deploy(rest, "external_payment.bpmn")
    instance = start(rest, "payment", variables={"priority": {"value": 1}})
    [charge] = fetch(rest, "charge")
    response = rest.post(f"/external-task/{charge['id']}/bpmnError", json={
        "workerId": "worker-1", "errorCode": "CARD_DECLINED", "errorMessage": "insufficient funds",
        "variables": {"reason": {"value": "funds"}}})
    assert response.status_code == 204
    activities = {t["activityId"] for t in rest.get("/external-task", params={"processInstanceId": instance["id"]}).json()}
    assert activities == {"refund", "receipt", "audit"}
    assert rest.get(f"/process-instance/{instance['id']}/variables/reason").json()["value"] == "funds"


def test_an_uncaught_bpmn_error_ends_that_branch_silently(rest):
    deploy(rest, "external_payment.bpmn")
    instance = start(rest, "payment", variables={"priority": {"value": 1}})
    [audit] = fetch(rest, "audit")
    assert rest.post(f"/external-task/{audit['id']}/bpmnError", json={"workerId": "worker-1", "errorCode": "UNKNOWN"}).status_code == 204
    activities = {t["activityId"] for t in rest.get("/external-task", params={"processInstanceId": instance["id"]}).json()}
    assert activities == {"charge", "receipt"}
    deploy_single(rest)
    single = start_single(rest, "lonely")
    [task] = fetch(rest, "lonely")
    rest.post(f"/external-task/{task['id']}/bpmnError", json={"workerId": "worker-1", "errorCode": "ANY"})
    assert rest.get(f"/process-instance/{single['id']}").status_code == 404  # the only execution ended


def test_tasks_of_a_suspended_instance_are_not_fetched_and_cannot_be_completed(rest):
    deploy_single(rest)
    instance = start_single(rest, "suspend")
    [task] = fetch(rest, "suspend", lock=50)
    assert rest.put(f"/process-instance/{instance['id']}/suspended", json={"suspended": True}).status_code == 204
    time.sleep(0.1)
    assert fetch(rest, "suspend") == []
    assert rest.get(f"/external-task/{task['id']}").json()["suspended"] is True
    refused = rest.post(f"/external-task/{task['id']}/complete", json={"workerId": "worker-1"})
    assert refused.status_code == 500 and "is suspended" in refused.json()["message"]
    rest.put(f"/process-instance/{instance['id']}/suspended", json={"suspended": False})
    assert len(fetch(rest, "suspend")) == 1


def test_fetch_input_is_validated_with_camundas_statuses_and_messages(rest):
    too_long = rest.post("/external-task/fetchAndLock", json={"workerId": "w", "maxTasks": 1, "asyncResponseTimeout": 1_800_001, "topics": []})
    assert too_long.status_code == 400
    assert too_long.json() == {"type": "InvalidRequestException", "code": None, "message":
                               "The asynchronous response timeout cannot be set to a value greater than 1800000 milliseconds"}
    no_worker = rest.post("/external-task/fetchAndLock", json={"maxTasks": 1, "topics": []})
    assert (no_worker.status_code, no_worker.json()["message"]) == (500, "workerId is null")
    no_lock = rest.post("/external-task/fetchAndLock", json={"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "t"}]})
    assert (no_lock.status_code, no_lock.json()["message"]) == (500, "lockTime is not greater than 0")


def test_queries_counts_and_topic_names(rest):
    deploy_single(rest)
    for topic in ("alpha", "alpha", "beta"):
        start_single(rest, topic)
    [locked] = fetch(rest, "beta")
    assert rest.get("/external-task/count").json() == {"count": 3}
    assert rest.get("/external-task/count", params={"topicName": "alpha"}).json() == {"count": 2}
    assert [t["id"] for t in rest.get("/external-task", params={"locked": "true"}).json()] == [locked["id"]]
    assert rest.post("/external-task/count", json={"notLocked": True}).json() == {"count": 2}
    assert rest.post("/external-task", json={"workerId": "worker-1"}).json()[0]["id"] == locked["id"]
    assert rest.get("/external-task", params={"sortBy": "id", "sortOrder": "desc", "maxResults": 1}).status_code == 200
    assert rest.get("/external-task/topic-names").json() == ["alpha", "beta"]
    assert rest.get("/external-task/topic-names", params={"withLockedTasks": "true"}).json() == ["beta"]
    assert rest.get("/external-task/missing").status_code == 404


def test_a_bpmn_error_propagates_to_a_boundary_event_of_the_enclosing_sub_process(rest):
    deploy(rest, "external_nested.bpmn")
    instance = start(rest, "nested")
    [deep] = fetch(rest, "deep")
    assert rest.post(f"/external-task/{deep['id']}/bpmnError", json={"workerId": "worker-1", "errorCode": "NESTED"}).status_code == 204
    [handled] = rest.get("/external-task", params={"processInstanceId": instance["id"]}).json()
    assert handled["activityId"] == "handled"


def test_bpmn_error_starts_the_matching_error_event_sub_process(rest):
    deploy(rest, "external_error_event_subprocess.bpmn")
    instance = start(rest, "chargeWithErrorHandler")
    [charge] = fetch(rest, "charge")
    response = rest.post(f"/external-task/{charge['id']}/bpmnError", json={
        "workerId": "worker-1", "errorCode": "CARD_DECLINED", "errorMessage": "insufficient funds"})
    assert response.status_code == 204
    assert [t["taskDefinitionKey"] for t in tasks(rest, processInstanceId=instance["id"])] == ["askCustomer"]
    assert rest.get("/external-task", params={"processInstanceId": instance["id"]}).json() == []

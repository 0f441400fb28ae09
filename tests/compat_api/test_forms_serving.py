"""`/m8flow/forms` serves each kind of Camunda form as form.io JSON, and `submit-form`
types submitted values by the form, through a real server."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import FIXTURES, deploy, start, tasks

GENERATED = ("forms/generated.bpmn",)
EMBEDDED = ("forms/embedded.bpmn", "forms/approve-invoice.html")
CAMUNDA_FORMS = ("forms/camunda-form.bpmn", "forms/request.form")


@pytest.fixture
def m8flow(server):
    with httpx.Client(base_url=server.url + "/m8flow", timeout=30) as client:
        yield client


def keys(form: dict) -> list[str]:
    found = []
    for component in form["components"]:
        found.append(component.get("key"))
        for column in component.get("columns", []):
            found.extend(keys(column))
        if component.get("components"):
            found.extend(keys(component))
    return found


def task_of(rest, key: str) -> dict:
    [task] = tasks(rest, taskDefinitionKey=key)
    return task


def submit_start(rest, key: str, variables: dict, **body: object) -> httpx.Response:
    return rest.post(f"/process-definition/key/{key}/submit-form", json={"variables": variables, **body})


def order(rest, **extra: dict) -> dict:
    response = submit_start(rest, "generated", {"orderNo": {"value": "A-1"}, "amount": {"value": "42"}, **extra})
    assert response.status_code == 200, response.text
    return response.json()


# serving

def test_generated_start_form_is_served_as_formio(rest, m8flow):
    deploy(rest, *GENERATED)
    response = m8flow.get("/forms/process-definition/key/generated/start")
    assert response.status_code == 200
    form = response.json()
    assert form["display"] == "form" and form["title"] == "Place order"
    assert keys(form)[:6] == ["orderNo", "amount", "due", "express", "channel", "discount"]
    assert form["components"][-1]["type"] == "button"


def test_start_form_by_definition_id(rest, m8flow):
    [definition] = deploy(rest, *GENERATED)["deployedProcessDefinitions"].values()
    response = m8flow.get(f"/forms/process-definition/{definition['id']}/start")
    assert response.status_code == 200
    assert "amount" in keys(response.json())


def test_generated_task_form_is_served(rest, m8flow):
    deploy(rest, *GENERATED)
    order(rest)
    form = m8flow.get(f"/forms/task/{task_of(rest, 'review')['id']}").json()
    level = next(c for c in form["components"] if c["key"] == "level")
    assert level["type"] == "select"
    assert level["data"]["values"] == [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]


def test_embedded_deployment_form_is_served_for_task_and_start(rest, m8flow):
    deploy(rest, *EMBEDDED)
    assert "creditor" in keys(m8flow.get("/forms/process-definition/key/embedded/start").json())
    start(rest, "embedded")
    form = m8flow.get(f"/forms/task/{task_of(rest, 'approve')['id']}").json()
    assert {"creditor", "amount", "category", "approved", "comment"} <= set(keys(form))


def test_camunda_form_is_served_by_form_key_and_by_form_ref(rest, m8flow):
    deploy(rest, *CAMUNDA_FORMS)
    by_ref = m8flow.get("/forms/process-definition/key/camundaForm/start").json()
    assert {"name", "email", "days", "start", "kind", "urgent"} <= set(keys(by_ref))
    start(rest, "camundaForm")
    by_key = m8flow.get(f"/forms/task/{task_of(rest, 'request')['id']}").json()
    assert set(keys(by_key)) == set(keys(by_ref))


def test_form_ref_latest_takes_the_newest_deployment_and_version_pins_one(rest, m8flow):
    deploy(rest, *CAMUNDA_FORMS)
    newer = (FIXTURES / "forms/request.form").read_text()
    newer = newer.replace('"label": "Urgent"', '"label": "Very urgent"')
    files = [("data", ("forms/request.form", newer.encode(), "application/octet-stream"))]
    assert rest.post("/deployment/create", files=files, data={"deployment-name": "v2"}).status_code == 200
    latest = m8flow.get("/forms/process-definition/key/camundaForm/start").json()
    assert next(c for c in latest["components"] if c["key"] == "urgent")["label"] == "Very urgent"
    start(rest, "camundaForm")
    rest.post(f"/task/{task_of(rest, 'request')['id']}/complete", json={})
    pinned = m8flow.get(f"/forms/task/{task_of(rest, 'pinned')['id']}").json()
    assert next(c for c in pinned["components"] if c["key"] == "urgent")["label"] == "Urgent"


def test_formsflow_flag_adds_the_formsflow_components(rest, m8flow):
    deploy(rest, *GENERATED)
    plain = keys(m8flow.get("/forms/process-definition/key/generated/start").json())
    flagged = keys(m8flow.get("/forms/process-definition/key/generated/start", params={"formsflow": "true"}).json())
    assert "applicationId" not in plain
    assert {"applicationId", "applicationStatus"} <= set(flagged)


def assert_not_found(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 404, response.text
    body = response.json()
    assert body["type"] == "InvalidRequestException" and body["code"] is None
    for word in words:
        assert word in body["message"]


def test_unknown_task_and_definition_are_404(rest, m8flow):
    assert_not_found(m8flow.get("/forms/task/nope"), "nope")
    assert_not_found(m8flow.get("/forms/process-definition/nope/start"), "nope")
    assert_not_found(m8flow.get("/forms/process-definition/key/nope/start"), "nope")


def test_forms_m8flow_cannot_serve_are_404_with_the_reason(rest, m8flow):
    deploy(rest, "forms/elsewhere.bpmn")
    assert_not_found(m8flow.get("/forms/process-definition/key/elsewhere/start"), "embedded:app:forms/start.html",
                     "embedded:deployment:forms/start.html")
    start(rest, "elsewhere")
    assert_not_found(m8flow.get(f"/forms/task/{task_of(rest, 'missing')['id']}"), "forms/missing.html")
    rest.post(f"/task/{task_of(rest, 'missing')['id']}/complete", json={})
    assert_not_found(m8flow.get(f"/forms/task/{task_of(rest, 'plain')['id']}"), "has no form")


def test_form_ref_is_reported_by_the_camunda_form_endpoints(rest):
    deploy(rest, *CAMUNDA_FORMS)
    start_form = rest.get("/process-definition/key/camundaForm/startForm").json()
    assert start_form == {"key": None, "camundaFormRef": {"key": "requestForm", "binding": "latest", "version": None},
                          "contextPath": None}
    start(rest, "camundaForm")
    form = rest.get(f"/task/{task_of(rest, 'request')['id']}/form").json()
    assert form == {"key": "camunda-forms:deployment:forms/request.form", "camundaFormRef": None, "contextPath": None}


# submit-form

def test_start_form_submission_starts_an_instance_with_typed_variables(rest):
    deploy(rest, *GENERATED)
    instance = order(rest, due={"value": "31/12/2026"}, express={"value": "true"}, channel={"value": "phone"})
    assert instance["businessKey"] == "A-1"
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables["amount"] == {"type": "Long", "value": 42, "valueInfo": {}}
    assert variables["due"] == {"type": "Date", "value": "2026-12-31T00:00:00.000+0000", "valueInfo": {}}
    assert variables["express"]["type"] == "Boolean" and variables["express"]["value"] is True
    assert variables["channel"] == {"type": "String", "value": "phone", "valueInfo": {}}
    assert variables["discount"] == {"type": "Long", "value": 5, "valueInfo": {}}  # Camunda writes defaults


def test_start_form_missing_required_field_is_400_naming_it(rest):
    [definition] = deploy(rest, *GENERATED)["deployedProcessDefinitions"].values()
    response = submit_start(rest, "generated", {"orderNo": {"value": "A-1"}})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "InvalidRequestException"
    assert body["message"].startswith(f"Cannot instantiate process definition {definition['id']}: ")
    assert "'amount'" in body["message"]
    assert rest.get("/process-instance/count").json()["count"] == 0


def test_plain_start_does_not_apply_the_form(rest):
    deploy(rest, *GENERATED)
    instance = start(rest, "generated", variables={"amount": {"value": "42"}})
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables["amount"] == {"type": "String", "value": "42", "valueInfo": {}}


def test_task_form_submission_types_camunda_and_formsflow_style_values(rest):
    deploy(rest, *GENERATED)
    instance = order(rest)
    task = task_of(rest, "review")
    variables = {
        "approved": {"value": "true", "type": "String"},  # typed by the client, retyped by the form
        "level": {"value": "gold"},
        "reviewedOn": {"value": "2026-01-05T10:30:00.000+0100", "type": "Date"},
        "score": {"value": 7.0},
        "applicationId": {"value": 12},  # not a form field: Camunda's own typing
    }
    response = rest.post(f"/task/{task['id']}/submit-form", json={"variables": variables})
    assert response.status_code == 204, response.text
    stored = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert stored["approved"] == {"type": "Boolean", "value": True, "valueInfo": {}}
    assert stored["level"] == {"type": "String", "value": "gold", "valueInfo": {}}
    assert stored["reviewedOn"] == {"type": "Date", "value": "2026-01-05T09:30:00.000+0000", "valueInfo": {}}
    assert stored["score"] == {"type": "Long", "value": 7, "valueInfo": {}}
    assert stored["applicationId"] == {"type": "Integer", "value": 12, "valueInfo": {}}
    assert task_of(rest, "after")


def test_task_form_required_field_already_set_in_scope_may_be_left_out(rest):
    deploy(rest, *GENERATED)
    order(rest)
    task = task_of(rest, "review")
    response = rest.post(f"/task/{task['id']}/submit-form", json={"variables": {"approved": {"value": False}}})
    assert response.status_code == 204, response.text


def test_task_form_bad_enum_value_is_400_and_leaves_the_task_open(rest):
    deploy(rest, *GENERATED)
    order(rest)
    task = task_of(rest, "review")
    response = rest.post(f"/task/{task['id']}/submit-form",
                         json={"variables": {"approved": {"value": True}, "level": {"value": "bronze"}}})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "InvalidRequestException"
    assert body["message"].startswith(f"Cannot submit task form {task['id']}: ")
    assert "'level'" in body["message"]
    assert task_of(rest, "review")["id"] == task["id"]


def test_task_form_missing_required_is_400_naming_the_field(rest):
    deploy(rest, *GENERATED)
    order(rest)
    task = task_of(rest, "review")
    response = rest.post(f"/task/{task['id']}/submit-form", json={"variables": {"level": {"value": "gold"}}})
    assert response.status_code == 400
    assert "'approved'" in response.json()["message"]


def test_complete_does_not_apply_the_form(rest):
    deploy(rest, *GENERATED)
    order(rest)
    task = task_of(rest, "review")
    response = rest.post(f"/task/{task['id']}/complete", json={"variables": {"level": {"value": "bronze"}}})
    assert response.status_code == 204


def test_embedded_form_submission_is_typed_by_the_html_form(rest):
    deploy(rest, *EMBEDDED)
    instance = start(rest, "embedded")
    task = task_of(rest, "approve")
    response = rest.post(f"/task/{task['id']}/submit-form",
                         json={"variables": {"creditor": {"value": "ACME"}, "amount": {"value": "12.5"},
                                             "category": {"value": "misc"}}})
    assert response.status_code == 204, response.text
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables["amount"] == {"type": "Double", "value": 12.5, "valueInfo": {}}
    assert variables["category"] == {"type": "String", "value": "misc", "valueInfo": {}}


def test_embedded_form_required_field_is_enforced(rest):
    deploy(rest, *EMBEDDED)
    start(rest, "embedded")
    task = task_of(rest, "approve")
    response = rest.post(f"/task/{task['id']}/submit-form", json={"variables": {"amount": {"value": 1}}})
    assert response.status_code == 400 and "'creditor'" in response.json()["message"]


def test_camunda_form_submission_rejects_a_value_outside_the_options(rest):
    deploy(rest, *CAMUNDA_FORMS)
    instance = start(rest, "camundaForm")
    task = task_of(rest, "request")
    bad = rest.post(f"/task/{task['id']}/submit-form",
                    json={"variables": {"name": {"value": "Ann"}, "kind": {"value": "sabbatical"}}})
    assert bad.status_code == 400 and "'kind'" in bad.json()["message"]
    good = rest.post(f"/task/{task['id']}/submit-form",
                     json={"variables": {"name": {"value": "Ann"}, "days": {"value": "3"}, "kind": {"value": "paid"}}})
    assert good.status_code == 204, good.text
    variables = rest.get(f"/process-instance/{instance['id']}/variables").json()
    assert variables["days"] == {"type": "Long", "value": 3, "valueInfo": {}}


# form-variables

def test_start_form_variables_give_generated_defaults(rest):
    deploy(rest, *GENERATED)
    variables = rest.get("/process-definition/key/generated/form-variables").json()
    assert variables["discount"] == {"type": "Long", "value": 5, "valueInfo": {}}
    assert variables["channel"] == {"type": "String", "value": "web", "valueInfo": {}}
    assert variables["amount"] == {"type": "Long", "value": None, "valueInfo": {}}


def test_task_form_variables_give_form_fields_then_the_other_variables(rest):
    deploy(rest, *GENERATED)
    order(rest)
    task = task_of(rest, "review")
    variables = rest.get(f"/task/{task['id']}/form-variables").json()
    assert variables["amount"] == {"type": "Long", "value": 42, "valueInfo": {}}
    assert variables["level"] == {"type": "String", "value": None, "valueInfo": {}}
    assert variables["orderNo"]["value"] == "A-1"  # not a field of this form, still visible
    only = rest.get(f"/task/{task['id']}/form-variables", params={"variableNames": "score"}).json()
    assert list(only) == ["score"]


def test_form_variables_of_camunda_and_embedded_forms_follow_their_fields(rest):
    deploy(rest, *CAMUNDA_FORMS)
    variables = rest.get("/process-definition/key/camundaForm/form-variables").json()
    assert variables["days"] == {"type": "Long", "value": None, "valueInfo": {}}
    assert variables["urgent"]["type"] == "Boolean"
    deploy(rest, *EMBEDDED)
    start(rest, "embedded", variables={"creditor": {"value": "ACME"}})
    task = task_of(rest, "approve")
    variables = rest.get(f"/task/{task['id']}/form-variables").json()
    assert variables["creditor"]["value"] == "ACME"
    assert variables["amount"] == {"type": "Double", "value": None, "valueInfo": {}}


def test_task_dto_carries_the_camunda_form_ref_of_its_user_task(rest):
    deploy(rest, *CAMUNDA_FORMS)
    start(rest, "camundaForm")
    task_id = task_of(rest, "request")["id"]
    rest.post(f"/task/{task_id}/complete", json={})
    pinned = task_of(rest, "pinned")
    assert pinned["camundaFormRef"] == {"key": "requestForm", "binding": "version", "version": 1}

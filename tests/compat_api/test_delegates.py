"""Java delegates as registered Python handlers; script tasks in other languages."""
from __future__ import annotations

import pytest

from engine import delegates
from engine.process_engine import EngineSettings
from tests.conftest import deploy, start, tasks


def _variables(rest, instance_id: str) -> dict:
    return {name: dto["value"] for name, dto in rest.get(f"/process-instance/{instance_id}/variables").json().items()}


def charge_card(execution) -> None:
    execution.setVariable("charged", execution.getVariable("amount") * 2)
    execution.setVariable("chargedAt", execution.getCurrentActivityId())
    execution.setVariable("forOrder", execution.getBusinessKey())


@pytest.fixture
def charge_card_registered():
    with delegates.registered("com.acme.ChargeCard", charge_card), delegates.registered("chargeCard", charge_card):
        yield


def _amount(value: int) -> dict:
    return {"amount": {"value": value, "type": "Integer"}}


def test_class_delegate_runs_the_registered_handler_and_the_task_completes(rest, charge_card_registered):
    deploy(rest, "scopes/delegate_class.bpmn")
    instance = start(rest, "dg_class", businessKey="order-1", variables=_amount(21))
    assert [t["taskDefinitionKey"] for t in tasks(rest)] == ["after"]
    assert _variables(rest, instance["id"]) == {"amount": 21, "charged": 42, "chargedAt": "work", "forOrder": "order-1"}


def test_send_task_with_a_class_runs_the_handler(rest, charge_card_registered):
    deploy(rest, "scopes/delegate_send_task.bpmn")
    instance = start(rest, "dg_send", variables=_amount(1))
    assert _variables(rest, instance["id"])["charged"] == 2


def test_delegate_expression_names_a_registered_bean(rest, charge_card_registered):
    deploy(rest, "scopes/delegate_expression.bpmn")
    instance = start(rest, "dg_bean", variables=_amount(5))
    assert _variables(rest, instance["id"])["charged"] == 10


def test_expression_calls_a_method_of_a_registered_bean_into_the_result_variable(rest):
    class Billing:
        def charge(self, execution, amount):
            return f"receipt for {amount} in {execution.getProcessInstanceId() is not None}"

    deploy(rest, "scopes/delegate_bean_method.bpmn")
    with delegates.registered("billing", Billing()):
        instance = start(rest, "dg_expr", variables=_amount(3))
    assert _variables(rest, instance["id"])["receipt"] == "receipt for 3 in True"


class Greeter:
    """A JavaDelegate port: fields arrive as Expressions on a fresh instance per call."""

    instances: list[Greeter] = []

    def __init__(self):
        Greeter.instances.append(self)

    def setGreeting(self, expression):  # noqa: N802 — a Java-bean setter is preferred
        self.greeting_via_setter = expression

    def execute(self, execution):
        execution.setVariable("name", "late")  # an expression field is evaluated when read
        text = f"{self.greeting_via_setter.getValue(execution)} {self.who.getValue(execution)}{self.punctuation.getValue(execution)}"
        execution.setVariable("text", text.upper() if self.shout.getValue(execution) else text)


def _fields_start(rest, **variables):
    return start(rest, "dg_fields", variables={name: {"value": value} for name, value in variables.items()})


def test_class_delegate_gets_its_fields_as_expressions_on_a_fresh_instance(rest):
    deploy(rest, "scopes/delegate_fields.bpmn")
    Greeter.instances.clear()
    with delegates.registered("com.acme.Greeter", Greeter):
        first = _fields_start(rest, name="ann", loud=False)
        second = _fields_start(rest, name="bob", loud=True)
    assert _variables(rest, first["id"])["text"] == "Hello late!"
    assert _variables(rest, second["id"])["text"] == "HELLO LATE!"
    assert len(Greeter.instances) == 2


def test_function_delegate_gets_its_field_values_as_keyword_arguments(rest):
    def greet(execution, *, greeting, punctuation, who, shout):
        execution.setVariable("text", f"{greeting} {who}{punctuation}" + (" (loud)" if shout else ""))

    deploy(rest, "scopes/delegate_fields.bpmn")
    with delegates.registered("com.acme.Greeter", greet):
        instance = _fields_start(rest, name="ann", loud=True)
    assert _variables(rest, instance["id"])["text"] == "Hello ann! (loud)"


def test_a_field_the_function_does_not_take_fails_the_command(rest):
    def greet(execution, *, greeting):
        raise AssertionError("not called")

    deploy(rest, "scopes/delegate_fields.bpmn")
    with delegates.registered("com.acme.Greeter", greet):
        response = rest.post("/process-definition/key/dg_fields/start", json={})
    assert response.status_code == 500
    assert "non-existing field 'punctuation'" in response.json()["message"]
    assert rest.get("/process-instance/count").json() == {"count": 0}


def test_unknown_delegate_fails_the_command_naming_the_class(rest):
    deploy(rest, "scopes/delegate_unknown.bpmn")
    response = rest.post("/process-definition/key/dg_missing/start", json={})
    assert response.status_code == 500
    body = response.json()
    assert body["type"] == "RestException"  # Camunda wraps what fails a start
    assert "ENGINE-09008" in body["message"]
    assert "com.acme.Missing" in body["message"]
    assert rest.get("/process-instance/count").json() == {"count": 0}


def test_entry_point_group_is_read_for_unregistered_names(monkeypatch):
    class EntryPoint:
        name = "com.acme.FromPlugin"

        def load(self):
            return charge_card

    registry = delegates.DelegateRegistry()
    monkeypatch.setattr(delegates, "entry_points", lambda group: [EntryPoint()] if group == "m8flow.delegates" else [])
    assert registry.get("com.acme.FromPlugin") is charge_card
    assert registry.get("com.acme.Other") is None


@pytest.mark.parametrize("model,key,language", [
    ("scopes/script_javascript.bpmn", "sc_js", "javascript"),
    ("scopes/script_groovy.bpmn", "sc_groovy", "groovy"),
])
def test_javascript_and_groovy_script_tasks_fail_naming_the_task_and_the_converter(rest, model, key, language):
    deploy(rest, model)
    response = rest.post(f"/process-definition/key/{key}/start", json={})
    assert response.status_code == 500
    message = response.json()["message"]
    assert "'work'" in message and language in message and "m8flow migrate convert" in message
    assert rest.get("/process-instance/count").json() == {"count": 0}


def test_python_script_task_runs(rest):
    deploy(rest, "scopes/script_python.bpmn")
    instance = start(rest, "sc_py")
    assert _variables(rest, instance["id"]) == {"x": 1}


def test_scripts_disabled_switch_refuses_inline_scripts(rest, engine, monkeypatch):
    monkeypatch.setenv("M8FLOW_SCRIPTS_ENABLED", "false")
    settings = EngineSettings()
    assert settings.scripts_enabled is False
    monkeypatch.setattr(engine, "settings", settings)
    deploy(rest, "scopes/script_python.bpmn")
    response = rest.post("/process-definition/key/sc_py/start", json={})
    assert response.status_code == 500
    assert "M8FLOW_SCRIPTS_ENABLED=false" in response.json()["message"]

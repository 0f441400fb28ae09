"""engine.bpmn.parser: deployments, process info, refusals and warnings, spec building."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.activity_types import activity_type
from engine.bpmn.parser import build_process_spec, parse_deployment
from engine.bpmn.specs import CamundaCallActivity
from engine.errors import ParseError
from tests.engine.bpmn_fixtures import call, chain, definitions, process

USER_TASK = '<bpmn:userTask id="approve" name="Approve"/>'


def run(spec_and_subs):
    spec, subs = spec_and_subs
    workflow = BpmnWorkflow(spec, subs)
    workflow.do_engine_steps()
    return workflow


def states(workflow):
    return {t.task_spec.name: TaskState.get_name(t.state) for t in workflow.get_tasks()}


# --- parse_deployment: what a deployment holds ---------------------------------------------

def test_process_info_reads_key_name_and_camunda_process_attributes():
    xml = chain(
        USER_TASK,
        pid="order",
        attrs='name="Order" isExecutable="true" camunda:versionTag="v7" '
        'camunda:historyTimeToLive="P5D" camunda:isStartableInTasklist="false" '
        'camunda:candidateStarterUsers="anna, bob" camunda:candidateStarterGroups="sales"',
    )
    [info] = parse_deployment({"order.bpmn": xml}).processes
    assert (info.key, info.name, info.resource_name) == ("order", "Order", "order.bpmn")
    assert info.version_tag == "v7"
    assert info.history_time_to_live == 5
    assert info.startable_in_tasklist is False
    assert info.candidate_starter_users == ["anna", "bob"]
    assert info.candidate_starter_groups == ["sales"]
    assert info.extensions["attributes"]["versionTag"] == "v7"


def test_history_time_to_live_accepts_plain_days():
    xml = chain(USER_TASK, attrs='isExecutable="true" camunda:historyTimeToLive="180"')
    assert parse_deployment({"a.bpmn": xml}).processes[0].history_time_to_live == 180


def test_invalid_history_time_to_live_is_a_parse_error():
    xml = chain(USER_TASK, attrs='isExecutable="true" camunda:historyTimeToLive="soon"')
    with pytest.raises(ParseError, match="historyTimeToLive"):
        parse_deployment({"a.bpmn": xml})


def test_defaults_when_process_has_no_camunda_attributes():
    [info] = parse_deployment({"a.bpmn": chain(USER_TASK)}).processes
    assert info.startable_in_tasklist is True
    assert info.history_time_to_live is None and info.version_tag is None
    assert info.extensions == {"attributes": {}}
    assert info.has_start_form_key is None and info.start_form is None


def test_non_executable_processes_are_skipped_as_camunda_does():
    xml = definitions(
        process('<bpmn:startEvent id="s1"/>', pid="notes", attrs='isExecutable="false"')
        + process('<bpmn:startEvent id="s2"/>', pid="implicit", attrs="")
    )
    assert parse_deployment({"a.bpmn": xml}).processes == []


def test_start_form_key_and_form_data_of_the_none_start_event():
    xml = definitions(process(
        '<bpmn:startEvent id="start" camunda:formKey="embedded:app:forms/start.html">'
        '<bpmn:extensionElements><camunda:formData businessKey="orderId">'
        '<camunda:formField id="orderId" label="Order" type="string"/>'
        '</camunda:formData></bpmn:extensionElements></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'
    ))
    [info] = parse_deployment({"a.bpmn": xml}).processes
    assert info.has_start_form_key == "embedded:app:forms/start.html"
    assert info.start_form["businessKey"] == "orderId"
    assert info.start_form["fields"][0]["id"] == "orderId"


def test_several_bpmn_files_and_decisions_in_one_deployment():
    dmn = (
        b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        b'xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="d" name="d" namespace="n">'
        b'<decision id="dish" name="Dish" camunda:versionTag="2" camunda:historyTimeToLive="30"/>'
        b'<decision id="beverage" name="Beverage"/></definitions>'
    )
    parsed = parse_deployment({
        "a.bpmn": chain(USER_TASK, pid="a"),
        "b.bpmn20.xml": chain(USER_TASK, pid="b"),
        "rules.dmn": dmn,
        "form.html": b"<form></form>",
    })
    assert sorted(p.key for p in parsed.processes) == ["a", "b"]
    dish, beverage = parsed.decisions
    assert (dish.key, dish.name, dish.version_tag, dish.history_time_to_live) == (
        "dish", "Dish", "2", 30)
    assert (beverage.key, beverage.resource_name) == ("beverage", "rules.dmn")


def test_operaton_dmn_namespace_is_read_as_camunda():
    dmn = (
        b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        b'xmlns:operaton="http://operaton.org/schema/1.0/dmn" id="d" name="d" namespace="n">'
        b'<decision id="dish" operaton:versionTag="3"/></definitions>'
    )
    assert parse_deployment({"r.dmn": dmn}).decisions[0].version_tag == "3"


def test_duplicate_process_key_in_one_deployment_is_refused():
    with pytest.raises(ParseError, match="Duplicate process ID"):
        parse_deployment({"a.bpmn": chain(USER_TASK), "b.bpmn": chain(USER_TASK)})


def test_process_without_start_event_deploys_with_a_warning():
    xml = definitions(process("", pid="empty"))
    parsed = parse_deployment({"a.bpmn": xml})
    assert [p.key for p in parsed.processes] == ["empty"]
    assert "no start event" in parsed.warnings[0]["message"]


# --- errors leave as ParseError --------------------------------------------------------------

def test_malformed_xml_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_deployment({"a.bpmn": b"<definitions"})


def test_spiff_validation_error_becomes_parse_error_with_element_and_line():
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>\n'
        '<bpmn:exclusiveGateway id="gw"/>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="a"/>\n'
        '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b"/>\n'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
    ))
    with pytest.raises(ParseError) as caught:
        parse_deployment({"a.bpmn": xml})
    [problem] = caught.value.details["a.bpmn"]["errors"]
    assert problem["mainElementId"] in ("f2", "f3")
    assert problem["line"] in (6, 7)
    assert isinstance(caught.value.__cause__, Exception)


@pytest.mark.parametrize(
    ("element", "message"),
    [
        ('<bpmn:complexGateway id="x"/>', "Complex gateways"),
        ('<bpmn:intermediateThrowEvent id="x"><bpmn:compensateEventDefinition/>'
         "</bpmn:intermediateThrowEvent>", "Compensation"),
        ('<bpmn:scriptTask id="x" scriptFormat="groovy" camunda:resource="classpath://a.groovy"/>',
         "camunda:resource"),
        ('<bpmn:serviceTask id="x"/>', "mandatory on serviceTask"),
        ('<bpmn:sendTask id="x"/>', "mandatory on sendTask"),
        ('<bpmn:businessRuleTask id="x"/>', "mandatory on businessRuleTask"),
    ],
)
def test_refused_constructs_name_element_and_line(element, message):
    with pytest.raises(ParseError, match=message) as caught:
        parse_deployment({"a.bpmn": chain(element)})
    [problem] = caught.value.details["a.bpmn"]["errors"]
    assert problem["mainElementId"] == "x"
    assert problem["line"] is not None


def test_compensation_boundary_event_is_refused_with_our_message():
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="book"/>'
        '<bpmn:serviceTask id="book" camunda:type="external" camunda:topic="book"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="book" targetRef="end"/>'
        '<bpmn:endEvent id="end"/>'
        '<bpmn:boundaryEvent id="undo" attachedToRef="book">'
        "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
    ))
    with pytest.raises(ParseError, match="Compensation events are not supported: boundaryEvent"):
        parse_deployment({"a.bpmn": xml})


def test_every_refused_element_of_a_resource_is_listed():
    xml = chain('<bpmn:complexGateway id="x"/>', '<bpmn:serviceTask id="y"/>')
    with pytest.raises(ParseError) as caught:
        parse_deployment({"a.bpmn": xml})
    ids = [p["mainElementId"] for p in caught.value.details["a.bpmn"]["errors"]]
    assert ids == ["x", "y"]


def test_link_events_are_accepted_with_a_warning():
    xml = chain(
        '<bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="L"/>'
        "</bpmn:intermediateThrowEvent>"
    )
    warnings = parse_deployment({"a.bpmn": xml}).warnings
    assert [(w["elementId"], w["resource"]) for w in warnings] == [("go", "a.bpmn")]
    assert "Link events" in warnings[0]["message"]


def test_timers_with_iso_text_parse_without_evaluation():
    xml = chain(
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
    )
    assert [p.key for p in parse_deployment({"a.bpmn": xml}).processes] == ["p"]
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    assert spec.task_specs["wait"].extensions["timer"] == {"kind": "timeDuration", "text": "PT5M"}


# --- build_process_spec -------------------------------------------------------------------

def test_call_activity_is_not_inlined_its_callee_is_resolved_at_run_time():
    # Camunda runs the called process as an instance of its own (engine.call_activities).
    resources = {"main.bpmn": call("main", "sub"), "sub.bpmn": chain(USER_TASK, pid="sub")}
    spec, subs = build_process_spec(resources, "main")
    assert spec.name == "main" and subs == {}
    called = spec.task_specs["call_sub"]
    assert isinstance(called, CamundaCallActivity) and called.extensions["calledElement"] == "sub"


def test_a_call_activity_parks_until_the_runtime_completes_it():
    spec, subs = build_process_spec({"main.bpmn": call("main", "missing")}, "main")
    assert states(run((spec, subs)))["call_missing"] == "STARTED"


def test_expression_called_element_is_left_for_run_time():
    xml = chain('<bpmn:callActivity id="c" calledElement="${target}"/>')
    parsed = parse_deployment({"a.bpmn": xml})
    assert "expression" in parsed.warnings[0]["message"]
    assert build_process_spec({"a.bpmn": xml}, "p")[1] == {}


def test_embedded_subprocess_spec_is_included():
    xml = chain(
        '<bpmn:subProcess id="sp"><bpmn:startEvent id="ss"/>'
        '<bpmn:sequenceFlow id="sf" sourceRef="ss" targetRef="se"/><bpmn:endEvent id="se"/>'
        "</bpmn:subProcess>"
    )
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    assert list(subs) == ["sp"]
    assert run((spec, subs)).is_completed()


def test_unknown_process_key_is_a_parse_error():
    with pytest.raises(ParseError, match="nope"):
        build_process_spec({"a.bpmn": chain(USER_TASK)}, "nope")


def test_build_is_pure_two_calls_give_independent_specs():
    resources = {"a.bpmn": chain(USER_TASK)}
    first, _ = build_process_spec(resources, "p")
    second, _ = build_process_spec(resources, "p")
    assert first is not second
    assert first.task_specs["approve"] is not second.task_specs["approve"]


# --- run-time behaviour of the dialect's specs -------------------------------------------

def test_task_and_manual_task_pass_through_as_in_camunda():
    xml = chain('<bpmn:task id="t"/>', '<bpmn:manualTask id="m"/>')
    assert run(build_process_spec({"a.bpmn": xml}, "p")).is_completed()


def test_user_task_waits_for_a_human():
    workflow = run(build_process_spec({"a.bpmn": chain(USER_TASK)}, "p"))
    [ready] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "approve"
    assert ready.task_spec.bpmn_name == "Approve"


@pytest.mark.parametrize(
    "element",
    [
        '<bpmn:serviceTask id="x" camunda:type="external" camunda:topic="t"/>',
        '<bpmn:serviceTask id="x" camunda:class="com.acme.Delegate"/>',
        '<bpmn:sendTask id="x" camunda:expression="${mail.send()}"/>',
        '<bpmn:businessRuleTask id="x" camunda:decisionRef="dish"/>',
        '<bpmn:receiveTask id="x"/>',
    ],
)
def test_service_like_tasks_park_in_started(element):
    workflow = run(build_process_spec({"a.bpmn": chain(element)}, "p"))
    assert states(workflow)["x"] == "STARTED"
    [parked] = workflow.get_tasks(state=TaskState.STARTED)
    parked.complete()
    workflow.do_engine_steps()
    assert workflow.is_completed()


def test_business_rule_task_decision_may_live_in_another_deployment():
    xml = chain('<bpmn:businessRuleTask id="x" camunda:decisionRef="elsewhere"/>')
    assert [p.key for p in parse_deployment({"a.bpmn": xml}).processes] == ["p"]


def test_error_start_event_of_event_subprocess_waits_for_the_error():
    xml = definitions(
        '<bpmn:error id="err" errorCode="E1"/>'
        + process(
            '<bpmn:startEvent id="start"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
            '<bpmn:userTask id="work"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>'
            '<bpmn:endEvent id="end"/>'
            '<bpmn:subProcess id="onError" triggeredByEvent="true">'
            '<bpmn:startEvent id="caught"><bpmn:errorEventDefinition errorRef="err"/>'
            "</bpmn:startEvent>"
            '<bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="handle"/>'
            '<bpmn:userTask id="handle"/>'
            '<bpmn:sequenceFlow id="f4" sourceRef="handle" targetRef="handled"/>'
            '<bpmn:endEvent id="handled"/></bpmn:subProcess>'
        )
    )
    workflow = run(build_process_spec({"a.bpmn": xml}, "p"))
    assert "handle" not in states(workflow)


def test_script_task_keeps_its_script_format():
    xml = chain('<bpmn:scriptTask id="s" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script>'
                "</bpmn:scriptTask>")
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    assert spec.task_specs["s"].extensions["scriptFormat"] == "groovy"
    assert spec.task_specs["s"].script == "x = 1"


def test_activity_with_several_unconditional_flows_splits_in_parallel():
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:task id="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="a"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="b"/>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
    ))
    workflow = run(build_process_spec({"a.bpmn": xml}, "p"))
    ready = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)}
    assert ready == {"a", "b"}
    assert activity_type(workflow.spec.task_specs["work__split"]) is None


def test_activity_with_conditional_flows_takes_those_that_hold():
    xml = definitions(process(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>'
        '<bpmn:task id="work" default="f4"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="a">'
        "<bpmn:conditionExpression>True</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="b">'
        "<bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="c"/>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/>'
    ))
    workflow = run(build_process_spec({"a.bpmn": xml}, "p"))
    ready = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)}
    assert ready == {"a"}

"""engine.bpmn.extensions: camunda:* attributes and extension elements as plain dicts on specs."""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.bpmn.extensions import camunda_of
from engine.bpmn.parser import SERIALIZER, build_process_spec
from tests.engine.bpmn_fixtures import chain

USER_TASK = """
<bpmn:userTask id="approve" name="Approve" camunda:assignee="${initiator}"
    camunda:candidateGroups="sales,management" camunda:dueDate="${due}" camunda:priority="70"
    camunda:formKey="embedded:app:forms/approve.html" camunda:asyncBefore="true">
  <bpmn:extensionElements>
    <camunda:inputOutput>
      <camunda:inputParameter name="literal">plain text</camunda:inputParameter>
      <camunda:inputParameter name="expr">${amount * 2}</camunda:inputParameter>
      <camunda:inputParameter name="nothing"/>
      <camunda:inputParameter name="items">
        <camunda:list><camunda:value>a</camunda:value><camunda:value>${b}</camunda:value></camunda:list>
      </camunda:inputParameter>
      <camunda:inputParameter name="headers">
        <camunda:map><camunda:entry key="k">v</camunda:entry></camunda:map>
      </camunda:inputParameter>
      <camunda:inputParameter name="computed">
        <camunda:script scriptFormat="javascript">1 + 1</camunda:script>
      </camunda:inputParameter>
      <camunda:outputParameter name="approved">${approved}</camunda:outputParameter>
    </camunda:inputOutput>
    <camunda:properties><camunda:property name="formName" value="approval"/></camunda:properties>
    <camunda:executionListener event="start" class="com.acme.Audit">
      <camunda:field name="level" stringValue="high"/>
      <camunda:field name="who"><camunda:expression>${user}</camunda:expression></camunda:field>
    </camunda:executionListener>
    <camunda:executionListener event="end">
      <camunda:script scriptFormat="groovy">println 'x'</camunda:script>
    </camunda:executionListener>
    <camunda:taskListener event="timeout" id="remind" delegateExpression="${reminder}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </camunda:taskListener>
    <camunda:formData>
      <camunda:formField id="amount" label="Amount" type="long" defaultValue="1">
        <camunda:validation><camunda:constraint name="min" config="1"/></camunda:validation>
        <camunda:properties><camunda:property id="p" value="v"/></camunda:properties>
      </camunda:formField>
      <camunda:formField id="kind" type="enum">
        <camunda:value id="a" name="A"/>
      </camunda:formField>
    </camunda:formData>
  </bpmn:extensionElements>
</bpmn:userTask>
"""

EXTERNAL_TASK = """
<bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge"
    camunda:taskPriority="10">
  <bpmn:extensionElements>
    <camunda:failedJobRetryTimeCycle>R3/PT5M</camunda:failedJobRetryTimeCycle>
    <camunda:errorEventDefinition id="e1" errorRef="declined" expression="${declined}"/>
  </bpmn:extensionElements>
</bpmn:serviceTask>
"""


def spec_of(xml: bytes, name: str):
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    return spec.task_specs[name]


def test_user_task_attributes_are_kept_by_local_name():
    attributes = camunda_of(spec_of(chain(USER_TASK), "approve"))["attributes"]
    assert attributes == {
        "assignee": "${initiator}", "candidateGroups": "sales,management", "dueDate": "${due}",
        "priority": "70", "formKey": "embedded:app:forms/approve.html", "asyncBefore": "true",
    }


def test_input_output_parameters_of_every_kind():
    io = camunda_of(spec_of(chain(USER_TASK), "approve"))["inputOutput"]
    assert io["inputParameters"] == [
        {"name": "literal", "kind": "text", "value": "plain text"},
        {"name": "expr", "kind": "expression", "value": "${amount * 2}"},
        {"name": "nothing", "kind": "null", "value": None},
        {"name": "items", "kind": "list", "value": [
            {"kind": "text", "value": "a"}, {"kind": "expression", "value": "${b}"}]},
        {"name": "headers", "kind": "map", "value": {"k": {"kind": "text", "value": "v"}}},
        {"name": "computed", "kind": "script",
         "value": {"scriptFormat": "javascript", "text": "1 + 1", "resource": None}},
    ]
    assert io["outputParameters"] == [
        {"name": "approved", "kind": "expression", "value": "${approved}"}]


def test_listeners_properties_and_form_data():
    camunda = camunda_of(spec_of(chain(USER_TASK), "approve"))
    assert camunda["properties"] == [{"name": "formName", "value": "approval"}]
    start, end = camunda["executionListeners"]
    assert start == {
        "event": "start", "class": "com.acme.Audit", "expression": None,
        "delegateExpression": None, "script": None,
        "fields": [{"name": "level", "stringValue": "high"},
                   {"name": "who", "expression": "${user}"}],
    }
    assert end["script"] == {"scriptFormat": "groovy", "text": "println 'x'", "resource": None}
    [timeout] = camunda["taskListeners"]
    assert timeout["id"] == "remind" and timeout["delegateExpression"] == "${reminder}"
    assert timeout["timerEventDefinition"] == {"kind": "timeDuration", "text": "PT1H"}
    amount, kind = camunda["formData"]["fields"]
    assert amount == {
        "id": "amount", "label": "Amount", "type": "long", "defaultValue": "1",
        "datePattern": None, "validation": [{"name": "min", "config": "1"}],
        "properties": [{"id": "p", "value": "v"}], "values": [],
    }
    assert kind["values"] == [{"id": "a", "name": "A"}]


def test_external_service_task_extensions():
    camunda = camunda_of(spec_of(chain(EXTERNAL_TASK), "charge"))
    assert camunda["attributes"] == {"type": "external", "topic": "charge", "taskPriority": "10"}
    assert camunda["failedJobRetryTimeCycle"] == "R3/PT5M"
    assert camunda["errorEventDefinitions"] == [
        {"id": "e1", "errorRef": "declined", "expression": "${declined}"}]
    assert "inputOutput" not in camunda and "in" not in camunda


def test_connector_and_delegate_fields():
    xml = chain("""
    <bpmn:serviceTask id="http" camunda:class="com.acme.Http">
      <bpmn:extensionElements>
        <camunda:field name="url"><camunda:string>https://x</camunda:string></camunda:field>
        <camunda:connector>
          <camunda:inputOutput><camunda:inputParameter name="method">GET</camunda:inputParameter>
          </camunda:inputOutput>
          <camunda:connectorId>http-connector</camunda:connectorId>
        </camunda:connector>
      </bpmn:extensionElements>
    </bpmn:serviceTask>""")
    camunda = camunda_of(spec_of(xml, "http"))
    assert camunda["fields"] == [{"name": "url", "stringValue": "https://x"}]
    assert camunda["connector"]["connectorId"] == "http-connector"
    assert camunda["connector"]["inputOutput"]["inputParameters"][0]["value"] == "GET"


def test_call_activity_in_and_out_mappings():
    xml = chain("""
    <bpmn:callActivity id="c" calledElement="sub" camunda:calledElementBinding="latest">
      <bpmn:extensionElements>
        <camunda:in source="a" target="b"/>
        <camunda:in variables="all"/>
        <camunda:in businessKey="#{execution.processBusinessKey}"/>
        <camunda:out sourceExpression="${x + 1}" target="y" local="true"/>
      </bpmn:extensionElements>
    </bpmn:callActivity>""")
    sub = chain('<bpmn:userTask id="u"/>', pid="sub")
    spec, _ = build_process_spec({"a.bpmn": xml, "sub.bpmn": sub}, "p")
    camunda = camunda_of(spec.task_specs["c"])
    assert camunda["attributes"] == {"calledElementBinding": "latest"}
    assert camunda["in"][0] == {"source": "a", "sourceExpression": None, "target": "b",
                                "variables": None, "local": None, "businessKey": None}
    assert camunda["in"][1]["variables"] == "all"
    assert camunda["in"][2]["businessKey"] == "#{execution.processBusinessKey}"
    assert camunda["out"] == [{"source": None, "sourceExpression": "${x + 1}", "target": "y",
                               "variables": None, "local": "true", "businessKey": None}]


def test_event_definition_attributes_join_the_element_attributes():
    xml = chain(
        '<bpmn:userTask id="u"/>'
        '<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:errorEventDefinition '
        'camunda:errorCodeVariable="code" camunda:errorMessageVariable="msg"/>'
        "</bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="bf" sourceRef="b" targetRef="bend"/><bpmn:endEvent id="bend"/>'
    )
    attributes = camunda_of(spec_of(xml, "b"))["attributes"]
    assert attributes == {"errorCodeVariable": "code", "errorMessageVariable": "msg"}


def test_multi_instance_wrapper_and_body_keep_extensions():
    xml = chain("""
    <bpmn:userTask id="review" camunda:assignee="${reviewer}">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="reviewers"
          camunda:elementVariable="reviewer" camunda:asyncBefore="true">
        <bpmn:completionCondition>${nrOfCompletedInstances == 2}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>""")
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    wrapper, body = spec.task_specs["review"], spec.task_specs["review [child]"]
    for task_spec in (wrapper, body):
        camunda = camunda_of(task_spec)
        assert camunda["attributes"]["assignee"] == "${reviewer}"
        assert camunda["multiInstance"] == {
            "attributes": {"collection": "reviewers", "elementVariable": "reviewer",
                           "asyncBefore": "true"},
            "isSequential": False, "loopCardinality": None,
            "completionCondition": "${nrOfCompletedInstances == 2}",
        }


def test_gateways_and_events_carry_extensions_too():
    xml = chain(
        '<bpmn:parallelGateway id="g" camunda:asyncAfter="true"/>',
        '<bpmn:intermediateThrowEvent id="t"><bpmn:extensionElements>'
        '<camunda:executionListener event="start" expression="${log.info()}"/>'
        "</bpmn:extensionElements></bpmn:intermediateThrowEvent>",
    )
    assert camunda_of(spec_of(xml, "g"))["attributes"] == {"asyncAfter": "true"}
    assert camunda_of(spec_of(xml, "t"))["executionListeners"][0]["expression"] == "${log.info()}"


def test_unknown_camunda_elements_are_kept_generically():
    xml = chain('<bpmn:task id="t"><bpmn:extensionElements><camunda:potentialStarter>'
                "<bpmn:resourceAssignmentExpression/></camunda:potentialStarter>"
                "</bpmn:extensionElements></bpmn:task>")
    [other] = camunda_of(spec_of(xml, "t"))["other"]
    assert other["tag"] == "potentialStarter"


def test_operaton_and_activiti_prefixes_are_read_as_camunda():
    xml = chain(
        '<bpmn:userTask id="o" operaton:assignee="anna"><bpmn:extensionElements>'
        '<operaton:properties><operaton:property name="k" value="v"/></operaton:properties>'
        "</bpmn:extensionElements></bpmn:userTask>",
        '<bpmn:userTask id="a" activiti:candidateUsers="bob"/>',
    )
    assert camunda_of(spec_of(xml, "o"))["attributes"] == {"assignee": "anna"}
    assert camunda_of(spec_of(xml, "o"))["properties"] == [{"name": "k", "value": "v"}]
    assert camunda_of(spec_of(xml, "a"))["attributes"] == {"candidateUsers": "bob"}


def test_process_level_extensions_are_on_the_process_spec():
    xml = chain('<bpmn:userTask id="u"/>', attrs='isExecutable="true" camunda:versionTag="1" '
                'camunda:historyTimeToLive="5"').replace(
        b'<bpmn:startEvent id="start"/>',
        b'<bpmn:extensionElements><camunda:executionListener event="end" class="a.B"/>'
        b'</bpmn:extensionElements><bpmn:startEvent id="start"/>')
    spec, _ = build_process_spec({"a.bpmn": xml}, "p")
    assert spec.extensions["camunda"]["attributes"] == {"versionTag": "1", "historyTimeToLive": "5"}
    assert spec.extensions["camunda"]["executionListeners"][0]["class"] == "a.B"


def test_extensions_survive_the_serializer_round_trip():
    xml = chain(USER_TASK, EXTERNAL_TASK, attrs='isExecutable="true" camunda:versionTag="9"')
    spec, subs = build_process_spec({"a.bpmn": xml}, "p")
    workflow = BpmnWorkflow(spec, subs)
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    for name in ("approve", "charge"):
        assert restored.spec.task_specs[name].extensions == spec.task_specs[name].extensions
    assert restored.spec.extensions == spec.extensions
    json.dumps(spec.task_specs["approve"].extensions)  # plain JSON, nothing else

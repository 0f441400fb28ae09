"""engine.bpmn.documents: one walk collects what SpiffWorkflow's BpmnParser collects."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

from engine.bpmn.dialect import Camunda7Parser
from engine.bpmn.xml import parse_xml

DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:collaboration id="c">
    <bpmn:participant id="pa" processRef="p"/>
    <bpmn:participant id="pb" processRef="q"/>
    <bpmn:correlationKey name="order">
      <bpmn:correlationPropertyRef>cp</bpmn:correlationPropertyRef>
    </bpmn:correlationKey>
  </bpmn:collaboration>
  <bpmn:message id="m1" name="paid"/>
  <bpmn:message id="m2"/>
  <bpmn:signal id="s1" name="go"/>
  <bpmn:error id="e1" name="bad" errorCode="E1"/>
  <bpmn:escalation id="x1" name="up" escalationCode="X1"/>
  <bpmn:correlationProperty id="cp" name="orderId">
    <bpmn:correlationPropertyRetrievalExpression messageRef="m1">
      <bpmn:formalExpression>order_id</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet><bpmn:lane id="l1" name="Sales"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>call</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="q"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="rules"/>
    <bpmn:businessRuleTask id="rules" camunda:decisionRef="dish"/>
    <bpmn:subProcess id="sub"><bpmn:callActivity id="inner" calledElement="r"/></bpmn:subProcess>
  </bpmn:process>
  <bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="qs"/></bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="c">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <bpmndi:BPMNLabel><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNLabel>
      <dc:Bounds x="10.5" y="20" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="call_di" bpmnElement="call"><dc:Bounds x="100" y="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="nowhere_di"><dc:Bounds x="5" y="5"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="nobounds_di" bpmnElement="rules"/>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def _state(parser: CamundaParser, root) -> dict:
    key = id(root)
    return {
        "process_parsers": list(parser.process_parsers),
        "collaborations": parser.collaborations,
        "messages": parser.messages,
        "signals": parser.signals,
        "errors": parser.errors,
        "escalations": parser.escalations,
        "correlations": parser.correlations,
        "message_correlations": {k: [vars(c) for c in v]
                                 for k, v in parser.message_correlations.items()},
        "lanes": parser.document_lanes[key],
        "positions": parser.document_positions[key],
        "process_dependencies": parser.process_dependencies,
        "dmn_dependencies": parser.dmn_dependencies,
        "data_stores": list(parser.data_stores),
    }


def test_one_walk_collects_what_spiffs_xpath_passes_collect():
    root = parse_xml(DOCUMENT)
    parser = Camunda7Parser()
    parser.add_bpmn_xml(root, filename="a.bpmn")
    ours = _state(parser, root)

    # Spiff's own methods, one XPath pass each, in add_bpmn_xml's order.
    reference = Camunda7Parser()
    BpmnParser._add_data_stores(reference, root)
    BpmnParser._add_diagram_indexes(reference, root)
    for process in root.xpath(".//bpmn:process", namespaces=reference.namespaces):
        BpmnDmnParser._find_dependencies(reference, process)
        reference.create_parser(process, "a.bpmn")
    for name in ("_add_collaborations", "_add_messages", "_add_signals", "_add_errors",
                 "_add_escalations", "_add_correlations"):
        getattr(BpmnParser, name)(reference, root)
    assert ours == _state(reference, root)
    assert ours["positions"]["start"] == {"x": 1.0, "y": 2.0}  # the first Bounds below the shape
    assert ours["process_dependencies"] == {"q", "r"}
    assert ours["dmn_dependencies"] == {"dish"}


@pytest.mark.parametrize("broken, message", [
    ('<bpmn:message name="x"/>', "Message identifier is missing"),
    ('<bpmn:signal name="x"/>', "Signal identifier is missing"),
    ('<bpmn:error name="x"/>', "Error identifier is missing"),
    ('<bpmn:escalation name="x"/>', "Escalation identifier is missing"),
    ('<bpmn:correlationProperty id="z"/>', "missing correlation property retrieval expressions: z"),
    ('<bpmn:correlationProperty id="z"><bpmn:correlationPropertyRetrievalExpression/>'
     '</bpmn:correlationProperty>', "Message identifier is missing from correlation property: z"),
    ('<bpmn:dataStore id="ds"/>', "Data Store name is missing"),
    ('<bpmn:dataStore id="ds" name="nope"/>', "Data Store with name nope has no implementation"),
])
def test_same_refusals_as_spiff(broken, message):
    xml = DOCUMENT.replace('<bpmn:message id="m2"/>', broken)
    with pytest.raises(ValidationException, match=message):
        Camunda7Parser().add_bpmn_xml(parse_xml(xml))
    with pytest.raises(ValidationException, match=message):  # as Spiff's own passes do
        BpmnParser.add_bpmn_xml(Camunda7Parser(), parse_xml(xml))

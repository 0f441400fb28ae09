"""Small BPMN/DMN documents for the migrate tests."""
from __future__ import annotations

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:operaton="http://operaton.org/schema/1.0/bpmn" '
    'xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def process(body: str, *, attrs: str = "") -> bytes:
    """A process: start → {body elements, chained by the caller} → end; ``body`` must contain
    an element with id "task" (and may define more)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="defs" targetNamespace="http://example.com" {attrs}>
  <bpmn:process id="proc" isExecutable="true" camunda:historyTimeToLive="30">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    {body}
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def dmn(table: str, *, attrs: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D"
    namespace="http://camunda.org/schema/1.0/dmn" {attrs}>
  <decision id="dish" name="Dish">
    {table}
  </decision>
</definitions>
""".encode()

"""Small inline BPMN documents for the parser tests."""
from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    ' xmlns:operaton="http://operaton.org/schema/1.0/bpmn"'
    ' xmlns:activiti="http://activiti.org/bpmn"'
    ' targetNamespace="http://m8flow.test">\n'
)
FOOTER = "</bpmn:definitions>\n"


def definitions(body: str) -> bytes:
    return (HEADER + body + FOOTER).encode()


def process(body: str, pid: str = "p", attrs: str = 'isExecutable="true"') -> str:
    return f'<bpmn:process id="{pid}" {attrs}>\n{body}\n</bpmn:process>\n'


def chain(*elements: str, pid: str = "p", attrs: str = 'isExecutable="true"') -> bytes:
    """start -> elements... -> end; each element is XML whose id is its first id="..."."""
    ids = []
    for element in elements:
        ids.append(element.split('id="', 1)[1].split('"', 1)[0])
    nodes = ['<bpmn:startEvent id="start"/>', *elements, '<bpmn:endEvent id="end"/>']
    order = ["start", *ids, "end"]
    flows = [
        f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
        for a, b in zip(order, order[1:])
    ]
    return definitions(process("\n".join(nodes + flows), pid, attrs))


def call(pid: str, called: str) -> bytes:
    return chain(f'<bpmn:callActivity id="call_{called}" calledElement="{called}"/>', pid=pid)

"""Deploy-time checks Spiff does not make: refuse what it would silently get wrong, warn about
what it runs differently from Camunda. Only executable processes are inspected, as Camunda
parses nothing else.

Refused (``ParseError`` listing every offending element with its line):
complex gateways, compensation events, script tasks without an inline script, and service,
send and business rule tasks without an implementation (Camunda refuses those too).
Warned (``ParsedDeployment.warnings``): link throw events without a catch event of the same
name in their scope, call activities with an expression as calledElement, standard loops
(ignored, as by Camunda), Camunda 8 (zeebe) extensions.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from engine.bpmn.extensions import BPMN_NS, CAMUNDA_NS
from engine.errors import ParseError

_B = "{" + BPMN_NS + "}"
_C = "{" + CAMUNDA_NS + "}"
_ZEEBE = "http://camunda.org/schema/zeebe/1.0"
_IMPLEMENTATIONS = ("class", "delegateExpression", "expression", "type")
# What inspect_document acts on: zeebe extensions and these BPMN elements.
_INSPECTED = ("{" + _ZEEBE + "}*", *(_B + local for local in (
    "complexGateway", "compensateEventDefinition", "scriptTask", "serviceTask", "sendTask",
    "businessRuleTask", "linkEventDefinition", "standardLoopCharacteristics", "callActivity")))


def is_executable(process: etree._Element) -> bool:
    """Camunda parses a process of a new deployment only when isExecutable="true"."""
    return (process.get("isExecutable") or "").strip().lower() == "true"


def none_start_event(process: etree._Element) -> etree._Element | None:
    for start in process.iterfind(_B + "startEvent"):
        if not any(
            isinstance(c.tag, str) and c.tag.endswith("EventDefinition") for c in start
        ):
            return start
    return None


def inspect_document(root: etree._Element, resource: str) -> list[dict[str, Any]]:
    errors: list[tuple[etree._Element, str]] = []
    warnings: list[dict[str, Any]] = []

    def warn(element: etree._Element, message: str) -> None:
        warnings.append({"resource": resource, "elementId": element.get("id"),
                         "message": message, "line": element.sourceline})

    for process in root.iterfind(_B + "process"):
        if not is_executable(process):
            continue
        for element in process.iter(*_INSPECTED):  # lxml skips everything else
            tag = element.tag
            if tag.startswith("{" + _ZEEBE + "}"):
                warn(element.getparent(), "Camunda 8 (zeebe) extensions are ignored")
                continue
            local = tag[len(_B):]
            if local == "complexGateway":
                errors.append((element, "Complex gateways are not supported"))
            elif local == "compensateEventDefinition":
                errors.append((element.getparent(), "Compensation events are not supported"))
            elif local == "scriptTask":
                script = element.find(_B + "script")
                if script is None or not (script.text or "").strip():
                    message = ("External script resources (camunda:resource) are not supported:"
                               " put the script inline"
                               if element.get(_C + "resource") else "Script task has no script")
                    errors.append((element, message))
            elif local in ("serviceTask", "sendTask", "businessRuleTask"):
                if not _has_implementation(element, local):
                    errors.append((element, f"One of the attributes 'class', 'delegateExpression',"
                                            f" 'type', or 'expression' is mandatory on {local}"))
            elif local == "linkEventDefinition":
                if not _link_has_catch(element):
                    warn(element.getparent(), "Link events need a catch event of the same name in "
                                              "the same scope: this throw event ends its path")
            elif local == "standardLoopCharacteristics":
                warn(element.getparent(), "Standard loops are ignored (as in Camunda 7): the "
                                          "activity runs once")
            elif local == "callActivity":
                called = element.get("calledElement") or ""
                if "${" in called or "#{" in called:
                    warn(element, "calledElement is an expression: the called process is "
                                  "resolved only at run time")
    if errors:
        raise _refusal(resource, errors)
    return warnings


def _link_has_catch(definition: etree._Element) -> bool:
    """A link throw continues at the catch event of the same name in its scope (the dialect
    connects them); a link catch needs nothing."""
    event = definition.getparent()
    if event.tag != _B + "intermediateThrowEvent":
        return True
    name = definition.get("name") or ""
    catches = event.getparent().iterfind(_B + "intermediateCatchEvent/" + _B + "linkEventDefinition")
    return any((c.get("name") or "") == name for c in catches)


def _has_implementation(element: etree._Element, local: str) -> bool:
    if any(element.get(_C + name) for name in _IMPLEMENTATIONS):
        return True
    if local == "businessRuleTask" and element.get(_C + "decisionRef"):
        return True
    ext = element.find(_B + "extensionElements")
    return ext is not None and ext.find(_C + "connector") is not None


def _refusal(resource: str, errors: list[tuple[etree._Element, str]]) -> ParseError:
    def describe(element: etree._Element, message: str) -> str:
        local = etree.QName(element).localname
        return f"{message}: {local} '{element.get('id')}'"

    first, message = errors[0]
    error = ParseError.for_resource(
        resource, describe(first, message), line=first.sourceline, element_id=first.get("id")
    )
    problems = error.details[resource]["errors"]
    for element, message in errors[1:]:
        problems.append({
            "message": describe(element, message), "line": element.sourceline, "column": None,
            "mainElementId": element.get("id"), "elementIds": [element.get("id")],
        })
    return error

"""What one converter run over one document carries: findings with their element, and
whether the tree changed (an unchanged document is written back byte for byte)."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from migrate.delegates import DelegateMapping
from migrate.findings import Finding, Severity

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
CAMUNDA_DMN_NS = "http://camunda.org/schema/1.0/dmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
C = "{" + CAMUNDA_NS + "}"
B = "{" + BPMN_NS + "}"


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def owner(element: etree._Element) -> etree._Element:
    """The nearest enclosing model element with an id (what a finding is about)."""
    node: etree._Element | None = element
    while node is not None:
        if node.get("id") and not str(node.tag).startswith(C):
            return node
        node = node.getparent()
    return element


def short(text: str, limit: int = 2000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


@dataclass
class Context:
    path: str
    mapping: DelegateMapping = field(default_factory=DelegateMapping)
    findings: list[Finding] = field(default_factory=list)
    changed: bool = False
    # (element, attribute or "#text") already reported, so the JUEL pass does not repeat them
    # (lxml proxies are kept alive here so their id() stays unique)
    handled: dict[int, tuple[etree._Element, set[str]]] = field(default_factory=dict)

    def add(
        self,
        severity: Severity,
        message_id: str,
        message: str,
        element: etree._Element | None = None,
    ) -> None:
        if element is None:
            self.findings.append(Finding(severity, message_id, message))
            return
        subject = owner(element)
        self.findings.append(
            Finding(
                severity,
                message_id,
                message,
                element_id=subject.get("id"),
                element_type=local_name(subject) or None,
                element_name=subject.get("name"),
                line=element.sourceline,
            )
        )

    def mark(self, element: etree._Element, what: str) -> None:
        self.handled.setdefault(id(element), (element, set()))[1].add(what)

    def is_marked(self, element: etree._Element, what: str) -> bool:
        entry = self.handled.get(id(element))
        return entry is not None and entry[0] is element and what in entry[1]

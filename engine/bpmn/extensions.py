"""Reading ``camunda:*`` attributes and extension elements into plain, JSON-able dicts.

The parser stores the result on every task spec as ``spec.extensions["camunda"]`` (and on the
process spec, see ``engine.bpmn.parser``), so it survives SpiffWorkflow's serializer and the
runtime can act on it without the XML. Shape, keys absent unless present in the source except
``attributes``::

    {
      "attributes": {"assignee": "...", "type": "external", "topic": "...", ...},
      "inputOutput": {"inputParameters": [param], "outputParameters": [param]},
      "in": [mapping], "out": [mapping],
      "properties": [{"name", "value"}],
      "executionListeners": [listener], "taskListeners": [listener],
      "formData": {"businessKey", "fields": [field]},
      "formProperties": [formProperty],
      "failedJobRetryTimeCycle": "R3/PT5M",
      "connector": {"connectorId", "inputOutput"},
      "fields": [{"name", "stringValue" | "expression"}],
      "errorEventDefinitions": [{"id", "errorRef", "expression"}],
      "multiInstance": {"attributes", "isSequential", "loopCardinality", "completionCondition"},
      "other": [{"tag", "attributes", "text", "children"}],
    }

    param = {"name", "kind": "text"|"expression"|"script"|"list"|"map"|"null", "value"}

BPMN-level facts the runtime needs unevaluated sit beside it: ``spec.extensions["timer"] =
{"kind": "timeDate"|"timeDuration"|"timeCycle", "text"}``, ``spec.extensions["scriptFormat"]``, and on
the source of a sequence flow with listeners ``spec.extensions["takeListeners"] = {target spec
name: [{"flow": id, "listeners": [listener]}]}``.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
CAMUNDA_DMN_NS = "http://camunda.org/schema/1.0/dmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# Dialects Camunda 7 (or its fork) reads with the same local names.
NAMESPACE_ALIASES = {
    "http://operaton.org/schema/1.0/bpmn": CAMUNDA_NS,
    "http://activiti.org/bpmn": CAMUNDA_NS,
    "http://operaton.org/schema/1.0/dmn": CAMUNDA_DMN_NS,
}

_C = "{" + CAMUNDA_NS + "}"
_B = "{" + BPMN_NS + "}"

_EVENT_DEFINITION_TAGS = {
    _B + local
    for local in (
        "errorEventDefinition",
        "messageEventDefinition",
        "signalEventDefinition",
        "escalationEventDefinition",
        "conditionalEventDefinition",
        "timerEventDefinition",
    )
}
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
_EXTENSION_ELEMENTS = _B + "extensionElements"
_MULTI_INSTANCE = _B + "multiInstanceLoopCharacteristics"
_TIMER_EVENT_DEFINITION = _B + "timerEventDefinition"
_READ_CHILDREN = frozenset({_EXTENSION_ELEMENTS, _MULTI_INSTANCE, *_EVENT_DEFINITION_TAGS})


def canonicalize_namespaces(root: etree._Element) -> None:
    """Rewrite operaton: and activiti: tags and attributes to camunda:, in place."""
    if not _declares_alias(root):
        return  # most models: a scan of the namespace declarations is all it costs
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):  # comments and processing instructions
            continue
        if tag.startswith("{"):
            ns, _, local = tag[1:].partition("}")
            if ns in NAMESPACE_ALIASES:
                element.tag = "{" + NAMESPACE_ALIASES[ns] + "}" + local
        for name in [n for n in element.attrib if n.startswith("{")]:
            ns, _, local = name[1:].partition("}")
            if ns in NAMESPACE_ALIASES:
                value = element.attrib.pop(name)
                element.set("{" + NAMESPACE_ALIASES[ns] + "}" + local, value)


def _declares_alias(root: etree._Element) -> bool:
    """Whether any dialect namespace is in scope at ``root`` or declared below it (a name can
    only be in a namespace some declaration introduces)."""
    if any(uri in NAMESPACE_ALIASES for uri in root.nsmap.values()):
        return True
    return any(uri in NAMESPACE_ALIASES for _, (_, uri) in etree.iterwalk(root, events=("start-ns",)))


def camunda_attributes(element: etree._Element) -> dict[str, str]:
    return {
        name[len(_C):]: value for name, value in element.attrib.items() if name.startswith(_C)
    }


def read_camunda(element: etree._Element) -> dict[str, Any]:
    """Everything camunda: on one flow element (or a process), in the documented shape."""
    attributes: dict[str, str] = {}
    extension_elements = mi = None
    definitions = []
    # A process has every flow element as a child: lxml picks the few that matter there. Its
    # tag filter costs more to set up than a flow node's handful of children cost to visit.
    children = element.iterchildren(*_READ_CHILDREN) if len(element) > 16 else element
    for child in children:
        tag = child.tag
        if tag not in _READ_CHILDREN:
            continue
        if tag == _EXTENSION_ELEMENTS:
            extension_elements = child
        elif tag == _MULTI_INSTANCE:
            if mi is None:
                mi = child
        else:
            attributes.update(camunda_attributes(child))
            definitions.append(child)
    attributes.update(camunda_attributes(element))
    result: dict[str, Any] = {"attributes": attributes}
    if extension_elements is not None:
        result.update(_read_extension_elements(extension_elements))
    # camunda:in on a signal event definition (signal payload) lands in "in" as well.
    for child in definitions:
        ext = child.find(_EXTENSION_ELEMENTS)
        if ext is not None:
            for key, value in _read_extension_elements(ext).items():
                if isinstance(value, list):
                    result.setdefault(key, []).extend(value)
                else:
                    result.setdefault(key, value)
    if mi is not None:
        result["multiInstance"] = _read_multi_instance(mi)
    return result


def read_timer(element: etree._Element) -> dict[str, str | None] | None:
    """The raw text of the element's own timer event definition, unevaluated."""
    definition = next(element.iterchildren(_TIMER_EVENT_DEFINITION), None)  # find(), cheaper
    return _timer_of(definition) if definition is not None else None


def _timer_of(definition: etree._Element) -> dict[str, str | None] | None:
    for kind in TIMER_KINDS:
        node = definition.find(_B + kind)
        if node is not None:
            return {"kind": kind, "text": (node.text or "").strip() or None}
    return None


def _read_extension_elements(ext: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in ext:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(_C):
            continue
        local = tag[len(_C):]
        if local == "inputOutput":
            out["inputOutput"] = _read_input_output(child)
        elif local in ("in", "out"):
            out.setdefault(local, []).append(_read_in_out(child))
        elif local == "properties":
            out.setdefault("properties", []).extend(
                {"name": p.get("name"), "value": p.get("value")}
                for p in child
                if p.tag == _C + "property"
            )
        elif local == "executionListener":
            out.setdefault("executionListeners", []).append(_read_listener(child))
        elif local == "taskListener":
            listener = _read_listener(child)
            listener["id"] = child.get("id")
            timer = child.find(_B + "timerEventDefinition")
            if timer is not None:
                listener["timerEventDefinition"] = _timer_of(timer)
            out.setdefault("taskListeners", []).append(listener)
        elif local == "formData":
            out["formData"] = _read_form_data(child)
        elif local == "formProperty":
            out.setdefault("formProperties", []).append(_read_form_property(child))
        elif local == "failedJobRetryTimeCycle":
            out["failedJobRetryTimeCycle"] = (child.text or "").strip()
        elif local == "connector":
            out["connector"] = _read_connector(child)
        elif local == "field":
            out.setdefault("fields", []).append(_read_field(child))
        elif local == "errorEventDefinition":
            out.setdefault("errorEventDefinitions", []).append(
                {"id": child.get("id"), "errorRef": child.get("errorRef"),
                 "expression": child.get(_C + "expression", child.get("expression"))}
            )
        else:
            out.setdefault("other", []).append(_generic(child))
    return out


def _read_multi_instance(mi: etree._Element) -> dict[str, Any]:
    def text_of(local: str) -> str | None:
        node = mi.find(_B + local)
        return None if node is None else (node.text or "").strip() or None

    return {
        "attributes": camunda_attributes(mi),
        "isSequential": mi.get("isSequential") == "true",
        "loopCardinality": text_of("loopCardinality"),
        "completionCondition": text_of("completionCondition"),
    }


def _read_input_output(node: etree._Element) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {"inputParameters": [], "outputParameters": []}
    for child in node:
        if child.tag == _C + "inputParameter":
            result["inputParameters"].append({"name": child.get("name"), **_read_value(child)})
        elif child.tag == _C + "outputParameter":
            result["outputParameters"].append({"name": child.get("name"), **_read_value(child)})
    return result


def _read_value(node: etree._Element) -> dict[str, Any]:
    """A parameter, list item or map entry value: {"kind", "value"} (Camunda's value providers)."""
    for child in node:
        if child.tag == _C + "script":
            return {"kind": "script", "value": _read_script(child)}
        if child.tag == _C + "list":
            return {"kind": "list", "value": [_read_value(item) for item in child
                                               if isinstance(item.tag, str)]}
        if child.tag == _C + "map":
            return {"kind": "map", "value": {entry.get("key"): _read_value(entry)
                                             for entry in child if entry.tag == _C + "entry"}}
    text = (node.text or "").strip()
    if not text:
        return {"kind": "null", "value": None}
    return {"kind": "expression" if _is_expression(text) else "text", "value": text}


def _is_expression(text: str) -> bool:
    return "${" in text or "#{" in text


def _read_script(node: etree._Element) -> dict[str, str | None]:
    return {
        "scriptFormat": node.get("scriptFormat"),
        "text": node.text if node.text and node.text.strip() else None,
        "resource": node.get("resource"),
    }


def _read_in_out(node: etree._Element) -> dict[str, str | None]:
    return {
        key: node.get(key)
        for key in ("source", "sourceExpression", "target", "variables", "local", "businessKey")
    }


def _read_listener(node: etree._Element) -> dict[str, Any]:
    script = node.find(_C + "script")
    return {
        "event": node.get("event"),
        "class": node.get("class"),
        "expression": node.get("expression"),
        "delegateExpression": node.get("delegateExpression"),
        "script": _read_script(script) if script is not None else None,
        "fields": [_read_field(f) for f in node if f.tag == _C + "field"],
    }


def _read_field(node: etree._Element) -> dict[str, str | None]:
    field: dict[str, str | None] = {"name": node.get("name")}
    if node.get("stringValue") is not None:
        field["stringValue"] = node.get("stringValue")
    elif node.get("expression") is not None:
        field["expression"] = node.get("expression")
    else:
        string = node.find(_C + "string")
        expression = node.find(_C + "expression")
        if string is not None:
            field["stringValue"] = string.text or ""
        elif expression is not None:
            field["expression"] = expression.text or ""
    return field


def _read_form_data(node: etree._Element) -> dict[str, Any]:
    fields = []
    for f in node:
        if f.tag != _C + "formField":
            continue
        field: dict[str, Any] = {
            key: f.get(key) for key in ("id", "label", "type", "defaultValue", "datePattern")
        }
        field["validation"] = []
        field["properties"] = []
        field["values"] = []
        for child in f:
            if child.tag == _C + "validation":
                field["validation"].extend(
                    {"name": c.get("name"), "config": c.get("config")}
                    for c in child if c.tag == _C + "constraint"
                )
            elif child.tag == _C + "properties":
                field["properties"].extend(
                    {"id": p.get("id"), "value": p.get("value")}
                    for p in child if p.tag == _C + "property"
                )
            elif child.tag == _C + "value":
                field["values"].append({"id": child.get("id"), "name": child.get("name")})
        fields.append(field)
    return {"businessKey": node.get("businessKey"), "fields": fields}


def _read_form_property(node: etree._Element) -> dict[str, Any]:
    prop: dict[str, Any] = {
        key: node.get(key)
        for key in ("id", "name", "type", "required", "readable", "writable", "variable",
                    "expression", "default", "datePattern")
    }
    prop["values"] = [{"id": v.get("id"), "name": v.get("name")}
                      for v in node if v.tag == _C + "value"]
    return prop


def _read_connector(node: etree._Element) -> dict[str, Any]:
    connector_id = node.find(_C + "connectorId")
    io = node.find(_C + "inputOutput")
    result: dict[str, Any] = {
        "connectorId": (connector_id.text or "").strip() if connector_id is not None else None,
    }
    if io is not None:
        result["inputOutput"] = _read_input_output(io)
    return result


def _generic(node: etree._Element) -> dict[str, Any]:
    tag = node.tag
    local = tag[len(_C):] if tag.startswith(_C) else tag
    return {
        "tag": local,
        "attributes": {k: v for k, v in node.attrib.items()},
        "text": node.text.strip() if node.text and node.text.strip() else None,
        "children": [_generic(c) for c in node if isinstance(c.tag, str)],
    }


def camunda_of(spec: Any) -> dict[str, Any]:
    """The camunda dict of a task spec or process spec ({"attributes": {}} when none)."""
    extensions = getattr(spec, "extensions", None) or {}
    return extensions.get("camunda") or {"attributes": {}}


def timer_of(spec: Any) -> dict[str, str | None] | None:
    extensions = getattr(spec, "extensions", None) or {}
    return extensions.get("timer")


def script_format_of(spec: Any) -> str | None:
    extensions = getattr(spec, "extensions", None) or {}
    return extensions.get("scriptFormat")

"""Find the forms a BPMN model carries: generated forms (`camunda:formData`, legacy
`camunda:formProperty`) are converted here; form keys and form refs point at other
resources and are reported."""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from engine.bpmn.xml import parse_xml
from forms.formdata import convert_formdata
from forms.model import ConversionResult, note
from migrate.findings import Finding, Severity

# Camunda 7, its Operaton fork and the Activiti namespace Camunda still accepts.
CAMUNDA_NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://operaton.org/schema/1.0/bpmn",
                      "http://activiti.org/bpmn")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

BpmnForm = tuple[str, str | None, str, ConversionResult | None, list[Finding]]


def _attr(el: etree._Element, name: str) -> str | None:
    for ns in CAMUNDA_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    if el is None:
        return []
    return [child for ns in CAMUNDA_NAMESPACES for child in el.findall(f"{{{ns}}}{name}")]


def _extensions(el: etree._Element) -> etree._Element | None:
    return el.find(f"{{{BPMN_NS}}}extensionElements")


def read_form_data(form_data: etree._Element) -> dict[str, Any]:
    """The parsed-formData dict shape `convert_formdata` takes, read from XML."""
    fields = []
    for field in _children(form_data, "formField"):
        validation = [child for v in _children(field, "validation")
                      for child in _children(v, "constraint")]
        properties = [child for p in _children(field, "properties")
                      for child in _children(p, "property")]
        fields.append({
            "id": field.get("id"), "label": field.get("label"), "type": field.get("type"),
            "defaultValue": field.get("defaultValue"), "datePattern": field.get("datePattern"),
            "validation": [{"name": c.get("name"), "config": c.get("config")}
                           for c in validation],
            "properties": [{"id": p.get("id"), "value": p.get("value")} for p in properties],
            "values": [{"id": v.get("id"), "name": v.get("name")}
                       for v in _children(field, "value")],
        })
    return {"businessKey": form_data.get("businessKey"), "fields": fields}


def read_form_properties(props: list[etree._Element], findings: list[Finding],
                         element_id: str) -> dict[str, Any]:
    """Legacy `camunda:formProperty` as formData fields (reported for review)."""
    fields = []
    for prop in props:
        pid = prop.get("id")
        if prop.get("readable") == "false":
            findings.append(note(Severity.INFO, "form-property-unreadable",
                                 f"formProperty '{pid}' is not readable; not shown",
                                 element_id=element_id, element_type="formProperty"))
            continue
        if prop.get("variable") and prop.get("variable") != pid or prop.get("expression"):
            findings.append(note(
                Severity.REVIEW, "form-property-mapping",
                f"formProperty '{pid}' maps to variable/expression "
                f"'{prop.get('variable') or prop.get('expression')}'; the form uses '{pid}'",
                element_id=element_id, element_type="formProperty"))
        validation = []
        if prop.get("required") == "true":
            validation.append({"name": "required", "config": None})
        if prop.get("writable") == "false":
            validation.append({"name": "readonly", "config": None})
        fields.append({
            "id": pid, "label": prop.get("name"), "type": prop.get("type") or "string",
            "defaultValue": prop.get("default") or prop.get("value"),
            "datePattern": prop.get("datePattern"), "validation": validation, "properties": [],
            "values": [{"id": v.get("id"), "name": v.get("name")}
                       for v in _children(prop, "value")],
        })
    findings.append(note(Severity.REVIEW, "form-legacy-form-property",
                         "Legacy camunda:formProperty converted as a generated form",
                         element_id=element_id, element_type="formProperty"))
    return {"businessKey": None, "fields": fields}


def _key_kind(form_key: str | None, form_ref: str | None) -> str:
    if form_ref or (form_key or "").startswith("camunda-forms:"):
        return "camunda-forms"
    if (form_key or "").startswith("embedded:"):
        return "embedded"
    return "external"


def bpmn_forms(
    bpmn_bytes: bytes | str, resource_name: str, *, formsflow: bool = False,
) -> list[BpmnForm]:
    """One entry per form-bearing element: (element_id, element_name, kind, result, findings).

    kind is generated | embedded | camunda-forms | external; result is set for generated
    forms only (the others live in their own .html/.form resources).
    """
    root = parse_xml(bpmn_bytes, resource_name)
    stem = PurePosixPath(resource_name).name.rsplit(".", 1)[0]
    out: list[BpmnForm] = []
    for el in root.iter(f"{{{BPMN_NS}}}startEvent", f"{{{BPMN_NS}}}userTask"):
        element_id = el.get("id") or ""
        element_name = " ".join((el.get("name") or "").split()) or None
        element_type = etree.QName(el).localname
        ext = _extensions(el)
        form_data = next(iter(_children(ext, "formData")), None)
        props = _children(ext, "formProperty")
        form_key, form_ref = _attr(el, "formKey"), _attr(el, "formRef")
        findings: list[Finding] = []
        if form_key or form_ref:
            ref = form_key or f"formRef {form_ref} (binding {_attr(el, 'formRefBinding') or 'latest'})"
            findings.append(note(Severity.INFO, "form-key",
                                 f"Form lives in another resource: {ref}",
                                 element_id=element_id, element_type=element_type,
                                 element_name=element_name))
        if form_data is None and not props:
            if form_key or form_ref:
                out.append((element_id, element_name, _key_kind(form_key, form_ref), None,
                            findings))
            continue
        data = (read_form_data(form_data) if form_data is not None
                else read_form_properties(props, findings, element_id))
        result = convert_formdata(data, title=element_name or element_id,
                                  name=f"{stem}.{element_id}", formsflow=formsflow)
        for f in result.findings:
            findings.append(f)
        result.findings = findings
        out.append((element_id, element_name, "generated", result, findings))
    return out

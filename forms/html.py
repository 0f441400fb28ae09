"""Embedded HTML forms (camunda-bpm-sdk-js: `cam-variable-name`, `cam-variable-type`,
`cam-choices`, `cam-script`...) to form.io.

Parsed with lxml.html without network access; nothing in the page is executed. Static
controls convert mechanically; scripts and AngularJS logic are reported, never run.
"""
from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from forms import components as c
from forms import dates
from forms.model import ConversionResult, FieldSpec, FormSource, note
from forms.schema import check
from migrate.findings import Finding, Severity

_CONTROLS = ("input", "select", "textarea")
_TEXT_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "legend", "blockquote", "pre", "ul",
                "ol", "table"}
_SKIP = {"script", "style", "head", "template", "noscript", "link", "meta"}
_ANGULAR_LOGIC = ("ng-show", "ng-hide", "ng-if", "ng-repeat", "ng-disabled", "ng-required",
                  "ng-change", "ng-click", "ng-readonly", "ng-options")
_INTEGER_TYPES = {"Integer", "Long", "Short"}
_TYPES = {"String", "Boolean", "Integer", "Long", "Short", "Double", "Float", "Date", "Json",
          "Xml", "Bytes", "File", "Object"}
_EMBEDDED_DATE_PATTERN = "yyyy-MM-dd'T'HH:mm:ss"  # what the SDK's date inputs submit


def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                huge_tree=False, default_doctype=False)


def _text(el: etree._Element) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_$.-]", "_", name.strip()) or "field"


class _Converter:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.findings: list[Finding] = []
        self.specs: dict[str, FieldSpec] = {}
        self.radios: dict[str, c.Component] = {}
        self.used_labels: set[etree._Element] = set()
        self.properties: dict[str, str] = {}
        self.counter = 0
        self.labels_for = {lab.get("for"): lab for lab in root.iter("label") if lab.get("for")}

    def note(self, severity: Severity, message_id: str, message: str,
             el: etree._Element | None = None, name: str | None = None) -> None:
        element_id = el.get("cam-variable-name") or el.get("id") if el is not None else None
        self.findings.append(note(
            severity, message_id, message, element_id=element_id,
            element_type=f"html:{el.tag}" if el is not None else None, element_name=name))

    def next_key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def children(self, el: etree._Element) -> list[c.Component]:
        out: list[c.Component] = []
        for child in el:
            if isinstance(child.tag, str):
                out.extend(self.element(child))
        return out

    def element(self, el: etree._Element) -> list[c.Component]:
        tag = el.tag.lower()
        if tag == "script":
            self.script(el)
            return []
        if tag in _SKIP or el in self.used_labels:
            return []
        logic = [a for a in _ANGULAR_LOGIC if el.get(a) is not None]
        if logic and tag not in ("button", "a"):
            self.note(Severity.TASK, "form-angular-logic",
                      "AngularJS logic not converted: "
                      + ", ".join(f'{a}="{el.get(a)}"' for a in logic), el)
        if el.get("cam-file-download") is not None:
            return [self.file_download(el)]
        if tag in _CONTROLS:
            return self.control(el)
        if tag == "button" or (tag == "a" and el.get("cam-error-code")):
            return self.button(el)
        if tag == "fieldset":
            legend = el.find("legend")
            title = _text(legend) if legend is not None else ""
            if legend is not None:
                self.used_labels.add(legend)
            inner = self.children(el)
            return [c.panel(self.next_key("panel"), title, inner)] if inner else []
        has_controls = any(True for _ in el.iter(*_CONTROLS))
        if tag in _TEXT_BLOCKS and not has_controls and _text(el):
            return [c.content(self.static_html(el), self.next_key("content"))]
        if tag == "label" and not has_controls:
            return []  # a label whose field was not found; its text is in the findings
        return self.children(el)

    def static_html(self, el: etree._Element) -> str:
        clone = lxml.html.fromstring(lxml.html.tostring(el), parser=_parser())
        for node in clone.iter():
            for attr in list(node.attrib):
                if attr.startswith(("ng-", "on", "cam-")) or attr in ("style",):
                    del node.attrib[attr]
        clone.tail = None
        return lxml.html.tostring(clone, encoding="unicode").strip()

    def script(self, el: etree._Element) -> None:
        if el.get("cam-script") is None:
            if el.get("src"):
                self.note(Severity.TASK, "form-external-script",
                          f"External script {el.get('src')} not loaded", el)
            return
        code = el.text or ""
        events = sorted(set(re.findall(r"camForm\.on\(\s*['\"]([\w-]+)", code)))
        fetched = sorted(set(re.findall(r"fetchVariable\(\s*['\"]([^'\"]+)", code)))
        created = sorted(set(re.findall(r"name\s*:\s*['\"]([^'\"]+)", code)))
        details = [f"events {', '.join(events)}" if events else "",
                   f"fetches {', '.join(fetched)}" if fetched else "",
                   f"creates {', '.join(created)}" if created else ""]
        index = len([k for k in self.properties if k.startswith("camunda:camScript")]) + 1
        self.properties[f"camunda:camScript{index}"] = code.strip()
        self.note(Severity.TASK, "form-cam-script",
                  "cam-script logic not converted (kept in form properties "
                  f"camunda:camScript{index})" + "".join(f"; {d}" for d in details if d), el)

    def label_for(self, el: etree._Element) -> str:
        if el.get("id") and el.get("id") in self.labels_for:
            label = self.labels_for[el.get("id")]
            self.used_labels.add(label)
            return _text(label)
        for ancestor in el.iterancestors():
            if ancestor.tag == "label":
                self.used_labels.add(ancestor)
                return _text(ancestor)
        node = el
        for _ in range(3):
            node = node.getparent()
            if node is None:
                break
            controls = [x for x in node.iter(*_CONTROLS) if x.get("type") != "hidden"]
            names = {x.get("cam-variable-name") or id(x) for x in controls}
            if len(names) > 1:
                break
            labels = [lab for lab in node.iter("label")
                      if not any(True for _ in lab.iter(*_CONTROLS))
                      and lab not in self.used_labels]
            if labels:
                self.used_labels.add(labels[0])
                return _text(labels[0])
        return el.get("placeholder") or el.get("title") or el.get("name") or ""

    def control(self, el: etree._Element) -> list[c.Component]:
        tag = el.tag.lower()
        input_type = (el.get("type") or "text").lower() if tag == "input" else tag
        if input_type in ("submit", "button", "reset", "image"):
            return []
        variable = el.get("cam-variable-name")
        if el.get("cam-business-key") is not None:
            variable = "businessKey"
        if not variable:
            model = el.get("ng-model")
            if model:
                self.note(Severity.TASK, "form-ng-model",
                          f"Field bound with ng-model=\"{model}\" (Angular scope, usually a "
                          "cam-script variable) not converted", el, self.label_for(el))
            elif input_type != "hidden":
                self.note(Severity.INFO, "form-unbound-control",
                          "Control without cam-variable-name submits nothing; skipped", el)
            return []
        key = _key(variable)
        if key != variable:
            self.note(Severity.WARNING, "form-key-renamed",
                      f"Variable name '{variable}' is not a valid form.io key; used '{key}'", el)
        label = self.label_for(el)
        if input_type == "radio":
            return self.radio(el, key, label)
        declared = el.get("cam-variable-type")
        var_type = declared[:1].upper() + declared[1:] if declared else None
        if var_type and var_type not in _TYPES:
            self.note(Severity.WARNING, "form-unknown-variable-type",
                      f"cam-variable-type '{declared}' is unknown; treated as String", el)
            var_type = "String"
        if el.get("cam-business-key") is not None:
            var_type = "String"
        built = self.build(el, tag, input_type, key, label, var_type)
        if built is None:
            return []
        component, spec = built
        self.constraints(el, component, input_type)
        self.specs[key] = FieldSpec(
            id=key, type=spec.type, required=bool(component.get("validate", {}).get("required")),
            readonly=bool(component.get("disabled")), enum_values=spec.enum_values,
            multiple=spec.multiple)
        if el.get("cam-business-key") is not None:
            component["properties"] = {"camunda:businessKey": "true"}
        return [component]

    def build(self, el, tag, input_type, key, label, var_type):
        if tag == "select":
            return self.select(el, key, label, var_type or "String")
        if tag == "textarea":
            if var_type in ("Json", "Xml", "Object"):
                self.note(Severity.REVIEW, "form-structured-text",
                          f"{var_type} variable edited as text; check the value format", el)
            return c.textarea(key, label, defaultValue=el.text or None), \
                FieldSpec(key, type=var_type if var_type != "Object" else "Json")
        if input_type == "checkbox" or var_type == "Boolean":
            return c.checkbox(key, label, defaultValue=el.get("checked") is not None), \
                FieldSpec(key, type="Boolean")
        if input_type == "file" or var_type in ("File", "Bytes"):
            component = c.file(key, label)
            if el.get("cam-max-filesize"):
                component["fileMaxSize"] = f"{int(el.get('cam-max-filesize')) // 1024}KB"
            return component, FieldSpec(key, type="File")
        if input_type == "hidden":
            return c.hidden(key, label, defaultValue=el.get("value")), \
                FieldSpec(key, type=var_type or "String")
        if var_type in _INTEGER_TYPES or var_type in ("Double", "Float") or (
                input_type == "number" and var_type is None):
            var_type = var_type or "Double"
            integer = var_type in _INTEGER_TYPES
            default = _num(el.get("value"), integer)
            return c.number(key, label, integer=integer, defaultValue=default), \
                FieldSpec(key, type="Double" if var_type == "Float" else var_type)
        if var_type == "Date" or input_type in ("date", "datetime-local"):
            pattern = (el.get("uib-datepicker-popup") or el.get("datepicker-popup")
                       or ("yyyy-MM-dd" if input_type == "date" else _EMBEDDED_DATE_PATTERN))
            fmt, has_time, unsupported = dates.to_formio(pattern)
            if var_type != "Date":
                self.note(Severity.REVIEW, "form-date-as-string",
                          "Date input without cam-variable-type=\"Date\" submits a String "
                          "in Camunda; kept as Date", el)
            return c.datetime(key, label, fmt=fmt, enable_time=has_time), \
                FieldSpec(key, type="Date")
        if var_type in ("Json", "Xml", "Object"):
            self.note(Severity.REVIEW, "form-structured-text",
                      f"{var_type} variable edited as text; check the value format", el)
            return c.textarea(key, label), \
                FieldSpec(key, type=var_type if var_type != "Object" else "Json")
        builder = c.email if input_type == "email" else c.textfield
        return builder(key, label, defaultValue=el.get("value")), FieldSpec(key)

    def select(self, el, key, label, var_type):
        multiple = el.get("multiple") is not None
        if multiple:
            self.note(Severity.REVIEW, "form-multiple-select",
                      "Multiple select submits a list; stored as Json", el)
        pairs = [((opt.get("value") if opt.get("value") is not None else _text(opt)), _text(opt))
                 for opt in el.iter("option")]
        pairs = [(v, lab) for v, lab in pairs if v != ""]
        default = next((opt.get("value") or _text(opt) for opt in el.iter("option")
                        if opt.get("selected") is not None), None)
        spec_type = "Json" if multiple else var_type
        choices = el.get("cam-choices")
        if choices:
            self.note(Severity.REVIEW, "form-cam-choices",
                      f"Options come from variable '{choices}' (cam-choices); the server must "
                      "put it into the form data", el)
            component = c.select_from_variable(key, label, choices, multiple=multiple or None)
            component["properties"] = {"camunda:choices": choices}
            return component, FieldSpec(key, type=spec_type, multiple=multiple)
        component = c.select(key, label, c.options(pairs), defaultValue=default,
                             multiple=multiple or None)
        return component, FieldSpec(key, type=spec_type, multiple=multiple,
                                    enum_values=tuple(v for v, _ in pairs) or None)

    def radio(self, el: etree._Element, key: str, label: str) -> list[c.Component]:
        value = el.get("value") or "on"
        option = {"value": value, "label": label or value}
        if key in self.radios:
            self.radios[key]["values"].append(option)
            spec = self.specs[key]
            self.specs[key] = FieldSpec(key, type=spec.type, required=spec.required,
                                        enum_values=(*(spec.enum_values or ()), value))
            if el.get("checked") is not None:
                self.radios[key]["defaultValue"] = value
            return []
        group_label = ""
        group = el.getparent()
        for _ in range(4):
            if group is None:
                break
            found = [lab for lab in group.iter("label")
                     if not any(True for _ in lab.iter(*_CONTROLS))]
            if found:
                group_label = _text(found[0])
                self.used_labels.add(found[0])
                break
            group = group.getparent()
        component = c.radio(key, group_label or key, [option],
                            defaultValue=value if el.get("checked") is not None else None)
        declared = el.get("cam-variable-type") or "String"
        self.constraints(el, component, "radio")
        self.specs[key] = FieldSpec(key, type=declared[:1].upper() + declared[1:],
                                    required=bool(component.get("validate")), enum_values=(value,))
        self.radios[key] = component
        return [component]

    def constraints(self, el: etree._Element, component: c.Component, input_type: str) -> None:
        minimum, maximum = _float(el.get("min")), _float(el.get("max"))
        if component["type"] == "datetime" and (el.get("min") or el.get("max")):
            component["datePicker"].update({k: v for k, v in (("minDate", el.get("min")),
                                                              ("maxDate", el.get("max"))) if v})
            minimum = maximum = None
        pattern = el.get("pattern") or (el.get("ng-pattern") or "").strip("/") or None
        rules = c.validate(
            required=el.get("required") is not None or el.get("ng-required") == "true",
            min_length=_int(el.get("minlength") or el.get("ng-minlength")),
            max_length=_int(el.get("maxlength") or el.get("ng-maxlength")),
            minimum=minimum, maximum=maximum, pattern=pattern)
        if rules:
            component["validate"] = rules
        if el.get("readonly") is not None or el.get("disabled") is not None:
            component["disabled"] = True
        if el.get("placeholder") and component["type"] not in ("checkbox", "radio"):
            component["placeholder"] = el.get("placeholder")

    def file_download(self, el: etree._Element) -> c.Component:
        variable = _key(el.get("cam-file-download") or "file")
        self.note(Severity.REVIEW, "form-file-download",
                  f"Download link for file variable '{variable}' became a read-only file "
                  "field; the server must supply the file", el)
        self.specs[variable] = FieldSpec(variable, type="File", readonly=True)
        return c.file(variable, self.label_for(el) or variable, disabled=True)

    def button(self, el: etree._Element) -> list[c.Component]:
        code = el.get("cam-error-code") or el.get("cam-escalation-code")
        if not code:
            if el.get("ng-click"):
                self.note(Severity.TASK, "form-angular-logic",
                          f"Button action ng-click=\"{el.get('ng-click')}\" not converted", el)
            return []
        kind = "bpmnError" if el.get("cam-error-code") else "bpmnEscalation"
        self.note(Severity.REVIEW, "form-bpmn-error-button",
                  f"Button throwing {kind} '{code}' became a form.io event button "
                  f"'{kind}:{code}'; the server must map the event", el)
        return [c.event_button(self.next_key("button"), _text(el) or code, f"{kind}:{code}")]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _float(value: str | None) -> float | int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _num(value: str | None, integer: bool) -> Any:
    number = _float(value)
    if number is None:
        return None
    return int(number) if integer else number


def parse_html(html: str | bytes) -> etree._Element:
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        return lxml.html.fragment_fromstring("<div></div>")
    return lxml.html.document_fromstring(text, parser=_parser())


def convert_html(
    html: str | bytes, *, title: str, name: str, formsflow: bool = False,
) -> ConversionResult:
    """Convert an embedded HTML form into a form.io document."""
    root = parse_html(html)
    converter = _Converter(root)
    body = root.find("body")
    components = converter.children(body if body is not None else root)
    if not converter.specs:
        converter.findings.append(note(Severity.WARNING, "form-no-fields",
                                       "The form binds no cam-variable-name field"))
    form = check(c.form_document(components, title=title, name=name, formsflow=formsflow,
                                 properties=converter.properties or None))
    source = FormSource(kind="embedded", name=name, fields=tuple(converter.specs.values()),
                        business_key="businessKey" if "businessKey" in converter.specs
                        else None)
    return ConversionResult(form=form, findings=converter.findings, source=source)

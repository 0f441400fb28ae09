"""Camunda Forms (form-js JSON, `.form` files) to form.io."""
from __future__ import annotations

import html
import json
import re
from typing import Any

from forms import components as c
from forms.model import ConversionResult, FieldSpec, FormSource, note
from forms.schema import check
from migrate.findings import Finding, Severity

_SIMPLE_HIDE = re.compile(r'^=\s*([A-Za-z_]\w*)\s*(?:=\s*("?)([^"]*)\2)?\s*$')
_LAYOUT_ONLY = {"text", "html", "image", "spacer", "separator", "button", "group", "iframe"}


def _markdown(text: str) -> str:
    """The little Markdown form-js `text` components use: headings, paragraphs, links."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        heading = re.match(r"^(#{1,6})\s+(.*)$", block)
        body = html.escape(heading.group(2) if heading else block)
        body = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", body)
        body = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', body)
        body = body.replace("\n", "<br>")
        if heading:
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{body}</h{level}>")
        else:
            blocks.append(f"<p>{body}</p>")
    return "".join(blocks)


class _Converter:
    def __init__(self, form_id: str) -> None:
        self.form_id = form_id
        self.findings: list[Finding] = []
        self.specs: list[FieldSpec] = []
        self.counter = 0

    def note(self, severity: Severity, message_id: str, message: str, raw: dict) -> None:
        self.findings.append(note(
            severity, message_id, message, element_id=raw.get("key") or raw.get("id"),
            element_type=f"form-js:{raw.get('type')}", element_name=raw.get("label")))

    def components(self, raws: list[dict[str, Any]]) -> list[c.Component]:
        out: list[tuple[str | None, int | None, c.Component]] = []
        for raw in raws:
            component = self.component(raw)
            if component is not None:
                layout = raw.get("layout") or {}
                out.append((layout.get("row"), layout.get("columns"), component))
        return self._rows(out)

    def _rows(self, items: list[tuple[str | None, int | None, c.Component]]):
        """Components sharing a form-js layout row become one form.io columns component."""
        result: list[c.Component] = []
        i = 0
        while i < len(items):
            row = items[i][0]
            j = i + 1
            while row is not None and j < len(items) and items[j][0] == row:
                j += 1
            group = items[i:j]
            if len(group) == 1:
                result.append(group[0][2])
            else:
                given = [g[1] for g in group if g[1]]
                widths = ([max(1, min(12, round(w * 12 / 16))) for w in given]
                          if len(given) == len(group) else [max(1, 12 // len(group))] * len(group))
                self.counter += 1
                result.append(c.columns(f"columns{self.counter}",
                                        [(w, [g[2]]) for w, g in zip(widths, group)]))
            i = j
        return result

    def component(self, raw: dict[str, Any]) -> c.Component | None:
        type_ = str(raw.get("type") or "")
        label = str(raw.get("label") or raw.get("dateLabel") or raw.get("timeLabel") or "")
        if label.startswith("="):
            self.note(Severity.REVIEW, "form-expression-label",
                      f"Label is a FEEL expression ({label}); shown literally", raw)
        if type_ in _LAYOUT_ONLY:
            return self.layout(type_, raw)
        key = raw.get("key") or raw.get("path")
        if not key:
            self.note(Severity.ERROR, "form-field-without-key",
                      f"A {type_} component without key was skipped", raw)
            return None
        built = self.field(type_, str(key), label, raw)
        if built is None:
            return None
        component, spec = built
        self.decorate(component, raw)
        self.specs.append(FieldSpec(
            id=str(key), type=spec.type, required=bool(component.get("validate", {})
                                                       .get("required")),
            readonly=bool(component.get("disabled")), enum_values=spec.enum_values,
            multiple=spec.multiple, string_date=spec.string_date))
        return component

    def layout(self, type_: str, raw: dict[str, Any]) -> c.Component | None:
        self.counter += 1
        key = raw.get("key") or raw.get("id") or f"{type_}{self.counter}"
        key = re.sub(r"[^A-Za-z0-9_$.-]", "_", str(key))
        if type_ == "button":
            if raw.get("action") == "reset":
                self.note(Severity.INFO, "form-reset-button", "Reset button dropped", raw)
            return None  # every converted form ends with its own submit button
        if type_ == "text":
            text = str(raw.get("text") or "")
            if text.startswith("=") or "{{" in text:
                self.note(Severity.REVIEW, "form-templated-text",
                          "Text uses FEEL or templating; shown literally", raw)
            return c.content(_markdown(text.lstrip("=")), key)
        if type_ == "html":
            return c.content(str(raw.get("content") or ""), key)
        if type_ == "separator":
            return c.content("<hr>", key)
        if type_ == "spacer":
            return c.content(f'<div style="height:{int(raw.get("height") or 60)}px"></div>', key)
        if type_ == "image":
            src = str(raw.get("source") or "")
            alt = html.escape(str(raw.get("alt") or ""), quote=True)
            if src.startswith("="):
                self.note(Severity.TASK, "form-expression-image",
                          f"Image source is an expression ({src}); not converted", raw)
                return c.content(f"<p>[image: {alt}]</p>", key)
            return c.content(f'<img src="{html.escape(src, quote=True)}" alt="{alt}">', key)
        if type_ == "group":
            if raw.get("path"):
                self.note(Severity.TASK, "form-group-path",
                          f"Group binds its fields under '{raw['path']}'; form.io keeps "
                          "them flat", raw)
            return c.panel(key, str(raw.get("label") or ""),
                           self.components(raw.get("components") or []))
        self.note(Severity.TASK, "form-unsupported-component",
                  f"form-js component '{type_}' has no form.io counterpart; not converted", raw)
        return None

    def field(self, type_: str, key: str, label: str, raw: dict[str, Any]):
        validate = raw.get("validate") or {}
        default = raw.get("defaultValue")
        if type_ == "textfield":
            kind = validate.get("validationType")
            if kind == "phone":
                self.note(Severity.REVIEW, "form-phone-validation",
                          "Phone validation has no form.io rule; plain text field", raw)
            builder = c.email if kind == "email" else c.textfield
            return builder(key, label, defaultValue=default), FieldSpec(key)
        if type_ == "textarea":
            return c.textarea(key, label, defaultValue=default), FieldSpec(key)
        if type_ == "number":
            integer = raw.get("decimalDigits") == 0
            if raw.get("serializeToString"):
                self.note(Severity.REVIEW, "form-number-as-string",
                          "Number serialised to string in form-js; submitted as a number", raw)
            return (c.number(key, label, integer=integer, defaultValue=default),
                    FieldSpec(key, type="Long" if integer else "Double"))
        if type_ == "checkbox":
            return (c.checkbox(key, label, defaultValue=bool(default)),
                    FieldSpec(key, type="Boolean"))
        if type_ == "datetime":
            subtype = raw.get("subtype") or "date"
            fmt = {"date": "yyyy-MM-dd", "time": "HH:mm",
                   "datetime": "yyyy-MM-dd HH:mm"}.get(subtype, "yyyy-MM-dd")
            if not raw.get("use24h", True) and subtype != "date":
                fmt = fmt.replace("HH", "hh") + " a"
            component = c.datetime(key, label, fmt=fmt, enable_date=subtype != "time",
                                   enable_time=subtype != "date", defaultValue=default)
            if raw.get("disallowPassedDates"):
                component["datePicker"]["minDate"] = "moment().startOf('day')"
            return component, FieldSpec(key, string_date=subtype)
        if type_ == "filepicker":
            return c.file(key, label, multiple=bool(raw.get("multiple"))), \
                FieldSpec(key, type="File")
        if type_ in ("select", "radio", "checklist", "taglist"):
            return self.choice(type_, key, label, raw, default)
        self.note(Severity.TASK, "form-unsupported-component",
                  f"form-js component '{type_}' has no form.io counterpart; not converted", raw)
        return None

    def choice(self, type_: str, key: str, label: str, raw: dict[str, Any], default: Any):
        multiple = type_ in ("checklist", "taglist")
        spec_type = "Json" if multiple else "String"
        values = c.options([(str(v.get("value")), str(v.get("label") or v.get("value")))
                            for v in raw.get("values") or []])
        if raw.get("valuesKey"):
            self.note(Severity.REVIEW, "form-values-from-variable",
                      f"Options come from variable '{raw['valuesKey']}'; the server must put "
                      "it into the form data", raw)
            component = c.select_from_variable(key, label, str(raw["valuesKey"]),
                                               multiple=multiple or None)
            component["properties"] = {"camunda:valuesKey": str(raw["valuesKey"])}
            return component, FieldSpec(key, type=spec_type, multiple=multiple)
        if raw.get("valuesExpression"):
            self.note(Severity.TASK, "form-values-expression",
                      f"Options come from FEEL {raw['valuesExpression']}; not converted", raw)
        enum = tuple(v["value"] for v in values) or None
        if type_ == "radio":
            component = c.radio(key, label, values, defaultValue=default)
        elif type_ == "checklist":
            component = c.selectboxes(key, label, values)
        else:
            component = c.select(key, label, values, defaultValue=default,
                                 multiple=multiple or None)
        return component, FieldSpec(key, type=spec_type, enum_values=enum, multiple=multiple)

    def decorate(self, component: c.Component, raw: dict[str, Any]) -> None:
        validate = raw.get("validate") or {}
        rules = c.validate(
            required=bool(validate.get("required")), min_length=validate.get("minLength"),
            max_length=validate.get("maxLength"), minimum=validate.get("min"),
            maximum=validate.get("max"), pattern=validate.get("pattern"))
        if rules:
            component["validate"] = rules
        if raw.get("readonly") or raw.get("disabled"):
            component["disabled"] = True
        if isinstance(raw.get("readonly"), str):
            self.note(Severity.TASK, "form-expression-readonly",
                      f"readonly is a FEEL expression ({raw['readonly']}); made read-only", raw)
        if raw.get("description"):
            component["description"] = str(raw["description"])
        if raw.get("placeholder"):
            component["placeholder"] = str(raw["placeholder"])
        hide = (raw.get("conditional") or {}).get("hide")
        if hide:
            self.condition(component, str(hide), raw)

    def condition(self, component: c.Component, hide: str, raw: dict[str, Any]) -> None:
        match = _SIMPLE_HIDE.match(hide)
        if match:
            when, _, eq = match.groups()
            component["conditional"] = {"show": False, "when": when,
                                        "eq": eq if eq is not None else "true"}
            self.note(Severity.REVIEW, "form-conditional",
                      f"Condition {hide} became a form.io simple conditional", raw)
            return
        component.setdefault("properties", {})["camunda:hide"] = hide
        self.note(Severity.TASK, "form-conditional-feel",
                  f"Hide condition {hide} (FEEL) was not converted; kept in properties", raw)


def convert_camunda_form(
    form_json: str | bytes | dict[str, Any], *, title: str, name: str, formsflow: bool = False,
) -> ConversionResult:
    """Convert a Camunda Forms (form-js) document into a form.io document."""
    document = json.loads(form_json) if isinstance(form_json, (str, bytes)) else form_json
    if not isinstance(document, dict) or not isinstance(document.get("components", []), list):
        raise ValueError("not a Camunda Forms document: expected an object with components")
    converter = _Converter(str(document.get("id") or name))
    platform = document.get("executionPlatform")
    if platform and "Platform" not in str(platform) and "7" not in str(
            document.get("executionPlatformVersion", "")):
        converter.findings.append(note(
            Severity.WARNING, "form-execution-platform",
            f"Form targets {platform} {document.get('executionPlatformVersion', '')}".strip()))
    components = converter.components(document.get("components") or [])
    form = check(c.form_document(components, title=title, name=name, formsflow=formsflow))
    source = FormSource(kind="camunda-forms", name=name, fields=tuple(converter.specs))
    return ConversionResult(form=form, findings=converter.findings, source=source)

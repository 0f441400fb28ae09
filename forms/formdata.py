"""Generated forms (`camunda:formData`) to form.io.

Input is the parsed formData dict the BPMN parser produces:
``{"businessKey", "fields": [{"id", "label", "type", "defaultValue", "datePattern",
"validation": [{"name", "config"}], "properties": [{"id", "value"}],
"values": [{"id", "name"}]}]}``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from forms import components as c
from forms import dates
from forms.model import ConversionResult, FieldSpec, FormSource, note
from forms.schema import check
from migrate.findings import Finding, Severity

_BUILTIN_CONSTRAINTS = {"required", "readonly", "minlength", "maxlength", "min", "max",
                        "validator"}


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and ("${" in value or "#{" in value)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | int | None:
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


class _Field:
    """Converts one formField, collecting findings against it."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.id = str(raw.get("id") or "")
        self.label = str(raw.get("label") or self.id)
        self.type = str(raw.get("type") or "string")
        self.findings: list[Finding] = []
        self.carried: dict[str, str] = {}  # Camunda-only settings kept in `properties`

    def note(self, severity: Severity, message_id: str, message: str) -> None:
        self.findings.append(note(severity, message_id, message, element_id=self.id,
                                  element_type="formField", element_name=self.label))

    def convert(self) -> tuple[c.Component, FieldSpec]:
        rules: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        readonly = False
        for constraint in self.raw.get("validation") or []:
            name = str(constraint.get("name") or "")
            config = constraint.get("config")
            if name == "required":
                rules["required"] = True
            elif name == "readonly":
                readonly = True
                extra["disabled"] = True
            elif name in ("minlength", "maxlength"):
                self._length(name, config, rules)
            elif name in ("min", "max"):
                self._bound(name, config, rules, extra)
            elif name == "validator":
                rules["custom"] = "valid = true;"
                self.carried["camunda:validator"] = str(config)
                self.note(Severity.TASK, "form-custom-validator",
                          f"Custom validator '{config}' runs on the Camunda server; "
                          "reimplement it (form.io validate.custom or the engine)")
            else:
                self.note(Severity.TASK, "form-unknown-constraint",
                          f"Unknown constraint '{name}' (config {config!r}) was not converted")
        properties = {str(p.get("id")): str(p.get("value") or "")
                      for p in self.raw.get("properties") or [] if p.get("id")}
        component, spec_type, enum_values, pattern = self._component(rules, extra)
        properties.update(self.carried)
        if properties:
            component["properties"] = {**component.get("properties", {}), **properties}
        spec = FieldSpec(id=self.id, type=spec_type, required=bool(rules.get("required")),
                         readonly=readonly, enum_values=enum_values, date_pattern=pattern)
        return component, spec

    def _length(self, name: str, config: Any, rules: dict[str, Any]) -> None:
        value = _int(config)
        if value is None or value < 0:
            self.note(Severity.WARNING, "form-bad-constraint",
                      f"Constraint {name} has no usable number ({config!r}); dropped")
        else:
            rules["minLength" if name == "minlength" else "maxLength"] = value

    def _bound(self, name: str, config: Any, rules: dict[str, Any], extra: dict) -> None:
        if self.type == "date":
            extra.setdefault("datePicker", {})[f"{name}Date"] = str(config)
            self.note(Severity.REVIEW, "form-date-bound",
                      f"Constraint {name}={config!r} on a date field became the date "
                      "picker's limit; check its format")
            return
        value = _number(config)
        if value is None:
            self.note(Severity.WARNING, "form-bad-constraint",
                      f"Constraint {name} has no usable number ({config!r}); dropped")
        elif self.type != "long":
            self.note(Severity.WARNING, "form-bound-on-text",
                      f"Constraint {name} on a {self.type} field is numeric in Camunda; "
                      "kept as a number limit")
            rules[name] = value
        else:
            rules[name] = value

    def _default(self) -> Any:
        value = self.raw.get("defaultValue")
        if value is None or value == "":
            return None
        if _is_expression(value):
            self.note(Severity.REVIEW, "form-expression-default",
                      f"Default value is an expression ({value}); the server must pre-fill "
                      "it from the form variables")
            self.carried["camunda:defaultValue"] = value
            return None
        return value

    def _component(self, rules: dict[str, Any], extra: dict[str, Any]):
        default = self._default()
        datepicker = extra.pop("datePicker", None)
        common = {"validate": rules or None, **extra}
        if self.type == "string":
            return c.textfield(self.id, self.label, defaultValue=default, **common), \
                "String", None, None
        if self.type == "long":
            number = _int(default) if default is not None else None
            if default is not None and number is None:
                self.note(Severity.WARNING, "form-bad-default",
                          f"Default {default!r} is not a whole number; dropped")
            return c.number(self.id, self.label, integer=True, defaultValue=number,
                            **common), "Long", None, None
        if self.type == "boolean":
            flag = str(default).strip().lower() == "true" if default is not None else False
            return c.checkbox(self.id, self.label, defaultValue=flag, **common), \
                "Boolean", None, None
        if self.type == "date":
            return self._date(default, datepicker, common)
        if self.type == "enum":
            pairs = [(str(v.get("id")), str(v.get("name") or v.get("id")))
                     for v in self.raw.get("values") or [] if v.get("id") is not None]
            if not pairs:
                self.note(Severity.WARNING, "form-enum-empty", "Enum field has no values")
            if default is not None and default not in {p[0] for p in pairs}:
                self.note(Severity.WARNING, "form-bad-default",
                          f"Default {default!r} is not one of the enum values; dropped")
                default = None
            return c.select(self.id, self.label, c.options(pairs), defaultValue=default,
                            **common), "String", tuple(p[0] for p in pairs), None
        self.note(Severity.TASK, "form-custom-type",
                  f"Custom form field type '{self.type}' has no form.io equivalent; "
                  "rendered as a text field submitting a String")
        return c.textfield(self.id, self.label, defaultValue=default, **common), \
            "String", None, None

    def _date(self, default: Any, datepicker: dict | None, common: dict[str, Any]):
        pattern = str(self.raw.get("datePattern") or dates.DEFAULT_GENERATED_PATTERN)
        fmt, has_time, unsupported = dates.to_formio(pattern)
        if unsupported:
            self.note(Severity.REVIEW, "form-date-pattern",
                      f"Date pattern '{pattern}' uses letters form.io cannot show "
                      f"({', '.join(unsupported)}); shown as '{fmt}'")
        if default is not None:
            default = _iso_default(default, pattern)
            if default is None:
                self.note(Severity.WARNING, "form-bad-default",
                          f"Default does not match the date pattern '{pattern}'; dropped")
        component = c.datetime(self.id, self.label, fmt=fmt, enable_time=has_time,
                               defaultValue=default, **common)
        if datepicker:
            component["datePicker"].update(datepicker)
        return component, "Date", None, pattern


def _iso_default(value: str, pattern: str) -> str | None:
    strp = dates.to_strptime(pattern)
    if strp is None:
        return None
    try:
        return datetime.strptime(value, strp).isoformat()
    except ValueError:
        return None


def convert_formdata(
    form_data: dict[str, Any], *, title: str, name: str, formsflow: bool = False,
) -> ConversionResult:
    """Convert a parsed `camunda:formData` into a form.io document."""
    findings: list[Finding] = []
    components: list[c.Component] = []
    specs: list[FieldSpec] = []
    business_key = form_data.get("businessKey") or None
    seen: set[str] = set()
    for raw in form_data.get("fields") or []:
        field = _Field(raw)
        if not field.id:
            findings.append(note(Severity.ERROR, "form-field-without-id",
                                 f"A form field without id ('{field.label}') was skipped",
                                 element_type="formField", element_name=field.label))
            continue
        if field.id in seen:
            field.note(Severity.WARNING, "form-duplicate-field",
                       "The field id appears twice; only the first is kept")
            findings.extend(field.findings)
            continue
        seen.add(field.id)
        component, spec = field.convert()
        if field.id == business_key:
            component.setdefault("properties", {})["camunda:businessKey"] = "true"
        components.append(component)
        specs.append(spec)
        findings.extend(field.findings)
    if business_key and business_key not in seen:
        findings.append(note(Severity.WARNING, "form-business-key-missing",
                             f"formData businessKey '{business_key}' names no field"))
    form = check(c.form_document(components, title=title, name=name, formsflow=formsflow))
    source = FormSource(kind="generated", name=name, fields=tuple(specs),
                        business_key=business_key)
    return ConversionResult(form=form, findings=findings, source=source)

"""Builders for the form.io components we emit, and the form shell around them.

Every converter goes through these so the output stays inside the subset published in
docs/schemas/formio-subset.schema.json.
"""
from __future__ import annotations

import re
from typing import Any

Component = dict[str, Any]

SUBMIT_KEY = "submit"
FORMSFLOW_HIDDEN = ("applicationId", "applicationStatus")


def _input(type_: str, key: str, label: str, **extra: Any) -> Component:
    component: Component = {
        "type": type_, "key": key, "label": label or key, "input": True, "tableView": True,
    }
    component.update({k: v for k, v in extra.items() if v is not None})
    return component


def textfield(key: str, label: str, **extra: Any) -> Component:
    return _input("textfield", key, label, inputType="text", **extra)


def textarea(key: str, label: str, **extra: Any) -> Component:
    return _input("textarea", key, label, rows=3, autoExpand=False, **extra)


def email(key: str, label: str, **extra: Any) -> Component:
    return _input("email", key, label, inputType="email", **extra)


def number(key: str, label: str, *, integer: bool, **extra: Any) -> Component:
    if integer:
        extra.setdefault("decimalLimit", 0)
    return _input("number", key, label, requireDecimal=False, delimiter=False, **extra)


def checkbox(key: str, label: str, **extra: Any) -> Component:
    extra.setdefault("defaultValue", False)
    return _input("checkbox", key, label, inputType="checkbox", **extra)


def options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": value, "label": label or value} for value, label in pairs]


def select(key: str, label: str, values: list[dict[str, str]], **extra: Any) -> Component:
    return _input(
        "select", key, label, widget="choicesjs", dataSrc="values", data={"values": values},
        **extra,
    )


def select_from_variable(key: str, label: str, variable: str, **extra: Any) -> Component:
    """A select whose options come from a Map/List process variable (Camunda `cam-choices`,
    form-js `valuesKey`); the variable is expected in the submission data under its name."""
    script = (
        f"var src = data[{variable!r}] || {{}};\n"
        "values = Array.isArray(src)\n"
        "  ? src.map(function (v) { return typeof v === 'object' ? v : {value: v, label: v}; })\n"
        "  : Object.keys(src).map(function (k) { return {value: k, label: src[k]}; });"
    )
    return _input(
        "select", key, label, widget="choicesjs", dataSrc="custom", data={"custom": script},
        valueProperty="value", template="<span>{{ item.label }}</span>", **extra,
    )


def radio(key: str, label: str, values: list[dict[str, str]], **extra: Any) -> Component:
    return _input("radio", key, label, values=values, inline=False, **extra)


def selectboxes(key: str, label: str, values: list[dict[str, str]], **extra: Any) -> Component:
    return _input("selectboxes", key, label, values=values, inline=False, **extra)


def datetime(
    key: str, label: str, *, fmt: str, enable_date: bool = True, enable_time: bool = False,
    **extra: Any,
) -> Component:
    return _input(
        "datetime", key, label, format=fmt, enableDate=enable_date, enableTime=enable_time,
        datePicker={"disableWeekends": False, "disableWeekdays": False},
        timePicker={"showMeridian": "a" in fmt}, **extra,
    )


def file(key: str, label: str, **extra: Any) -> Component:
    extra.setdefault("storage", "base64")
    return _input("file", key, label, **extra)


def hidden(key: str, label: str | None = None, **extra: Any) -> Component:
    component = _input("hidden", key, label or key, **extra)
    component["tableView"] = False
    return component


def content(html: str, key: str) -> Component:
    return {"type": "content", "key": key, "label": "Content", "input": False, "html": html,
            "tableView": False}


def panel(key: str, title: str, components: list[Component]) -> Component:
    return {"type": "panel", "key": key, "title": title, "label": title or key, "input": False,
            "tableView": False, "components": components}


def columns(key: str, cells: list[tuple[int, list[Component]]]) -> Component:
    return {
        "type": "columns", "key": key, "label": "Columns", "input": False, "tableView": False,
        "columns": [
            {"width": width, "offset": 0, "push": 0, "pull": 0, "size": "md",
             "components": comps}
            for width, comps in cells
        ],
    }


def event_button(key: str, label: str, event: str) -> Component:
    return {"type": "button", "key": key, "label": label, "input": True, "action": "event",
            "event": event, "theme": "secondary", "tableView": False}


def submit_button(label: str = "Submit") -> Component:
    # disableOnInvalid stays off so pressing Submit shows form.io's validation messages.
    return {"type": "button", "key": SUBMIT_KEY, "label": label, "input": True,
            "action": "submit", "theme": "primary", "disableOnInvalid": False,
            "tableView": False}


def validate(
    *, required: bool = False, min_length: int | None = None, max_length: int | None = None,
    minimum: float | None = None, maximum: float | None = None, pattern: str | None = None,
    custom: str | None = None,
) -> dict[str, Any] | None:
    rules: dict[str, Any] = {}
    if required:
        rules["required"] = True
    for name, value in (("minLength", min_length), ("maxLength", max_length),
                        ("min", minimum), ("max", maximum), ("pattern", pattern),
                        ("custom", custom)):
        if value is not None:
            rules[name] = value
    return rules or None


def walk(components: list[Component]):
    """Every component, depth first, including those inside panels and columns."""
    for component in components:
        yield component
        yield from walk(component.get("components", []))
        for column in component.get("columns", []):
            yield from walk(column.get("components", []))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "form"


def camel(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    if not words:
        return "form"
    head, *rest = words
    return head[0].lower() + head[1:] + "".join(w[0].upper() + w[1:] for w in rest)


def form_document(
    components: list[Component], *, title: str, name: str, formsflow: bool = False,
    properties: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The form shell: components plus the closing submit button (and, for formsflow,
    the hidden applicationId/applicationStatus fields it relies on)."""
    components = [c for c in components if not (c.get("type") == "button"
                                                 and c.get("action") == "submit")]
    keys = {c.get("key") for c in walk(components)}
    if formsflow:
        for key in FORMSFLOW_HIDDEN:
            if key not in keys:
                components.append(hidden(key, key))
    components.append(submit_button())
    form_name = camel(name) if formsflow else (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
                                               or "form")
    document: dict[str, Any] = {
        "display": "form", "type": "form", "title": title or name, "name": form_name,
        "path": form_name.lower() if formsflow else slug(name), "components": components,
    }
    if properties:
        document["properties"] = properties
    return document

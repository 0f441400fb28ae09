"""Scripts in BPMN: script tasks and script listeners become Python; script conditions and
script input/output parameters become ``${…}`` expressions (the engine evaluates JUEL there).
Whatever the translator does not cover is reported with the exact script text and kept."""
from __future__ import annotations

from lxml import etree

from migrate import expressions
from migrate.context import C, Context, local_name, short
from migrate.findings import Severity
from migrate.scripts import (
    GROOVY,
    JAVASCRIPT,
    PYTHON,
    OutsideSubset,
    translate_expression,
    translate_script,
)

TRANSLATABLE = JAVASCRIPT | GROOVY


def _language(value: str | None) -> str:
    return (value or "").strip().lower()


def _untranslatable(ctx: Context, element: etree._Element, language: str, text: str, reason: str) -> None:
    ctx.add(Severity.TASK, "script-untranslatable",
            f"{language or 'unknown-language'} script left unchanged ({reason}); port it to "
            f"Python by hand:\n{short(text)}", element)


def _resource(ctx: Context, element: etree._Element, language: str, resource: str) -> None:
    ctx.add(Severity.TASK, "script-resource",
            f"{language} script is loaded from {resource!r}; inline it as a Python script "
            "(external script resources are not deployed by m8flow).", element)


def convert_script_task(task: etree._Element, ctx: Context) -> None:
    language = _language(task.get("scriptFormat"))
    script = task.find(task.tag.rpartition("}")[0] + "}script")
    resource = task.get(C + "resource")
    if resource:
        _resource(ctx, task, language, resource)
        return
    text = script.text if script is not None and script.text else ""
    if language in PYTHON or not text.strip():
        return
    if language not in TRANSLATABLE:
        _untranslatable(ctx, task, language, text, f"{language or 'no'} script format is not translated")
        return
    result_variable = task.get(C + "resultVariable")
    try:
        python = translate_script(text, language, result_variable=result_variable).python
    except OutsideSubset as exc:
        _untranslatable(ctx, task, language, text, exc.reason)
        return
    assert script is not None
    script.text = python
    task.set("scriptFormat", "python")
    task.attrib.pop(C + "resultVariable", None)
    ctx.changed = True
    ctx.add(Severity.REVIEW, "script-translated",
            f"{language} script translated to Python:\n{short(text)}\n→\n{python}", task)


def convert_camunda_script(script: etree._Element, ctx: Context) -> None:
    """``camunda:script`` inside a listener (statements) or an input/output parameter (value)."""
    parent = script.getparent()
    language = _language(script.get("scriptFormat"))
    text = script.text or ""
    resource = script.get("resource")
    if resource:
        _resource(ctx, parent, language, resource)
        return
    if language in PYTHON and local_name(parent) in {"executionListener", "taskListener"}:
        return
    if language not in TRANSLATABLE:
        _untranslatable(ctx, parent, language, text, f"{language or 'no'} script format is not translated")
        return
    try:
        if local_name(parent) in {"inputParameter", "outputParameter"}:
            new = translate_expression(text, language)
            parent.remove(script)
            parent.text = new
            what = f"parameter {parent.get('name')!r} script"
        else:
            new = translate_script(text, language).python
            script.text = new
            script.set("scriptFormat", "python")
            what = f"{local_name(parent)} ({parent.get('event', '')}) script"
    except OutsideSubset as exc:
        _untranslatable(ctx, parent, language, text, exc.reason)
        return
    ctx.mark(parent, "#text")
    ctx.changed = True
    ctx.add(Severity.REVIEW, "script-translated",
            f"{language} {what} translated:\n{short(text)}\n→\n{new}", parent)


def convert_condition(condition: etree._Element, ctx: Context) -> None:
    """A ``conditionExpression`` (or completion condition) written in a script language."""
    language = _language(condition.get("language"))
    if not language or language == "juel":
        return
    text = condition.text or ""
    resource = condition.get(C + "resource")
    if resource:
        _resource(ctx, condition, language, resource)
        return
    if language not in TRANSLATABLE:
        _untranslatable(ctx, condition, language, text, f"{language} conditions are not translated")
        return
    try:
        new = translate_expression(text, language)
    except OutsideSubset as exc:
        _untranslatable(ctx, condition, language, text, exc.reason)
        return
    check = expressions.check(new)
    if check.error is not None:  # the engine's parser is the judge of what we emit
        _untranslatable(ctx, condition, language, text, f"translation {new!r} does not parse: {check.error}")
        return
    del condition.attrib["language"]
    condition.text = new
    ctx.changed = True
    ctx.add(Severity.REVIEW, "script-translated",
            f"{language} condition translated to an expression:\n{short(text)}\n→\n{new}", condition)

"""Check a DMN model against what the engine's DMN evaluator supports, decision by decision.

Supported: hit policies UNIQUE, FIRST, PRIORITY, ANY, RULE ORDER, OUTPUT ORDER and COLLECT
(plain or SUM/MIN/MAX/COUNT); FEEL simple unary tests in input entries; simple FEEL
expressions in output entries, input expressions and literal expressions; JUEL wherever the
model says ``juel`` (and ``${…}`` input expressions); DRD requirement chains. The rest is
reported. The model is written back unchanged apart from namespace normalisation.
"""
from __future__ import annotations

from lxml import etree

from engine.bpmn.extensions import NAMESPACE_ALIASES, canonicalize_namespaces
from engine.bpmn.xml import parse_xml
from engine.errors import ParseError
from migrate import expressions
from migrate.bpmn import Outcome, engine_rejection, failed
from migrate.context import CAMUNDA_DMN_NS, Context, local_name, short
from migrate.feel import is_simple_expression, is_simple_unary_tests
from migrate.findings import FileResult, FileStatus, Severity

HIT_POLICIES = {"UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER"}
AGGREGATIONS = {"SUM", "MIN", "MAX", "COUNT"}
_FEEL = {"feel", "http://www.omg.org/spec/feel/20140401", "https://www.omg.org/spec/dmn/20191111/feel/",
         "http://www.omg.org/spec/dmn/20180521/feel/", "https://www.omg.org/spec/dmn/20230324/feel/"}


def _language(element: etree._Element, root: etree._Element) -> str | None:
    value = element.get("expressionLanguage") or root.get("expressionLanguage")
    if value is None:
        return None
    value = value.strip().lower()
    return "feel" if value in _FEEL else value


def convert_dmn(data: bytes, path: str) -> Outcome:
    try:
        root = parse_xml(data, path)
    except ParseError as exc:
        return failed(path, "dmn", exc)
    if local_name(root) != "definitions" or "/DMN/" not in root.tag.upper():
        return failed(path, "dmn", f"not a DMN model: root element is {root.tag!r}", "not-a-model")
    ctx = Context(path)
    namespace = root.tag[1:].partition("}")[0]
    d = "{" + namespace + "}"
    try:
        decisions = root.findall(d + "decision")
        if not decisions:
            ctx.add(Severity.WARNING, "dmn-no-decision", "The model defines no decision.")
        for decision in decisions:
            _check_decision(decision, root, d, ctx)
    except Exception as exc:  # a checker bug must cost one file, not the run
        return failed(path, "dmn", f"internal error while checking: {type(exc).__name__}: {exc}",
                      "internal-error")
    output = data
    if any(ns in NAMESPACE_ALIASES for ns in root.nsmap.values()):
        canonicalize_namespaces(root)
        etree.cleanup_namespaces(root, top_nsmap={"camunda": CAMUNDA_DMN_NS}, keep_ns_prefixes=[
            p for p, ns in root.nsmap.items() if p and ns not in NAMESPACE_ALIASES])
        ctx.add(Severity.INFO, "namespace-renamed", "operaton: extensions were renamed to camunda:.")
        output = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    rejected = engine_rejection(output, path, "dmn", root)
    if rejected is not None:
        ctx.findings.append(rejected)
        return Outcome(FileResult(path, "dmn", FileStatus.FAILED, None, ctx.findings), None)
    return Outcome(FileResult(path, "dmn", FileStatus.CONVERTED, None, ctx.findings), output)


def _check_decision(decision: etree._Element, root: etree._Element, d: str, ctx: Context) -> None:
    table = decision.find(d + "decisionTable")
    literal = decision.find(d + "literalExpression")
    if table is not None:
        _check_table(table, root, d, ctx)
    elif literal is not None:
        _check_expression(literal, literal.findtext(d + "text"), root, ctx, "literal expression")
    else:
        kinds = sorted({local_name(c) for c in decision if local_name(c) not in
                        {"variable", "informationRequirement", "knowledgeRequirement",
                         "authorityRequirement", "description", "extensionElements", "question",
                         "allowedAnswers"}})
        ctx.add(Severity.TASK, "dmn-decision-logic-unsupported",
                f"Decision logic {', '.join(kinds) or '(none)'} is not supported; only decision "
                "tables and literal expressions are.", decision)


def _check_table(table: etree._Element, root: etree._Element, d: str, ctx: Context) -> None:
    policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
    aggregation = table.get("aggregation")
    if policy not in HIT_POLICIES:
        ctx.add(Severity.ERROR, "dmn-hit-policy-unsupported",
                f"Hit policy {policy!r} is not supported.", table)
    if aggregation and (policy != "COLLECT" or aggregation.strip().upper() not in AGGREGATIONS):
        ctx.add(Severity.ERROR, "dmn-hit-policy-unsupported",
                f"Aggregation {aggregation!r} with hit policy {policy!r} is not supported.", table)
    for clause in table.findall(d + "input"):
        expression = clause.find(d + "inputExpression")
        if expression is not None:
            _check_expression(expression, expression.findtext(d + "text"), root, ctx, "input expression")
    for rule in table.findall(d + "rule"):
        for entry in rule.findall(d + "inputEntry"):
            _check_entry(entry, entry.findtext(d + "text"), root, ctx, unary=True)
        for entry in rule.findall(d + "outputEntry"):
            _check_entry(entry, entry.findtext(d + "text"), root, ctx, unary=False)


def _check_expression(element: etree._Element, text: str | None, root: etree._Element,
                      ctx: Context, what: str) -> None:
    language = _language(element, root)
    if language in (None, "feel") and expressions.has_expression(text):
        language = "juel"
    if language == "juel":
        _check_juel(element, text or "", ctx, what)
    elif language in (None, "feel"):
        reason = is_simple_expression(text)
        if reason is not None and not _is_juel_path(text):
            ctx.add(Severity.TASK, "dmn-feel-unsupported",
                    f"{what} {short(text or '')!r} is not simple FEEL ({reason}).", element)
    else:
        ctx.add(Severity.TASK, "dmn-expression-language",
                f"{what} {short(text or '')!r} is written in {language}; rewrite it in FEEL "
                "or JUEL.", element)


def _check_entry(entry: etree._Element, text: str | None, root: etree._Element, ctx: Context,
                 *, unary: bool) -> None:
    language = _language(entry, root)
    if language == "juel" or (language is None and expressions.has_expression(text)):
        _check_juel(entry, text or "", ctx, "rule entry")
        return
    if language not in (None, "feel"):
        ctx.add(Severity.TASK, "dmn-expression-language",
                f"rule entry {short(text or '')!r} is written in {language}; rewrite it in FEEL.",
                entry)
        return
    reason = is_simple_unary_tests(text) if unary else is_simple_expression(text)
    if reason is not None:
        kind = "simple unary tests" if unary else "a simple FEEL expression"
        ctx.add(Severity.TASK, "dmn-feel-unsupported",
                f"rule entry {short(text or '')!r} is not {kind} ({reason}).", entry)


def _is_juel_path(text: str | None) -> bool:
    return bool(text) and all(part.isidentifier() for part in (text or "").strip().split("."))


def _check_juel(element: etree._Element, text: str, ctx: Context, what: str) -> None:
    if not text.strip():
        return  # an empty entry matches anything / yields null
    source = text if expressions.has_expression(text) else "${" + text + "}"
    check = expressions.check(source)
    if check.error is not None:
        ctx.add(Severity.TASK, "juel-syntax-error",
                f"{what} {text!r} does not parse as JUEL: {check.error}", element)
    elif check.bean_calls:
        ctx.add(Severity.TASK, "juel-bean-call",
                f"{what} {text!r} calls {', '.join(check.bean_calls)} on a Java bean.", element)

"""Analyze and convert one BPMN model: Camunda 7 (or Operaton/Activiti) → m8flow.

Two passes over the parsed tree. The first rewrites (namespaces, delegates, connectors,
scripts, timers) and reports forms and unsupported calls; the second parses every expression
left in the model with the engine's JUEL parser. Input that is not a well-formed BPMN 2.0
model is reported as failed, with the parser's line, and never stops a run.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

from lxml import etree

from engine.bpmn.activity_types import SYNTHETIC
from engine.bpmn.extensions import NAMESPACE_ALIASES
from engine.bpmn.parser import parse_deployment
from engine.bpmn.xml import parse_xml
from engine.errors import ParseError
from migrate import expressions
from migrate.bpmn_delegates import (
    DELEGATE_HOSTS,
    LISTENERS,
    convert_connector,
    convert_listener,
    convert_task,
)
from migrate.bpmn_flows import make_flows_explicit
from migrate.bpmn_scripts import convert_camunda_script, convert_condition, convert_script_task
from migrate.context import BPMN_NS, CAMUNDA_NS, B, C, Context, local_name
from migrate.delegates import DelegateMapping
from migrate.findings import FileResult, FileStatus, Finding, Severity
from migrate.timers import convert_timer

MODELER_NS = "http://camunda.org/schema/modeler/1.0"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
_NOISE_ATTRIBUTES = {C + "modelerTemplate", C + "modelerTemplateVersion", C + "diagramRelationId"}
_MODELER_PREFIX = "{" + MODELER_NS + "}"
_ALIAS_PREFIXES = tuple("{" + namespace + "}" for namespace in NAMESPACE_ALIASES)
_NO_EXPRESSION_TEXT = {"documentation", "text", "script", "incoming", "outgoing", "connectorId"}
_NO_EXPRESSION_ATTRIBUTES = {"id", "name"}
_DIAGRAM = "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"
# What _rewrite acts on; every other element is left alone.
_REWRITTEN = tuple(
    [B + name for name in sorted(DELEGATE_HOSTS | {
        "scriptTask", "conditionExpression", "completionCondition", "condition", "timeDate",
        "timeDuration", "timeCycle", "callActivity", "userTask", "startEvent"})]
    + [C + name for name in sorted(LISTENERS | {"connector", "script", "formProperty"})]
)


# Cheap byte-level gates: most files need no namespace or modeler clean-up at all.
_BY_ID = etree.XPath("//*[@id = $id]")
_NORMALIZE_MARKERS = (b"operaton.org/schema", b"activiti.org/bpmn", b"camunda.org/schema/modeler",
                      b"modelerTemplate", b"diagramRelationId")
# What _normalize acts on, in document order: elements in a dialect namespace, attributes in a
# dialect or the modeler namespace, the modeler's template attributes. libxml2's name tests
# find them in a fraction of the time a Python walk over every element takes.
_ALIASES = {f"a{n}": namespace for n, namespace in enumerate(NAMESPACE_ALIASES)}
_TO_NORMALIZE = etree.XPath(" | ".join(
    [f"//{p}:*" for p in _ALIASES] + [f"//@{p}:*" for p in _ALIASES] + ["//@modeler:*"]
    + [f"//@camunda:{name[len(C):]}" for name in sorted(_NOISE_ATTRIBUTES)]),
    namespaces={**_ALIASES, "modeler": MODELER_NS, "camunda": CAMUNDA_NS}, regexp=False)


@dataclass
class Outcome:
    result: FileResult
    output: bytes | None  # the converted document, None when failed


def failed(path: str, kind: str, exc: ParseError | str, message_id: str = "parse-error") -> Outcome:
    line = None
    if isinstance(exc, ParseError):
        text = exc.message
        for problem in (exc.details or {}).values():
            for error in problem.get("errors", []):
                line = error.get("line") or line
                text = error.get("message") or exc.message
                break
        message = f"{text}" + (f" (line {line})" if line else "")
    else:
        message = exc
    finding = Finding(Severity.ERROR, message_id, message, line=line)
    return Outcome(FileResult(path, kind, FileStatus.FAILED, None, [finding]), None)


def convert_bpmn(data: bytes, path: str, mapping: DelegateMapping | None = None) -> Outcome:
    try:
        root = parse_xml(data, path)
    except ParseError as exc:
        return failed(path, "bpmn", exc)
    if root.tag != "{%s}definitions" % BPMN_NS:
        return failed(path, "bpmn", f"not a BPMN 2.0 model: root element is {root.tag!r}", "not-a-model")
    if _is_camunda_8(root):
        return failed(path, "bpmn", "Camunda 8 (Zeebe) model: m8flow runs Camunda 7 models",
                      "camunda-8-model")
    ctx = Context(path, mapping or DelegateMapping())
    try:
        if any(marker in data for marker in _NORMALIZE_MARKERS):
            _normalize(root, ctx)
        for element in _model_elements(root, _REWRITTEN):
            _rewrite(element, ctx)
        make_flows_explicit(root, ctx)
        if b"${" in data or b"#{" in data or ctx.changed:
            for element in _with_expressions(root):
                _check_expressions(element, ctx)
    except Exception as exc:  # a converter bug must cost one file, not the run
        return failed(path, "bpmn", f"internal error while converting: {type(exc).__name__}: {exc}",
                      "internal-error")
    if ctx.changed:
        etree.cleanup_namespaces(root, top_nsmap={"camunda": CAMUNDA_NS}, keep_ns_prefixes=[
            p for p, ns in root.nsmap.items() if p and ns not in NAMESPACE_ALIASES])
        output = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    else:
        output = data
    rejected = engine_rejection(output, path, "bpmn", root)
    if rejected is not None:
        ctx.findings.append(rejected)
        return Outcome(FileResult(path, "bpmn", FileStatus.FAILED, None, ctx.findings), None)
    return Outcome(FileResult(path, "bpmn", FileStatus.CONVERTED, None, ctx.findings), output)


def engine_rejection(output: bytes, path: str, kind: str, root: etree._Element) -> Finding | None:
    """Deploy-check the converted document with the engine's parser: what it refuses cannot
    be migrated as is (Camunda would refuse some of it too; m8flow lacks the rest).

    ``root`` is the converted tree ``output`` was serialized from (or parsed from, unchanged).
    The engine checks it instead of parsing ``output`` again, and adapts it in place for
    SpiffWorkflow: the caller must be done with it. Lines it reports are those of the input
    file, as for every other finding."""
    name = f"model.{kind}"
    try:
        parse_deployment({name: output}, trees={name: root})
    except ParseError as exc:
        problem: dict[str, Any] = next(
            (e for d in (exc.details or {}).values() for e in d.get("errors", [])), {})
        element_id = problem.get("mainElementId")
        # Elements the engine added (implicit splits made explicit) are not the user's.
        element = next((e for e in _BY_ID(root, id=element_id) if e.get(SYNTHETIC) is None),
                       None) if element_id else None
        return Finding(Severity.ERROR, "engine-rejects-model",
                       f"The engine refuses the converted model: {problem.get('message') or exc.message}",
                       element_id=element_id,
                       element_type=local_name(element) if element is not None else None,
                       element_name=element.get("name") if element is not None else None,
                       line=problem.get("line"))
    except Exception as exc:  # an engine parser bug: still one file, reported
        return Finding(Severity.ERROR, "engine-rejects-model",
                       f"The engine's parser failed on the converted model: {type(exc).__name__}: {exc}")
    return None


def _model_elements(root: etree._Element, tags: tuple[str, ...]) -> list[etree._Element]:
    """The elements with one of ``tags`` outside the diagram interchange (most of a file's
    nodes, and never executable), in document order. lxml filters by tag, so the elements
    nothing applies to are never visited from Python."""
    out: list[etree._Element] = []
    for top in root:
        if not isinstance(top.tag, str) or top.tag == _DIAGRAM:
            continue
        if len(top):
            out.extend(top.iter(*tags))
        elif top.tag in tags:  # messages, signals, errors…: no children, no tag filter to set up
            out.append(top)
    return out


def _with_expressions(root: etree._Element) -> list[etree._Element]:
    """The root and the model elements outside the diagram interchange with ``${`` or ``#{`` in
    an attribute or their text: the only ones the JUEL pass has anything to check on."""
    out: list[etree._Element] = []
    tops = [top for top in root if isinstance(top.tag, str) and top.tag != _DIAGRAM]
    for element in chain((root,), chain.from_iterable(top.iter(etree.Element) for top in tops)):
        text = element.text
        if text and ("${" in text or "#{" in text):
            out.append(element)
            continue
        for value in element.attrib.values():
            if "${" in value or "#{" in value:
                out.append(element)
                break
    return out


def _is_camunda_8(root: etree._Element) -> bool:
    """Declared for Camunda Cloud, or zeebe: extensions without any Camunda 7 dialect."""
    if root.get("{%s}executionPlatform" % MODELER_NS, "").strip().lower() == "camunda cloud":
        return True
    if ZEEBE_NS not in root.nsmap.values():
        return False
    c7 = {CAMUNDA_NS, *NAMESPACE_ALIASES}
    uses_zeebe = uses_c7 = False
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        names = [element.tag, *element.attrib]
        uses_zeebe = uses_zeebe or any(n.startswith("{" + ZEEBE_NS) for n in names)
        uses_c7 = uses_c7 or any(n[1:].partition("}")[0] in c7 for n in names if n.startswith("{"))
    return uses_zeebe and not uses_c7


def _normalize(root: etree._Element, ctx: Context) -> None:
    """Drop modeler-only attributes and rename operaton:/activiti: names to camunda:, on the
    elements that have any: the renaming ``canonicalize_namespaces`` would do, done as it goes."""
    dialects: set[str] = set()
    noise = 0
    previous = None
    for found in _TO_NORMALIZE(root):
        element = found if isinstance(found, etree._Element) else found.getparent()
        if element is previous:  # document order: an element, then its attributes
            continue
        previous = element
        tag = element.tag
        if tag.startswith(_ALIAS_PREFIXES):
            namespace, _, local = tag[1:].partition("}")
            dialects.add(namespace)
            element.tag = "{" + NAMESPACE_ALIASES[namespace] + "}" + local
        for name in element.keys():
            if name.startswith(_ALIAS_PREFIXES):
                namespace, _, local = name[1:].partition("}")
                dialects.add(namespace)
                element.set("{" + NAMESPACE_ALIASES[namespace] + "}" + local, element.attrib.pop(name))
            elif name.startswith(_MODELER_PREFIX) or name in _NOISE_ATTRIBUTES:
                del element.attrib[name]
                noise += 1
    if dialects:
        ctx.changed = True
        ctx.add(Severity.INFO, "namespace-renamed",
                f"Extensions in {', '.join(sorted(dialects))} were renamed to camunda:.")
    if noise:
        ctx.changed = True
        ctx.add(Severity.INFO, "modeler-metadata-dropped",
                f"{noise} modeler-only attribute(s) (templates, execution platform) were dropped.")


def _rewrite(element: etree._Element, ctx: Context) -> None:
    name = local_name(element)
    namespace = element.tag[1:].partition("}")[0]
    if namespace == BPMN_NS:
        if name in DELEGATE_HOSTS:
            convert_task(element, ctx)
        elif name == "scriptTask":
            convert_script_task(element, ctx)
        elif name in {"conditionExpression", "completionCondition", "condition"}:
            convert_condition(element, ctx)
        elif name in {"timeDate", "timeDuration", "timeCycle"}:
            convert_timer(element, ctx)
        elif name == "callActivity":
            _call_activity(element, ctx)
        if name in {"userTask", "startEvent"}:
            _forms(element, ctx)
    elif namespace == CAMUNDA_NS:
        if name in LISTENERS:
            convert_listener(element, ctx)
        elif name == "connector":
            convert_connector(element, ctx)
        elif name == "script":
            convert_camunda_script(element, ctx)
        elif name == "formProperty" and element.getparent() is not None and \
                element.getparent().find(C + "formProperty") is element:
            ctx.add(Severity.TASK, "form-property",
                    "Legacy activiti formProperty fields: redefine them as camunda:formData or "
                    "a form.", element)


def _call_activity(element: etree._Element, ctx: Context) -> None:
    if element.get(C + "caseRef"):
        ctx.add(Severity.TASK, "case-call",
                f"Calls CMMN case {element.get(C + 'caseRef')!r}: m8flow has no CMMN.", element)
    for attribute in ("variableMappingClass", "variableMappingDelegateExpression"):
        if element.get(C + attribute):
            ctx.add(Severity.TASK, "variable-mapping-delegate",
                    f"{attribute} {element.get(C + attribute)!r} is Java; express the mapping with "
                    "camunda:in/camunda:out.", element)


def _forms(element: etree._Element, ctx: Context) -> None:
    key = element.get(C + "formKey")
    if key:
        key = key.strip()
        if expressions.has_expression(key):
            ctx.add(Severity.REVIEW, "form-key-expression",
                    f"formKey {key!r} is computed at run time; make sure every value it can "
                    "take resolves to a deployed form.", element)
        elif key.startswith(("embedded:", "camunda-forms:")):
            ctx.add(Severity.INFO, "form-key-embedded",
                    f"formKey {key!r} is kept; convert the form with `m8flow forms convert`.", element)
        else:
            ctx.add(Severity.TASK, "form-key-external",
                    f"formKey {key!r} points to a form served by the application (app: or an "
                    "external URL); m8flow keeps the key but the form must be rebuilt or served "
                    "by your front end.", element)
    if element.get(C + "formRef"):
        ctx.add(Severity.INFO, "form-ref",
                f"formRef {element.get(C + 'formRef')!r} (binding "
                f"{element.get(C + 'formRefBinding', 'latest')}) is kept; convert the .form with "
                "`m8flow forms convert`.", element)
    if element.get(C + "formHandlerClass"):
        ctx.add(Severity.TASK, "form-handler-class",
                f"formHandlerClass {element.get(C + 'formHandlerClass')!r} is Java and is ignored.",
                element)
    form_data = element.find(B + "extensionElements/" + C + "formData")
    if form_data is not None:
        fields = len(form_data.findall(C + "formField"))
        ctx.add(Severity.INFO, "form-data",
                f"Generated form with {fields} field(s) is kept; `m8flow forms convert` can turn "
                "it into a form.io form.", form_data)


def _check_expressions(element: etree._Element, ctx: Context) -> None:
    for attribute, value in element.attrib.items():
        short_name = attribute.rpartition("}")[2]
        if short_name in _NO_EXPRESSION_ATTRIBUTES:
            continue
        if expressions.has_expression(value) and not ctx.is_marked(element, attribute):
            _report_expression(element, f"{_prefixed(attribute)}", value, ctx)
    text = element.text
    if (text and local_name(element) not in _NO_EXPRESSION_TEXT and expressions.has_expression(text)
            and not ctx.is_marked(element, "#text") and not element.get("language")):
        _report_expression(element, local_name(element), text.strip(), ctx)


def _prefixed(attribute: str) -> str:
    if attribute.startswith(C):
        return "camunda:" + attribute[len(C):]
    return attribute.rpartition("}")[2]


def _report_expression(element: etree._Element, where: str, text: str, ctx: Context) -> None:
    check = expressions.check(text)
    if check.error is not None:
        at = f" at position {check.position}" if check.position is not None else ""
        ctx.add(Severity.TASK, "juel-syntax-error",
                f"{where}: expression {text!r} does not parse{at}: {check.error}", element)
    elif check.bean_calls:
        ctx.add(Severity.TASK, "juel-bean-call",
                f"{where}: expression {text!r} calls {', '.join(check.bean_calls)} on a Java bean; "
                "register a Python bean of that name or rewrite the expression.", element)
    elif check.unknown_functions:
        ctx.add(Severity.TASK, "juel-unknown-function",
                f"{where}: expression {text!r} uses function(s) "
                f"{', '.join(check.unknown_functions)} that Camunda does not define.", element)

"""Java delegates and connectors → external tasks (or registered Python handlers).

Camunda 7 runs ``camunda:class``/``delegateExpression``/bean-calling ``expression`` inside
the JVM; m8flow has no JVM. A task becomes an external task whose topic a worker (in any
language) subscribes to, or, when the mapping says so, ``camunda:class`` names the Python
handler the engine's delegate registry calls in-process (the registry is keyed by class name,
so a handler may also be registered under the original Java class name).
"""
from __future__ import annotations

from lxml import etree

from migrate import expressions
from migrate.context import C, Context, local_name
from migrate.findings import Severity

DELEGATE_HOSTS = frozenset({
    "serviceTask", "sendTask", "businessRuleTask", "messageEventDefinition",
})
LISTENERS = frozenset({"executionListener", "taskListener"})


def delegate_name(element: etree._Element) -> tuple[str, str] | None:
    """(attribute, class/bean/bean.method) of the Java delegate ``element`` calls, if any.
    Tasks carry ``camunda:class``…; listeners carry plain ``class``…"""
    prefix = "" if local_name(element) in LISTENERS else C
    cls = element.get(prefix + "class")
    if cls:
        return prefix + "class", cls.strip()
    text = element.get(prefix + "delegateExpression")
    if text:
        return prefix + "delegateExpression", _bean_of(text)
    text = element.get(prefix + "expression")
    if text:
        check = expressions.check(text)
        if check.error is None and check.bean_calls:
            return prefix + "expression", check.bean_calls[0]
    return None


def _bean_of(text: str) -> str:
    check = expressions.check(text)
    if check.error is None and check.bean_calls:
        return check.bean_calls[0]
    idents = sorted(check.identifiers)
    return idents[0] if len(idents) == 1 else text.strip().lstrip("$#{").rstrip("}").strip()


def _extension_elements(element: etree._Element) -> etree._Element:
    ext = element.find(element.tag.rpartition("}")[0] + "}extensionElements")
    if ext is None:
        ext = etree.Element(element.tag.rpartition("}")[0] + "}extensionElements")
        element.insert(0, ext)
    return ext


def _input_output(ext: etree._Element) -> etree._Element:
    io = ext.find(C + "inputOutput")
    if io is None:
        io = etree.SubElement(ext, C + "inputOutput")
    return io


def _add_parameter(io: etree._Element, param: etree._Element) -> None:
    if local_name(param) == "inputParameter":
        outputs = io.findall(C + "outputParameter")
        if outputs:
            outputs[0].addprevious(param)
            return
    io.append(param)


def convert_task(element: etree._Element, ctx: Context) -> None:
    found = delegate_name(element)
    if found is None:
        return
    attribute, name = found
    target = ctx.mapping.resolve(name)
    host = element.getparent() if local_name(element) == "messageEventDefinition" else element
    original = element.get(attribute, "")
    if target.kind == "handler":
        if attribute == C + "class" and original == target.name:
            return  # already converted
        del element.attrib[attribute]
        element.set(C + "class", target.name)
        ctx.changed = True
        ctx.add(Severity.REVIEW, "java-delegate-handler",
                f"{_kind(attribute)} {original!r} now calls the registered Python handler "
                f"{target.name!r} (from the delegate mapping).", element)
        return
    del element.attrib[attribute]
    ctx.changed = True
    element.set(C + "type", "external")
    element.set(C + "topic", target.name)
    how = "from the delegate mapping" if target.mapped else "derived from the name"
    ctx.add(Severity.REVIEW, "java-delegate-external-task",
            f"{_kind(attribute)} {original!r} became an external task on topic {target.name!r} "
            f"({how}); a worker must subscribe to it.", element)
    result = element.attrib.pop(C + "resultVariable", None)
    if result:
        ctx.add(Severity.WARNING, "delegate-result-variable",
                f"resultVariable {result!r} is not set by external tasks: the worker must "
                f"complete the task with a variable named {result!r}.", element)
    _fields_to_inputs(host if host is not None else element, element, ctx)


def _kind(attribute: str) -> str:
    return {"class": "Java class", "delegateExpression": "delegate expression",
            "expression": "bean expression"}[attribute.rpartition("}")[2]]


def _fields_to_inputs(host: etree._Element, element: etree._Element, ctx: Context) -> None:
    ext = element.find(host.tag.rpartition("}")[0] + "}extensionElements")
    if ext is None:
        return
    fields = ext.findall(C + "field")
    if not fields:
        return
    io = _input_output(ext)
    names = []
    for fld in fields:
        value = fld.get("stringValue") or fld.get("expression")
        for child in fld:
            if local_name(child) in {"string", "expression"}:
                value = child.text or ""
        param = etree.Element(C + "inputParameter", name=fld.get("name", ""))
        param.text = value or ""
        _add_parameter(io, param)
        ext.remove(fld)
        names.append(fld.get("name", ""))
    ctx.add(Severity.REVIEW, "delegate-fields-to-inputs",
            f"Injected fields {', '.join(names)} became input parameters (task-local variables "
            "the worker fetches).", element)


def convert_listener(listener: etree._Element, ctx: Context) -> None:
    found = delegate_name(listener)
    if found is None:
        return
    attribute, name = found
    target = ctx.mapping.resolve(name)
    original = listener.get(attribute, "")
    ctx.mark(listener, attribute)
    event = listener.get("event", "")
    if target.kind == "handler":
        if attribute == "class" and original == target.name:
            return  # already converted
        del listener.attrib[attribute]
        listener.set("class", target.name)
        ctx.changed = True
        ctx.add(Severity.REVIEW, "java-delegate-handler",
                f"{local_name(listener)} ({event}) {_kind(attribute)} {original!r} now calls the "
                f"registered Python handler {target.name!r}.", listener)
        return
    why = ("maps it to a topic, but a listener runs inside the transaction and cannot be an "
           "external task" if target.mapped else "is unmapped")
    ctx.add(Severity.TASK, "listener-delegate",
            f"{local_name(listener)} ({event}) calls {_kind(attribute)} {original!r}; the "
            f"delegate mapping {why}. Write a Python handler and map {name!r} to it "
            "with handler = \"...\".", listener)


def convert_connector(connector: etree._Element, ctx: Context) -> None:
    host = connector.getparent().getparent()  # connector → extensionElements → task
    connector_id = (connector.findtext(C + "connectorId") or "").strip()
    if host.get(C + "type"):
        # Camunda uses a connector only when the task names no type/class/expression.
        ctx.add(Severity.INFO, "connector-unused",
                f"Connector {connector_id!r} is ignored by Camunda because the task also names "
                "an implementation; it is left as is.", connector)
        return
    if connector_id not in {"http-connector", "http"}:
        soap = connector_id == "soap-http-connector"
        ctx.add(Severity.TASK, "soap-connector" if soap else "connector-unsupported",
                f"Connector {connector_id!r} has no m8flow equivalent: replace it with an "
                "external task and a worker.", connector)
        return
    io = _input_output(connector.getparent())
    moved = []
    inner = connector.find(C + "inputOutput")
    if inner is not None:
        for param in list(inner):
            if isinstance(param.tag, str):
                _add_parameter(io, param)
                moved.append(param.get("name", ""))
    connector.getparent().remove(connector)
    if not len(io):
        io.getparent().remove(io)
    host.set(C + "type", "external")
    host.set(C + "topic", "http-connector")
    ctx.changed = True
    ctx.add(Severity.REVIEW, "http-connector-external-task",
            "http-connector became an external task on topic 'http-connector' with its "
            f"parameters kept ({', '.join(moved) or 'none'}); the m8flow HTTP worker performs "
            "the call and sets 'response' and 'statusCode'.", host)



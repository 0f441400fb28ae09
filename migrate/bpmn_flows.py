"""Sequence-flow shapes Camunda 7 accepts implicitly and m8flow wants spelled out.

* An activity with several outgoing flows splits implicitly (every flow whose condition
  holds is taken, the activity's default flow when none does): an explicit parallel gateway
  (no conditions) or inclusive gateway (some conditions) is inserted after it.
* An exclusive gateway's non-default outgoing flow without condition counts as ``true`` in
  Camunda (the first such flow in document order wins): it gets ``${true}``.
"""
from __future__ import annotations

from collections import defaultdict

from lxml import etree

from migrate.context import BPMN_NS, B, Context, local_name
from migrate.findings import Severity

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
             "complexGateway"}
_NOT_SPLITTING = _GATEWAYS | {"sequenceFlow", "association", "textAnnotation",
                              "dataObjectReference", "dataStoreReference", "dataObject"}


def _formal_expression(flow: etree._Element, text: str) -> etree._Element:
    prefix = next((p for p, ns in flow.nsmap.items() if ns == BPMN_NS and p), None)
    condition = etree.SubElement(flow, B + "conditionExpression")
    condition.set(XSI_TYPE, f"{prefix}:tFormalExpression" if prefix else "tFormalExpression")
    condition.text = text
    return condition


def _unique_id(root: etree._Element, base: str, taken: set[str]) -> str:
    if not taken:  # filled on first use: most models need no new ids
        taken.update(e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id"))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def make_flows_explicit(root: etree._Element, ctx: Context) -> None:
    taken: set[str] = set()
    for container in root.iter(B + "process", B + "subProcess", B + "transaction",
                               B + "adHocSubProcess"):
        flows = container.findall(B + "sequenceFlow")
        outgoing: dict[str, list[etree._Element]] = defaultdict(list)
        for flow in flows:
            outgoing[flow.get("sourceRef", "")].append(flow)
        if all(len(out) < 2 for out in outgoing.values()):
            continue  # nothing splits in this container
        for node in list(container):
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            out = outgoing.get(node.get("id", ""), [])
            if len(out) < 2:  # most nodes: nothing splits here
                continue
            name = local_name(node)
            if name == "exclusiveGateway":
                _condition_unconditioned(node, out, ctx)
            elif name not in _NOT_SPLITTING:
                _insert_split(node, out, container, root, taken, ctx)


def _condition_unconditioned(gateway: etree._Element, out: list[etree._Element], ctx: Context) -> None:
    default = gateway.get("default")
    for flow in out:
        if flow.get("id") != default and flow.find(B + "conditionExpression") is None:
            _formal_expression(flow, "${true}")
            ctx.changed = True
            ctx.add(Severity.REVIEW, "flow-condition-added",
                    f"Outgoing flow {flow.get('id')!r} of exclusive gateway {gateway.get('id')!r} "
                    "had no condition (Camunda treats it as true): it now has ${true}.", flow)


def _insert_split(node: etree._Element, out: list[etree._Element], container: etree._Element,
                  root: etree._Element, taken: set[str], ctx: Context) -> None:
    node_id = node.get("id", "")
    default = node.attrib.pop("default", None)
    conditional = [f for f in out if f.find(B + "conditionExpression") is not None]
    kind = "inclusiveGateway" if conditional or default else "parallelGateway"
    gateway = etree.Element(B + kind, id=_unique_id(root, f"{node_id}_split", taken))
    if default:
        gateway.set("default", default)
    link = etree.Element(B + "sequenceFlow", id=_unique_id(root, f"{node_id}_to_split", taken),
                         sourceRef=node_id, targetRef=gateway.get("id", ""))
    node.addnext(gateway)
    gateway.addnext(link)
    etree.SubElement(gateway, B + "incoming").text = link.get("id")
    for flow in out:
        flow.set("sourceRef", gateway.get("id", ""))
        etree.SubElement(gateway, B + "outgoing").text = flow.get("id")
        if kind == "inclusiveGateway" and flow in conditional:
            continue
        if kind == "inclusiveGateway" and flow.get("id") != default:
            _formal_expression(flow, "${true}")
    ids = {f.get("id") for f in out}
    refs = [o for o in node.findall(B + "outgoing") if (o.text or "").strip() in ids]
    for ref in refs:
        node.remove(ref)
    if refs:
        new_ref = etree.Element(B + "outgoing")
        new_ref.text = link.get("id")
        anchor = node.findall(B + "incoming")
        (anchor[-1].addnext(new_ref) if anchor else _after_extensions(node, new_ref))
    ctx.changed = True
    ctx.add(Severity.REVIEW, "implicit-split-gateway",
            f"{local_name(node)} {node_id!r} had {len(out)} outgoing flows (an implicit split in "
            f"Camunda): an explicit {kind} {gateway.get('id')!r} now follows it.", node)


def _after_extensions(node: etree._Element, child: etree._Element) -> None:
    position = 0
    for index, existing in enumerate(node):
        if local_name(existing) in {"documentation", "extensionElements"}:
            position = index + 1
    node.insert(position, child)

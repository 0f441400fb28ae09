"""Deployment-time parsing of Camunda 7 resources, and process specs for SpiffWorkflow.

    parsed = parse_deployment({"order.bpmn": b"...", "rules.dmn": b"..."})
    spec, subprocess_specs = build_process_spec(bpmn_resources, "order")
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=...)
    SERIALIZER.serialize_json(workflow)

XML goes through ``engine.bpmn.xml.parse_xml`` only; operaton: and activiti: are rewritten to
camunda: before Spiff sees the tree. Every error leaves as ``engine.errors.ParseError``.
Camunda extensions live on ``spec.extensions`` (task specs and the process spec), see
``engine.bpmn.extensions`` for the shape.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from engine.bpmn import spiff_fixes
from engine.bpmn.dialect import Camunda7Parser, prepare_for_spiff
from engine.bpmn.extensions import (
    BPMN_NS,
    CAMUNDA_DMN_NS,
    camunda_attributes,
    canonicalize_namespaces,
    read_camunda,
)
from engine.bpmn.inspection import inspect_document, is_executable, none_start_event
from engine.bpmn.xml import parse_xml
from engine.errors import ParseError

spiff_fixes.apply()
SERIALIZER = spiff_fixes.build_serializer()

BPMN_SUFFIXES = (".bpmn20.xml", ".bpmn")
DMN_SUFFIXES = (".dmn11.xml", ".dmn")

_B = "{" + BPMN_NS + "}"
_DMN_MODEL_PREFIXES = ("{http://www.omg.org/spec/DMN/", "{https://www.omg.org/spec/DMN/")
# Spiff's parser recurses along sequence flows: a few frames per element.
_FRAMES_PER_ELEMENT = 6
# How many elements have an id: a number, no list of elements (an element has one id at most).
_COUNT_IDS = etree.XPath("count(//@id)", regexp=False)


@dataclass
class ProcessInfo:
    key: str
    name: str | None
    resource_name: str
    version_tag: str | None = None
    history_time_to_live: int | None = None
    startable_in_tasklist: bool = True
    candidate_starter_users: list[str] = field(default_factory=list)
    candidate_starter_groups: list[str] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=lambda: {"attributes": {}})
    has_start_form_key: str | None = None
    start_form: dict[str, Any] | None = None


@dataclass
class DecisionInfo:
    key: str
    name: str | None
    resource_name: str
    version_tag: str | None = None
    history_time_to_live: int | None = None


@dataclass
class ParsedDeployment:
    processes: list[ProcessInfo] = field(default_factory=list)
    decisions: list[DecisionInfo] = field(default_factory=list)
    # {"resource", "elementId", "message", "line"}: accepted, but may not run as in Camunda.
    warnings: list[dict[str, Any]] = field(default_factory=list)


def is_bpmn_resource(name: str) -> bool:
    return name.lower().endswith(BPMN_SUFFIXES)


def is_dmn_resource(name: str) -> bool:
    return name.lower().endswith(DMN_SUFFIXES)


def parse_deployment(
    resources: Mapping[str, bytes], *, trees: Mapping[str, etree._Element] | None = None
) -> ParsedDeployment:
    """Parse and check every BPMN and DMN resource of a deployment; other resources are
    ignored. Raises ParseError for anything Camunda would refuse or m8flow cannot run.

    ``trees``: resources the caller already parsed with ``parse_xml`` (their bytes are not
    parsed again); they are adapted for SpiffWorkflow in place, so pass a copy to keep one."""
    parsed = ParsedDeployment()
    parser = Camunda7Parser()
    documents: dict[str, etree._Element] = {}
    for name, data in resources.items():
        if is_bpmn_resource(name):
            root = _load(name, data, trees)
            parsed.warnings.extend(inspect_document(root, name))
            documents[name] = root
        elif is_dmn_resource(name):
            parsed.decisions.extend(_decisions(name, _load(name, data, trees)))
    _add_documents(parser, documents)
    for name, root in documents.items():
        for process in root.iterfind(_B + "process"):
            if not is_executable(process):
                continue
            info = _process_info(process, name)
            if process.find(_B + "startEvent") is None:
                # Camunda deploys it (it just cannot be started); Spiff has nothing to parse.
                parsed.warnings.append({
                    "resource": name, "elementId": info.key, "line": process.sourceline,
                    "message": "Process has no start event and cannot be started",
                })
            else:
                with _translated(documents):
                    spec = parser.get_spec(info.key)
                if process.find(f"{_B}startEvent/{_B}timerEventDefinition") is not None:
                    _check_timer_start_events(spec, name, root)
            parsed.processes.append(info)
    return parsed


def build_process_spec(
    bpmn_resources: Mapping[str, bytes], process_key: str
) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """The spec of ``process_key`` and the specs of its embedded sub-processes (transitively),
    ready for ``BpmnWorkflow(spec, subprocess_specs)``. Call activities are not inlined: each
    starts an instance of its own definition at run time (engine/call_activities.py).
    Pure: nothing is cached between calls.
    """
    source = _SpecSource(bpmn_resources)
    spec = source.spec(process_key)
    subprocess_specs: dict[str, BpmnProcessSpec] = {}
    pending = [spec]
    while pending:
        current = pending.pop()
        for task_spec in list(current.task_specs.values()):
            if not isinstance(task_spec, SubWorkflowTask):
                continue
            name = task_spec.spec
            if name in subprocess_specs or _is_expression(name):
                continue
            if not source.has(name):
                raise ParseError.for_resource(
                    current.file or "resource",
                    f"Activity '{task_spec.bpmn_id}' refers to process '{name}', which this deployment does not hold",
                    element_id=task_spec.bpmn_id,
                )
            subprocess_specs[name] = source.spec(name)
            pending.append(subprocess_specs[name])
    return spec, subprocess_specs


class _SpecSource:
    """One Spiff parser over the BPMN resources of one deployment."""

    def __init__(self, resources: Mapping[str, bytes]) -> None:
        self.documents = {
            name: _load(name, data) for name, data in resources.items() if is_bpmn_resource(name)
        }
        self.parser = Camunda7Parser()
        _add_documents(self.parser, self.documents)

    def has(self, process_id: str) -> bool:
        return self.parser.get_process_parser(process_id) is not None

    def spec(self, process_id: str) -> BpmnProcessSpec:
        if not self.has(process_id):
            raise ParseError.for_resource(
                ", ".join(self.documents) or "deployment",
                f"No process with id '{process_id}' in the deployment",
            )
        with _translated(self.documents):
            return self.parser.get_spec(process_id)


def _load(name: str, data: bytes, trees: Mapping[str, etree._Element] | None = None) -> etree._Element:
    root = trees.get(name) if trees else None
    if root is None:
        root = parse_xml(data, name)
    canonicalize_namespaces(root)
    return root


def _add_documents(parser: Camunda7Parser, documents: Mapping[str, etree._Element]) -> None:
    elements = sum(int(_COUNT_IDS(root)) for root in documents.values())
    spiff_fixes.ensure_recursion_limit(1000 + _FRAMES_PER_ELEMENT * elements)
    for name, root in documents.items():
        prepare_for_spiff(root)
        with _translated(documents):
            parser.add_bpmn_xml(root, filename=name)


@contextmanager
def _translated(documents: Mapping[str, etree._Element]) -> Iterator[None]:
    """Spiff (and anything else that escapes it) → ParseError naming resource, element, line."""
    try:
        yield
    except ParseError:
        raise
    except ValidationException as exc:
        resource = exc.file_name or next(iter(documents), "resource")
        element_id = exc.id or None
        line = _line_of(documents.get(resource), element_id)
        where = f" ({exc.tag} '{element_id}')" if element_id else ""
        raise ParseError.for_resource(
            resource, f"{exc}{where}", line=line, element_id=element_id
        ) from exc
    except RecursionError as exc:
        raise ParseError.for_resource(
            next(iter(documents), "resource"), "Process model is nested or chained too deeply"
        ) from exc
    except Exception as exc:  # Spiff fails with AttributeError/KeyError on odd models
        raise ParseError.for_resource(
            next(iter(documents), "resource"), f"{type(exc).__name__}: {exc}"
        ) from exc


def _check_timer_start_events(spec: BpmnProcessSpec, resource: str, root: etree._Element) -> None:
    """Camunda schedules each timer start event when it deploys the process and refuses the
    deployment when it cannot (an expression that needs a variable or a missing bean, a
    malformed date, duration or cycle); so does m8flow, here, where ``migrate`` sees it too."""
    from engine.jobs import definitions, timers
    from engine.jobs.timer_start import first_schedule

    for declaration in definitions.declarations(spec, {}):
        if declaration.job_type != timers.TIMER_START_EVENT:
            continue
        timer = declaration.timer or {}
        try:
            first_schedule(timer.get("kind") or "", timer.get("text") or "")
        except Exception as exc:  # noqa: BLE001 — JUEL, date and cron errors alike refuse it
            element_id = declaration.activity_id
            raise ParseError.for_resource(
                resource, f"Cannot schedule timer start event '{element_id}': {exc}",
                line=_line_of(root, element_id), element_id=element_id,
            ) from exc


def _line_of(root: etree._Element | None, element_id: str | None) -> int | None:
    if root is None or not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _process_info(process: etree._Element, resource: str) -> ProcessInfo:
    attributes = camunda_attributes(process)
    key = process.get("id")
    start = none_start_event(process)
    start_camunda = read_camunda(start) if start is not None else {"attributes": {}}
    return ProcessInfo(
        key=key,
        name=process.get("name"),
        resource_name=resource,
        version_tag=attributes.get("versionTag"),
        history_time_to_live=_history_time_to_live(
            attributes.get("historyTimeToLive"), resource, process
        ),
        startable_in_tasklist=attributes.get("isStartableInTasklist", "true").strip().lower()
        != "false",
        candidate_starter_users=_split(attributes.get("candidateStarterUsers")),
        candidate_starter_groups=_split(attributes.get("candidateStarterGroups")),
        extensions=read_camunda(process),
        has_start_form_key=start_camunda["attributes"].get("formKey"),
        start_form=start_camunda.get("formData"),
    )


def _decisions(resource: str, root: etree._Element) -> list[DecisionInfo]:
    dmn_version_tag = "{" + CAMUNDA_DMN_NS + "}versionTag"
    dmn_ttl = "{" + CAMUNDA_DMN_NS + "}historyTimeToLive"
    decisions = []
    for element in root.iter("{*}decision"):
        if not element.tag.startswith(_DMN_MODEL_PREFIXES):
            continue
        decisions.append(
            DecisionInfo(
                key=element.get("id"),
                name=element.get("name"),
                resource_name=resource,
                version_tag=element.get(dmn_version_tag),
                history_time_to_live=_history_time_to_live(
                    element.get(dmn_ttl), resource, element
                ),
            )
        )
    return decisions


_DAYS = re.compile(r"P(\d+)D")


def _history_time_to_live(value: str | None, resource: str, element: etree._Element) -> int | None:
    """Camunda accepts a number of days or an ISO period in days ("P5D")."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    match = _DAYS.fullmatch(text)
    if match:
        return int(match.group(1))
    raise ParseError.for_resource(
        resource,
        f"Cannot parse historyTimeToLive '{text}': expected a number of days or 'P<n>D'",
        line=element.sourceline,
        element_id=element.get("id"),
    )


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _is_expression(text: str) -> bool:
    return "${" in text or "#{" in text

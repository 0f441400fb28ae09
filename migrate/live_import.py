"""``m8flow migrate import``: copy a live Camunda 7 into m8flow.

Deployments are read oldest first and deployed into the target one at a time, so every
definition gets the same version number it had in the source; names, sources and tenant ids
are kept, BPMN and DMN resources are converted on the way (migrate.run.process). With
instances, each running process instance is started again in the target *at the activities
it waits in* (Camunda start instructions) with its variables and business key, and its open
user tasks get their assignee and candidates back. The source is only read.

What cannot be recreated — a token inside a multi-instance body, an event sub-process or a
call activity, an activity the converted model no longer has, a start the target refuses —
is reported per instance and left running in the source.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.bpmn.extensions import BPMN_NS
from migrate.delegates import DelegateMapping
from migrate.findings import FileResult, FileStatus, Finding, Severity
from migrate.inputs import InputFile, kind_of
from migrate.live_source import CamundaSource
from migrate.live_target import Target, TargetError
from migrate.run import process

# Scopes whose tokens m8flow places (inside the one instance of the sub-process), and those
# it cannot place tokens inside yet.
EMBEDDED = {"subProcess", "transaction"}
SCOPES = {"adHocSubProcess", "multiInstanceBody", "callActivity", "eventSubProcess"}
_B = "{" + BPMN_NS + "}"


@dataclass
class ImportResult:
    results: list[FileResult] = field(default_factory=list)
    deployments: int = 0
    definitions: int = 0
    instances: int = 0
    recreated: int = 0
    skipped_instances: int = 0


@dataclass
class _Model:
    """A converted process model: which flow nodes lie at its top level."""

    top_level: set[str]
    nested: set[str]


def run_import(
    source: CamundaSource,
    target: Target | None,
    *,
    with_instances: bool = False,
    dry_run: bool = False,
    mapping: DelegateMapping | None = None,
    on_total: Callable[[int], None] | None = None,
    on_advance: Callable[[str], None] | None = None,
) -> ImportResult:
    """Copy deployments (and instances) from ``source`` into ``target``; with ``dry_run``
    (or no target) only convert and report."""
    write = target is not None and not dry_run
    outcome = ImportResult()
    deployments = source.deployments()
    instances = source.process_instances() if with_instances else []
    if on_total:
        on_total(len(deployments) + len(instances))
    # (source deployment id, process key) -> target definition id / converted model
    definitions: dict[tuple[str, str], str | None] = {}
    models: dict[tuple[str, str], _Model] = {}
    for number, deployment in enumerate(deployments, start=1):
        _import_deployment(source, target if write else None, number, deployment, mapping, outcome, definitions, models)
        if on_advance:
            on_advance(f"deployment {deployment.get('name') or deployment['id']}")
    for instance in instances:
        _import_instance(source, target if write else None, instance, definitions, models, outcome)
        if on_advance:
            on_advance(f"instance {instance['id']}")
    return outcome


# -- deployments ---------------------------------------------------------------------------------

def _folder(number: int, deployment: dict[str, Any]) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", deployment.get("name") or "").strip("-") or deployment["id"]
    return f"deployments/{number:03d}-{name}"


def _import_deployment(source: CamundaSource, target: Target | None, number: int, deployment: dict[str, Any],
                       mapping: DelegateMapping | None, outcome: ImportResult,
                       definitions: dict[tuple[str, str], str | None], models: dict[tuple[str, str], _Model]) -> None:
    folder = _folder(number, deployment)
    to_deploy: dict[str, bytes] = {}
    results: list[FileResult] = []
    keys: list[str] = []
    for resource in source.resources(deployment["id"]):
        name = resource["name"]
        data = source.resource_data(deployment["id"], resource["id"])
        kind = kind_of(name)
        if kind is None:
            to_deploy[name] = data  # diagrams, scripts: carried over unchanged
            continue
        converted = process(InputFile(f"{folder}/{name}", kind, data), mapping)
        results.append(converted.result)
        if converted.output is None:
            continue
        to_deploy[name] = converted.output
        if kind == "bpmn":
            for key, model in _process_models(converted.output).items():
                models[(deployment["id"], key)] = model
                keys.append(key)
    outcome.results.extend(results)
    where = (f"deployment '{deployment.get('name')}' ({deployment['id']}), tenant {deployment.get('tenantId') or 'none'}, "
             f"source {deployment.get('source') or 'none'}")
    if not to_deploy:
        _note(results, Severity.WARNING, "deployment-not-imported", f"{where}: nothing left to deploy")
        return
    if target is None:
        outcome.deployments += 1
        outcome.definitions += len(keys)
        for key in keys:
            definitions[(deployment["id"], key)] = None
        _note(results, Severity.INFO, "deployment-imported", f"{where}: would be deployed ({len(to_deploy)} resources)")
        return
    try:
        deployed = target.deploy(to_deploy, name=deployment.get("name"), source=deployment.get("source"),
                                 tenant_id=deployment.get("tenantId"))
    except TargetError as exc:
        _note(results, Severity.ERROR, "deployment-not-imported", f"{where}: the target refused it: {exc.message}",
              failed=True)
        return
    outcome.deployments += 1
    outcome.definitions += len(deployed)
    for definition in deployed:
        definitions[(deployment["id"], definition["key"])] = definition["id"]
    versions = ", ".join(f"{d['key']} v{d['version']}" for d in deployed)
    _note(results, Severity.INFO, "deployment-imported", f"{where}: deployed" + (f" ({versions})" if versions else ""))


def _note(results: list[FileResult], severity: Severity, message_id: str, message: str, *, failed: bool = False) -> None:
    """Deployment-level findings go on the deployment's first model file."""
    if not results:
        return
    results[0].findings.append(Finding(severity, message_id, message))
    if failed:
        for result in results:
            result.status = FileStatus.FAILED


def _process_models(content: bytes) -> dict[str, _Model]:
    root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    models = {}
    for process_element in root.iterfind(f"{_B}process"):
        top = {child.get("id") for child in process_element if child.get("id")}
        nested = {e.get("id") for e in process_element.iter() if e.get("id")} - top
        models[process_element.get("id", "")] = _Model(top, nested)
    return models


# -- instances -------------------------------------------------------------------------------------

def _import_instance(source: CamundaSource, target: Target | None, instance: dict[str, Any],
                     definitions: dict[tuple[str, str], str | None], models: dict[tuple[str, str], _Model],
                     outcome: ImportResult) -> None:
    outcome.instances += 1
    definition = source.definition(instance["definitionId"])
    key = definition["key"]
    result = FileResult(f"process-instances/{key}/{instance['id']}", "bpmn", FileStatus.SKIPPED)
    outcome.results.append(result)
    label = f"process instance {instance['id']} of {definition['id']} (business key {instance.get('businessKey')})"

    def refuse(message_id: str, message: str, element: dict[str, Any] | None = None) -> None:
        result.findings.append(Finding(
            Severity.ERROR, message_id, f"{label}: {message}; left running in the source",
            element_id=element.get("activityId") if element else None,
            element_type=element.get("activityType") if element else None,
            element_name=element.get("activityName") if element else None))
        result.status = FileStatus.FAILED
        outcome.skipped_instances += 1

    slot = (definition["deploymentId"], key)
    if slot not in definitions or slot not in models:
        refuse("instance-definition-missing", "its process definition was not imported")
        return
    if instance.get("suspended"):
        result.findings.append(Finding(Severity.WARNING, "instance-suspended",
                                       f"{label}: suspended in the source; recreated active"))
    model = models[slot]
    tree = source.activity_instances(instance["id"])
    waiting: list[dict[str, Any]] = []
    pending = [tree]
    while pending:
        scope = pending.pop(0)
        for child in scope.get("childActivityInstances", []):
            if child.get("activityType") in EMBEDDED:
                pending.append(child)  # a token inside is placed in the same sub-process
            elif child.get("activityType") in SCOPES or child.get("childActivityInstances"):
                refuse("instance-in-scope", f"waits inside {child.get('activityType')} '{child['activityId']}', "
                                            "where m8flow cannot place tokens yet", child)
                return
            else:
                waiting.append(child)
        waiting.extend(scope.get("childTransitionInstances", []))  # async continuations: start before them
    for child in waiting:
        if child["activityId"] not in model.top_level | model.nested:
            refuse("instance-activity-missing",
                   f"activity '{child['activityId']}' is not in the converted model", child)
            return
    if not waiting:
        refuse("instance-activity-missing", "no activity instance to recreate")
        return

    user_tasks = source.tasks(instance["id"])
    local_by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in user_tasks:
        local_by_key[task["taskDefinitionKey"]].append(source.task_local_variables(task["id"]))
    instructions = []
    for child in waiting:
        locals_ = local_by_key.get(child["activityId"])
        variables = {name: {**value, "local": True} for name, value in (locals_.pop(0) if locals_ else {}).items()}
        instruction: dict[str, Any] = {"type": "startBeforeActivity", "activityId": child["activityId"]}
        if variables:
            instruction["variables"] = variables
        instructions.append(instruction)
    for external in source.external_tasks(instance["id"]):
        if external.get("workerId") and external.get("lockExpirationTime"):
            result.findings.append(Finding(
                Severity.WARNING, "external-task-lock-dropped",
                f"{label}: external task on topic '{external.get('topicName')}' was locked by "
                f"'{external['workerId']}'; it is recreated unlocked", element_id=external.get("activityId")))
    activities = ", ".join(i["activityId"] for i in instructions)
    target_definition = definitions[slot]
    if target is None or target_definition is None:
        result.findings.append(Finding(Severity.INFO, "instance-recreated",
                                       f"{label}: would be recreated at {activities}"))
        return
    variables = source.variables(instance["id"])
    try:
        new_id = target.start(target_definition, business_key=instance.get("businessKey"),
                              variables=variables, instructions=instructions)
        _restore_assignments(target, new_id, user_tasks, source)
    except TargetError as exc:
        refuse("instance-start-failed", f"the target refused it: {exc.message}")
        return
    outcome.recreated += 1
    result.status = FileStatus.CONVERTED
    result.output = f"process-instance/{new_id}"
    result.findings.append(Finding(Severity.INFO, "instance-recreated",
                                   f"{label}: recreated as {new_id} at {activities} with {len(variables)} variables"))


def _restore_assignments(target: Target, instance_id: str, source_tasks: list[dict[str, Any]],
                         source: CamundaSource) -> None:
    """Give each recreated user task the assignee, owner and candidates its source task had
    (the source may have changed them since the task was created)."""
    recreated: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in target.tasks(instance_id):
        recreated[task["taskDefinitionKey"]].append(task)
    for task in source_tasks:
        candidates = recreated.get(task["taskDefinitionKey"])
        if not candidates:
            continue
        new = candidates.pop(0)
        wanted = {(link["type"], link.get("userId"), link.get("groupId")) for link in source.identity_links(task["id"])
                  if link["type"] not in ("assignee", "owner")}
        for kind in ("assignee", "owner"):
            if task.get(kind):
                wanted.add((kind, task[kind], None))
        present = {(link["type"], link.get("userId"), link.get("groupId")) for link in target.identity_links(new["id"])}
        for kind, user, group in sorted(present - wanted, key=str):
            target.delete_link(new["id"], {"type": kind, "userId": user, "groupId": group})
        for kind, user, group in sorted(wanted - present, key=str):
            target.add_link(new["id"], {"type": kind, "userId": user, "groupId": group})

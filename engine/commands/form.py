"""Where a user task's or a start event's form lives: generated (``camunda:formData``),
an embedded HTML form or a Camunda Form in a deployment resource, or somewhere m8flow
cannot reach (``embedded:app:``, external forms).

Only locating and reading happens here; turning the form into form.io JSON is the forms
package's job, and the REST layer puts the two together.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from engine.bpmn.extensions import camunda_of
from engine.commands.process_definition import find_definition
from engine.commands.task import get_task
from engine.process_engine import ProcessEngine
from engine.repository import definition_by_id
from engine.store import tables as t

EMBEDDED_DEPLOYMENT = "embedded:deployment:"
CAMUNDA_FORMS_DEPLOYMENT = "camunda-forms:deployment:"
_APP_PREFIXES = ("embedded:app:", "camunda-forms:app:")


@dataclass(frozen=True)
class CamundaFormRef:
    """``camunda:formRef`` with ``formRefBinding`` (latest | deployment | version)."""

    key: str
    binding: str = "latest"
    version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "binding": self.binding, "version": self.version}


@dataclass(frozen=True)
class FormLocation:
    """A form-bearing element and what could be read of its form.

    ``resource_name``/``content`` are set when the form is a deployment resource that was
    found; ``problem`` says why a referenced form could not be read.
    """

    definition_id: str
    element_id: str
    element_name: str | None
    form_key: str | None = None
    form_ref: CamundaFormRef | None = None
    form_data: Mapping[str, Any] | None = None
    resource_name: str | None = None
    content: bytes | None = None
    problem: str | None = None

    @property
    def kind(self) -> str | None:
        """generated | embedded | camunda-forms | external, or None without a form."""
        key = self.form_key or ""
        if self.form_ref is not None or key.startswith("camunda-forms:"):
            return "camunda-forms"
        if key.startswith("embedded:"):
            return "embedded"
        if key:
            return "external"
        if self.form_data and self.form_data.get("fields"):
            return "generated"
        return None


def task_form(engine: ProcessEngine, task_id: str) -> FormLocation:
    """The form of an open user task (NotFound when the task does not exist)."""
    row = get_task(engine, task_id)
    with engine.database.transaction(write=False) as conn:
        definition = definition_by_id(conn, row["process_definition_id"])
        spec, subprocess_specs = engine.specs.get(conn, definition)
        element = next(
            (task_spec for process_spec in [spec, *subprocess_specs.values()]
             for task_spec in process_spec.task_specs.values()
             if getattr(task_spec, "bpmn_id", None) == row["task_definition_key"]),
            None,
        )
        camunda = camunda_of(element)
        # the task row holds the formKey as evaluated when the task was created
        return _locate(conn, definition, row["task_definition_key"], getattr(element, "bpmn_name", None),
                       row["form_key"], camunda)


def start_form(engine: ProcessEngine, **lookup: Any) -> FormLocation:
    """The form of a process definition's none start event (by ``definition_id`` or
    ``key``/``tenant_id``, as in engine.commands.process_definition)."""
    with engine.database.transaction(write=False) as conn:
        definition = find_definition(conn, **lookup)
        spec, _subprocess_specs = engine.specs.get(conn, definition)
        starts = [s for s in spec.start.outputs if (getattr(s, "extensions", None) or {}).get("activityType") == "startEvent"]
        element = starts[0] if starts else None
        camunda = camunda_of(element)
        return _locate(conn, definition, getattr(element, "bpmn_id", None) or definition["key"],
                       getattr(element, "bpmn_name", None), camunda["attributes"].get("formKey"), camunda)


def _locate(
    conn: Connection, definition: Mapping[str, Any], element_id: str, element_name: str | None,
    form_key: str | None, camunda: Mapping[str, Any],
) -> FormLocation:
    attributes = camunda.get("attributes") or {}
    form_ref, problem = _form_ref(attributes)
    location = FormLocation(
        definition_id=definition["id"], element_id=element_id, element_name=element_name,
        form_key=form_key or None, form_ref=form_ref, form_data=camunda.get("formData"),
    )
    key = location.form_key or ""
    if problem:
        return _with(location, problem=problem)
    if form_ref is not None:
        return _with(location, **_camunda_form(conn, definition, form_ref))
    if key.startswith(_APP_PREFIXES):
        return _with(location, problem=(
            f"Form '{key}' lives in the Camunda web application, which m8flow does not have; "
            f"deploy the form with the process and reference it as "
            f"'{key.split(':', 1)[0]}:deployment:{key.split(':', 2)[2]}'"))
    for prefix in (EMBEDDED_DEPLOYMENT, CAMUNDA_FORMS_DEPLOYMENT):
        if key.startswith(prefix):
            name = key[len(prefix):]
            content = _resource(conn, definition["deployment_id"], name)
            if content is None:
                return _with(location, problem=(
                    f"The deployment of process definition {definition['id']} has no resource '{name}'"))
            return _with(location, resource_name=name, content=content)
    if key and not key.startswith(("embedded:", "camunda-forms:")):
        return _with(location, problem=f"Form '{key}' is an external form; m8flow serves only "
                                       "generated, embedded:deployment: and Camunda Forms")
    if key:
        return _with(location, problem=f"Form key '{key}' is not supported")
    return location


def _with(location: FormLocation, **changes: Any) -> FormLocation:
    return FormLocation(**{**location.__dict__, **changes})


def _form_ref(attributes: Mapping[str, str]) -> tuple[CamundaFormRef | None, str | None]:
    key = attributes.get("formRef")
    if not key:
        return None, None
    binding = (attributes.get("formRefBinding") or "latest").strip()
    raw_version = (attributes.get("formRefVersion") or "").strip()
    version = int(raw_version) if raw_version.isdigit() else None
    ref = CamundaFormRef(key, binding, version)
    if "${" in key or "#{" in key or (raw_version and version is None):
        return ref, f"formRef '{key}' (version '{raw_version}') uses an expression; m8flow does not evaluate it"
    if binding not in ("latest", "deployment", "version"):
        return ref, f"Unknown formRefBinding '{binding}'"
    if binding == "version" and version is None:
        return ref, f"formRef '{key}' has binding 'version' but no formRefVersion"
    return ref, None


def _resource(conn: Connection, deployment_id: str, name: str) -> bytes | None:
    r = t.resource
    content = conn.execute(select(r.c.content).where(r.c.deployment_id == deployment_id, r.c.name == name)).scalar()
    return None if content is None else bytes(content)


def _form_id(content: bytes) -> str | None:
    try:
        document = json.loads(content)
    except ValueError:
        return None
    return str(document.get("id")) if isinstance(document, dict) and document.get("id") else None


def _camunda_form(conn: Connection, definition: Mapping[str, Any], ref: CamundaFormRef) -> dict[str, Any]:
    """The ``.form`` resource whose form id is ``ref.key``. Versions count the deployments
    (of the definition's tenant) holding that form, oldest first, as Camunda numbers them."""
    r, d = t.resource, t.deployment
    query = (
        select(r.c.name, r.c.content, r.c.deployment_id)
        .join(d, d.c.id == r.c.deployment_id)
        .where(r.c.name.like("%.form"))
        .order_by(d.c.deployment_time, d.c.id)
    )
    tenant_id = definition["tenant_id"]
    query = query.where(d.c.tenant_id.is_(None) if tenant_id is None else d.c.tenant_id == tenant_id)
    if ref.binding == "deployment":
        query = query.where(r.c.deployment_id == definition["deployment_id"])
    versions: list[tuple[str, bytes]] = []
    seen_deployments: set[str] = set()
    for name, content, deployment_id in conn.execute(query):
        if deployment_id in seen_deployments or _form_id(bytes(content)) != ref.key:
            continue
        seen_deployments.add(deployment_id)
        versions.append((name, bytes(content)))
    if ref.binding == "version":
        found = versions[ref.version - 1] if ref.version and 0 < ref.version <= len(versions) else None
    else:
        found = versions[-1] if versions else None
    if found is None:
        where = {"latest": "in any deployment", "deployment": f"in deployment {definition['deployment_id']}",
                 "version": f"with version {ref.version}"}[ref.binding]
        return {"problem": f"No Camunda Form with id '{ref.key}' {where}"}
    return {"resource_name": found[0], "content": found[1]}

"""Deployments: create (with Camunda's duplicate filtering), query, resources, delete."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, select

from engine.bpmn.parser import parse_deployment
from engine.dates import now
from engine.errors import InvalidRequest, NotFound, ProcessEngineException
from engine.events.start_events import forget_definitions, register_start_events
from engine.ids import new_id
from engine.jobs import timer_start
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.store import Row
from engine.store import tables as t


@dataclass
class DeploymentResult:
    deployment: Row
    process_definitions: list[dict[str, Any]] | None = field(default=None)


def create_deployment(
    engine: ProcessEngine,
    resources: Mapping[str, bytes],
    *,
    name: str | None = None,
    source: str | None = None,
    tenant_id: str | None = None,
    enable_duplicate_filtering: bool = False,
    deploy_changed_only: bool = False,
) -> DeploymentResult:
    if not resources:
        raise InvalidRequest("No deployment resources contained in the form upload.")
    parsed = parse_deployment(dict(resources))
    with engine.database.transaction() as conn:
        to_deploy = dict(resources)
        if enable_duplicate_filtering or deploy_changed_only:
            previous = _previous_resources(conn, name, source, tenant_id)
            if previous is not None:
                deployment_row, old = previous
                changed = {n: c for n, c in resources.items() if old.get(n) != c}
                if not changed:
                    return DeploymentResult(deployment_row, None)
                if deploy_changed_only:
                    to_deploy = changed
                    parsed = parse_deployment(to_deploy)
        deployment_id = new_id()
        deployed_at = now()
        deployment_row = {
            "id": deployment_id,
            "name": name,
            "source": source,
            "tenant_id": tenant_id,
            "deployment_time": deployed_at,
        }
        conn.execute(t.deployment.insert(), [deployment_row])
        conn.execute(
            t.resource.insert(),
            [
                {"id": new_id(), "deployment_id": deployment_id, "name": res_name, "content": content}
                for res_name, content in to_deploy.items()
            ],
        )
        definitions: list[dict[str, Any]] = []
        for process in parsed.processes:
            if process.resource_name not in to_deploy:
                continue
            version = _next_version(conn, process.key, tenant_id)
            definition = {
                "id": f"{process.key}:{version}:{new_id()}",
                "key": process.key,
                "version": version,
                "name": process.name,
                "category": _target_namespace(resources[process.resource_name]),
                "description": None,
                "deployment_id": deployment_id,
                "resource_name": process.resource_name,
                "tenant_id": tenant_id,
                "version_tag": process.version_tag,
                "history_time_to_live": process.history_time_to_live,
                "startable_in_tasklist": process.startable_in_tasklist,
                "suspended": False,
                "start_form_key": process.has_start_form_key,
                "has_start_form_fields": bool(process.start_form and process.start_form.get("fields")),
                "deployment_time": deployed_at,
            }
            definitions.append(definition)
        if definitions:
            conn.execute(t.process_definition.insert(), definitions)
            register_start_events(conn, definitions, to_deploy)
            timer_start.register_definitions(engine, conn, definitions)
        return DeploymentResult(deployment_row, definitions)


def _target_namespace(content: bytes) -> str | None:
    from engine.bpmn.xml import parse_xml

    try:
        return parse_xml(content).get("targetNamespace")
    except Exception:  # noqa: BLE001 — the parser already accepted it; the category is cosmetic
        return None


def _next_version(conn: Connection, key: str, tenant_id: str | None) -> int:
    pd = t.process_definition
    query = select(func.max(pd.c.version)).where(pd.c.key == key)
    query = query.where(pd.c.tenant_id.is_(None) if tenant_id is None else pd.c.tenant_id == tenant_id)
    return (conn.execute(query).scalar() or 0) + 1


def _previous_resources(
    conn: Connection, name: str | None, source: str | None, tenant_id: str | None
) -> tuple[Row, dict[str, bytes]] | None:
    d = t.deployment
    query = select(d).where(d.c.name == name if name is not None else d.c.name.is_(None))
    query = query.where(d.c.source == source if source is not None else d.c.source.is_(None))
    query = query.where(d.c.tenant_id == tenant_id if tenant_id is not None else d.c.tenant_id.is_(None))
    row = conn.execute(query.order_by(d.c.deployment_time.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    # Duplicate filtering compares against everything deployed under this name, newest wins.
    r = t.resource
    rows = conn.execute(
        select(r.c.name, r.c.content)
        .join(d, d.c.id == r.c.deployment_id)
        .where(d.c.name == name if name is not None else d.c.name.is_(None))
        .order_by(d.c.deployment_time)
    ).all()
    return row, {res_name: bytes(content) for res_name, content in rows}


def get_deployment(engine: ProcessEngine, deployment_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(t.deployment).where(t.deployment.c.id == deployment_id)).mappings().first()
    if row is None:
        raise NotFound(f"Deployment with id '{deployment_id}' does not exist")
    return row


def list_resources(engine: ProcessEngine, deployment_id: str) -> list[Row]:
    get_deployment(engine, deployment_id)
    r = t.resource
    with engine.database.transaction(write=False) as conn:
        return list(
            conn.execute(select(r.c.id, r.c.name, r.c.deployment_id).where(r.c.deployment_id == deployment_id).order_by(r.c.name)).mappings()
        )


def get_resource(engine: ProcessEngine, deployment_id: str, resource_id: str, *, with_content: bool = False) -> Row:
    r = t.resource
    columns = [r.c.id, r.c.name, r.c.deployment_id] + ([r.c.content] if with_content else [])
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(*columns).where(r.c.id == resource_id, r.c.deployment_id == deployment_id)).mappings().first()
    if row is None:
        raise NotFound(f"Deployment resource with resource id '{resource_id}' for deployment id '{deployment_id}' does not exist.")
    return row


def delete_deployment(engine: ProcessEngine, deployment_id: str, *, cascade: bool = False,
                      skip_custom_listeners: bool = False) -> None:
    """With ``cascade`` the instances of its definitions go too; running ones end first, with
    their listeners unless ``skip_custom_listeners`` (as ``DELETE /process-instance``)."""
    pd, pi = t.process_definition, t.process_instance
    with engine.database.transaction() as conn:
        exists = conn.execute(select(t.deployment.c.id).where(t.deployment.c.id == deployment_id)).first()
        if exists is None:
            raise NotFound(f"Deployment with id '{deployment_id}' does not exist")
        definition_ids = [row[0] for row in conn.execute(select(pd.c.id).where(pd.c.deployment_id == deployment_id))]
        if definition_ids:
            instance_ids = [
                row[0] for row in conn.execute(select(pi.c.id).where(pi.c.process_definition_id.in_(definition_ids)))
            ]
            running = conn.execute(
                select(func.count()).select_from(pi).where(pi.c.process_definition_id.in_(definition_ids), pi.c.end_time.is_(None))
            ).scalar()
            if running and not cascade:
                raise ProcessEngineException(
                    f"Deletion of process definition without cascading failed. Process definition with id: "
                    f"{definition_ids[0]} can't be deleted, since there exists {running} dependening process instances."
                )
            if running:
                from engine.commands.process_instance import delete_running_instances

                running_ids = list(conn.execute(select(pi.c.id).where(
                    pi.c.process_definition_id.in_(definition_ids), pi.c.end_time.is_(None))).scalars())
                delete_running_instances(conn, running_ids, "Deployment deleted", None if skip_custom_listeners else engine)
            if instance_ids:
                for table in (t.variable, t.task):
                    conn.execute(delete(table).where(table.c.process_instance_id.in_(instance_ids)))
                conn.execute(delete(pi).where(pi.c.id.in_(instance_ids)))
            retire_definitions(engine, conn, definition_ids)
            conn.execute(delete(pd).where(pd.c.deployment_id == deployment_id))
        conn.execute(delete(t.resource).where(t.resource.c.deployment_id == deployment_id))
        conn.execute(delete(t.deployment).where(t.deployment.c.id == deployment_id))
    engine.specs.evict(definition_ids)


def retire_definitions(engine: ProcessEngine, conn: Connection, definition_ids: list[str]) -> None:
    """Definitions about to be deleted: their start event subscriptions and timer start jobs
    go. Where one was the latest version of its key, the version before it is the latest
    again and gets its message, signal and timer start events back, as in Camunda."""
    if not definition_ids:
        return
    pd = t.process_definition
    retiring = list(conn.execute(select(pd).where(pd.c.id.in_(definition_ids))).mappings())
    forget_definitions(conn, definition_ids)
    timer_start.forget_definitions(conn, definition_ids)
    for definition in retiring:
        tenant = definition["tenant_id"]
        same_key = [pd.c.key == definition["key"], pd.c.tenant_id.is_(None) if tenant is None else pd.c.tenant_id == tenant]
        if conn.execute(select(pd.c.id).where(*same_key, pd.c.version > definition["version"]).limit(1)).first():
            continue  # not the latest: the latest keeps its start events
        found = conn.execute(
            select(pd).where(*same_key, pd.c.id.not_in(definition_ids)).order_by(pd.c.version.desc()).limit(1)
        ).mappings().first()
        if found is None:
            continue
        previous = dict(found)
        r = t.resource
        resources = {name: bytes(content) for name, content in conn.execute(
            select(r.c.name, r.c.content).where(r.c.deployment_id == previous["deployment_id"], r.c.name == previous["resource_name"]))}
        register_start_events(conn, [previous], resources)
        timer_start.register_definitions(engine, conn, [previous])


DEPLOYMENT_SORT = {
    "id": t.deployment.c.id,
    "name": t.deployment.c.name,
    "deploymentTime": t.deployment.c.deployment_time,
    "tenantId": t.deployment.c.tenant_id,
}


@query_command
def query_deployments(
    engine: ProcessEngine,
    q: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    d = t.deployment
    query = select(d)
    for name, column in {"id": d.c.id, "name": d.c.name, "source": d.c.source}.items():
        if q.get(name) is not None:
            query = query.where(column == q[name])
    if q.get("nameLike") is not None:
        query = query.where(d.c.name.like(q["nameLike"]))
    if q.get("withoutSource"):
        query = query.where(d.c.source.is_(None))
    if q.get("tenantIdIn"):
        condition: ColumnElement[bool] = d.c.tenant_id.in_(q["tenantIdIn"])
        if q.get("includeDeploymentsWithoutTenantId"):
            condition = condition | d.c.tenant_id.is_(None)
        query = query.where(condition)
    if q.get("withoutTenantId"):
        query = query.where(d.c.tenant_id.is_(None))
    if q.get("after") is not None:
        query = query.where(d.c.deployment_time > q["after"])
    if q.get("before") is not None:
        query = query.where(d.c.deployment_time < q["before"])
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        query = apply_paging(apply_sorting(query, sorting, DEPLOYMENT_SORT, d.c.deployment_time.asc()), first_result, max_results)
        return list(conn.execute(query).mappings())

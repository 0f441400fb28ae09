"""Process definitions: query, lookup by id or key, XML, start form, delete, suspend."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select, update

from engine.errors import ProcessEngineException
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.repository import definition_by_id, latest_definition_by_key
from engine.store import Row
from engine.store import tables as t

pd = t.process_definition

DEFINITION_SORT = {
    "category": pd.c.category,
    "key": pd.c.key,
    "id": pd.c.id,
    "name": pd.c.name,
    "version": pd.c.version,
    "deploymentId": pd.c.deployment_id,
    "deployTime": pd.c.deployment_time,
    "tenantId": pd.c.tenant_id,
    "tenantId ": pd.c.tenant_id,  # the OpenAPI enum has this trailing space
    "versionTag": pd.c.version_tag,
}


def find_definition(
    conn: Connection, *, definition_id: str | None = None, key: str | None = None, tenant_id: str | None = None
) -> Mapping[str, Any]:
    if definition_id is not None:
        return definition_by_id(conn, definition_id)
    return latest_definition_by_key(conn, key or "", tenant_id)


def get_definition(engine: ProcessEngine, **lookup: Any) -> Mapping[str, Any]:
    with engine.database.transaction(write=False) as conn:
        return find_definition(conn, **lookup)


def definition_xml(engine: ProcessEngine, **lookup: Any) -> tuple[Mapping[str, Any], bytes]:
    with engine.database.transaction(write=False) as conn:
        definition = find_definition(conn, **lookup)
        r = t.resource
        content = conn.execute(
            select(r.c.content).where(r.c.deployment_id == definition["deployment_id"], r.c.name == definition["resource_name"])
        ).scalar()
    return definition, bytes(content or b"")


@query_command
def query_definitions(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    c = criteria
    query = select(pd)
    for name, column in {
        "processDefinitionId": pd.c.id, "name": pd.c.name, "deploymentId": pd.c.deployment_id, "key": pd.c.key,
        "category": pd.c.category, "version": pd.c.version, "resourceName": pd.c.resource_name,
        "versionTag": pd.c.version_tag, "deployedAt": pd.c.deployment_time,
    }.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    for name, column in {
        "nameLike": pd.c.name, "keyLike": pd.c.key, "categoryLike": pd.c.category,
        "resourceNameLike": pd.c.resource_name, "versionTagLike": pd.c.version_tag,
    }.items():
        if c.get(name) is not None:
            query = query.where(column.like(c[name]))
    for name, column in {"processDefinitionIdIn": pd.c.id, "keysIn": pd.c.key}.items():
        if c.get(name):
            query = query.where(column.in_(c[name]))
    if c.get("deployedAfter") is not None:
        query = query.where(pd.c.deployment_time > c["deployedAfter"])
    if c.get("withoutVersionTag"):
        query = query.where(pd.c.version_tag.is_(None))
    if c.get("active"):
        query = query.where(pd.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(pd.c.suspended.is_(True))
    if c.get("startableInTasklist"):
        query = query.where(pd.c.startable_in_tasklist.is_(True))
    if c.get("notStartableInTasklist"):
        query = query.where(pd.c.startable_in_tasklist.is_(False))
    tenants = c.get("tenantIdIn")
    if tenants:
        condition: ColumnElement[bool] = pd.c.tenant_id.in_(tenants)
        if c.get("includeProcessDefinitionsWithoutTenantId"):
            condition = condition | pd.c.tenant_id.is_(None)
        query = query.where(condition)
    if c.get("withoutTenantId"):
        query = query.where(pd.c.tenant_id.is_(None))
    if c.get("latestVersion"):
        latest = (
            select(pd.c.key, pd.c.tenant_id, func.max(pd.c.version).label("v"))
            .group_by(pd.c.key, pd.c.tenant_id)
            .subquery()
        )
        query = query.join(
            latest,
            and_(
                latest.c.key == pd.c.key,
                latest.c.v == pd.c.version,
                (latest.c.tenant_id == pd.c.tenant_id) | (latest.c.tenant_id.is_(None) & pd.c.tenant_id.is_(None)),
            ),
        )
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        query = apply_sorting(query, sorting, DEFINITION_SORT, pd.c.id.asc())
        return list(conn.execute(apply_paging(query, first_result, max_results)).mappings())


def delete_definition(engine: ProcessEngine, *, cascade: bool = False, skip_custom_listeners: bool = False,
                      **lookup: Any) -> None:
    """With ``cascade`` its running instances are deleted first, their activities ending with
    their listeners unless ``skip_custom_listeners`` (as ``DELETE /process-instance``)."""
    pi = t.process_instance
    with engine.database.transaction() as conn:
        definition = find_definition(conn, **lookup)
        running = conn.execute(
            select(func.count()).select_from(pi).where(pi.c.process_definition_id == definition["id"], pi.c.end_time.is_(None))
        ).scalar()
        if running and not cascade:
            raise ProcessEngineException(
                f"Deletion of process definition without cascading failed. Process definition with id: "
                f"{definition['id']} can't be deleted, since there exists {running} dependening process instances."
            )
        if running:
            from engine.commands.process_instance import delete_running_instances

            ids = [r[0] for r in conn.execute(select(pi.c.id).where(pi.c.process_definition_id == definition["id"], pi.c.end_time.is_(None)))]
            delete_running_instances(conn, ids, "Process definition deleted", None if skip_custom_listeners else engine)
        from engine.commands.deployment import retire_definitions

        retire_definitions(engine, conn, [definition["id"]])
        conn.execute(pd.delete().where(pd.c.id == definition["id"]))
    engine.specs.evict([definition["id"]])


def set_definition_suspended(engine: ProcessEngine, suspended: bool, *, include_instances: bool = False, **lookup: Any) -> None:
    with engine.database.transaction() as conn:
        definition = find_definition(conn, **lookup)
        conn.execute(update(pd).where(pd.c.id == definition["id"]).values(suspended=suspended))
        if include_instances:
            pi = t.process_instance
            conn.execute(
                update(pi).where(pi.c.process_definition_id == definition["id"], pi.c.end_time.is_(None))
                .values(suspended=suspended, state="SUSPENDED" if suspended else "ACTIVE", revision=pi.c.revision + 1)
            )
            conn.execute(update(t.task).where(t.task.c.process_definition_id == definition["id"]).values(suspended=suspended))

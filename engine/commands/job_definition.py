"""Job definitions: query and get (``/job-definition``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from engine.errors import NotFound
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.store import Row
from engine.store import tables as t

jd = t.job_definition

JOB_DEFINITION_SORT = {
    "jobDefinitionId": jd.c.id,
    "activityId": jd.c.activity_id,
    "processDefinitionId": jd.c.process_definition_id,
    "processDefinitionKey": jd.c.process_definition_key,
    "jobType": jd.c.job_type,
    "jobConfiguration": jd.c.job_configuration,
    "tenantId": jd.c.tenant_id,
}


def get_job_definition(engine: ProcessEngine, job_definition_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(jd).where(jd.c.id == job_definition_id)).mappings().first()
    if row is None:
        raise NotFound(f"Job Definition with id {job_definition_id} does not exist")
    return row


@query_command
def query_job_definitions(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    c = criteria
    query = select(jd)
    equal = {
        "jobDefinitionId": jd.c.id, "processDefinitionId": jd.c.process_definition_id,
        "processDefinitionKey": jd.c.process_definition_key, "jobType": jd.c.job_type,
        "jobConfiguration": jd.c.job_configuration,
    }
    for name, column in equal.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    if c.get("activityIdIn"):
        query = query.where(jd.c.activity_id.in_(c["activityIdIn"]))
    if c.get("active"):
        query = query.where(jd.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(jd.c.suspended.is_(True))
    if c.get("withOverridingJobPriority"):
        query = query.where(jd.c.overriding_job_priority.is_not(None))
    if c.get("tenantIdIn"):
        condition: ColumnElement[bool] = jd.c.tenant_id.in_(c["tenantIdIn"])
        if c.get("includeJobDefinitionsWithoutTenantId"):
            condition = condition | jd.c.tenant_id.is_(None)
        query = query.where(condition)
    if c.get("withoutTenantId"):
        query = query.where(jd.c.tenant_id.is_(None))
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        query = apply_paging(apply_sorting(query, sorting, JOB_DEFINITION_SORT, jd.c.id.asc()), first_result, max_results)
        return list(conn.execute(query).mappings())

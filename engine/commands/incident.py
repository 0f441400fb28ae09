"""Incidents: opened when an external task runs out of retries, resolved when retries are set
again (then the row leaves the runtime table, as in Camunda's ``ACT_RU_INCIDENT``); query,
get, annotate."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from engine.dates import now
from engine.errors import BadUserRequest, NotFound
from engine.ids import new_id
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.store import Row
from engine.store import tables as t

FAILED_EXTERNAL_TASK = "failedExternalTask"

INCIDENT_SORT = {
    "incidentId": t.incident.c.id,
    "incidentMessage": t.incident.c.incident_message,
    "incidentTimestamp": t.incident.c.incident_timestamp,
    "incidentType": t.incident.c.incident_type,
    "executionId": t.incident.c.execution_id,
    "activityId": t.incident.c.activity_id,
    "processInstanceId": t.incident.c.process_instance_id,
    "processDefinitionId": t.incident.c.process_definition_id,
    "causeIncidentId": t.incident.c.cause_incident_id,
    "rootCauseIncidentId": t.incident.c.root_cause_incident_id,
    "configuration": t.incident.c.configuration,
    "tenantId": t.incident.c.tenant_id,
}


def open_external_task_incident(conn: Connection, task: Mapping[str, Any], message: str | None) -> None:
    incident_id = new_id()
    conn.execute(t.incident.insert(), [{
        "id": incident_id,
        "incident_timestamp": now(),
        "incident_type": FAILED_EXTERNAL_TASK,
        "incident_message": message,
        "execution_id": task["execution_id"],
        "activity_id": task["activity_id"],
        "failed_activity_id": task["activity_id"],
        "process_instance_id": task["process_instance_id"],
        "process_definition_id": task["process_definition_id"],
        "cause_incident_id": incident_id,
        "root_cause_incident_id": incident_id,
        "configuration": task["id"],
        "tenant_id": task["tenant_id"],
        "job_definition_id": None,
        "annotation": None,
    }])


def resolve_incidents(conn: Connection, configuration: str) -> None:
    conn.execute(delete(t.incident).where(t.incident.c.configuration == configuration))


def _running() -> Any:
    pi = t.process_instance
    return t.incident.c.process_instance_id.in_(select(pi.c.id).where(pi.c.end_time.is_(None)))


def get_incident(engine: ProcessEngine, incident_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(t.incident).where(t.incident.c.id == incident_id, _running())).mappings().first()
    if row is None:
        raise NotFound(f"No matching incident with id {incident_id}")
    return row


@query_command
def query_incidents(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    i, pd = t.incident, t.process_definition
    c = criteria
    query = select(i).where(_running())
    equal = {
        "incidentId": i.c.id, "incidentType": i.c.incident_type, "incidentMessage": i.c.incident_message,
        "processDefinitionId": i.c.process_definition_id, "processInstanceId": i.c.process_instance_id,
        "executionId": i.c.execution_id, "activityId": i.c.activity_id, "failedActivityId": i.c.failed_activity_id,
        "causeIncidentId": i.c.cause_incident_id, "rootCauseIncidentId": i.c.root_cause_incident_id,
        "configuration": i.c.configuration,
    }
    for name, column in equal.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    if c.get("incidentMessageLike") is not None:
        query = query.where(i.c.incident_message.like(c["incidentMessageLike"]))
    if c.get("tenantIdIn"):
        query = query.where(i.c.tenant_id.in_(c["tenantIdIn"]))
    if c.get("jobDefinitionIdIn"):
        query = query.where(i.c.job_definition_id.in_(c["jobDefinitionIdIn"]))
    if c.get("processDefinitionKeyIn"):
        query = query.where(i.c.process_definition_id.in_(select(pd.c.id).where(pd.c.key.in_(c["processDefinitionKeyIn"]))))
    timestamp: datetime | None
    if (timestamp := c.get("incidentTimestampBefore")) is not None:
        query = query.where(i.c.incident_timestamp < timestamp)
    if (timestamp := c.get("incidentTimestampAfter")) is not None:
        query = query.where(i.c.incident_timestamp > timestamp)
    query = apply_sorting(query, sorting, INCIDENT_SORT, i.c.id.asc())
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return len(conn.execute(query.with_only_columns(i.c.id)).all())
        return list(conn.execute(apply_paging(query, first_result, max_results)).mappings())


def set_annotation(engine: ProcessEngine, incident_id: str, annotation: str | None) -> None:
    with engine.database.transaction() as conn:
        found = conn.execute(select(t.incident.c.id).where(t.incident.c.id == incident_id, _running())).first()
        if found is None:
            raise NotFound(f"Cannot find incident with id '{incident_id}'")
        conn.execute(update(t.incident).where(t.incident.c.id == incident_id).values(annotation=annotation))


def resolve_incident(engine: ProcessEngine, incident_id: str) -> None:
    """``DELETE /incident/{id}``: only custom incidents are resolved this way."""
    with engine.database.transaction() as conn:
        row = conn.execute(select(t.incident).where(t.incident.c.id == incident_id, _running())).mappings().first()
        if row is None:
            raise NotFound(f"Cannot find an incident with id '{incident_id}'")
        if row["incident_type"] in (FAILED_EXTERNAL_TASK, "failedJob"):
            raise BadUserRequest(
                f"Cannot resolve an incident of type {row['incident_type']}. "
                "It resolves itself when the retries are increased."
            )
        conn.execute(delete(t.incident).where(t.incident.c.id == incident_id))

"""Jobs: execute (by the job executor or ``POST /job/{id}/execute``), failure handling with
retries and ``failedJob`` incidents, retries / due date / suspension, queries.

Each job runs as its own command: load the instance, fire the timer or release the held
token, run, save; the save's projection removes the job row (or moves a cycle's due date)
in the same transaction. A failure rolls that back and is recorded in a second transaction.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from engine.commands.incident import resolve_incidents
from engine.dates import now
from engine.errors import (
    BadUserRequest,
    InvalidRequest,
    NotFound,
    OptimisticLockingConflict,
    ProcessEngineException,
)
from engine.ids import new_id
from engine.instance import ProcessInstanceSession
from engine.jobs import async_continuations as continuations
from engine.jobs import retry, task_timeouts, timer_start, timers
from engine.jobs.wakeup import jobs_changed
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.repository import definition_by_id
from engine.store import Row
from engine.store import tables as t

FAILED_JOB = "failedJob"
MAX_EXCEPTION_MESSAGE = 4000
log = logging.getLogger("m8flow.jobs")
job = t.job


# -- acquisition (the job executor) ----------------------------------------------------------
def acquirable(timestamp: datetime) -> Any:
    return and_(
        or_(job.c.due_date.is_(None), job.c.due_date <= timestamp),
        job.c.retries > 0,
        job.c.suspended.is_(False),
        or_(job.c.lock_expiration_time.is_(None), job.c.lock_expiration_time <= timestamp),
    )


def acquire_jobs(engine: ProcessEngine, owner: str, *, max_jobs: int, lock_time: timedelta) -> list[dict[str, Any]]:
    """Lease up to ``max_jobs`` due jobs to ``owner``. On PostgreSQL concurrent acquisitions
    skip each other's rows; on SQLite writers take turns."""
    timestamp = now()
    query = select(job.c.id, job.c.process_instance_id).where(acquirable(timestamp)).order_by(
        job.c.due_date.asc().nulls_first(), job.c.create_time.asc()).limit(max_jobs)
    with engine.database.transaction() as conn:
        if engine.database.is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = [dict(row) for row in conn.execute(query).mappings()]
        if rows:
            conn.execute(update(job).where(job.c.id.in_([row["id"] for row in rows])).values(
                lock_owner=owner, lock_expiration_time=timestamp + lock_time, revision=job.c.revision + 1))
    return rows


def next_due_date(engine: ProcessEngine) -> datetime | None:
    """When the next job falls due (None: no job is waiting for a date)."""
    query = select(func.min(job.c.due_date)).where(job.c.retries > 0, job.c.suspended.is_(False))
    with engine.database.transaction(write=False) as conn:
        value = conn.execute(query).scalar()
    return value


# -- execution ----------------------------------------------------------------------------------
def execute_job(engine: ProcessEngine, job_id: str, *, owner: str | None = None) -> bool:
    """Run one job. ``owner`` is the job executor's lease: a job whose lease went to someone
    else is left alone (returns False). Without an owner (REST) a missing job is a 404 and a
    failure is raised after it was recorded."""
    try:
        with engine.database.transaction() as conn:
            row = _lock(conn, engine, job_id)
            if row is None:
                if owner is None:
                    raise NotFound(f"No job found with id '{job_id}'")
                return False
            if owner is not None and row["lock_owner"] != owner:
                return False
            _run(engine, conn, row)
            return True
    except NotFound:
        raise
    except OptimisticLockingConflict:
        # Someone else changed the instance meanwhile: not the job's fault, try again later.
        _unlock(engine, job_id)
        if owner is None:
            raise
        return False
    except Exception as exc:
        record_failure(engine, job_id, exc)
        if owner is None:
            raise
        log.info("job %s failed: %s", job_id, exc)
        return False


def _lock(conn: Connection, engine: ProcessEngine, job_id: str) -> Row | None:
    query = select(job).where(job.c.id == job_id)
    if engine.database.is_postgres:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def _run(engine: ProcessEngine, conn: Connection, row: Mapping[str, Any]) -> None:
    if row["handler_type"] == timers.TIMER_START_EVENT and row["process_instance_id"] is None:
        definition = definition_by_id(conn, row["process_definition_id"])
        session = ProcessInstanceSession.create(engine, conn, definition)
        session.run()
        session.save()
        timer_start.advance(conn, row)
        return
    try:
        session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
    except NotFound:
        conn.execute(delete(job).where(job.c.id == row["id"]))
        return
    assert session.workflow is not None
    if row["handler_type"] == task_timeouts.TIMER_TASK_LISTENER:
        task_timeouts.fire(session, row["id"])
        session.save()
        return
    try:
        task = session.workflow.get_task_from_id(UUID(row["id"]))
    except Exception:  # noqa: BLE001 — Spiff raises a KeyError variety for unknown ids
        task = None
    if task is None:
        conn.execute(delete(job).where(job.c.id == row["id"]))
        return
    if row["handler_type"] == continuations.ASYNC_CONTINUATION:
        continuations.release(session, task)
    else:
        timers.fire(session, task)
    session.save()


def _unlock(engine: ProcessEngine, job_id: str) -> None:
    with engine.database.transaction() as conn:
        conn.execute(update(job).where(job.c.id == job_id).values(lock_owner=None, lock_expiration_time=None))


def record_failure(engine: ProcessEngine, job_id: str, exc: BaseException) -> None:
    """Camunda's failed-job handling: one retry less (or the retry cycle's count on the first
    failure), the next try after the cycle's wait, and a ``failedJob`` incident at 0."""
    message = str(exc) or type(exc).__name__
    stacktrace = "".join(traceback.format_exception(exc))
    with engine.database.transaction() as conn:
        row = _lock(conn, engine, job_id)
        if row is None:
            return
        cycle = _retry_cycle(engine, conn, row)
        retries = row["retries"]
        if cycle is not None and row["exception_message"] is None:
            retries = cycle.retries
        retries = max(0, retries - 1)
        timestamp = now()
        due = row["due_date"]
        if retries > 0:
            due = timestamp + cycle.wait_before(retries) if cycle is not None else timestamp
        conn.execute(update(job).where(job.c.id == job_id).values(
            retries=retries, due_date=due, exception_message=message[:MAX_EXCEPTION_MESSAGE],
            exception_stacktrace=stacktrace, failed_activity_id=row["activity_id"],
            lock_owner=None, lock_expiration_time=None, revision=job.c.revision + 1,
        ))
        if retries == 0:
            _open_incident(conn, row, message)
        elif due is not None:
            jobs_changed(conn, due)


def _retry_cycle(engine: ProcessEngine, conn: Connection, row: Mapping[str, Any]) -> retry.RetryCycle | None:
    try:
        definition = definition_by_id(conn, row["process_definition_id"])
        spec, subprocess_specs = engine.specs.get(conn, definition)
    except ProcessEngineException:
        return None
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == row["activity_id"]:
                text = continuations.retry_time_cycle(task_spec)
                if text:
                    return retry.parse(text)
    return None


def _open_incident(conn: Connection, row: Mapping[str, Any], message: str) -> None:
    incident_id = new_id()
    conn.execute(t.incident.insert(), [{
        "id": incident_id,
        "incident_timestamp": now(),
        "incident_type": FAILED_JOB,
        "incident_message": message,
        "execution_id": row["execution_id"],
        "activity_id": row["activity_id"],
        "failed_activity_id": row["activity_id"],
        "process_instance_id": row["process_instance_id"],
        "process_definition_id": row["process_definition_id"],
        "cause_incident_id": incident_id,
        "root_cause_incident_id": incident_id,
        "configuration": row["id"],
        "tenant_id": row["tenant_id"],
        "job_definition_id": row["job_definition_id"],
        "annotation": None,
    }])


# -- management -----------------------------------------------------------------------------
def _existing(conn: Connection, job_id: str) -> Row:
    row = conn.execute(select(job).where(job.c.id == job_id)).mappings().first()
    if row is None:
        raise NotFound(f"No job found with id '{job_id}'")
    return row


def get_job(engine: ProcessEngine, job_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(job).where(job.c.id == job_id)).mappings().first()
    if row is None:
        raise NotFound(f"Job with id {job_id} does not exist")
    return row


def get_stacktrace(engine: ProcessEngine, job_id: str) -> str | None:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(job.c.exception_stacktrace).where(job.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"No job found with id '{job_id}'")
    return row[0]


def set_retries(engine: ProcessEngine, job_id: str, retries: int | None) -> None:
    if retries is None or retries < 0:
        raise InvalidRequest(f"The number of job retries must be a non-negative Integer, but '{retries}' has been provided.")
    with engine.database.transaction() as conn:
        _existing(conn, job_id)
        conn.execute(update(job).where(job.c.id == job_id).values(retries=retries, revision=job.c.revision + 1))
        if retries > 0:
            resolve_incidents(conn, job_id)
            jobs_changed(conn, now())


def set_suspended(engine: ProcessEngine, job_id: str, suspended: bool) -> None:
    with engine.database.transaction() as conn:
        _existing(conn, job_id)
        conn.execute(update(job).where(job.c.id == job_id).values(suspended=suspended, revision=job.c.revision + 1))
        if not suspended:
            jobs_changed(conn, now())


def set_due_date(engine: ProcessEngine, job_id: str, due: datetime | None) -> None:
    """``PUT /job/{id}/duedate``. An instance's timer keeps its due time in the Spiff state
    as well, so later saves of the instance keep the new date."""
    with engine.database.transaction() as conn:
        row = _existing(conn, job_id)
        if row["job_type"] == "timer" and row["process_instance_id"] is not None and due is not None:
            session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
            assert session.workflow is not None
            if row["handler_type"] == task_timeouts.TIMER_TASK_LISTENER:
                task_timeouts.set_due_date(session, job_id, due)
            else:
                timers.set_due_date(session.workflow.get_task_from_id(UUID(job_id)), due)
            session.save()
        conn.execute(update(job).where(job.c.id == job_id).values(due_date=due, revision=job.c.revision + 1))
        jobs_changed(conn, due or now())


def delete_job(engine: ProcessEngine, job_id: str) -> None:
    with engine.database.transaction() as conn:
        row = _existing(conn, job_id)
        if row["process_instance_id"] is not None:
            raise BadUserRequest(f"Cannot delete job {job_id}: it belongs to process instance {row['process_instance_id']}")
        conn.execute(delete(job).where(job.c.id == job_id))


# -- queries ------------------------------------------------------------------------------------
JOB_SORT = {
    "jobId": job.c.id,
    "executionId": job.c.execution_id,
    "processInstanceId": job.c.process_instance_id,
    "processDefinitionId": job.c.process_definition_id,
    "processDefinitionKey": job.c.process_definition_key,
    "jobPriority": job.c.priority,
    "jobRetries": job.c.retries,
    "jobDueDate": job.c.due_date,
    "tenantId": job.c.tenant_id,
}

_COMPARE = {"gt": "__gt__", "lt": "__lt__", "gteq": "__ge__", "lteq": "__le__", "eq": "__eq__"}


@query_command
def query_jobs(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    c = criteria
    query = select(job)
    equal = {
        "jobId": job.c.id, "jobDefinitionId": job.c.job_definition_id, "processInstanceId": job.c.process_instance_id,
        "executionId": job.c.execution_id, "processDefinitionId": job.c.process_definition_id,
        "processDefinitionKey": job.c.process_definition_key, "activityId": job.c.activity_id,
        "exceptionMessage": job.c.exception_message, "failedActivityId": job.c.failed_activity_id,
    }
    for name, column in equal.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    for name, column in {"jobIds": job.c.id, "processInstanceIds": job.c.process_instance_id}.items():
        if c.get(name):
            query = query.where(column.in_(c[name]))
    timestamp = now()
    if c.get("timers") and c.get("messages"):
        raise InvalidRequest("Parameter timers cannot be used together with parameter messages.")
    if c.get("timers"):
        query = query.where(job.c.job_type == "timer")
    if c.get("messages"):
        query = query.where(job.c.job_type == "message")
    if c.get("withRetriesLeft"):
        query = query.where(job.c.retries > 0)
    if c.get("noRetriesLeft"):
        query = query.where(job.c.retries <= 0)
    if c.get("executable"):
        query = query.where(job.c.retries > 0, or_(job.c.due_date.is_(None), job.c.due_date <= timestamp))
    if c.get("withException"):
        query = query.where(job.c.exception_message.is_not(None))
    if c.get("active"):
        query = query.where(job.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(job.c.suspended.is_(True))
    if c.get("priorityLowerThanOrEquals") is not None:
        query = query.where(job.c.priority <= c["priorityLowerThanOrEquals"])
    if c.get("priorityHigherThanOrEquals") is not None:
        query = query.where(job.c.priority >= c["priorityHigherThanOrEquals"])
    for name, column in (("dueDates", job.c.due_date), ("createTimes", job.c.create_time)):
        for condition in c.get(name) or []:
            operator = _COMPARE.get(condition.get("operator"))
            if operator is None:
                raise InvalidRequest(f"Invalid {name} comparator specified: {condition.get('operator')}")
            query = query.where(getattr(column, operator)(condition["value"]))
    if c.get("tenantIdIn"):
        condition = job.c.tenant_id.in_(c["tenantIdIn"])
        if c.get("includeJobsWithoutTenantId"):
            condition = or_(condition, job.c.tenant_id.is_(None))
        query = query.where(condition)
    if c.get("withoutTenantId"):
        query = query.where(job.c.tenant_id.is_(None))
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        query = apply_paging(apply_sorting(query, sorting, JOB_SORT, job.c.id.asc()), first_result, max_results)
        return list(conn.execute(query).mappings())

"""The ``job`` rows of one process instance, kept in step with its Spiff state on each save:
a row per waiting timer and per token held at an async continuation, keyed by the Spiff task
id; rows of tokens that moved on (or were cancelled) go, with their failedJob incidents."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from engine.dates import now
from engine.jobs import async_continuations as continuations
from engine.jobs import definitions, task_timeouts, timers
from engine.jobs.wakeup import jobs_changed
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

DEFAULT_RETRIES = 3
TIMER, MESSAGE = "timer", "message"


def _has_jobs(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    assert workflow is not None
    return bool(definitions.cached_declarations(workflow.spec, workflow.subprocess_specs))


def current_jobs(session: ProcessInstanceSession) -> dict[str, dict[str, Any]]:
    """What the instance's jobs are now: id → the columns that describe the job."""
    workflow = session.workflow
    assert workflow is not None
    jobs: dict[str, dict[str, Any]] = {}
    for task in timers.waiting_timers(workflow):
        kind = timers.handler_type(task)
        if kind == timers.TIMER_START_EVENT:
            continue  # the instance already started (timer start events are definition jobs)
        due = timers.due_date(task)
        if due is None:
            continue
        jobs[str(task.id)] = {
            "job_type": TIMER, "handler_type": kind,
            "handler_configuration": timers.job_configuration(task.task_spec),
            "activity_id": timers.timer_activity_id(task.task_spec), "due_date": due,
        }
    jobs.update(task_timeouts.current_jobs(workflow))
    for task in continuations.held_tokens(workflow):
        mark = continuations.held(task) or {}
        jobs[str(task.id)] = {
            "job_type": MESSAGE, "handler_type": continuations.ASYNC_CONTINUATION,
            "handler_configuration": mark.get("configuration"),
            "activity_id": mark.get("activity"), "due_date": None,
        }
    return jobs


def sync_jobs(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    if not _has_jobs(session):
        return
    conn, job = session.conn, t.job
    existing: dict[str, datetime | None] = {} if new_instance else {
        row[0]: row[1] for row in conn.execute(select(job.c.id, job.c.due_date).where(job.c.process_instance_id == session.id))
    }
    current = {} if ended else current_jobs(session)
    gone = existing.keys() - current.keys()
    if gone:
        conn.execute(delete(t.incident).where(t.incident.c.configuration.in_(gone)))
        conn.execute(delete(job).where(job.c.id.in_(gone)))
    earliest: datetime | None = None
    rows = []
    for job_id, columns in current.items():
        due = columns["due_date"]
        if job_id in existing:
            if due is not None and _differs(existing[job_id], due):
                # A cycle fired and moved on: the next round is a fresh attempt.
                conn.execute(update(job).where(job.c.id == job_id).values(
                    due_date=due, lock_owner=None, lock_expiration_time=None, revision=job.c.revision + 1))
                earliest = due if earliest is None or due < earliest else earliest
            continue
        rows.append(_new_row(session, job_id, columns))
        earliest = due if earliest is None or (due is not None and due < earliest) else earliest
    if rows:
        conn.execute(job.insert(), rows)
        jobs_changed(conn, min(r["due_date"] or r["create_time"] for r in rows))
    elif earliest is not None:
        jobs_changed(conn, earliest)


def _differs(stored: datetime | None, due: datetime) -> bool:
    if stored is None:
        return True
    if stored.tzinfo is None:  # SQLite returns naive UTC
        stored = stored.replace(tzinfo=due.tzinfo)
    return abs((stored - due).total_seconds()) > 0.001


def _new_row(session: ProcessInstanceSession, job_id: str, columns: dict[str, Any]) -> dict[str, Any]:
    definition = session.definition
    declaration = definitions.JobDeclaration(columns["activity_id"] or "", columns["handler_type"],
                                             columns["handler_configuration"])
    job_definition_id, _ = definitions.ensure(session.conn, definition, declaration)
    return {
        "id": job_id,
        **{k: columns[k] for k in ("job_type", "handler_type", "handler_configuration", "activity_id", "due_date")},
        "job_definition_id": job_definition_id,
        "process_instance_id": session.id,
        "execution_id": session.id,
        "process_definition_id": definition["id"],
        "process_definition_key": definition["key"],
        "create_time": now(),
        "retries": DEFAULT_RETRIES,
        "exception_message": None,
        "exception_stacktrace": None,
        "failed_activity_id": None,
        "suspended": bool(session.row["suspended"]),
        "priority": 0,
        "tenant_id": session.row["tenant_id"],
        "deployment_id": definition.get("deployment_id"),
        "lock_owner": None,
        "lock_expiration_time": None,
        "revision": 1,
    }

"""Timer start events: a job per latest process definition version with one, created by its
deployment and removed when a newer version replaces it (or the deployment is deleted).
Each time the job executor runs it, it starts an instance; a cycle then moves the job's due
date on.

The job's ``handler_configuration`` holds the evaluated schedule as JSON:
``{"kind", "value", "cycles", "seconds"}`` (``cycles`` -1 = forever; ``value`` the cron text
for cron cycles).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, delete, select, update

from engine.bpmn import juel
from engine.bpmn.script_engine import timer_literal
from engine.dates import now
from engine.errors import ParseError, ProcessEngineException
from engine.ids import new_id
from engine.jobs import cron, definitions, timers
from engine.jobs.projection import DEFAULT_RETRIES, TIMER
from engine.jobs.wakeup import jobs_changed
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession
    from engine.process_engine import ProcessEngine


# -- in an instance ----------------------------------------------------------------------------
def start_at_once(session: ProcessInstanceSession) -> bool:
    """``after_steps`` hook: an instance that exists has started, whether a timer job or a
    REST call created it; its timer start event does not wait (as in Camunda)."""
    workflow = session.workflow
    assert workflow is not None
    if not timers.model_has_timers(workflow):
        return False
    moved = False
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if task.workflow is not workflow or not isinstance(task.task_spec, StartEvent) or not timers.is_timer(task.task_spec):
            continue
        siblings = task.parent.children if task.parent is not None else []
        if any(s is not task and s.state == TaskState.COMPLETED for s in siblings):
            continue  # another start event started this instance
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            # A cycle's token leaves through the children each round adds: one round, now.
            past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            task._set_internal_data(event_value={"cycles": 1, "next": past, "duration": 0.0})
        else:
            task._set_internal_data(event_fired=True)
        task.task_spec._update(task)
        moved = True
    return moved


# -- scheduling -------------------------------------------------------------------------------
def register_definitions(engine: ProcessEngine, conn: Connection, deployed: Iterable[Mapping[str, Any]]) -> None:
    """Called by the deployment command for each newly deployed (hence latest) definition, as
    Camunda's deployer does: its job definitions, and the job of each timer start event, due
    at once in ``GET /job``; the timer start jobs of the versions it replaces go."""
    j, pd = t.job, t.process_definition
    for definition in deployed:
        try:
            spec, subprocess_specs = engine.specs.get(conn, definition)
        except ParseError:
            # Deployed but not runnable (no start event: Camunda deploys it, Spiff cannot
            # build it, see engine.bpmn.parser.parse_deployment): it has no jobs either.
            continue
        tenant = definition["tenant_id"]
        older = select(pd.c.id).where(
            pd.c.key == definition["key"], pd.c.id != definition["id"],
            pd.c.tenant_id.is_(None) if tenant is None else pd.c.tenant_id == tenant,
        )
        conn.execute(delete(j).where(
            j.c.handler_type == timers.TIMER_START_EVENT, j.c.process_instance_id.is_(None),
            j.c.process_definition_id.in_(older),
        ))
        for declaration in definitions.cached_declarations(spec, subprocess_specs):
            job_definition_id, _ = definitions.ensure(conn, definition, declaration)
            if declaration.job_type == timers.TIMER_START_EVENT:
                _create_job(conn, definition, declaration, job_definition_id)


def forget_definitions(conn: Connection, definition_ids: list[str]) -> None:
    """A deployment is deleted: its definitions' jobs and job definitions go with it."""
    if definition_ids:
        conn.execute(delete(t.job).where(t.job.c.process_definition_id.in_(definition_ids)))
        conn.execute(delete(t.job_definition).where(t.job_definition.c.process_definition_id.in_(definition_ids)))


def _create_job(conn: Connection, definition: Mapping[str, Any], declaration: definitions.JobDeclaration,
                job_definition_id: str) -> None:
    timer = declaration.timer or {}
    schedule_state = first_schedule(timer.get("kind") or "", timer.get("text") or "")
    due = schedule_state.pop("due")
    conn.execute(t.job.insert(), [{
        "id": new_id(),
        "job_type": TIMER,
        "handler_type": timers.TIMER_START_EVENT,
        "handler_configuration": json.dumps(schedule_state),
        "job_definition_id": job_definition_id,
        "process_instance_id": None,
        "execution_id": None,
        "process_definition_id": definition["id"],
        "process_definition_key": definition["key"],
        "activity_id": declaration.activity_id,
        "due_date": due,
        "create_time": now(),
        "retries": DEFAULT_RETRIES,
        "exception_message": None,
        "exception_stacktrace": None,
        "failed_activity_id": None,
        "suspended": bool(definition["suspended"]),
        "priority": 0,
        "tenant_id": definition["tenant_id"],
        "deployment_id": definition["deployment_id"],
        "lock_owner": None,
        "lock_expiration_time": None,
        "revision": 1,
    }])
    jobs_changed(conn, due)


class _NoVariables(juel.ElContext):
    """Timer start events are evaluated before any instance exists."""

    def resolve(self, name: str) -> Any:
        raise KeyError(name)

    def function(self, name: str) -> Any:
        return None


def first_schedule(kind: str, text: str, *, at: datetime | None = None) -> dict[str, Any]:
    """The first due date of a timer start event and the state to compute the next ones."""
    start = at or datetime.now(UTC)
    value: Any = juel.parse(text).evaluate(_NoVariables()) if ("${" in text or "#{" in text) else text
    if isinstance(value, datetime):
        value = value.isoformat()
    value = timer_literal(str(value))
    try:
        if kind == "timeDate":
            return {"kind": kind, "value": value, "cycles": 0, "seconds": 0,
                    "due": _utc(TimerEventDefinition.parse_time_or_duration(value))}
        if kind == "timeDuration":
            delta = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value), start)
            return {"kind": kind, "value": value, "cycles": 0, "seconds": 0, "due": start + delta}
        if cron.is_cron(value):
            return {"kind": "cron", "value": value, "cycles": -1, "seconds": 0,
                    "due": cron.next_fire_time(value, start)}
        cycles, first, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
        return {"kind": kind, "value": value, "cycles": cycles, "seconds": duration.total_seconds(),
                "due": _utc(first)}
    except ProcessEngineException:
        raise
    except Exception as exc:
        raise ProcessEngineException(f"Invalid timer definition '{value}' ({kind})") from exc


def next_due(state: dict[str, Any], previous: datetime) -> datetime | None:
    """After the job started an instance: when it runs next, or None when it is done. The
    state's remaining cycles are counted down in place."""
    current = datetime.now(UTC)
    if state["kind"] == "cron":
        return cron.next_fire_time(state["value"], max(_utc(previous), current))
    if state["kind"] != "timeCycle":
        return None
    if state["cycles"] > 0:
        state["cycles"] -= 1
    if state["cycles"] == 0:
        return None
    return max(_utc(previous) + timedelta(seconds=state["seconds"]), current)


def advance(conn: Connection, job: Mapping[str, Any]) -> None:
    """The timer start job ran: schedule its next round, or remove it."""
    state = json.loads(job["handler_configuration"] or "{}")
    due = next_due(state, job["due_date"]) if state else None
    j = t.job
    if due is None:
        conn.execute(delete(j).where(j.c.id == job["id"]))
        return
    conn.execute(update(j).where(j.c.id == job["id"]).values(
        due_date=due, handler_configuration=json.dumps(state), lock_owner=None, lock_expiration_time=None,
        retries=DEFAULT_RETRIES, exception_message=None, exception_stacktrace=None, revision=j.c.revision + 1,
    ))
    jobs_changed(conn, due)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

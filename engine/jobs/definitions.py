"""Job definitions: one per activity of a process definition that creates jobs (a timer, an
async continuation, a task timeout listener), created with the definition at deployment as
in Camunda (``timer_start.register_definitions``), or when a job needs one that is missing
(definitions deployed before m8flow created them there)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.ids import new_id
from engine.jobs import async_continuations as continuations
from engine.jobs import task_timeouts, timers
from engine.store import tables as t
from engine.store.database import after_commit


@dataclass(frozen=True)
class JobDeclaration:
    activity_id: str
    job_type: str
    configuration: str
    timer: dict[str, Any] | None = None  # {"kind", "text"} of a timer start event


def declarations(spec: Any, subprocess_specs: Mapping[str, Any]) -> list[JobDeclaration]:
    """Every job-creating activity of the process and its embedded sub-processes."""
    event_subprocesses = {
        task_spec.spec for process in (spec, *subprocess_specs.values())
        for task_spec in process.task_specs.values() if isinstance(task_spec, EventSubprocess)
    }
    found: dict[tuple[str, str, str], JobDeclaration] = {}
    for process_name, process in [(spec.name, spec), *subprocess_specs.items()]:
        for declaration in _of_process(process, top=process is spec, in_event_subprocess=process_name in event_subprocesses):
            found.setdefault((declaration.activity_id, declaration.job_type, declaration.configuration), declaration)
    return list(found.values())


def _of_process(process: Any, *, top: bool, in_event_subprocess: bool) -> Iterator[JobDeclaration]:
    for task_spec in process.task_specs.values():
        activity = getattr(task_spec, "bpmn_id", None)
        if activity is None:
            continue
        if timers.is_timer(task_spec):
            if isinstance(task_spec, BoundaryEvent):
                job_type = timers.TIMER_BOUNDARY
            elif isinstance(task_spec, StartEvent):
                if not top and not in_event_subprocess:
                    continue
                job_type = timers.TIMER_START_EVENT_SUBPROCESS if in_event_subprocess else timers.TIMER_START_EVENT
            else:
                job_type = timers.TIMER_INTERMEDIATE
            timer = (task_spec.extensions or {}).get("timer") if job_type == timers.TIMER_START_EVENT else None
            yield JobDeclaration(activity, job_type, timers.job_configuration(task_spec), timer)
        if continuations.is_async_before(task_spec):
            yield JobDeclaration(activity, continuations.ASYNC_CONTINUATION, continuations.ASYNC_BEFORE)
        if continuations.is_async_after(task_spec):
            yield JobDeclaration(activity, continuations.ASYNC_CONTINUATION, continuations.ASYNC_AFTER)
        for configuration in task_timeouts.declared(task_spec):
            yield JobDeclaration(activity, task_timeouts.TIMER_TASK_LISTENER, configuration)


def cached_declarations(spec: Any, subprocess_specs: Mapping[str, Any]) -> list[JobDeclaration]:
    """Cached on the parsed spec, which lives as long as the definition version."""
    cached = getattr(spec, "_m8flow_job_declarations", None)
    if cached is None:
        cached = declarations(spec, subprocess_specs)
        spec._m8flow_job_declarations = cached
    return list(cached)


def ensure(conn: Connection, definition: Mapping[str, Any], declaration: JobDeclaration) -> tuple[str, bool]:
    """The job definition's id, inserting it if missing; True when this call inserted it
    (two gateway processes may race: the unique key lets exactly one win)."""
    key = (definition["id"], declaration.activity_id, declaration.job_type, declaration.configuration)
    if key in _known:
        return _known[key], False
    jd = t.job_definition
    definition_id = new_id()
    row = {
        "id": definition_id,
        "process_definition_id": definition["id"],
        "process_definition_key": definition["key"],
        "activity_id": declaration.activity_id,
        "job_type": declaration.job_type,
        "job_configuration": declaration.configuration,
        "overriding_job_priority": None,
        "suspended": False,
        "tenant_id": definition["tenant_id"],
        "deployment_id": definition["deployment_id"],
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(dialect.insert(jd).values(**row).on_conflict_do_nothing().returning(jd.c.id)).first()
    if inserted is not None:
        # Known only once committed; until then a rollback would leave a stale id here.
        _after_commit(conn, key, definition_id)
        return definition_id, True
    existing = conn.execute(
        select(jd.c.id).where(
            jd.c.process_definition_id == definition["id"], jd.c.activity_id == declaration.activity_id,
            jd.c.job_type == declaration.job_type, jd.c.job_configuration == declaration.configuration,
        )
    ).scalar_one()
    _known[key] = existing
    return existing, False


# Definition ids are never reused, so a known job definition id stays valid (a deleted
# deployment takes its definitions' jobs with it).
_known: dict[tuple[str, str, str, str], str] = {}


def _after_commit(conn: Connection, key: tuple[str, str, str, str], job_definition_id: str) -> None:
    # The command's own commit: inside a write batch the connection's COMMIT also ends the
    # savepoints of commands that rolled back, and this one may be among them.
    after_commit(conn, lambda: _known.__setitem__(key, job_definition_id))

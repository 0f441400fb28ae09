"""Timeout task listeners: ``<camunda:taskListener event="timeout" id="reminder">`` with a
``timerEventDefinition``. Camunda creates a timer job per such listener when the user task is
created; when the job runs, the listener runs and the task stays (a cycle fires again until its
repetitions are done). The job goes with the task.

The due times live in the user task's Spiff internal data (``m8flow_timeouts``: listener id →
``{"due", "cycles", "interval", "cron"}``, None once done), so each save projects them into
``job`` rows like other timers (``engine.jobs.projection``); a job's id is derived from the task
and the listener id.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import evaluate
from engine.bpmn.specs import model_has
from engine.errors import ProcessEngineException
from engine.jobs import cron

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

TIMER_TASK_LISTENER = "timer-task-listener"
_KEY = "m8flow_timeouts"
_JOB_IDS = uuid.UUID("6f1c3f8e-52a4-4c1e-9d0b-2f7a4e1b9c33")
_KINDS = {"timeDate": "DATE", "timeDuration": "DURATION", "timeCycle": "CYCLE"}


def timeout_listeners(spec: Any) -> list[dict[str, Any]]:
    return [entry for entry in camunda_of(spec).get("taskListeners", [])
            if entry.get("event") == "timeout" and entry.get("timerEventDefinition")]


def declared(spec: Any) -> list[str]:
    """The job configurations (``DURATION: PT1H``...) of a user task's timeout listeners."""
    if not isinstance(spec, UserTask):
        return []
    return [configuration(entry) for entry in timeout_listeners(spec)]


def configuration(listener: dict[str, Any]) -> str:
    timer = listener["timerEventDefinition"]
    return f"{_KINDS.get(timer['kind'], 'CYCLE')}: {timer['text']}"


def job_id(task: Any, listener_id: str | None) -> str:
    return str(uuid.uuid5(_JOB_IDS, f"{task.id}/{listener_id}"))


def schedule(session: ProcessInstanceSession, task: Any) -> None:
    """A user task was created: the first due time of each of its timeout listeners."""
    listeners = timeout_listeners(task.task_spec)
    if not listeners or task._get_internal_data(_KEY) is not None:
        return
    context = session.context_for(task, scope_id=str(task.id))
    element = task.task_spec.bpmn_id
    state = {}
    for listener in listeners:
        timer = listener["timerEventDefinition"]
        value = evaluate(timer.get("text") or "", context, element_id=element)
        state[listener.get("id")] = _first(timer["kind"], value, f"timeout listener '{listener.get('id')}' of '{element}'")
    task._set_internal_data(**{_KEY: state})


def _first(kind: str, value: Any, label: str) -> dict[str, Any]:
    start = datetime.now(UTC)
    try:
        if isinstance(value, datetime):
            return {"due": _aware(value).isoformat()}
        if isinstance(value, date):
            return {"due": datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()}
        text = str(value).strip().strip("'\"")
        if kind == "timeDate":
            return {"due": TimerEventDefinition.get_datetime(text).isoformat()}
        if kind == "timeDuration":
            delta = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(text), start)
            return {"due": (start + delta).isoformat()}
        if cron.is_cron(text):
            return {"due": cron.next_fire_time(text, start).isoformat(), "cron": text}
        cycles, first, interval = TimerEventDefinition.parse_iso_recurring_interval(text)
        return {"due": _aware(first).isoformat(), "cycles": cycles, "interval": interval.total_seconds()}
    except ProcessEngineException:
        raise
    except Exception as exc:  # noqa: BLE001 — Spiff's parsers raise plain exceptions
        raise ProcessEngineException(f"Cannot parse the timer of {label}: '{value}' ({exc})") from exc


def current_jobs(workflow: Any) -> dict[str, dict[str, Any]]:
    """The timeout jobs of the instance's open user tasks, as ``projection.current_jobs`` lists them."""
    jobs: dict[str, dict[str, Any]] = {}
    for task, listener, state in _open_timeouts(workflow):
        jobs[job_id(task, listener.get("id"))] = {
            "job_type": "timer", "handler_type": TIMER_TASK_LISTENER, "handler_configuration": configuration(listener),
            "activity_id": task.task_spec.bpmn_id, "due_date": datetime.fromisoformat(state["due"]),
        }
    return jobs


def _has_timeouts(workflow: Any) -> bool:
    return model_has(workflow.spec, workflow.subprocess_specs, "timeouts", lambda spec: bool(declared(spec)))


def _open_timeouts(workflow: Any) -> list[tuple[Any, dict[str, Any], dict[str, Any]]]:
    found: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    if not _has_timeouts(workflow):
        return found
    for task in workflow.get_tasks(state=TaskState.READY):
        states = task._get_internal_data(_KEY)
        if not states or not isinstance(task.task_spec, UserTask):
            continue
        for listener in timeout_listeners(task.task_spec):
            state = states.get(listener.get("id"))
            if state is not None:
                found.append((task, listener, state))
    return found


def _find(session: ProcessInstanceSession, wanted: str) -> tuple[Any, dict[str, Any], dict[str, Any]] | None:
    assert session.workflow is not None
    return next(((task, listener, state) for task, listener, state in _open_timeouts(session.workflow)
                 if job_id(task, listener.get("id")) == wanted), None)


def fire(session: ProcessInstanceSession, wanted: str) -> None:
    """The job ran: the listener runs, the task stays; the next due time of a cycle, or done."""
    from engine.listeners import fire_task_listeners

    found = _find(session, wanted)
    if found is None:
        return  # the task ended meanwhile: the save drops the job
    task, listener, state = found
    fire_task_listeners(session, task, "timeout", listener.get("id"))
    _set_state(task, listener.get("id"), _next(state))


def _next(state: dict[str, Any]) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    if state.get("cron"):
        return {**state, "due": cron.next_fire_time(state["cron"], now).isoformat()}
    cycles = state.get("cycles")
    if cycles is None or cycles == 1 or not state.get("interval"):
        return None
    due = max(datetime.fromisoformat(state["due"]), now) + timedelta(seconds=state["interval"])
    return {**state, "due": due.isoformat(), "cycles": cycles - 1 if cycles > 0 else cycles}


def set_due_date(session: ProcessInstanceSession, wanted: str, due: datetime) -> None:
    """``PUT /job/{id}/duedate`` of a timeout job: the instance keeps the new date."""
    found = _find(session, wanted)
    if found is not None:
        task, listener, state = found
        _set_state(task, listener.get("id"), {**state, "due": _aware(due).isoformat()})


def _set_state(task: Any, listener_id: str | None, state: dict[str, Any] | None) -> None:
    states = dict(task._get_internal_data(_KEY) or {})
    states[listener_id] = state
    task._set_internal_data(**{_KEY: states})


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.astimezone(UTC)

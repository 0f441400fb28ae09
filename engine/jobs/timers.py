"""Timer events as jobs: which waiting Spiff tasks are timers, when they are due, and how a
job makes one fire.

SpiffWorkflow keeps a timer's due time in the task's internal data (``event_value``, set when
the timer is first evaluated) and fires it when ``refresh_timers()`` runs after that time.
m8flow projects each waiting timer into a ``job`` row with that due date; the job executor
runs the job when the row is due, and the job moves Spiff's due time to the past first, so
the database's due date (which ``PUT /job/{id}/duedate`` may change) is the one that counts.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.specs import model_has
from engine.jobs import cron

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

TIMER_START_EVENT = "timer-start-event"
TIMER_START_EVENT_SUBPROCESS = "timer-start-event-subprocess"
TIMER_BOUNDARY = "timer-transition"
TIMER_INTERMEDIATE = "timer-intermediate-transition"


def timer_definition(task_spec: Any) -> TimerEventDefinition | None:
    """The timer a task waits for: its own event definition, or, on an event-based gateway,
    the timer among the events Spiff moved from the catch events onto the gateway."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return definition
    for inner in getattr(definition, "event_definitions", None) or ():
        if isinstance(inner, TimerEventDefinition):
            return inner
    return None


def is_timer(task_spec: Any) -> bool:
    return timer_definition(task_spec) is not None


def timer_activity_id(task_spec: Any) -> str:
    """Camunda's activity of a timer job: the timer catch event, also when it follows an
    event-based gateway (whose outputs are in the order of its event definitions)."""
    definition = getattr(task_spec, "event_definition", None)
    inner = getattr(definition, "event_definitions", None)
    if inner and not isinstance(definition, TimerEventDefinition):
        for index, candidate in enumerate(inner):
            if isinstance(candidate, TimerEventDefinition) and index < len(task_spec.outputs):
                return task_spec.outputs[index].bpmn_id or task_spec.bpmn_id
    return task_spec.bpmn_id


def model_has_timers(workflow: Any) -> bool:
    """Whether the instance's model has any timer event (cached on its parsed spec)."""
    top = workflow.top_workflow
    return model_has(top.spec, top.subprocess_specs, "timers", is_timer)


def waiting_timers(workflow: Any) -> list[Any]:
    """Every timer a token waits at, in the instance and its sub-processes."""
    if not model_has_timers(workflow):
        return []
    return [task for task in workflow.get_tasks(state=TaskState.WAITING) if is_timer(task.task_spec)]


def handler_type(task: Any) -> str:
    spec = task.task_spec
    if isinstance(spec, BoundaryEvent):
        return TIMER_BOUNDARY
    if isinstance(spec, StartEvent):
        parent_id = getattr(task.workflow, "parent_task_id", None)
        if parent_id is not None:
            parent = task.workflow.top_workflow.get_task_from_id(parent_id)
            if isinstance(parent.task_spec, EventSubprocess):
                return TIMER_START_EVENT_SUBPROCESS
        return TIMER_START_EVENT
    return TIMER_INTERMEDIATE


def job_configuration(task_spec: Any) -> str:
    """Camunda's ``jobConfiguration`` of a timer job definition: ``DURATION: PT5M``..."""
    definition = timer_definition(task_spec)
    assert definition is not None, "only timers have a job configuration (is_timer)"
    kind = {TimeDateEventDefinition: "DATE", DurationTimerEventDefinition: "DURATION"}.get(type(definition), "CYCLE")
    return f"{kind}: {definition.expression}"


def due_date(task: Any) -> datetime | None:
    """When the waiting timer fires, from Spiff's internal data (None: all cycles done)."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("cycles") == 0:
            return None
        return _aware(datetime.fromisoformat(value["next"]))
    parsed = TimerEventDefinition.parse_time_or_duration(value) if isinstance(
        timer_definition(task.task_spec), TimeDateEventDefinition) else TimerEventDefinition.get_datetime(value)
    return _aware(parsed) if isinstance(parsed, datetime) else None


def set_due_date(task: Any, when: datetime) -> None:
    """Move the timer's next fire time (``PUT /job/{id}/duedate``, or to the past to fire it)."""
    value = task._get_internal_data("event_value")
    text = _aware(when).isoformat()
    if isinstance(value, dict):
        value["next"] = text
        task._set_internal_data(event_value=value)
        if task._get_internal_data("m8flow_cron"):
            task._set_internal_data(m8flow_cron_next=text)
    else:
        task._set_internal_data(event_value=text)


def fire(session: ProcessInstanceSession, task: Any) -> None:
    """Make the timer due now and let Spiff act on it (interrupt, branch, start a sub-process)."""
    assert session.workflow is not None
    set_due_date(task, datetime.now(UTC) - timedelta(seconds=1))
    session.workflow.refresh_timers()
    session.run()


def follow_cron(session: ProcessInstanceSession) -> bool:
    """After Spiff fired a cron cycle it adds the ISO step it was given; put the next fire
    time where the cron says instead. Never moves a token."""
    assert session.workflow is not None
    for task in waiting_timers(session.workflow):
        expression = task._get_internal_data("m8flow_cron")
        if not expression:
            continue
        value = task._get_internal_data("event_value")
        if not isinstance(value, dict) or value.get("next") == task._get_internal_data("m8flow_cron_next"):
            continue
        previous = _aware(datetime.fromisoformat(task._get_internal_data("m8flow_cron_next")))
        following = cron.next_fire_time(expression, max(previous, datetime.now(UTC)))
        value["next"] = following.isoformat()
        task._set_internal_data(event_value=value, m8flow_cron_next=value["next"])
    return False


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


"""``camunda:asyncBefore`` / ``camunda:asyncAfter``: transaction boundaries as jobs.

Spiff runs every ready task it can in one go. When a token reaches an activity marked
``asyncBefore`` (or leaves one marked ``asyncAfter``), the ``did_complete`` hook parks the
next task in WAITING with a mark in its internal data, so the command saves and commits
there; the job (keyed by that task's id) puts the task back to READY and runs on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.util.task import TaskState

from engine.bpmn.extensions import camunda_of
from engine.bpmn.specs import model_has

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

ASYNC_CONTINUATION = "async-continuation"
ASYNC_BEFORE = "async-before"
ASYNC_AFTER = "async-after"
_HELD = "m8flow_async"
_RELEASED = "m8flow_async_released"


def _flag(task_spec: Any, name: str) -> bool:
    attributes = camunda_of(task_spec).get("attributes", {})
    return str(attributes.get(name, "")).lower() == "true" or (
        name == "asyncBefore" and str(attributes.get("async", "")).lower() == "true"
    )


def is_async_before(task_spec: Any) -> bool:
    return _flag(task_spec, "asyncBefore")


def is_async_after(task_spec: Any) -> bool:
    return _flag(task_spec, "asyncAfter")


def _model_has_async(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "async_continuations",
                     lambda spec: is_async_before(spec) or is_async_after(spec))


def hold_after_completion(session: ProcessInstanceSession, task: Any) -> None:
    """``did_complete`` hook: hold the tokens that just became ready behind a boundary."""
    if not _model_has_async(session):
        return
    after = is_async_after(task.task_spec)
    for child in task.children:
        if child.state != TaskState.READY or child._get_internal_data(_RELEASED):
            continue
        if after:
            _hold(child, ASYNC_AFTER, task.task_spec)
        elif is_async_before(child.task_spec):
            _hold(child, ASYNC_BEFORE, child.task_spec)


def _hold(task: Any, configuration: str, activity: Any) -> None:
    task._set_state(TaskState.WAITING)
    task._set_internal_data(**{_HELD: {
        "configuration": configuration,
        "activity": activity.bpmn_id,
        "retryTimeCycle": retry_time_cycle(activity),
    }})


def held_tokens(workflow: Any) -> list[Any]:
    return [task for task in workflow.get_tasks(state=TaskState.WAITING) if task._get_internal_data(_HELD)]


def held(task: Any) -> dict[str, Any] | None:
    return task._get_internal_data(_HELD) if task.state == TaskState.WAITING else None


def release(session: ProcessInstanceSession, task: Any) -> None:
    """The job runs: the token continues from where it was held."""
    task.internal_data.pop(_HELD, None)
    task._set_internal_data(**{_RELEASED: True})
    task._set_state(TaskState.READY)
    session.run()


def retry_time_cycle(task_spec: Any) -> str | None:
    return camunda_of(task_spec).get("failedJobRetryTimeCycle")

"""Activity lifecycle: input/output mappings, execution listeners and task listeners, in
Camunda's order.

    activity start:  input parameters -> execution listeners "start"
                     (user task) row created -> task listeners "create" [-> "assignment"]
    user task done:  task listeners "complete"
    activity end:    output parameters -> execution listeners "end" -> local scope dropped
    process:         execution listeners "start" before the first element, "end" after the last

Engine-run elements start in ``will_complete`` (before Spiff runs them) and end in
``did_complete``; user tasks wait READY without running, so they start in an after-steps
hook; enclosing sub-processes start lazily, before the first element inside them runs. A
listener is ``expression`` (JUEL), ``script`` (Python) or ``class``/``delegateExpression``
(a registered handler, see ``engine.delegates``); ``take`` listeners on sequence flows are not
run (Spiff has no step for a flow).
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from engine.bpmn import juel
from engine.bpmn.activity_types import activity_type
from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import PYTHON_FORMATS, ExpressionContext, run_python
from engine.delegates import invoke
from engine.errors import ScriptEvaluationError
from engine.io_mappings import apply_inputs, apply_outputs
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

_STARTED = "m8flow_started"
# User tasks created in this command whose "create" listeners run once their row exists.
_created: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()


def _needs_lifecycle(session: ProcessInstanceSession) -> bool:
    """Whether any element of the definition has mappings or listeners (cached on the spec)."""
    workflow = session.workflow
    assert workflow is not None
    cached = getattr(workflow.spec, "_m8flow_lifecycle", None)
    if cached is None:
        specs = [workflow.spec, *workflow.subprocess_specs.values()]
        keys = ("inputOutput", "executionListeners", "taskListeners")
        cached = any(key in camunda_of(ts) for process in specs for ts in [process, *process.task_specs.values()]
                     for key in keys)
        workflow.spec._m8flow_lifecycle = cached
    return bool(cached)


def _is_activity(spec: Any) -> bool:
    return activity_type(spec) is not None and not isinstance(spec, MultiInstanceTask)


# -- hooks ------------------------------------------------------------------------------------
def will_complete(session: ProcessInstanceSession, spiff_task: Any) -> None:
    if not _needs_lifecycle(session):
        return
    spec = spiff_task.task_spec
    if spec.name == "Start" and spiff_task.workflow is spiff_task.workflow.top_workflow:
        _process_listeners(session, spiff_task, "start")
    start_activity(session, spiff_task)
    if isinstance(spec, UserTask) and spiff_task.state == TaskState.READY:
        fire_task_listeners(session, spiff_task, "complete")


def did_complete(session: ProcessInstanceSession, spiff_task: Any) -> None:
    if spiff_task.state != TaskState.COMPLETED:
        return
    spec = spiff_task.task_spec
    if isinstance(spec, MultiInstanceTask):
        # The body's counters, and instances a completion condition cancelled.
        for child in spiff_task.children:
            session.variables.drop_scope(str(child.id))
        session.variables.drop_scope(str(spiff_task.id))
        return
    if _needs_lifecycle(session):
        if _is_activity(spec):
            apply_outputs(session, spiff_task)
            fire_execution_listeners(session, spiff_task, "end")
        if spec.name == "End" and spiff_task.workflow is spiff_task.workflow.top_workflow:
            _process_listeners(session, spiff_task, "end")
    if not isinstance(spec, UserTask):
        session.variables.drop_scope(str(spiff_task.id))


def start_waiting_activities(session: ProcessInstanceSession) -> bool:
    """After-steps hook: user tasks that became READY start (they never run before)."""
    if not _needs_lifecycle(session):
        return False
    assert session.workflow is not None
    for spiff_task in session.workflow.get_tasks(state=TaskState.READY):
        if isinstance(spiff_task.task_spec, UserTask) and not spiff_task.internal_data.get(_STARTED):
            start_activity(session, spiff_task)
            if camunda_of(spiff_task.task_spec).get("taskListeners"):
                _created.setdefault(session, []).append(spiff_task)
    return False


def start_activity(session: ProcessInstanceSession, spiff_task: Any) -> None:
    """Inputs and start listeners, once per activity instance, enclosing sub-processes first."""
    if spiff_task.internal_data.get(_STARTED):
        return
    parent_id = getattr(spiff_task.workflow, "parent_task_id", None)
    if parent_id is not None:
        start_activity(session, spiff_task.workflow.top_workflow.get_task_from_id(parent_id))
    spiff_task.internal_data[_STARTED] = True
    if not _is_activity(spiff_task.task_spec):
        return
    apply_inputs(session, spiff_task)
    fire_execution_listeners(session, spiff_task, "start")


# -- execution listeners ----------------------------------------------------------------------
def fire_execution_listeners(session: ProcessInstanceSession, spiff_task: Any, event: str) -> None:
    listeners = [entry for entry in camunda_of(spiff_task.task_spec).get("executionListeners", [])
                 if entry.get("event") == event]
    for listener in listeners:
        context = session.context_for(spiff_task)
        context.event_name = event
        _notify(session, listener, context, spiff_task.task_spec.bpmn_id)


def _process_listeners(session: ProcessInstanceSession, spiff_task: Any, event: str) -> None:
    listeners = [entry for entry in camunda_of(spiff_task.workflow.spec).get("executionListeners", [])
                 if entry.get("event") == event]
    for listener in listeners:
        context = session.context_for(None)
        context.event_name = event
        _notify(session, listener, context, session.definition["key"])


def _notify(session: ProcessInstanceSession, listener: dict[str, Any], context: ExpressionContext,
            element: str | None, argument: Any = None) -> None:
    script = listener.get("script")
    if script:
        _run_script(session, script, context, element)
    elif any(listener.get(key) for key in ("class", "delegateExpression", "expression")):
        invoke(listener, context, element, argument, listener=True)


def _run_script(session: ProcessInstanceSession, script: dict[str, Any], context: ExpressionContext, element: str | None) -> None:
    script_format = (script.get("scriptFormat") or "python").lower()
    if script_format not in PYTHON_FORMATS:
        raise ScriptEvaluationError(
            f"Listener script of '{element}' is written in {script_format}; m8flow runs Python scripts only. "
            "Convert it with `m8flow migrate convert` or port it to Python."
        )
    if not session.engine.settings.scripts_enabled:
        raise ScriptEvaluationError(
            f"Listener script of '{element}': inline scripts are disabled (M8FLOW_SCRIPTS_ENABLED=false)."
        )
    if not script.get("text"):
        raise ScriptEvaluationError(f"Listener script of '{element}': external script resources are not supported")
    extra = {"task": context.resolve("task")} if context.event_name in _TASK_EVENTS else None
    run_python(script["text"], context, f"listener of {element}", element, extra)


# -- task listeners ---------------------------------------------------------------------------
_TASK_EVENTS = ("create", "assignment", "complete", "delete")


class TaskBean(juel.JuelBean):
    """``task`` in a task listener: Camunda's DelegateTask over the task row. Setters collect
    changes that are written to the row after the listeners ran."""

    __el_methods__ = frozenset({
        "getId", "getName", "setName", "getAssignee", "setAssignee", "getOwner", "setOwner",
        "getPriority", "setPriority", "getDescription", "setDescription", "getTaskDefinitionKey",
        "getProcessInstanceId", "getEventName", "getExecution", "addCandidateUser",
        "addCandidateGroup", "getVariable", "setVariable", "getVariableLocal", "setVariableLocal",
        "getFollowUpDate", "setFollowUpDate", "getDueDate", "setDueDate",
    })  # fmt: skip

    def __init__(self, row: dict[str, Any], context: ExpressionContext, event: str) -> None:
        self._row = row
        self._context = context
        self._event = event
        self.changes: dict[str, Any] = {}
        self.candidates: list[tuple[str | None, str | None]] = []

    def _get(self, column: str) -> Any:
        return self.changes.get(column, self._row.get(column))

    def getId(self) -> str:
        return self._row["id"]

    def getName(self) -> str | None:
        return self._get("name")

    def setName(self, value: str | None) -> None:
        self.changes["name"] = value

    def getAssignee(self) -> str | None:
        return self._get("assignee")

    def setAssignee(self, value: str | None) -> None:
        self.changes["assignee"] = value

    def getOwner(self) -> str | None:
        return self._get("owner")

    def setOwner(self, value: str | None) -> None:
        self.changes["owner"] = value

    def getPriority(self) -> int:
        return self._get("priority")

    def setPriority(self, value: int) -> None:
        self.changes["priority"] = int(value)

    def getDescription(self) -> str | None:
        return self._get("description")

    def setDescription(self, value: str | None) -> None:
        self.changes["description"] = value

    def getDueDate(self) -> Any:
        return self._get("due")

    def setDueDate(self, value: Any) -> None:
        self.changes["due"] = value

    def getFollowUpDate(self) -> Any:
        return self._get("follow_up")

    def setFollowUpDate(self, value: Any) -> None:
        self.changes["follow_up"] = value

    def getTaskDefinitionKey(self) -> str:
        return self._row["task_definition_key"]

    def getProcessInstanceId(self) -> str:
        return self._row["process_instance_id"]

    def getEventName(self) -> str:
        return self._event

    def getExecution(self) -> Any:
        return self._context.resolve("execution")

    def addCandidateUser(self, user: str) -> None:
        self.candidates.append((user, None))

    def addCandidateGroup(self, group: str) -> None:
        self.candidates.append((None, group))

    def getVariable(self, name: str) -> Any:
        return self._context.resolve("execution").getVariable(name)

    def setVariable(self, name: str, value: Any) -> None:
        self._context.set_variable(str(name), value)

    def getVariableLocal(self, name: str) -> Any:
        return self._context.resolve("execution").getVariableLocal(name)

    def setVariableLocal(self, name: str, value: Any) -> None:
        self._context.variables.set_local(str(name), value, self._row["id"], task_id=self._row["id"])


def fire_task_listeners(session: ProcessInstanceSession, spiff_task: Any, event: str) -> None:
    listeners = [entry for entry in camunda_of(spiff_task.task_spec).get("taskListeners", [])
                 if entry.get("event") == event]
    if not listeners:
        return
    task_id = str(spiff_task.id)
    row = session.conn.execute(select(t.task).where(t.task.c.id == task_id)).mappings().first()
    if row is None:
        return
    context = session.context_for(spiff_task, scope_id=task_id)
    context.event_name = event
    bean = TaskBean(dict(row), context, event)
    context.add_bean("task", bean)
    for listener in listeners:
        _notify(session, listener, context, spiff_task.task_spec.bpmn_id, bean)
    if bean.changes:
        session.conn.execute(update(t.task).where(t.task.c.id == task_id).values(**bean.changes))
    if bean.candidates:
        session.conn.execute(t.identity_link.insert(), [
            {"task_id": task_id, "type": "candidate", "user_id": user, "group_id": group}
            for user, group in bean.candidates
        ])
    if event == "create" and bean.getAssignee() is not None:
        fire_task_listeners(session, spiff_task, "assignment")


def fire_task_create_listeners(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Projection, after the user task rows: "create" listeners of tasks created now."""
    created = _created.pop(session, None)
    if not created or ended:
        return
    for spiff_task in created:
        if spiff_task.state == TaskState.READY:
            fire_task_listeners(session, spiff_task, "create")

"""User tasks: the task table projected from an instance's READY user tasks, with the
Camunda attributes (assignee, candidates, due dates, priority, form key) evaluated as JUEL
when the task is created."""
from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, select

from engine.bpmn.script_engine import camunda, evaluate
from engine.bpmn.specs import model_has
from engine.dates import now, parse_date
from engine.errors import ExpressionError, ProcessEngineException
from engine.store import tables as t
from engine.store.hot import HotStatement

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

DEFAULT_PRIORITY = 50

def waiting_user_tasks(session: ProcessInstanceSession) -> list[Any]:
    assert session.workflow is not None
    if session.ended:
        return []
    return [task for task in session.workflow.get_tasks(state=TaskState.READY) if isinstance(task.task_spec, UserTask)]

def _has_user_tasks(session: ProcessInstanceSession) -> bool:
    """Whether the definition (or a process it runs) has a user task at all; cached on the
    parsed spec, which lives as long as the definition version."""
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "user_tasks", lambda spec: isinstance(spec, UserTask))


# Built once: every save of an instance with user tasks runs them.
_EXISTING = HotStatement(select(t.task.c.id).where(t.task.c.process_instance_id == bindparam("instance_id")))
_DELETE_LINKS = HotStatement(delete(t.identity_link).where(t.identity_link.c.task_id == bindparam("b_id")))
_DELETE = HotStatement(delete(t.task).where(t.task.c.id == bindparam("b_id")))
_INSERT = HotStatement(t.task.insert())
_INSERT_LINKS = HotStatement(t.identity_link.insert())


def sync_user_tasks(session: ProcessInstanceSession, ended: bool, new_instance: bool = False) -> None:
    """Keep the task table in step: a row per READY user task, gone when the task is."""
    if not _has_user_tasks(session):
        return
    existing: set[str] = set() if new_instance else set(_EXISTING.scalars(session.conn, {"instance_id": session.id}))
    current = {str(task.id): task for task in ([] if ended else waiting_user_tasks(session))}
    gone = existing - current.keys()
    if gone:
        ids = [{"b_id": task_id} for task_id in gone]
        _DELETE_LINKS.run_many(session.conn, ids)
        _DELETE.run_many(session.conn, ids)
    new_rows, links = [], []
    for task_id, spiff_task in current.items():
        if task_id in existing:
            continue
        row, task_links = _new_task_row(session, task_id, spiff_task)
        new_rows.append(row)
        links.extend(task_links)
    if new_rows:
        _INSERT.run_many(session.conn, new_rows)
    if links:
        _INSERT_LINKS.run_many(session.conn, links)

def new_task_row(session: ProcessInstanceSession, spiff_task: Any) -> dict[str, Any]:
    """The row a READY user task gets (for listeners of a task cancelled before it was saved)."""
    return _new_task_row(session, str(spiff_task.id), spiff_task)[0]


def _new_task_row(session: ProcessInstanceSession, task_id: str, spiff_task: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    spec = spiff_task.task_spec
    attributes = camunda(spec).get("attributes", {})
    context = session.context_for(spiff_task, scope_id=task_id)
    element = spec.bpmn_id

    def expr(name: str) -> Any:
        text = attributes.get(name)
        if text is None or text == "":
            return None
        try:
            return evaluate(text, context, element_id=element)
        except ExpressionError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ExpressionError(f"Error while evaluating expression: {text}. Cause: {exc}") from exc

    name = spec.bpmn_name
    if name and ("${" in name or "#{" in name):
        name = _text(evaluate(name, context, element_id=element))
    created = now()
    priority = expr("priority")
    row = {
        "id": task_id,
        "name": name,
        "description": getattr(spec, "documentation", None),
        "assignee": _text(expr("assignee")),
        "owner": None,
        "delegation_state": None,
        "priority": int(priority) if priority not in (None, "") else DEFAULT_PRIORITY,
        "created": created,
        "last_updated": created,
        "due": _date(expr("dueDate"), "dueDate", element),
        "follow_up": _date(expr("followUpDate"), "followUpDate", element),
        "execution_id": session.id,
        "activity_instance_id": f"{element}:{task_id}",
        "process_instance_id": session.id,
        "process_definition_id": session.definition["id"],
        "process_definition_key": session.definition["key"],
        "task_definition_key": element,
        "form_key": _text(expr("formKey")),
        "camunda_form_ref": _form_ref(attributes),
        "tenant_id": session.row["tenant_id"],
        "suspended": bool(session.row["suspended"]),
    }
    links = [
        {"task_id": task_id, "type": "candidate", "user_id": user, "group_id": None}
        for user in _names(expr("candidateUsers"))
    ] + [
        {"task_id": task_id, "type": "candidate", "user_id": None, "group_id": group}
        for group in _names(expr("candidateGroups"))
    ]
    return row, links


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        items = [str(item) for item in value]
    else:
        items = str(value).split(",")
    return [item.strip() for item in items if item and item.strip()]


def _date(value: Any, attribute: str, element: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return parse_date(str(value))
    except Exception as exc:  # noqa: BLE001
        raise ProcessEngineException(
            f"Unknown {attribute} expression value '{value}' on task '{element}': expected a date"
        ) from exc


def _form_ref(attributes: dict[str, Any]) -> str | None:
    """Camunda's ``camundaFormRef`` ({key, binding, version}) of a task linked to a Camunda
    Form by ``camunda:formRef``, stored as JSON text."""
    key = attributes.get("formRef")
    if not key:
        return None
    version = attributes.get("formRefVersion")
    return json.dumps(
        {
            "key": key,
            "binding": attributes.get("formRefBinding") or "latest",
            "version": int(version) if version and version.isdigit() else None,
        }
    )

"""User tasks: query, claim, assign, delegate, resolve, complete, identity links."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, or_, select, update

from engine import listeners
from engine import variables as typed
from engine.dates import now
from engine.errors import NotFound, NullValue, ProcessEngineException, TaskAlreadyClaimed
from engine.instance import ProcessInstanceSession
from engine.process_engine import ProcessEngine
from engine.queries import apply_sorting, filter_by_variables, page, query_command
from engine.store import Row
from engine.store import tables as t
from engine.store.hot import HotStatement

TASK_SORT = {
    "instanceId": t.task.c.process_instance_id,
    "caseInstanceId": t.task.c.id,
    "dueDate": t.task.c.due,
    "followUpDate": t.task.c.follow_up,
    "executionId": t.task.c.execution_id,
    "caseExecutionId": t.task.c.id,
    "assignee": t.task.c.assignee,
    "created": t.task.c.created,
    "lastUpdated": t.task.c.last_updated,
    "description": t.task.c.description,
    "id": t.task.c.id,
    "name": t.task.c.name,
    "nameCaseInsensitive": t.task.c.name,
    "priority": t.task.c.priority,
    "tenantId": t.task.c.tenant_id,
}


_TASK_ROW = HotStatement(select(t.task).where(t.task.c.id == bindparam("task_id")))


def task_row(conn: Connection, task_id: str) -> Row:
    row = _TASK_ROW.first(conn, {"task_id": task_id})
    if row is None:
        raise NullValue(f"Cannot find task with id {task_id}: task is null")
    return row


def get_task(engine: ProcessEngine, task_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(select(t.task).where(t.task.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"No matching task with id {task_id}")
    return row


@query_command
def query_tasks(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    tk, il, pi = t.task, t.identity_link, t.process_instance
    c = criteria
    query = select(tk)
    eq = {
        "processInstanceId": tk.c.process_instance_id,
        "processDefinitionId": tk.c.process_definition_id,
        "processDefinitionKey": tk.c.process_definition_key,
        "executionId": tk.c.execution_id,
        "taskDefinitionKey": tk.c.task_definition_key,
        "assignee": tk.c.assignee,
        "owner": tk.c.owner,
        "name": tk.c.name,
        "description": tk.c.description,
        "priority": tk.c.priority,
        "taskId": tk.c.id,
        "delegationState": tk.c.delegation_state,
    }
    for name, column in eq.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    likes = {
        "assigneeLike": tk.c.assignee,
        "nameLike": tk.c.name,
        "descriptionLike": tk.c.description,
        "taskDefinitionKeyLike": tk.c.task_definition_key,
        "ownerLike": tk.c.owner,
    }
    for name, column in likes.items():
        if c.get(name) is not None:
            query = query.where(column.like(c[name]))
    ins = {
        "processInstanceIdIn": tk.c.process_instance_id,
        "processDefinitionKeyIn": tk.c.process_definition_key,
        "taskDefinitionKeyIn": tk.c.task_definition_key,
        "assigneeIn": tk.c.assignee,
        "tenantIdIn": tk.c.tenant_id,
        "taskIdIn": tk.c.id,
        "activityInstanceIdIn": tk.c.activity_instance_id,
    }
    for name, column in ins.items():
        if c.get(name):
            query = query.where(column.in_(c[name]))
    if c.get("assigneeNotIn"):
        query = query.where(or_(tk.c.assignee.is_(None), tk.c.assignee.not_in(c["assigneeNotIn"])))
    if c.get("processInstanceBusinessKey") is not None or c.get("processInstanceBusinessKeyLike") is not None or c.get("processInstanceBusinessKeyIn"):
        sub = select(pi.c.id)
        if c.get("processInstanceBusinessKey") is not None:
            sub = sub.where(pi.c.business_key == c["processInstanceBusinessKey"])
        if c.get("processInstanceBusinessKeyLike") is not None:
            sub = sub.where(pi.c.business_key.like(c["processInstanceBusinessKeyLike"]))
        if c.get("processInstanceBusinessKeyIn"):
            sub = sub.where(pi.c.business_key.in_(c["processInstanceBusinessKeyIn"]))
        query = query.where(tk.c.process_instance_id.in_(sub))
    if c.get("minPriority") is not None:
        query = query.where(tk.c.priority >= c["minPriority"])
    if c.get("maxPriority") is not None:
        query = query.where(tk.c.priority <= c["maxPriority"])
    for name, column, op in (
        ("dueDate", tk.c.due, "eq"), ("dueBefore", tk.c.due, "lt"), ("dueAfter", tk.c.due, "gt"),
        ("followUpDate", tk.c.follow_up, "eq"), ("followUpBefore", tk.c.follow_up, "lt"), ("followUpAfter", tk.c.follow_up, "gt"),
        ("createdOn", tk.c.created, "eq"), ("createdBefore", tk.c.created, "lt"), ("createdAfter", tk.c.created, "gt"),
    ):
        if c.get(name) is not None:
            value = c[name]
            query = query.where(column == value if op == "eq" else (column < value if op == "lt" else column > value))
    if c.get("withoutDueDate"):
        query = query.where(tk.c.due.is_(None))
    if c.get("unassigned"):
        query = query.where(tk.c.assignee.is_(None))
    if c.get("assigned"):
        query = query.where(tk.c.assignee.is_not(None))
    if c.get("active"):
        query = query.where(tk.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(tk.c.suspended.is_(True))
    if c.get("withoutTenantId"):
        query = query.where(tk.c.tenant_id.is_(None))
    groups = list(c.get("candidateGroups") or [])
    if c.get("candidateGroup") is not None:
        groups.append(c["candidateGroup"])
    candidate_user = c.get("candidateUser")
    if groups or candidate_user is not None:
        conditions = []
        if groups:
            conditions.append(exists().where(and_(il.c.task_id == tk.c.id, il.c.type == "candidate", il.c.group_id.in_(groups))))
        if candidate_user is not None:
            conditions.append(exists().where(and_(il.c.task_id == tk.c.id, il.c.type == "candidate", il.c.user_id == candidate_user)))
        query = query.where(or_(*conditions))
        if not c.get("includeAssignedTasks"):
            query = query.where(tk.c.assignee.is_(None))
    if c.get("involvedUser") is not None:
        user = c["involvedUser"]
        query = query.where(
            or_(tk.c.assignee == user, tk.c.owner == user,
                exists().where(and_(il.c.task_id == tk.c.id, il.c.user_id == user)))
        )
    if c.get("withCandidateGroups"):
        query = query.where(exists().where(and_(il.c.task_id == tk.c.id, il.c.group_id.is_not(None))))
    if c.get("withoutCandidateGroups"):
        query = query.where(~exists().where(and_(il.c.task_id == tk.c.id, il.c.group_id.is_not(None))))
    if c.get("withCandidateUsers"):
        query = query.where(exists().where(and_(il.c.task_id == tk.c.id, il.c.user_id.is_not(None))))
    if c.get("withoutCandidateUsers"):
        query = query.where(~exists().where(and_(il.c.task_id == tk.c.id, il.c.user_id.is_not(None))))
    query = apply_sorting(query, sorting, TASK_SORT, tk.c.created.asc())
    with engine.database.transaction(write=False) as conn:
        rows = list(conn.execute(query).mappings())
        if c.get("processVariables"):
            rows = filter_by_variables(conn, rows, c["processVariables"], lambda row: row["process_instance_id"],
                                       names_ignore_case=bool(c.get("variableNamesIgnoreCase")),
                                       values_ignore_case=bool(c.get("variableValuesIgnoreCase")))
        if c.get("taskVariables"):
            rows = filter_by_variables(conn, rows, c["taskVariables"], lambda row: row["id"],
                                       names_ignore_case=bool(c.get("variableNamesIgnoreCase")),
                                       values_ignore_case=bool(c.get("variableValuesIgnoreCase")))
    if count_only:
        return len(rows)
    return page(rows, first_result, max_results)


def _update_task(conn: Connection, task_id: str, **values: Any) -> None:
    conn.execute(update(t.task).where(t.task.c.id == task_id).values(last_updated=now(), **values))


def task_updated(
    engine: ProcessEngine, conn: Connection, row: Mapping[str, Any], assignee: str | None,
    session: ProcessInstanceSession | None = None,
) -> None:
    """After a change to an existing task (its attributes, identity links or local
    variables): its "update" listeners, then "assignment" when the assignee changed (also to
    none), as Camunda's ``triggerUpdateEvent``. The instance is loaded only when the task has
    such listeners (or ``session`` is given, and saved)."""
    events = ["update"] if assignee == row["assignee"] else ["update", "assignment"]
    if session is None:
        if not listeners.task_listens(_task_spec(engine, conn, row), events):
            return
        session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
    spiff_task = session.user_task(row["id"])
    for event in events:
        listeners.fire_task_listeners(session, spiff_task, event)
    session.save()


def _task_spec(engine: ProcessEngine, conn: Connection, row: Mapping[str, Any]) -> Any:
    spec, subprocess_specs = engine.specs.get(conn, engine.specs.definition(conn, row["process_definition_id"]))
    for process in (spec, *subprocess_specs.values()):
        task_spec = process.task_specs.get(row["task_definition_key"])
        if task_spec is not None:
            return task_spec
    return None


def claim(engine: ProcessEngine, task_id: str, user_id: str | None) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        if row["assignee"] and row["assignee"] != user_id:
            raise TaskAlreadyClaimed(f"Task '{task_id}' is already claimed by someone else.")
        _ensure_active(row)
        _update_task(conn, task_id, assignee=user_id)
        task_updated(engine, conn, row, user_id)


def unclaim(engine: ProcessEngine, task_id: str) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        _ensure_active(row)
        _update_task(conn, task_id, assignee=None)
        task_updated(engine, conn, row, None)


def set_assignee(engine: ProcessEngine, task_id: str, user_id: str | None) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        _ensure_active(row)
        _update_task(conn, task_id, assignee=user_id)
        task_updated(engine, conn, row, user_id)


def delegate(engine: ProcessEngine, task_id: str, user_id: str | None) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        _ensure_active(row)
        owner = row["owner"] or row["assignee"]
        _update_task(conn, task_id, owner=owner, assignee=user_id, delegation_state="PENDING")
        task_updated(engine, conn, row, user_id)


def resolve(engine: ProcessEngine, task_id: str, variables: Mapping[str, typed.TypedValue] | None = None) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        _ensure_active(row)
        session = None
        if variables:
            session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
            session.variables.set_all(dict(variables), task_id)
        _update_task(conn, task_id, assignee=row["owner"], delegation_state="RESOLVED")
        task_updated(engine, conn, row, row["owner"], session)


def complete(
    engine: ProcessEngine,
    task_id: str,
    variables: Mapping[str, typed.TypedValue] | None = None,
    *,
    with_variables_in_return: bool = False,
) -> dict[str, typed.TypedValue] | None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        _ensure_active(row)
        if row["delegation_state"] == "PENDING":
            raise ProcessEngineException(
                f"Cannot complete task {task_id}: task is in delegation state PENDING; resolve it first"
            )
        session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
        session.variables.set_all(dict(variables or {}), task_id)
        visible = dict(session.variables.visible(task_id)) if with_variables_in_return else None
        session.complete_user_task(task_id)
        session.save()
        if with_variables_in_return:
            visible = {**(visible or {}), **session.variables.process()}
        return visible


def _ensure_active(row: Mapping[str, Any]) -> None:
    if row["suspended"]:
        raise ProcessEngineException(f"Task with id '{row['id']}' is suspended.")


def identity_links(engine: ProcessEngine, task_id: str, link_type: str | None = None) -> list[dict[str, Any]]:
    il = t.identity_link
    with engine.database.transaction(write=False) as conn:
        row = task_row(conn, task_id)
        links = [
            {"userId": r["user_id"], "groupId": r["group_id"], "type": r["type"]}
            for r in conn.execute(select(il).where(il.c.task_id == task_id).order_by(il.c.id)).mappings()
        ]
    if row["assignee"]:
        links.insert(0, {"userId": row["assignee"], "groupId": None, "type": "assignee"})
    if row["owner"]:
        links.insert(0, {"userId": row["owner"], "groupId": None, "type": "owner"})
    if link_type:
        links = [link for link in links if link["type"] == link_type]
    return links


def add_identity_link(engine: ProcessEngine, task_id: str, *, user_id: str | None, group_id: str | None, link_type: str) -> None:
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        assignee = row["assignee"]
        if link_type == "assignee":
            assignee = user_id
            _update_task(conn, task_id, assignee=user_id)
        elif link_type == "owner":
            _update_task(conn, task_id, owner=user_id)
        else:
            conn.execute(t.identity_link.insert(), [{"task_id": task_id, "type": link_type, "user_id": user_id, "group_id": group_id}])
        task_updated(engine, conn, row, assignee)


def delete_identity_link(engine: ProcessEngine, task_id: str, *, user_id: str | None, group_id: str | None, link_type: str) -> None:
    il = t.identity_link
    with engine.database.transaction() as conn:
        row = task_row(conn, task_id)
        assignee = row["assignee"]
        if link_type == "assignee":
            assignee = None
            _update_task(conn, task_id, assignee=None)
        elif link_type == "owner":
            _update_task(conn, task_id, owner=None)
        else:
            query = il.delete().where(il.c.task_id == task_id, il.c.type == link_type)
            query = query.where(il.c.user_id == user_id if user_id else il.c.user_id.is_(None))
            query = query.where(il.c.group_id == group_id if group_id else il.c.group_id.is_(None))
            conn.execute(query)
        task_updated(engine, conn, row, assignee)

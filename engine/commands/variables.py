"""Variables of a process instance, a task (its own and those it sees), or an execution.

Reads and writes go straight to the variable table: they do not need the instance's
Spiff state, so they do not load it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from engine import variables as typed
from engine.commands.task import task_row, task_updated
from engine.dates import now
from engine.errors import InvalidRequest, NotFound, NullValue
from engine.events.conditions import variables_changed
from engine.ids import new_id
from engine.process_engine import ProcessEngine
from engine.store import Row
from engine.store import tables as t


@dataclass(frozen=True)
class Target:
    """Whose variables: ``kind`` is process-instance, task, task-local or execution."""

    kind: str
    id: str

    @property
    def label(self) -> str:
        return {"process-instance": "process instance", "task": "task", "task-local": "task", "execution": "execution"}[self.kind]


def _resolve(conn: Connection, target: Target) -> tuple[str, list[str], str]:
    """-> (process instance id, scopes visible in lookup order, scope written by default)."""
    if target.kind in ("process-instance", "execution"):
        pi = t.process_instance
        row = conn.execute(select(pi.c.id).where(pi.c.id == target.id, pi.c.end_time.is_(None))).first()
        if row is None:
            if target.kind == "execution":
                raise NotFound(f"execution {target.id} doesn't exist")
            raise NotFound(f"process instance {target.id} doesn't exist")
        return target.id, [target.id], target.id
    row = conn.execute(select(t.task.c.process_instance_id).where(t.task.c.id == target.id)).first()
    if row is None:
        raise NullValue(f"Cannot find task with id {target.id}: task is null")
    instance_id = row[0]
    if target.kind == "task-local":
        return instance_id, [target.id], target.id
    return instance_id, [target.id, instance_id], instance_id


def _rows(conn: Connection, scopes: list[str], names: Sequence[str] | None = None) -> list[Row]:
    v = t.variable
    query = select(v).where(v.c.scope_id.in_(scopes))
    if names is not None:
        query = query.where(v.c.name.in_(list(names)))
    return list(conn.execute(query).mappings())


def get_variables(engine: ProcessEngine, target: Target, names: Sequence[str] | None = None) -> dict[str, typed.TypedValue]:
    with engine.database.transaction(write=False) as conn:
        _instance_id, scopes, _default = _resolve(conn, target)
        rows = _rows(conn, scopes, names)
    # The nearest scope wins (task-local over process).
    rank = {scope: index for index, scope in enumerate(scopes)}
    found: dict[str, tuple[int, typed.TypedValue]] = {}
    for row in rows:
        position = rank[row["scope_id"]]
        if row["name"] not in found or position < found[row["name"]][0]:
            found[row["name"]] = (position, typed.decode(row))
    return {name: value for name, (_pos, value) in sorted(found.items())}


def get_variable(engine: ProcessEngine, target: Target, name: str) -> typed.TypedValue:
    values = get_variables(engine, target, [name])
    if name not in values:
        raise NotFound(f"{target.label} variable with name {name} does not exist")
    return values[name]


def modify_variables(
    engine: ProcessEngine,
    target: Target,
    modifications: Mapping[str, typed.TypedValue] | None,
    deletions: Sequence[str] | None = None,
) -> None:
    with engine.database.transaction() as conn:
        instance_id, scopes, default_scope = _resolve(conn, target)
        existing = {(row["scope_id"], row["name"]): row for row in _rows(conn, scopes)}
        v = t.variable
        task_scope_written = False
        for name in deletions or []:
            for scope in scopes:
                if (scope, name) in existing:
                    conn.execute(delete(v).where(v.c.scope_id == scope, v.c.name == name))
                    break
        for name, value in (modifications or {}).items():
            if value.transient:
                continue
            scope = next((s for s in scopes if (s, name) in existing), default_scope)
            task_scope_written = task_scope_written or (scope == target.id and target.kind.startswith("task"))
            columns = typed.encode(value)
            if (scope, name) in existing:
                conn.execute(update(v).where(v.c.scope_id == scope, v.c.name == name).values(**columns, revision=v.c.revision + 1))
            else:
                conn.execute(
                    v.insert(),
                    [{
                        "id": new_id(),
                        "process_instance_id": instance_id,
                        "scope_id": scope,
                        "task_id": scope if scope == target.id and target.kind.startswith("task") else None,
                        "name": name,
                        "revision": 1,
                        **columns,
                    }],
                )
        variables_changed(engine, conn, instance_id)
        if task_scope_written:
            # Camunda's SetTaskVariablesCmd: a variable of the task itself written (not one
            # that went to the process, nor a removal) is an update of the task, once.
            conn.execute(update(t.task).where(t.task.c.id == target.id).values(last_updated=now()))
            row = task_row(conn, target.id)
            task_updated(engine, conn, row, row["assignee"])


def delete_variable(engine: ProcessEngine, target: Target, name: str) -> None:
    modify_variables(engine, target, None, [name])


def require_object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"{what} must be a JSON object")
    return value

"""External tasks: fetch and lock, complete, failure, BPMN error, locks, retries, priority,
queries. Messages and error types are Camunda's (``ExternalTaskServiceImpl`` and its commands).

Locking is pessimistic where the database can do it: fetchAndLock claims rows with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (concurrent fetches by several gateway
processes claim disjoint rows), and every command on one task locks its row first. On SQLite
writers serialise on the database. Completing a task locks its process instance row too, so
parallel branches completed at the same moment queue instead of failing optimistically.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, func, or_, select, update

from engine import external_tasks
from engine import variables as typed
from engine.commands import fetch_query
from engine.commands.incident import open_external_task_incident, resolve_incidents
from engine.dates import now
from engine.errors import (
    BadUserRequest,
    NotFound,
    NullValue,
    OptimisticLockingConflict,
    ProcessEngineException,
)
from engine.instance import ProcessInstanceSession
from engine.notify import external_tasks_changed
from engine.process_engine import ProcessEngine
from engine.queries import apply_paging, apply_sorting, query_command
from engine.store import Row
from engine.store import tables as t
from engine.store.hot import HotStatement

MAX_ERROR_MESSAGE = 666
_ATTEMPTS = 5
T = TypeVar("T")

et, pi = t.external_task, t.process_instance


@dataclass
class TopicRequest:
    topic_name: str
    lock_duration: int
    variables: list[str] | None = None
    local_variables: bool = False
    business_key: str | None = None
    process_definition_id: str | None = None
    process_definition_id_in: list[str] | None = None
    process_definition_key: str | None = None
    process_definition_key_in: list[str] | None = None
    process_definition_version_tag: str | None = None
    without_tenant_id: bool = False
    tenant_id_in: list[str] | None = None
    process_variables: dict[str, Any] | None = None
    deserialize_values: bool = False
    include_extension_properties: bool = False

    def filter_signature(self) -> tuple[Any, ...]:
        """What decides which tasks match (not how they are locked or returned)."""
        return (
            self.topic_name, self.business_key, self.process_definition_id,
            tuple(self.process_definition_id_in or ()), self.process_definition_key,
            tuple(self.process_definition_key_in or ()), self.process_definition_version_tag,
            self.without_tenant_id, tuple(self.tenant_id_in or ()),
            tuple(sorted((k, repr(v)) for k, v in (self.process_variables or {}).items())),
        )


@dataclass
class FetchRequest:
    worker_id: str | None
    max_tasks: int | None
    topics: list[TopicRequest] = field(default_factory=list)
    use_priority: bool = False
    sorting: list[dict[str, str]] | None = None

    def filter_signature(self) -> tuple[Any, ...]:
        return tuple(sorted(topic.filter_signature() for topic in self.topics))

    @property
    def topic_names(self) -> frozenset[str]:
        return frozenset(topic.topic_name for topic in self.topics)


@dataclass
class LockedTask:
    row: Mapping[str, Any]
    variables: dict[str, typed.TypedValue]
    deserialize_values: bool
    extension_properties: dict[str, Any]


# -- fetch and lock --------------------------------------------------------------------------
def validate_fetch(request: FetchRequest) -> None:
    if request.worker_id is None:
        raise NullValue("workerId is null")
    if request.max_tasks is None or request.max_tasks < 0:
        raise ProcessEngineException("maxResults is not greater than or equal to 0")
    for topic in request.topics:
        if topic.topic_name is None:
            raise NullValue("topicName is null")
        if topic.lock_duration is None or topic.lock_duration <= 0:
            raise ProcessEngineException("lockTime is not greater than 0")


def fetch_and_lock(engine: ProcessEngine, request: FetchRequest) -> list[LockedTask]:
    validate_fetch(request)
    if not request.topics or not request.max_tasks:
        return []
    timestamp = now()
    by_topic = {topic.topic_name: topic for topic in request.topics}
    shape, values = fetch_query.shape_and_values(request, timestamp)
    query = fetch_query.fetch_statement(shape, for_update=engine.database.is_postgres)
    with engine.database.transaction() as conn:
        rows = query.all(conn, values)
        if not rows:
            return []
        locks = []
        for row in rows:
            expiry = timestamp + timedelta(milliseconds=by_topic[row["topic_name"]].lock_duration)
            locks.append({"b_id": row["id"], "b_worker_id": request.worker_id, "b_expiry": expiry})
            row.update(worker_id=request.worker_id, lock_expiration_time=expiry, suspended=False)
        fetch_query.LOCK.run_many(conn, locks)
        stored = _variables_of(conn, rows)
    return [_locked(row, by_topic[row["topic_name"]], stored) for row in rows]


def _variables_of(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, dict[str, typed.TypedValue]]:
    """Variables by scope (process instance ids and task-local scopes) of the locked tasks."""
    scopes = sorted({row["process_instance_id"] for row in rows} | {row["id"] for row in rows})
    stored: dict[str, dict[str, typed.TypedValue]] = {}
    query = fetch_query.variables_statement(len(scopes))
    for record in query.all(conn, {f"s{index}": scope for index, scope in enumerate(scopes)}):
        stored.setdefault(record["scope_id"], {})[record["name"]] = typed.decode(record)
    return stored


def _locked(row: dict[str, Any], topic: TopicRequest, stored: dict[str, dict[str, typed.TypedValue]]) -> LockedTask:
    if topic.local_variables:
        visible = dict(stored.get(row["id"], {}))
    else:
        visible = {**stored.get(row["process_instance_id"], {}), **stored.get(row["id"], {})}
    if topic.variables is not None:
        wanted = set(topic.variables)
        visible = {name: value for name, value in visible.items() if name in wanted}
    properties = external_tasks.extension_properties(row) if topic.include_extension_properties else {}
    return LockedTask(row, visible, topic.deserialize_values, properties)


def next_availability(engine: ProcessEngine, topic_names: Sequence[str]) -> datetime | None:
    """When the earliest currently locked (or backing-off) task of these topics becomes
    fetchable again: the moment a parked long poll must look again without a notification."""
    timestamp = now()
    query = (
        select(func.min(et.c.lock_expiration_time))
        .join(pi, pi.c.id == et.c.process_instance_id)
        .where(
            et.c.topic_name.in_(list(topic_names)),
            et.c.lock_expiration_time > timestamp,
            or_(et.c.retries.is_(None), et.c.retries > 0),
            pi.c.end_time.is_(None),
        )
    )
    with engine.database.transaction(write=False) as conn:
        value = conn.execute(query).scalar()
    if isinstance(value, str):  # SQLite returns aggregates of DateTime columns as text
        value = datetime.fromisoformat(value)
    return _aware(value) if value is not None else None


# -- commands on one task --------------------------------------------------------------------
_TASK_ROW = (
    select(et, pi.c.suspended.label("suspended"))
    .join(pi, pi.c.id == et.c.process_instance_id)
    .where(et.c.id == bindparam("task_id"), pi.c.end_time.is_(None))
)
_TASK_ROW_FOR_UPDATE = HotStatement(_TASK_ROW.with_for_update(of=et))
_HOT_TASK_ROW = HotStatement(_TASK_ROW)
_LOCK_INSTANCE = HotStatement(select(pi.c.id).where(pi.c.id == bindparam("instance_id")).with_for_update())


def _task_row(conn: Connection, engine: ProcessEngine, task_id: str) -> dict[str, Any]:
    query = _TASK_ROW_FOR_UPDATE if engine.database.is_postgres else _HOT_TASK_ROW
    row = query.first(conn, {"task_id": task_id})
    if row is None:
        raise NotFound(f"Cannot find external task with id {task_id}")
    return row


def _ensure_owner(row: Mapping[str, Any], worker_id: str | None, wrong_worker: str) -> None:
    if worker_id is None:
        raise NullValue("workerId is null")
    if worker_id != row["worker_id"]:
        raise BadUserRequest(f"{wrong_worker}'. It is locked by worker '{row['worker_id']}'.")


def _ensure_active(row: Mapping[str, Any]) -> None:
    if row["suspended"]:
        raise ProcessEngineException(f"ExternalTask with id '{row['id']}' is suspended.")


def _lock_instance(conn: Connection, engine: ProcessEngine, instance_id: str) -> None:
    if engine.database.is_postgres:
        _LOCK_INSTANCE.first(conn, {"instance_id": instance_id})


def _retrying(command: Callable[[], T]) -> T:
    """Re-run a command that lost an optimistic-locking race with another command on the same
    instance (a user task completed at the same moment): the external task is still there."""
    for _attempt in range(_ATTEMPTS - 1):
        try:
            return command()
        except OptimisticLockingConflict:
            continue
    return command()


def complete(
    engine: ProcessEngine,
    task_id: str,
    worker_id: str | None,
    variables: Mapping[str, typed.TypedValue] | None = None,
    local_variables: Mapping[str, typed.TypedValue] | None = None,
) -> None:
    def run() -> None:
        with engine.database.transaction() as conn:
            row = _task_row(conn, engine, task_id)
            _ensure_owner(row, worker_id, f"External Task {task_id} cannot be completed by worker '{worker_id}")
            _ensure_active(row)
            _lock_instance(conn, engine, row["process_instance_id"])
            session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
            session.variables.set_all(dict(variables or {}), task_id)
            for name, value in (local_variables or {}).items():
                session.variables.set_local(name, value, task_id)
            external_tasks.complete(session, task_id)
            session.save()

    _retrying(run)


def handle_bpmn_error(
    engine: ProcessEngine,
    task_id: str,
    worker_id: str | None,
    error_code: str | None,
    error_message: str | None = None,
    variables: Mapping[str, typed.TypedValue] | None = None,
) -> None:
    def run() -> None:
        with engine.database.transaction() as conn:
            if worker_id is None:
                raise NullValue("workerId is null")
            if error_code is None:
                raise NullValue("errorCode is null")
            row = _task_row(conn, engine, task_id)
            _ensure_owner(row, worker_id, f"Bpmn error of External Task {task_id} cannot be reported by worker '{worker_id}")
            _ensure_active(row)
            _lock_instance(conn, engine, row["process_instance_id"])
            session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
            session.variables.set_all(dict(variables or {}), task_id)
            external_tasks.throw_bpmn_error(session, task_id, error_code, error_message)
            session.save()

    _retrying(run)


def handle_failure(
    engine: ProcessEngine,
    task_id: str,
    worker_id: str | None,
    *,
    error_message: str | None,
    error_details: str | None,
    retries: int,
    retry_timeout: int,
    variables: Mapping[str, typed.TypedValue] | None = None,
    local_variables: Mapping[str, typed.TypedValue] | None = None,
) -> None:
    if worker_id is None:
        raise NullValue("workerId is null")
    if retries < 0:
        raise ProcessEngineException("retries is not greater than or equal to 0")
    if retry_timeout < 0:
        raise ProcessEngineException("retryDuration is not greater than or equal to 0")

    def run() -> None:
        with engine.database.transaction() as conn:
            row = _task_row(conn, engine, task_id)
            _ensure_owner(row, worker_id, f"Failure of External Task {task_id} cannot be reported by worker '{worker_id}")
            _ensure_active(row)
            if variables or local_variables:
                _lock_instance(conn, engine, row["process_instance_id"])
                session = ProcessInstanceSession.load(engine, conn, row["process_instance_id"])
                session.variables.set_all(dict(variables or {}), task_id)
                for name, value in (local_variables or {}).items():
                    session.variables.set_local(name, value, task_id)
                session.save()
            message = error_message[:MAX_ERROR_MESSAGE] if error_message is not None else None
            values: dict[str, Any] = {
                "error_message": message,
                "lock_expiration_time": now() + timedelta(milliseconds=retry_timeout),
            }
            if error_details is not None:
                values["error_details"] = error_details
            _set_retries(conn, {**row, "error_message": message}, retries, values)

    _retrying(run)


def _set_retries(conn: Connection, row: Mapping[str, Any], retries: int, values: dict[str, Any] | None = None) -> None:
    """Camunda's ``setRetriesAndManageIncidents``."""
    had_retries = row["retries"] is None or row["retries"] > 0
    if had_retries and retries <= 0:
        open_external_task_incident(conn, row, row["error_message"])
    elif not had_retries and retries > 0:
        resolve_incidents(conn, row["id"])
    conn.execute(update(et).where(et.c.id == row["id"]).values(retries=retries, revision=et.c.revision + 1, **(values or {})))
    if retries > 0:
        external_tasks_changed(conn, [row["topic_name"]])


def extend_lock(engine: ProcessEngine, task_id: str, worker_id: str | None, new_duration: int | None) -> None:
    if new_duration is None or new_duration <= 0:
        raise BadUserRequest("lockTime is not greater than 0")
    with engine.database.transaction() as conn:
        row = _task_row(conn, engine, task_id)
        _ensure_owner(row, worker_id, f"The lock of the External Task {task_id} cannot be extended by worker '{worker_id}'")
        timestamp = now()
        expiry = row["lock_expiration_time"]
        if expiry is None or _aware(expiry) < timestamp:
            raise BadUserRequest(
                "Cannot extend a lock that expired: lockExpirationTime is not greater than or equal to "
                f"{int(timestamp.timestamp() * 1000)}"
            )
        _ensure_active(row)
        conn.execute(update(et).where(et.c.id == task_id).values(
            lock_expiration_time=timestamp + timedelta(milliseconds=new_duration), revision=et.c.revision + 1))


def lock(engine: ProcessEngine, task_id: str, worker_id: str | None, lock_duration: int | None) -> None:
    if worker_id is None:
        raise NullValue("workerId is null")
    if lock_duration is None or lock_duration <= 0:
        raise BadUserRequest("lockDuration is not greater than 0")
    with engine.database.transaction() as conn:
        row = _task_row(conn, engine, task_id)
        timestamp = now()
        expiry = row["lock_expiration_time"]
        held = expiry is not None and not timestamp > _aware(expiry)
        if row["worker_id"] is not None and row["worker_id"] != worker_id and held:
            raise BadUserRequest(
                f"External Task {task_id} cannot be locked by worker '{worker_id}'. "
                f"It is locked by worker '{row['worker_id']}'."
            )
        conn.execute(update(et).where(et.c.id == task_id).values(
            worker_id=worker_id, lock_expiration_time=timestamp + timedelta(milliseconds=lock_duration),
            revision=et.c.revision + 1))


def unlock(engine: ProcessEngine, task_id: str) -> None:
    with engine.database.transaction() as conn:
        row = _task_row(conn, engine, task_id)
        conn.execute(update(et).where(et.c.id == task_id).values(worker_id=None, lock_expiration_time=None, revision=et.c.revision + 1))
        external_tasks_changed(conn, [row["topic_name"]])


def set_retries(engine: ProcessEngine, task_ids: Sequence[str], retries: int | None) -> None:
    """``PUT /external-task/{id}/retries`` (one id) and ``PUT /external-task/retries``."""
    if retries is None:
        raise BadUserRequest("The number of retries cannot be null.")
    if retries < 0:
        raise BadUserRequest("The number of retries cannot be negative: retries is not greater than or equal to 0")
    with engine.database.transaction() as conn:
        for task_id in task_ids:
            _set_retries(conn, _task_row(conn, engine, task_id), retries)


def set_priority(engine: ProcessEngine, task_id: str, priority: int) -> None:
    with engine.database.transaction() as conn:
        _task_row(conn, engine, task_id)
        conn.execute(update(et).where(et.c.id == task_id).values(priority=priority, revision=et.c.revision + 1))


# -- reading -----------------------------------------------------------------------------------
def _listed() -> Any:
    return select(et, pi.c.suspended.label("suspended")).join(pi, pi.c.id == et.c.process_instance_id).where(pi.c.end_time.is_(None))


def get_external_task(engine: ProcessEngine, task_id: str) -> Row:
    with engine.database.transaction(write=False) as conn:
        row = conn.execute(_listed().where(et.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    return row


def error_details(engine: ProcessEngine, task_id: str) -> str | None:
    return get_external_task(engine, task_id)["error_details"]


EXTERNAL_TASK_SORT = {
    "id": et.c.id,
    "lockExpirationTime": et.c.lock_expiration_time,
    "processInstanceId": et.c.process_instance_id,
    "processDefinitionId": et.c.process_definition_id,
    "processDefinitionKey": et.c.process_definition_key,
    "taskPriority": et.c.priority,
    "tenantId": et.c.tenant_id,
    "createTime": et.c.create_time,
}


@query_command
def query_external_tasks(
    engine: ProcessEngine,
    criteria: Mapping[str, Any],
    *,
    sorting: Sequence[Mapping[str, Any]] | None = None,
    first_result: int | None = None,
    max_results: int | None = None,
    count_only: bool = False,
) -> list[Row] | int:
    c = criteria
    timestamp = now()
    query = _listed()
    equal = {
        "externalTaskId": et.c.id, "topicName": et.c.topic_name, "workerId": et.c.worker_id,
        "activityId": et.c.activity_id, "executionId": et.c.execution_id,
        "processInstanceId": et.c.process_instance_id, "processDefinitionId": et.c.process_definition_id,
    }
    for name, column in equal.items():
        if c.get(name) is not None:
            query = query.where(column == c[name])
    within = {
        "externalTaskIdIn": et.c.id, "activityIdIn": et.c.activity_id,
        "processInstanceIdIn": et.c.process_instance_id, "tenantIdIn": et.c.tenant_id,
    }
    for name, column in within.items():
        if c.get(name):
            query = query.where(column.in_(c[name]))
    if c.get("locked"):
        query = query.where(et.c.lock_expiration_time > timestamp)
    if c.get("notLocked"):
        query = query.where(or_(et.c.lock_expiration_time.is_(None), et.c.lock_expiration_time <= timestamp))
    if c.get("withRetriesLeft"):
        query = query.where(or_(et.c.retries.is_(None), et.c.retries > 0))
    if c.get("noRetriesLeft"):
        query = query.where(et.c.retries == 0)
    if c.get("lockExpirationAfter") is not None:
        query = query.where(et.c.lock_expiration_time > c["lockExpirationAfter"])
    if c.get("lockExpirationBefore") is not None:
        query = query.where(et.c.lock_expiration_time < c["lockExpirationBefore"])
    if c.get("active"):
        query = query.where(pi.c.suspended.is_(False))
    if c.get("suspended"):
        query = query.where(pi.c.suspended.is_(True))
    if c.get("priorityHigherThanOrEquals") is not None:
        query = query.where(et.c.priority >= c["priorityHigherThanOrEquals"])
    if c.get("priorityLowerThanOrEquals") is not None:
        query = query.where(et.c.priority <= c["priorityLowerThanOrEquals"])
    query = apply_sorting(query, sorting, EXTERNAL_TASK_SORT, et.c.id.asc())
    with engine.database.transaction(write=False) as conn:
        if count_only:
            return len(conn.execute(query.with_only_columns(et.c.id)).all())
        return list(conn.execute(apply_paging(query, first_result, max_results)).mappings())


def task_ids_of(engine: ProcessEngine, *, task_ids: Sequence[str] | None, process_instance_ids: Sequence[str] | None,
                criteria: Mapping[str, Any] | None) -> list[str]:
    """The tasks a batch retries update names: ids, tasks of instances, and a query's result."""
    found: list[str] = list(task_ids or [])
    if process_instance_ids:
        with engine.database.transaction(write=False) as conn:
            found += [r[0] for r in conn.execute(select(et.c.id).where(et.c.process_instance_id.in_(list(process_instance_ids))))]
    if criteria is not None:
        rows = query_external_tasks(engine, criteria)
        assert isinstance(rows, list)
        found += [row["id"] for row in rows]
    return list(dict.fromkeys(found))


def topic_names(engine: ProcessEngine, *, with_locked: bool = False, with_unlocked: bool = False,
                with_retries_left: bool = False) -> list[str]:
    timestamp = now()
    query = select(et.c.topic_name).distinct().join(pi, pi.c.id == et.c.process_instance_id).where(pi.c.end_time.is_(None))
    if with_locked:
        query = query.where(et.c.lock_expiration_time > timestamp)
    if with_unlocked:
        query = query.where(or_(et.c.lock_expiration_time.is_(None), et.c.lock_expiration_time <= timestamp))
    if with_retries_left:
        query = query.where(or_(et.c.retries.is_(None), et.c.retries > 0))
    with engine.database.transaction(write=False) as conn:
        return sorted(row[0] for row in conn.execute(query))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

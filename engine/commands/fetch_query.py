"""The query of fetchAndLock, built once per shape of request.

A fetch names topics, each with optional filters (business key, definition ids and keys,
tenants, process variables). Building that query with SQLAlchemy on every fetch cost more
than running it, so a request is first reduced to its *shape* (which filters each topic has,
how many values each list holds, what kind of value each variable is compared with) and the
flat list of its values. The statement of a shape is built once, with one named parameter
per value, and kept as a HotStatement (engine/store/hot.py); the values fill it.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, exists, false, or_, select
from sqlalchemy.sql.elements import BindParameter

from engine.store import tables as t
from engine.store.hot import HotStatement

if TYPE_CHECKING:
    from engine.commands.external_task import FetchRequest, TopicRequest

et, pi, v = t.external_task, t.process_instance, t.variable

# Filters comparing one column with one value, and filters with a list of values.
_EQUALS = {
    "topic": et.c.topic_name,
    "business_key": et.c.business_key,
    "process_definition_id": et.c.process_definition_id,
    "process_definition_key": et.c.process_definition_key,
    "process_definition_version_tag": et.c.process_definition_version_tag,
}
_IN = {
    "process_definition_id_in": et.c.process_definition_id,
    "process_definition_key_in": et.c.process_definition_key,
    "tenant_id_in": et.c.tenant_id,
}
_INTEGERS = ("Short", "Integer", "Long")


def _integer_type() -> Any:
    # Not ``in_(_INTEGERS)``: that is an expanding parameter, which a HotStatement refuses.
    return or_(*(v.c.type == name for name in _INTEGERS))

Shape = tuple[Any, ...]


def _topic_filters(topic: TopicRequest) -> list[tuple[str, list[Any]]]:
    """(filter, its values) of one topic, in a fixed order."""
    filters: list[tuple[str, list[Any]]] = [("topic", [topic.topic_name])]
    if topic.business_key is not None:
        filters.append(("business_key", [topic.business_key]))
    if topic.process_definition_id is not None:
        filters.append(("process_definition_id", [topic.process_definition_id]))
    if topic.process_definition_id_in:
        filters.append(("process_definition_id_in", list(topic.process_definition_id_in)))
    if topic.process_definition_key is not None:
        filters.append(("process_definition_key", [topic.process_definition_key]))
    if topic.process_definition_key_in:
        filters.append(("process_definition_key_in", list(topic.process_definition_key_in)))
    if topic.process_definition_version_tag is not None:
        filters.append(("process_definition_version_tag", [topic.process_definition_version_tag]))
    if topic.without_tenant_id:
        filters.append(("without_tenant_id", []))
    if topic.tenant_id_in:
        filters.append(("tenant_id_in", list(topic.tenant_id_in)))
    for name, value in (topic.process_variables or {}).items():
        kind, values = _variable_comparison(value)
        filters.append((kind, [name, *values]))
    return filters


def _variable_comparison(value: Any) -> tuple[str, list[Any]]:
    """Camunda's untyped ``processVariables`` equality: the kind of comparison and the values
    it binds (after the variable's name)."""
    if value is None:
        return "variable_null", []
    if isinstance(value, bool):
        return "variable_boolean", [int(value)]
    if isinstance(value, int):
        return "variable_integer", [value, float(value)]
    if isinstance(value, float):
        if value.is_integer():
            return "variable_integral_double", [value, int(value)]
        return "variable_double", [value]
    if isinstance(value, str):
        return "variable_string", [value]
    return "variable_never", []


def shape_and_values(request: FetchRequest, timestamp: datetime) -> tuple[Shape, dict[str, Any]]:
    """The request's shape (what the statement depends on) and its parameter values."""
    values: list[Any] = [timestamp]
    topics = []
    for topic in request.topics:
        filters = _topic_filters(topic)
        topics.append(tuple((name, len(filter_values)) for name, filter_values in filters))
        for _name, filter_values in filters:
            values.extend(filter_values)
    sorting = tuple(
        entry.get("sortOrder") == "desc" for entry in request.sorting or [] if entry.get("sortBy") == "createTime"
    )
    shape = (tuple(topics), request.use_priority, sorting, request.max_tasks)
    return shape, {f"p{index}": value for index, value in enumerate(values)}


def _parameters() -> Iterator[BindParameter[Any]]:
    index = 0
    while True:
        yield bindparam(f"p{index}")
        index += 1


def _condition(name: str, parameters: Iterator[BindParameter[Any]], count: int) -> Any:
    if name in _EQUALS:
        return _EQUALS[name] == next(parameters)
    if name in _IN:
        return _IN[name].in_([next(parameters) for _ in range(count)])
    if name == "without_tenant_id":
        return et.c.tenant_id.is_(None)
    variable_name = next(parameters)
    if name == "variable_null":
        matches: Any = v.c.type == "Null"
    elif name == "variable_boolean":
        matches = and_(v.c.type == "Boolean", v.c.long_value == next(parameters))
    elif name == "variable_integer":
        matches = or_(and_(_integer_type(), v.c.long_value == next(parameters)),
                      and_(v.c.type == "Double", v.c.double_value == next(parameters)))
    elif name == "variable_integral_double":
        matches = or_(and_(v.c.type == "Double", v.c.double_value == next(parameters)),
                      and_(_integer_type(), v.c.long_value == next(parameters)))
    elif name == "variable_double":
        matches = and_(v.c.type == "Double", v.c.double_value == next(parameters))
    elif name == "variable_string":
        matches = and_(v.c.type == "String", v.c.text_value == next(parameters))
    else:
        matches = false()
    return exists().where(v.c.scope_id == et.c.process_instance_id, v.c.name == variable_name, matches)


def _statement(shape: Shape, for_update: bool) -> HotStatement:
    topics, use_priority, sorting, max_tasks = shape
    parameters = _parameters()
    now = next(parameters)
    fetchable = and_(
        pi.c.end_time.is_(None),
        pi.c.suspended.is_(False),
        or_(et.c.retries.is_(None), et.c.retries > 0),
        or_(et.c.lock_expiration_time.is_(None), et.c.lock_expiration_time <= now),
    )
    conditions = [and_(*(_condition(name, parameters, count) for name, count in topic)) for topic in topics]
    query = select(et).join(pi, pi.c.id == et.c.process_instance_id).where(fetchable, or_(*conditions))
    if use_priority:
        query = query.order_by(et.c.priority.desc())
    for descending in sorting:
        query = query.order_by(et.c.create_time.desc() if descending else et.c.create_time.asc())
    query = query.order_by(et.c.create_time.asc(), et.c.id.asc()).limit(max_tasks)
    if for_update:
        query = query.with_for_update(skip_locked=True, of=et)
    return HotStatement(query)


_statements: dict[tuple[Shape, bool], HotStatement] = {}
_statements_lock = threading.Lock()
_MAX_SHAPES = 256  # workers send a few shapes each; a bound keeps odd clients from growing it


def fetch_statement(shape: Shape, for_update: bool) -> HotStatement:
    key = (shape, for_update)
    statement = _statements.get(key)
    if statement is None:
        statement = _statement(shape, for_update)
        with _statements_lock:
            if len(_statements) >= _MAX_SHAPES:
                _statements.clear()
            _statements[key] = statement
    return statement


# -- after the fetch ---------------------------------------------------------------------------
LOCK = HotStatement(
    t.external_task.update()
    .where(et.c.id == bindparam("b_id"))
    .values(worker_id=bindparam("b_worker_id"), lock_expiration_time=bindparam("b_expiry"), revision=et.c.revision + 1)
)
_variables_by_count: dict[int, HotStatement] = {}


def variables_statement(count: int) -> HotStatement:
    """The variables of ``count`` scopes (parameters ``s0``...)."""
    statement = _variables_by_count.get(count)
    if statement is None:
        statement = HotStatement(select(v).where(v.c.scope_id.in_([bindparam(f"s{i}") for i in range(count)])))
        if count <= 200:  # maxTasks is unbounded in Camunda; keep the usual sizes
            _variables_by_count[count] = statement
    return statement

"""Shared pieces of Camunda's list queries: sorting, paging, variable filters.

Criteria arrive already typed (the REST layer converts query strings and JSON bodies),
keyed by Camunda's parameter names.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast, overload

from sqlalchemy import Connection, Select, and_, exists, func, select

from engine import variables as typed
from engine.errors import InvalidRequest
from engine.store import Row
from engine.store import tables as t

if TYPE_CHECKING:
    from engine.process_engine import ProcessEngine

R = TypeVar("R", bound=Row)


class QueryCommand(Protocol):
    """A resource's list command: its rows, or with ``count_only`` how many (Camunda's
    ``/count`` endpoints share the list's criteria)."""

    @overload
    def __call__(
        self, engine: ProcessEngine, criteria: Mapping[str, Any], *,
        sorting: Sequence[Mapping[str, Any]] | None = None, first_result: int | None = None,
        max_results: int | None = None, count_only: Literal[False] = False,
    ) -> list[Row]: ...

    @overload
    def __call__(
        self, engine: ProcessEngine, criteria: Mapping[str, Any], *,
        sorting: Sequence[Mapping[str, Any]] | None = None, first_result: int | None = None,
        max_results: int | None = None, count_only: Literal[True],
    ) -> int: ...


def query_command(command: Callable[..., list[Row] | int]) -> QueryCommand:
    """Declare a list command's result by ``count_only`` for the type checker."""
    return cast(QueryCommand, command)


def apply_sorting(query: Select, sorting: Sequence[Mapping[str, Any]] | None, columns: Mapping[str, Any], default: Any) -> Select:
    if not sorting:
        return query.order_by(default)
    for entry in sorting:
        sort_by, order = entry.get("sortBy"), entry.get("sortOrder") or "asc"
        if sort_by is None or sort_by not in columns:
            raise InvalidRequest(f"Cannot set query parameter 'sortBy' to value '{sort_by}'")
        if order not in ("asc", "desc"):
            raise InvalidRequest(f"Cannot set query parameter 'sortOrder' to value '{order}'")
        column = columns[sort_by]
        query = query.order_by(column.desc() if order == "desc" else column.asc())
    return query.order_by(default)


def page(rows: list[Any], first_result: int | None, max_results: int | None) -> list[Any]:
    start = first_result or 0
    if max_results is None:
        return rows[start:]
    return rows[start : start + max_results]


def apply_paging(query: Select, first_result: int | None, max_results: int | None) -> Select:
    if first_result:
        query = query.offset(first_result)
    if max_results is not None:
        query = query.limit(max_results)
    return query


def like(column: Any, pattern: str) -> Any:
    return column.like(pattern)


def variable_conditions(
    scope_column: Any, filters: Iterable[Mapping[str, Any]] | None
) -> list[Any]:
    """A name-existence condition per variable filter; the typed comparison follows in Python
    (``filter_by_variables``) because values are stored by type in several columns."""
    conditions = []
    for entry in filters or []:
        name = entry.get("name")
        if not name:
            raise InvalidRequest("Variable filter requires a 'name'")
        v = t.variable
        conditions.append(exists().where(and_(v.c.scope_id == scope_column, v.c.name == name)))
    return conditions


def filter_by_variables(
    conn: Connection,
    rows: list[R],
    filters: Sequence[Mapping[str, Any]] | None,
    scope_of: Callable[[R], str],
    *,
    names_ignore_case: bool = False,
    values_ignore_case: bool = False,
) -> list[R]:
    if not filters or not rows:
        return rows
    v = t.variable
    names = {entry["name"] for entry in filters}
    scope_ids = {scope_of(row) for row in rows}
    stored: dict[tuple[str, str], typed.TypedValue] = {}
    name_column = func.lower(v.c.name) if names_ignore_case else v.c.name
    wanted = {n.lower() for n in names} if names_ignore_case else names
    for chunk in _chunks(sorted(scope_ids), 500):
        for stored_row in conn.execute(select(v).where(v.c.scope_id.in_(chunk), name_column.in_(wanted))).mappings():
            key_name = stored_row["name"].lower() if names_ignore_case else stored_row["name"]
            stored[(stored_row["scope_id"], key_name)] = typed.decode(stored_row)
    result = []
    for row in rows:
        scope = scope_of(row)
        ok = True
        for entry in filters:
            key_name = entry["name"].lower() if names_ignore_case else entry["name"]
            value = stored.get((scope, key_name))
            operand = entry.get("value")
            if value is None:
                ok = False
                break
            if values_ignore_case and isinstance(value.value, str) and isinstance(operand, str):
                value = typed.TypedValue(value.type, value.value.lower(), value.value_info)
                operand = operand.lower()
            if not typed.matches(value, entry.get("operator", "eq"), operand):
                ok = False
                break
        if ok:
            result.append(row)
    return result


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]

"""The statements every start and every completion runs, executed on the DB-API cursor.

Measured on SQLite: SQLAlchemy Core spends about 45 µs around each statement (execution
context, events, result objects) beside the driver's 9 µs, and a completion runs eight of
them. A :class:`HotStatement` lets SQLAlchemy do the parts that matter once per dialect:
the SQL text, the order of its parameters, the type conversions in (bind processors) and out
(result processors), and the Python-side column defaults of inserts. Each execution then
goes straight to the transaction's own DB-API connection, so it is part of the same
transaction, and a driver error is raised as the SQLAlchemy exception Connection.execute
would raise (``IntegrityError``, ``DataError``...).

Only plain statements qualify: no expanding ``IN`` parameters, no callable defaults; a
statement that has them is refused when it is first compiled.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Delete, Insert, Select, Update
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass
class _Plan:
    sql: str
    names: tuple[str, ...]  # parameter names, in the order of the placeholders
    positional: bool
    constants: dict[str, Any]  # literal values and column defaults, by parameter name
    bind: tuple[Processor, ...]
    columns: tuple[str, ...]  # result column keys (SELECT)
    types: tuple[Any, ...]  # their SQLAlchemy types
    # Per parameter: its constant, or _MISSING when the caller must give it.
    fallbacks: tuple[Any, ...] = ()
    # Positions of the parameters without a constant (the caller must give them).
    required: tuple[int, ...] = ()
    # (position, processor) of the parameters that have a bind processor.
    bound: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
    results: tuple[Processor, ...] | None = None  # from the first result's type codes
    # (position, column key, processor) of the result columns that have a result processor.
    processed: tuple[tuple[int, str, Callable[[Any], Any]], ...] = ()


class HotStatement:
    def __init__(self, statement: Select[Any] | Insert | Update | Delete) -> None:
        self.statement = statement
        self._table_columns: frozenset[str] | None = (
            frozenset(statement.table.c.keys()) if isinstance(statement, Insert | Update) else None  # type: ignore[union-attr]
        )
        self._plans: dict[tuple[str, frozenset[str] | None], _Plan] = {}

    # -- running -----------------------------------------------------------------------------
    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row as a dict of column key to value, or None."""
        plan = self._plan(conn, None)
        cursor = self._execute(conn, plan, params)
        row = cursor.fetchone()
        cursor.close()
        return None if row is None else self._row(plan, row)

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        plan = self._plan(conn, None)
        cursor = self._execute(conn, plan, params)
        rows = cursor.fetchall()
        cursor.close()
        return [self._row(plan, row) for row in rows]

    def scalars(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """The first column of every row."""
        plan = self._plan(conn, None)
        cursor = self._execute(conn, plan, params)
        rows = cursor.fetchall()
        cursor.close()
        assert plan.results is not None
        process = plan.results[0]
        return [row[0] if process is None else process(row[0]) for row in rows]

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Execute once (an INSERT, UPDATE or DELETE); returns the row count."""
        plan = self._plan(conn, self._columns_of(params))
        cursor = self._execute(conn, plan, params)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per parameter set (one ``executemany`` per distinct set of keys)."""
        by_keys: dict[frozenset[str] | None, list[Mapping[str, Any]]] = {}
        for params in rows:
            by_keys.setdefault(self._columns_of(params), []).append(params)
        for column_keys, group in by_keys.items():
            self._run_many(conn, self._plan(conn, column_keys), group)

    def _run_many(self, conn: Connection, plan: _Plan, rows: Sequence[Mapping[str, Any]]) -> None:
        values = [self._values(plan, params) for params in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(values) == 1:  # psycopg's executemany enters pipeline mode: 0.5 ms for one row
                cursor.execute(plan.sql, values[0])
            else:
                cursor.executemany(plan.sql, values)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise self._wrapped(conn, plan, values, exc) from exc
        finally:
            cursor.close()

    # -- planning ----------------------------------------------------------------------------
    def _columns_of(self, params: Mapping[str, Any]) -> frozenset[str] | None:
        """Which of the parameters set columns (INSERT, UPDATE): SQLAlchemy's column_keys."""
        if self._table_columns is None:
            return None
        return self._table_columns.intersection(params)

    def _plan(self, conn: Connection, column_keys: frozenset[str] | None) -> _Plan:
        dialect = conn.dialect
        key = (dialect.name, column_keys)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(conn, column_keys)
        return plan

    def _compile(self, conn: Connection, column_keys: frozenset[str] | None) -> _Plan:
        dialect = conn.dialect
        compiled = self.statement.compile(
            dialect=dialect, column_keys=sorted(column_keys) if column_keys is not None else None
        )
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError(f"not a plain statement (expanding or literal parameters): {compiled.string}")
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
        constants: dict[str, Any] = {}
        for name in names:
            value = compiled.binds[name].effective_value
            if value is not None:
                constants[name] = value
        defaults = [(column, column.default) for column in compiled.insert_prefetch]
        defaults += [(column, column.onupdate) for column in compiled.update_prefetch]
        for column, default in defaults:
            if default is None or not default.is_scalar:  # type: ignore[attr-defined]
                raise ValueError(f"column {column.key} has a default this statement cannot apply")
            constants[column.key] = default.arg  # type: ignore[attr-defined]
        bind = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        )
        columns: tuple[str, ...] = ()
        types: tuple[Any, ...] = ()
        if isinstance(self.statement, Select):
            columns = tuple(self.statement.selected_columns.keys())
            types = tuple(column.type.dialect_impl(dialect) for column in self.statement.selected_columns)
        fallbacks = tuple(constants.get(name, _MISSING) for name in names)
        required = tuple(index for index, fallback in enumerate(fallbacks) if fallback is _MISSING)
        bound = tuple((index, process) for index, process in enumerate(bind) if process is not None)
        return _Plan(compiled.string, names, positional, constants, bind, columns, types, fallbacks, required, bound)

    # -- executing ---------------------------------------------------------------------------
    @staticmethod
    def _values(plan: _Plan, params: Mapping[str, Any]) -> Any:
        get = params.get
        values = [get(name, fallback) for name, fallback in zip(plan.names, plan.fallbacks)]
        for index in plan.required:  # by identity: a value's own __eq__ never sees the marker
            if values[index] is _MISSING:
                raise KeyError(f"A value is required for bind parameter {plan.names[index]!r}")
        for index, process in plan.bound:
            value = values[index]
            if value is not None:
                values[index] = process(value)
        return values if plan.positional else dict(zip(plan.names, values, strict=True))

    def _execute(self, conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
        values = self._values(plan, params)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, values)
        except conn.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise self._wrapped(conn, plan, values, exc) from exc
        if plan.results is None and plan.types:
            # Result processors may depend on the driver's type codes (PostgreSQL numerics).
            results = tuple(
                type_.result_processor(conn.dialect, description[1])
                for type_, description in zip(plan.types, cursor.description, strict=True)
            )
            plan.processed = tuple(
                (index, key, process)
                for index, (key, process) in enumerate(zip(plan.columns, results, strict=True)) if process is not None
            )
            plan.results = results
        return cursor

    @staticmethod
    def _wrapped(conn: Connection, plan: _Plan, values: Any, exc: Exception) -> BaseException:
        return DBAPIError.instance(plan.sql, values, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect)

    @staticmethod
    def _row(plan: _Plan, row: Sequence[Any]) -> dict[str, Any]:
        assert plan.results is not None
        record = dict(zip(plan.columns, row, strict=True))
        for index, key, process in plan.processed:
            value = row[index]
            if value is not None:
                record[key] = process(value)
        return record

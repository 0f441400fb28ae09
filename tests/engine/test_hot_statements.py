"""HotStatement (engine/store/hot.py) runs a statement on the DB-API cursor with the results,
defaults and errors SQLAlchemy's Connection.execute gives."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from engine.process_engine import ProcessEngine
from engine.store import tables as t
from engine.store.hot import HotStatement

pd = t.process_definition
SELECT_DEFINITION = select(pd).where(pd.c.id == bindparam("definition_id"))


def _definition(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "invoice:1:abc", "key": "invoice", "version": 1, "name": "Invoice", "deployment_id": "d1",
        "resource_name": "invoice.bpmn", "deployment_time": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    }
    row.update(overrides)
    return row


def _deployment(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(t.deployment.insert(), [{"id": "d1", "name": "d", "deployment_time": datetime.now(UTC)}])


def test_an_insert_applies_the_python_side_column_defaults(engine: ProcessEngine) -> None:
    with engine.database.transaction() as conn:
        _deployment(conn)
        HotStatement(pd.insert()).run_many(conn, [_definition()])
        row = conn.execute(SELECT_DEFINITION, {"definition_id": "invoice:1:abc"}).mappings().one()
    assert (row["suspended"], row["startable_in_tasklist"], row["has_start_form_fields"]) == (False, True, False)


def test_a_select_gives_the_rows_sqlalchemy_gives_with_the_same_types(engine: ProcessEngine) -> None:
    with engine.database.transaction() as conn:
        _deployment(conn)
        conn.execute(pd.insert(), [_definition()])
        expected = dict(conn.execute(SELECT_DEFINITION, {"definition_id": "invoice:1:abc"}).mappings().one())
        row = HotStatement(SELECT_DEFINITION).first(conn, {"definition_id": "invoice:1:abc"})
    assert row == expected
    assert {key: type(value) for key, value in row.items()} == {key: type(value) for key, value in expected.items()}
    assert isinstance(row["deployment_time"], datetime) and row["suspended"] is False


def test_a_select_without_rows_gives_none(engine: ProcessEngine) -> None:
    with engine.database.transaction() as conn:
        assert HotStatement(SELECT_DEFINITION).first(conn, {"definition_id": "nothing"}) is None


def test_an_update_gives_its_row_count(engine: ProcessEngine) -> None:
    rename = HotStatement(update(pd).where(pd.c.key == bindparam("b_key")))
    with engine.database.transaction() as conn:
        _deployment(conn)
        conn.execute(pd.insert(), [_definition(), _definition(id="invoice:2:def", version=2)])
        assert rename.run(conn, {"b_key": "invoice", "name": "Invoice (renamed)"}) == 2
        assert rename.run(conn, {"b_key": "nothing", "name": "x"}) == 0


def test_a_driver_error_is_raised_as_sqlalchemys_exception(engine: ProcessEngine) -> None:
    insert = HotStatement(pd.insert())
    with pytest.raises(IntegrityError), engine.database.transaction() as conn:
        _deployment(conn)
        insert.run_many(conn, [_definition(), _definition()])


def test_a_statement_with_an_expanding_in_is_refused(engine: ProcessEngine) -> None:
    statement = HotStatement(select(pd).where(pd.c.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="not a plain statement"), engine.database.transaction() as conn:
        statement.all(conn, {"ids": ["a"]})


def test_a_missing_parameter_is_an_error_not_a_null(engine: ProcessEngine) -> None:
    with pytest.raises(KeyError, match="definition_id"), engine.database.transaction() as conn:
        HotStatement(SELECT_DEFINITION).first(conn, {"definition": "invoice:1:abc"})


def test_a_value_equal_to_everything_is_bound_as_given(engine: ProcessEngine) -> None:
    # A parameter is checked for presence by identity: a value whose __eq__ says True to
    # anything (mock.ANY) is a value like any other.
    class EqualToAll(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    with engine.database.transaction() as conn:
        _deployment(conn)
        HotStatement(pd.insert()).run_many(conn, [_definition()])
        row = HotStatement(SELECT_DEFINITION).first(conn, {"definition_id": EqualToAll("invoice:1:abc")})
    assert row is not None and row["key"] == "invoice"

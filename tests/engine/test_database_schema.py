"""The schema the migrations build, and the indexes the hot queries rely on."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.commands import external_task, fetch_query
from engine.commands.deployment import create_deployment
from engine.commands.process_instance import start_process_instance
from engine.dates import now
from engine.process_engine import ProcessEngine
from engine.store import tables
from engine.variables import parse_variables
from tests.conftest import bpmn

MODEL = bpmn("external_single.bpmn")  # one external task, topic ${topic}


def test_the_migrations_build_exactly_the_declared_tables_and_indexes(engine: ProcessEngine) -> None:
    with engine.database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), tables.metadata)
    assert differences == []


def test_fetch_and_lock_reads_a_topic_in_index_order_instead_of_sorting_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = ProcessEngine.from_url(f"sqlite:///{tmp_path / 'fetch.db'}")
    try:
        create_deployment(engine, {"single.bpmn": MODEL})
        for _ in range(3):
            start_process_instance(engine, key="single", variables=parse_variables({"topic": {"value": "t"}}, context="test"))
        request = external_task.FetchRequest("w", 2, [external_task.TopicRequest("t", 1000)])
        shape, values = fetch_query.shape_and_values(request, now())
        statement = fetch_query.fetch_statement(shape, for_update=False).statement
        with engine.database.engine.connect() as conn:
            assert len(conn.execute(statement, values).all()) == 2  # the statement fetchAndLock runs
            sql = str(statement.params(values).compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "ix_external_task_fetch_order" in plan
        assert "TEMP B-TREE" not in plan
    finally:
        engine.close()

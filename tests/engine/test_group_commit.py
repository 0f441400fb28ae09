"""Group commit (engine/store/group_commit.py): on SQLite the short commands of one
event-loop turn share one transaction, each in a savepoint, and each is answered once that
transaction has committed. On PostgreSQL they run elsewhere (a worker thread), one
transaction each."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from engine.commands.deployment import create_deployment
from engine.commands.process_instance import start_process_instance
from engine.process_engine import ProcessEngine
from engine.store.database import after_commit
from engine.store.group_commit import MAX_COMMANDS, run_batched
from tests.conftest import bpmn, writer_held_elsewhere

VARIABLES = {"amount": {"value": 5, "type": "Integer"}, "owner": {"value": "demo"}}


def _sqlite_only(engine: ProcessEngine) -> None:
    if engine.database.dialect != "sqlite":
        pytest.skip("group commit applies to SQLite; PostgreSQL commits in parallel connections")


async def _in_a_thread(command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(command, *args, **kwargs)


def _batched(engine: ProcessEngine, *commands: Callable[[ProcessEngine], Any]) -> list[Any]:
    """Run the commands as concurrent clients would: each in its own task, all ready in the
    same turn of the event loop. Results (or raised exceptions) in order."""
    async def run() -> list[Any]:
        return await asyncio.gather(
            *(run_batched(engine.database, _in_a_thread, command, engine) for command in commands),
            return_exceptions=True,
        )

    return asyncio.run(run())


def _commits(engine: ProcessEngine) -> list[int]:
    counted = [0]

    @event.listens_for(engine.database.engine, "commit")
    def count(_connection: Any) -> None:
        counted[0] += 1

    return counted


def _table(engine: ProcessEngine) -> None:
    with engine.database.transaction() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS batch_parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS batch_item (name VARCHAR(20) PRIMARY KEY, "
                          "parent INTEGER REFERENCES batch_parent (id) DEFERRABLE INITIALLY DEFERRED)"))


def _insert(name: str, parent: int | None = None, *, then: Callable[[], None] | None = None) -> Callable[[ProcessEngine], str]:
    def command(engine: ProcessEngine) -> str:
        with engine.database.transaction() as conn:
            conn.execute(text("INSERT INTO batch_item (name, parent) VALUES (:name, :parent)"), {"name": name, "parent": parent})
            if then is not None:
                then()
        return name

    return command


def _items(engine: ProcessEngine) -> list[str]:
    with engine.database.transaction(write=False) as conn:
        return sorted(row[0] for row in conn.execute(text("SELECT name FROM batch_item")))


def _starts(engine: ProcessEngine, count: int) -> list[Callable[[ProcessEngine], Any]]:
    create_deployment(engine, {"order.bpmn": bpmn("order.bpmn")}, name="orders")
    return [lambda e: start_process_instance(e, key="order", variable_dtos=VARIABLES) for _ in range(count)]


def test_the_starts_of_one_turn_share_one_commit(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    starts = _starts(engine, 8)
    commits = _commits(engine)
    started = _batched(engine, *starts)
    assert commits[0] == 1
    ids = {result.instance["id"] for result in started}
    with engine.database.transaction(write=False) as conn:
        stored = {row[0] for row in conn.execute(text("SELECT id FROM process_instance"))}
    assert len(ids) == 8 and ids <= stored


def test_every_start_is_committed_when_it_returns(engine: ProcessEngine) -> None:
    starts = _starts(engine, 4)
    started = _batched(engine, *starts)
    with engine.database.transaction(write=False) as conn:
        count = conn.execute(text("SELECT count(*) FROM process_instance")).scalar_one()
    assert count == 4 and not any(isinstance(result, BaseException) for result in started)


def test_a_command_returns_only_once_its_batch_committed(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    path = make_url(engine.database.url).database
    seen_on_return = []

    async def run() -> None:
        async def client(name: str) -> None:
            await run_batched(engine.database, _in_a_thread, _insert(name), engine)
            other_connection = sqlite3.connect(path)
            seen_on_return.append(other_connection.execute("SELECT name FROM batch_item WHERE name = ?", (name,)).fetchall())
            other_connection.close()

        await asyncio.gather(client("a"), client("b"), client("c"))

    asyncio.run(run())
    assert seen_on_return == [[("a",)], [("b",)], [("c",)]]


def test_a_failing_command_leaves_the_others_of_its_batch_committed(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    commits = _commits(engine)

    def fail() -> None:
        raise ValueError("refused")

    results = _batched(engine, _insert("a"), _insert("b", then=fail), _insert("c"))
    assert results[0] == "a" and isinstance(results[1], ValueError) and results[2] == "c"
    assert commits[0] == 1
    assert _items(engine) == ["a", "c"]


def test_only_the_after_commit_callbacks_of_committed_commands_run_after_the_commit(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    ran: list[tuple[str, list[str]]] = []

    def announcing(name: str, fails: bool = False) -> Callable[[ProcessEngine], str]:
        def command(e: ProcessEngine) -> str:
            with e.database.transaction() as conn:
                conn.execute(text("INSERT INTO batch_item (name) VALUES (:name)"), {"name": name})
                after_commit(conn, lambda: ran.append((name, _items(e))))
                if fails:
                    raise ValueError(name)
            return name

        return command

    _batched(engine, announcing("a"), announcing("b", fails=True), announcing("c"))
    assert ran == [("a", ["a", "c"]), ("c", ["a", "c"])]


def test_a_command_sees_what_earlier_commands_of_its_batch_wrote(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)

    def count_items(e: ProcessEngine) -> int:
        with e.database.transaction(write=False) as conn:
            return conn.execute(text("SELECT count(*) FROM batch_item")).scalar_one()

    results = _batched(engine, _insert("a"), _insert("b"), count_items)
    assert results == ["a", "b", 2]


def test_a_commit_that_fails_fails_every_command_of_its_batch(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    # The foreign key is checked at COMMIT: a missing parent fails the batch's commit.
    results = _batched(engine, _insert("a"), _insert("orphan", parent=42), _insert("c"))
    assert all(isinstance(result, Exception) for result in results), results
    assert _items(engine) == []
    assert _batched(engine, _insert("d")) == ["d"]  # the next batch starts clean


def test_a_batch_holds_at_most_its_limit_of_commands(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    commits = _commits(engine)
    names = [f"n{index}" for index in range(MAX_COMMANDS + 10)]
    assert _batched(engine, *(_insert(name) for name in names)) == names
    assert commits[0] == 2


def test_while_a_worker_thread_writes_the_batch_waits_without_holding_up_the_loop(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    release, holder = writer_held_elsewhere(engine)

    async def run() -> tuple[int, list[str]]:
        waiting = asyncio.gather(*(run_batched(engine.database, _in_a_thread, _insert(name), engine) for name in "ab"))
        ticks = 0
        for _ in range(20):  # the loop keeps turning while the batch waits for the writer
            await asyncio.sleep(0.005)
            ticks += 1
        assert not waiting.done()
        release.set()
        return ticks, await waiting

    ticks, results = asyncio.run(run())
    holder.join()
    assert ticks == 20 and results == ["a", "b"]
    assert _items(engine) == ["a", "b"]


def test_on_postgresql_each_command_runs_elsewhere_in_a_transaction_of_its_own(engine: ProcessEngine) -> None:
    if engine.database.dialect == "sqlite":
        pytest.skip("PostgreSQL's behaviour")
    _table(engine)
    ran_elsewhere = []

    async def elsewhere(command: Callable[..., Any], *args: Any) -> Any:
        ran_elsewhere.append(command)
        return await asyncio.to_thread(command, *args)

    async def run() -> list[Any]:
        return await asyncio.gather(*(run_batched(engine.database, elsewhere, _insert(name), engine) for name in "ab"))

    assert asyncio.run(run()) == ["a", "b"]
    assert len(ran_elsewhere) == 2 and _items(engine) == ["a", "b"]


def test_a_command_whose_client_left_does_not_fail_the_others_of_its_batch(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)

    async def run() -> list[Any]:
        first = asyncio.ensure_future(run_batched(engine.database, _in_a_thread, _insert("a"), engine))
        second = asyncio.ensure_future(run_batched(engine.database, _in_a_thread, _insert("b"), engine))
        await asyncio.sleep(0)  # both ran and wait for the commit
        first.cancel()  # as uvicorn does for a request whose client went away
        return await asyncio.gather(first, second, return_exceptions=True)

    cancelled, answered = asyncio.run(run())
    assert isinstance(cancelled, asyncio.CancelledError) and answered == "b"
    assert _items(engine) == ["a", "b"]  # what the first command did was committed all the same
    assert not engine.database._write_lock.locked()


def test_the_commands_that_waited_for_a_worker_thread_share_one_commit(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    release, holder = writer_held_elsewhere(engine)
    commits = _commits(engine)

    async def run() -> list[str]:
        waiting = asyncio.gather(*(run_batched(engine.database, _in_a_thread, _insert(name), engine) for name in "abcd"))
        await asyncio.sleep(0.05)
        release.set()
        return await waiting

    assert asyncio.run(run()) == list("abcd")
    holder.join()
    assert commits[0] == 2  # the worker thread's transaction, then the batch's


def test_a_batch_whose_commands_all_left_while_it_waited_gives_the_writer_back(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    _table(engine)
    release, holder = writer_held_elsewhere(engine)

    async def run() -> None:
        waiting = asyncio.ensure_future(run_batched(engine.database, _in_a_thread, _insert("a"), engine))
        await asyncio.sleep(0.02)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        release.set()
        await asyncio.to_thread(holder.join)
        for _ in range(500):  # the batch takes the writer over, finds nobody, gives it back
            await asyncio.sleep(0.01)
            if not engine.database._write_lock.locked():
                return

    asyncio.run(run())
    assert not engine.database._write_lock.locked()
    assert _items(engine) == []


def test_a_second_event_loop_waits_in_a_thread_while_the_first_has_a_batch_open(engine: ProcessEngine) -> None:
    _sqlite_only(engine)

    async def first_loop() -> None:
        assert engine.database.open_batch(asyncio.get_running_loop()) is not None
        other: list[Any] = []
        thread = threading.Thread(target=lambda: other.append(asyncio.run(_open_from_another_loop(engine))))
        thread.start()
        thread.join()  # without yielding: the first loop's batch stays open meanwhile
        assert other == [None]

    asyncio.run(first_loop())


async def _open_from_another_loop(engine: ProcessEngine) -> Any:
    return engine.database.open_batch(asyncio.get_running_loop())


def test_a_writing_transaction_inside_another_on_one_thread_is_refused(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    with engine.database.transaction(), pytest.raises(RuntimeError, match="holds, or waits for, the writer"):
        with engine.database.transaction():
            pass
    with engine.database.transaction():
        pass  # the writer was given back


def test_a_job_definition_made_by_a_command_that_rolled_back_is_not_remembered(engine: ProcessEngine) -> None:
    _sqlite_only(engine)
    from engine.jobs import definitions

    deployment = create_deployment(engine, {"order.bpmn": bpmn("order.bpmn")}, name="orders")
    definition = deployment.process_definitions[0]
    declaration = definitions.JobDeclaration(activity_id="approve", job_type="async-continuation",
                                             configuration="async-before")

    def made_then_failed(e: ProcessEngine) -> None:
        with e.database.transaction() as conn:
            definitions.ensure(conn, definition, declaration)
            raise ValueError("a script failed later in the same start")

    def other(e: ProcessEngine) -> str:
        with e.database.transaction():
            return "committed"

    failed, committed = _batched(engine, made_then_failed, other)
    assert isinstance(failed, ValueError) and committed == "committed"
    key = (definition["id"], declaration.activity_id, declaration.job_type, declaration.configuration)
    assert key not in definitions._known

"""Start and complete on SQLite run on the event loop, in the write batch of its turn
(compat_api.routing.call_short, engine/store/group_commit.py); when another command or
another process is writing, they wait for it while the gateway keeps answering."""
from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.engine import make_url

from compat_api.routing import ON_EVENT_LOOP_ENV
from engine import delegates
from engine.process_engine import ProcessEngine
from engine.store.database import WriterBusy
from tests.conftest import deploy, start, writer_held_elsewhere

VARS = {"amount": {"value": 5, "type": "Integer"}, "owner": {"value": "demo"}}


def test_a_start_while_another_command_writes_is_served_once_it_is_done(rest: httpx.Client, engine: ProcessEngine) -> None:
    deploy(rest, "order.bpmn")
    release, holder = writer_held_elsewhere(engine)
    with ThreadPoolExecutor(1) as pool:
        started = pool.submit(rest.post, "/process-definition/key/order/start", json={"variables": VARS})
        # The gateway still answers while that start waits for the writer.
        assert rest.get("/engine").status_code == 200
        if engine.database.dialect == "sqlite":
            assert not started.done()
        release.set()
        holder.join()
        assert started.result(timeout=10).status_code == 200


def test_a_start_with_the_writer_free_is_served_and_leaves_it_free(rest: httpx.Client, engine: ProcessEngine) -> None:
    deploy(rest, "order.bpmn")
    instance = start(rest, "order", variables=VARS)
    assert instance["ended"] is False
    with ThreadPoolExecutor(1) as pool:  # nothing was left holding the writer
        pool.submit(_write_nothing, engine).result(timeout=5)


def _write_nothing(engine: ProcessEngine) -> None:
    with engine.database.transaction():
        pass


def test_a_start_while_another_process_holds_sqlites_writer_waits_in_a_thread(rest: httpx.Client, engine: ProcessEngine) -> None:
    if engine.database.dialect != "sqlite":
        pytest.skip("SQLite's file lock")
    deploy(rest, "order.bpmn")
    other_process = sqlite3.connect(make_url(engine.database.url).database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        with ThreadPoolExecutor(1) as pool:
            started = pool.submit(rest.post, "/process-definition/key/order/start", json={"variables": VARS})
            # Not waiting on the event loop: the gateway answers while the start waits.
            assert rest.get("/engine").status_code == 200
            assert not started.done()
            other_process.execute("ROLLBACK")
            assert started.result(timeout=10).status_code == 200
    finally:
        other_process.close()


def test_a_batch_does_not_wait_for_another_connection_that_writes(engine: ProcessEngine) -> None:
    if engine.database.dialect != "sqlite":
        pytest.skip("SQLite's file lock")
    other_process = sqlite3.connect(make_url(engine.database.url).database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")

    async def first_write_in_a_batch() -> None:
        batch = engine.database.open_batch(asyncio.get_running_loop())
        assert batch is not None
        await batch.writer
        with pytest.raises(WriterBusy):
            batch.run(_write_nothing, engine)
        assert batch.closed  # the next command opens a batch of its own

    try:
        asyncio.run(first_write_in_a_batch())
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    _write_nothing(engine)  # free again, and the connection waits as usual once more


def test_with_commands_off_the_event_loop_a_delegate_may_run_its_own_asyncio_loop(rest: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ON_EVENT_LOOP_ENV, "false")

    async def charge(amount: int) -> int:
        return amount * 2

    def charge_card(execution) -> None:  # type: ignore[no-untyped-def]
        execution.setVariable("charged", asyncio.run(charge(execution.getVariable("amount"))))

    deploy(rest, "scopes/delegate_class.bpmn")
    with delegates.registered("com.acme.ChargeCard", charge_card):
        instance = start(rest, "dg_class", variables={"amount": {"value": 21, "type": "Integer"}})
    charged = rest.get(f"/process-instance/{instance['id']}/variables/charged").json()
    assert charged["value"] == 42

"""Small helpers shared by the resource modules: running engine commands off the event
loop, and reading the common paging/sorting parameters of list endpoints."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from engine.process_engine import ProcessEngine
from engine.store.group_commit import run_batched

T = TypeVar("T")
ON_EVENT_LOOP_ENV = "M8FLOW_COMMANDS_ON_EVENT_LOOP"


def engine_of(request: Request) -> ProcessEngine:
    return request.app.state.engine


async def call(request: Request, command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an engine command (blocking: SQL and Spiff) in the thread pool."""
    return await run_in_threadpool(command, engine_of(request), *args, **kwargs)


async def call_short(request: Request, command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one of the short commands every process runs many times (start an instance,
    complete a task, fetch and lock) on the event loop itself when the database is SQLite,
    in the write batch of the loop's current turn (engine/store/group_commit.py);
    otherwise as ``call`` does.

    On SQLite a writing command excludes every other writer of the process for its whole
    run anyway. Handing it to a worker thread cost more than the command: sqlite3 releases
    the GIL around every statement, and each time the event loop took it, so a 1 ms
    command paid 0.4 to 0.9 ms of thread switching (bench/: a start 1.6 ms of gateway CPU
    on the loop, 2.0 to 2.4 ms in a thread). Batching then shares one commit among the
    commands of a turn."""
    return await run_short(command, engine_of(request), *args, **kwargs)


async def run_short(command: Callable[..., T], engine: ProcessEngine, *args: Any, **kwargs: Any) -> T:
    """``command(engine, ...)`` as ``call_short`` runs it (long polling's fetches too)."""
    if os.environ.get(ON_EVENT_LOOP_ENV, "true").lower() in {"0", "false", "no"}:
        return await run_in_threadpool(command, engine, *args, **kwargs)
    return await run_batched(engine.database, run_in_threadpool, command, engine, *args, **kwargs)


def path(request: Request, name: str) -> str:
    return request.path_params[name]

"""Small helpers shared by the resource modules: running engine commands off the event
loop, and reading the common paging/sorting parameters of list endpoints."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from engine.process_engine import ProcessEngine

T = TypeVar("T")


def engine_of(request: Request) -> ProcessEngine:
    return request.app.state.engine


async def call(request: Request, command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an engine command (blocking: SQL and Spiff) in the thread pool."""
    return await run_in_threadpool(command, engine_of(request), *args, **kwargs)


def path(request: Request, name: str) -> str:
    return request.path_params[name]

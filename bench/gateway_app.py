"""The gateway as uvicorn serves it, plus one bare Starlette endpoint: the baseline every
gateway figure is divided by, measured in the same process, the same run."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compat_api.server import app_factory


async def bare(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": "bare", "ended": False})


def create():  # type: ignore[no-untyped-def]
    app = app_factory()
    app.router.routes.insert(0, Route("/bare", bare, methods=["POST"]))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """This app under one uvicorn worker on a free port, until the block ends; the process
    has ``.base_url`` set (e.g. ``http://127.0.0.1:PORT``)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.gateway_app:create", "--factory", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=Path(__file__).resolve().parents[1], env={**os.environ, "M8FLOW_DATABASE_URL": database_url},
    )
    server.base_url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    try:
        for _ in range(100):
            try:
                httpx.get(server.base_url + "/engine-rest/engine", timeout=1)  # type: ignore[attr-defined]
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)

"""Shared fixtures. Every test that touches persistence runs on SQLite and on PostgreSQL
(``db`` is parametrized); ``make test`` runs both. PostgreSQL is the machine's
(127.0.0.1:5432, trust auth): the suite creates its own database and drops it at the end.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from compat_api.app import create_app
from engine.process_engine import ProcessEngine
from engine.store import tables
from engine.store.database import Database

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
OPENAPI = SHARED / "camunda7" / "openapi.json"
FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get("M8FLOW_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432; .ci/run should have started it")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (start it: pg_ctlcluster ... main start)")
    name = f"m8flow_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    Database(url).upgrade_schema()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(table.name for table in reversed(tables.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database: an SQLite file, or the suite's PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm8flow.db'}"
        Database(url).upgrade_schema()
        return url
    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[ProcessEngine]:
    process_engine = ProcessEngine.from_url(database_url, upgrade=False)
    yield process_engine
    process_engine.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThreadedServer:
    """A real uvicorn server on a free port, in a background thread of the test process."""

    def __init__(self, engine: ProcessEngine) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def server(engine: ProcessEngine) -> Iterator[ThreadedServer]:
    running = ThreadedServer(engine).start()
    yield running
    running.stop()


@pytest.fixture
def rest(server: ThreadedServer) -> Iterator[httpx.Client]:
    """An HTTP client on the gateway's ``/engine-rest``."""
    with httpx.Client(base_url=server.url + "/engine-rest", timeout=30) as client:
        yield client


def bpmn(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def deploy(rest: httpx.Client, *names: str, deployment_name: str = "test", **fields: str) -> dict:
    files = [("data", (name, bpmn(name), "application/octet-stream")) for name in names]
    response = rest.post("/deployment/create", files=files, data={"deployment-name": deployment_name, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def start(rest: httpx.Client, key: str, **body: object) -> dict:
    response = rest.post(f"/process-definition/key/{key}/start", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def tasks(rest: httpx.Client, **params: object) -> list[dict]:
    response = rest.get("/task", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def writer_held_elsewhere(engine: ProcessEngine) -> tuple[threading.Event, threading.Thread]:
    """A thread of this process that holds the database's writer (an open writing
    transaction) until the returned event is set."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.database.transaction():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(5)
    return release, thread

"""Long polling (``asyncResponseTimeout``) is event-driven: a parked fetch is answered as soon
as a matching task becomes available — created, unlocked, retries set, its lock or retry
timeout expired — and with ``[]`` when its timeout passes. Camunda's handler settings apply:
the hand-off queue capacity, unique worker requests, and 500 for parked requests at shutdown."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.long_polling import LongPolling
from tests.compat_api.external_task_helpers import deploy_single, fetch, start_single
from tests.conftest import REPO, ThreadedServer, free_port


class ParkedFetch:
    """A long poll running in a thread; ``answered_at`` is when its response arrived."""

    def __init__(self, rest: httpx.Client, topic: str, timeout_ms: int = 10_000, worker: str = "waiter",
                 max_tasks: int = 10) -> None:
        self.result: list[dict] | None = None
        self.answered_at = 0.0
        base = str(rest.base_url)

        def run() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                self.result = fetch(client, topic, worker=worker, max_tasks=max_tasks, asyncResponseTimeout=timeout_ms)
                self.answered_at = time.monotonic()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        time.sleep(0.3)  # let it park
        assert self.result is None, "the fetch did not park"

    def wait(self) -> list[dict]:
        self.thread.join(timeout=15)
        assert self.result is not None
        return self.result


def _woken_by(rest: httpx.Client, topic: str, action: Callable[[], object]) -> tuple[list[dict], float]:
    parked = ParkedFetch(rest, topic)
    acted_at = time.monotonic()
    action()
    result = parked.wait()
    return result, parked.answered_at - acted_at


def test_a_parked_fetch_returns_a_new_task_as_soon_as_it_is_created(rest):
    deploy_single(rest)
    parked = ParkedFetch(rest, "wake")
    instance = start_single(rest, "wake")
    created_at = time.monotonic()
    [task] = parked.wait()
    latency = parked.answered_at - created_at
    assert task["processInstanceId"] == instance["id"]
    # Event-driven: the bench measures a few milliseconds; the margin is for loaded CI machines.
    assert latency < 1.0, f"woken after {latency * 1000:.0f} ms"


def test_an_empty_long_poll_answers_an_empty_list_after_its_timeout(rest):
    began = time.monotonic()
    response = rest.post("/external-task/fetchAndLock", json={
        "workerId": "w", "maxTasks": 1, "asyncResponseTimeout": 500, "topics": [{"topicName": "nothing", "lockDuration": 1000}]})
    elapsed = time.monotonic() - began
    assert response.status_code == 200 and response.json() == []
    assert 0.45 <= elapsed < 2.0


def test_unlock_wakes_a_parked_fetch(rest):
    deploy_single(rest)
    start_single(rest, "unlocked")
    [task] = fetch(rest, "unlocked", worker="holder", lock=60_000)
    result, latency = _woken_by(rest, "unlocked", lambda: rest.post(f"/external-task/{task['id']}/unlock"))
    assert [t["id"] for t in result] == [task["id"]] and latency < 1.0


def test_setting_retries_wakes_a_parked_fetch(rest):
    deploy_single(rest)
    start_single(rest, "retried")
    [task] = fetch(rest, "retried")
    rest.post(f"/external-task/{task['id']}/failure", json={"workerId": "worker-1", "retries": 0})
    result, latency = _woken_by(rest, "retried", lambda: rest.put(f"/external-task/{task['id']}/retries", json={"retries": 1}))
    assert [t["id"] for t in result] == [task["id"]] and latency < 1.0


def test_an_expiring_lock_wakes_a_parked_fetch_without_any_notification(rest):
    deploy_single(rest)
    start_single(rest, "expires")
    [task] = fetch(rest, "expires", worker="slow", lock=800)
    locked_at = time.monotonic()
    parked = ParkedFetch(rest, "expires")
    [again] = parked.wait()
    waited = parked.answered_at - locked_at
    assert again["id"] == task["id"] and again["workerId"] == "waiter"
    assert 0.75 <= waited < 1.8, waited


def test_a_retry_timeout_wakes_a_parked_fetch_when_it_elapses(rest):
    deploy_single(rest)
    start_single(rest, "backoff")
    [task] = fetch(rest, "backoff")
    parked = ParkedFetch(rest, "backoff")
    failed_at = time.monotonic()
    rest.post(f"/external-task/{task['id']}/failure", json={"workerId": "worker-1", "retries": 2, "retryTimeout": 700})
    [again] = parked.wait()
    waited = parked.answered_at - failed_at
    assert again["id"] == task["id"] and again["retries"] == 2
    assert 0.65 <= waited < 1.7, waited


def test_many_parked_fetches_each_get_a_distinct_task(rest):
    deploy_single(rest)
    parked = [ParkedFetch(rest, "crowd", worker=f"w{i}", max_tasks=1) for i in range(5)]
    for _ in range(5):
        start_single(rest, "crowd")
    answers = [waiter.wait() for waiter in parked]
    assert [len(answer) for answer in answers] == [1] * 5
    assert len({answer[0]["id"] for answer in answers}) == 5


# -- Camunda's long-polling settings: hand-off queue, shutdown, unique worker requests ----------
TOO_MANY = {"type": "InvalidRequestException", "code": None,
            "message": "At the moment the server has to handle too many requests at the same time. Please try again later."}
SHUT_DOWN = {"type": "RestException", "code": None, "message": "Request rejected due to shutdown of application server."}


@pytest.fixture
def serve_with(engine, monkeypatch) -> Iterator[Callable[..., ThreadedServer]]:
    """A gateway started with the given ``M8FLOW_FETCH_AND_LOCK_*`` environment."""
    running: list[ThreadedServer] = []

    def start(**environment: str) -> ThreadedServer:
        for name, value in environment.items():
            monkeypatch.setenv(f"M8FLOW_FETCH_AND_LOCK_{name.upper()}", value)
        running.append(ThreadedServer(engine).start())
        return running[-1]

    yield start
    for server in running:
        server.stop()


def long_polling(server: ThreadedServer) -> LongPolling:
    return server.server.config.app.state.long_polling


def until(condition: Callable[[], bool]) -> None:
    """Synchronise with the gateway (not a timing assertion: the bound only stops a hung test)."""
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, "the gateway never reached the expected state"
        time.sleep(0.01)


class LongPoll:
    """One fetchAndLock with asyncResponseTimeout, sent from its own thread; keeps the response."""

    def __init__(self, base_url: str, topic: str, worker: str = "waiter", timeout_ms: int = 10_000) -> None:
        self.response: httpx.Response | None = None
        body = {"workerId": worker, "maxTasks": 1, "asyncResponseTimeout": timeout_ms,
                "topics": [{"topicName": topic, "lockDuration": 10_000}]}

        def run() -> None:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                self.response = client.post("/engine-rest/external-task/fetchAndLock", json=body)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait(self) -> httpx.Response:
        self.thread.join(timeout=30)
        assert self.response is not None, "no answer"
        return self.response


@contextmanager
def database_writes_held(database_url: str) -> Iterator[None]:
    """Hold the external-task table from another connection: every fetch blocks until the end
    of the block (SQLite: the single writer lock; PostgreSQL: an exclusive table lock)."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE external_task IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def test_a_long_poll_that_finds_nothing_while_the_hand_off_queue_is_full_is_answered_500(serve_with, database_url):
    server = serve_with(queue_capacity="2")
    polling = long_polling(server)
    with database_writes_held(database_url):
        polls = [LongPoll(server.url, "crowded", worker=f"w{i}", timeout_ms=1000) for i in range(3)]
        until(lambda: polling.arriving == 3)  # all three are on their way in, their first fetch blocked
    # The first to find nothing sees three on their way in (more than 2): it is not parked.
    responses = [poll.wait() for poll in polls]
    rejected = [r for r in responses if r.status_code == 500]
    assert len(rejected) == 1 and rejected[0].json() == TOO_MANY
    assert [r.json() for r in responses if r.status_code == 200] == [[], []]


def test_a_long_poll_that_finds_tasks_gets_them_even_when_the_hand_off_queue_is_full(serve_with, database_url):
    server = serve_with(queue_capacity="1")
    rest = httpx.Client(base_url=server.url + "/engine-rest", timeout=30)
    deploy_single(rest)
    instance = start_single(rest, "scarce")
    polling = long_polling(server)
    with database_writes_held(database_url):
        polls = [LongPoll(server.url, "scarce", worker=f"w{i}", timeout_ms=1000) for i in range(3)]
        until(lambda: polling.arriving == 3)
    responses = [poll.wait() for poll in polls]
    answered = sorted((r.status_code, len(r.json()) if r.status_code == 200 else -1) for r in responses)
    # The fetch that locks the task is answered with it although three were on their way in.
    # The first fetch that finds nothing sees at least two still on their way in (500); the
    # last one is refused too or, if the task's fetch came back before it, parked until its
    # timeout ([]): the three fetches run concurrently, so which happens is the database's.
    assert answered.count((200, 1)) == 1 and (500, -1) in answered
    assert set(answered) <= {(200, 1), (500, -1), (200, 0)}
    [task] = next(r.json() for r in responses if r.status_code == 200 and r.json())
    assert task["processInstanceId"] == instance["id"]


def test_parked_long_polls_are_answered_500_when_the_server_is_stopped(database_url, tmp_path):
    port = free_port()
    command = [str(Path(sys.executable).parent / "m8flow"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--database-url", database_url, "--log-level", "warning"]
    gateway = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: _answers(base_url))
        poll = LongPoll(base_url, "stopping", timeout_ms=120_000)
        time.sleep(0.5)  # let it arrive; parked or still on its way in, it is answered the same
        gateway.send_signal(signal.SIGTERM)
        response = poll.wait()
        assert response.status_code == 500 and response.json() == SHUT_DOWN
        gateway.wait(timeout=30)
    finally:
        if gateway.poll() is None:
            gateway.kill()
            gateway.wait()


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/engine-rest/engine", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_with_unique_worker_requests_a_new_long_poll_cancels_the_parked_one_of_the_same_worker(serve_with):
    server = serve_with(unique_worker_request="true")
    polling = long_polling(server)
    older = LongPoll(server.url, "unique", worker="w")
    until(lambda: polling.waiting == 1)
    newer = LongPoll(server.url, "unique", worker="w", timeout_ms=500)
    cancelled = older.wait()
    # Camunda cancels the JAX-RS AsyncResponse: 503 Service Unavailable, no body.
    assert cancelled.status_code == 503 and cancelled.content == b""
    assert newer.wait().json() == []


def test_with_unique_worker_requests_parked_long_polls_of_other_workers_stay_parked(serve_with):
    server = serve_with(unique_worker_request="true")
    polling = long_polling(server)
    first = LongPoll(server.url, "unique", worker="w1", timeout_ms=1500)
    until(lambda: polling.waiting == 1)
    second = LongPoll(server.url, "unique", worker="w2", timeout_ms=1500)
    until(lambda: polling.waiting == 2)
    assert first.wait().json() == [] and second.wait().json() == []


def test_without_unique_worker_requests_two_long_polls_of_one_worker_both_stay_parked(serve_with):
    server = serve_with()
    polling = long_polling(server)
    first = LongPoll(server.url, "twice", worker="w", timeout_ms=1500)
    until(lambda: polling.waiting == 1)
    second = LongPoll(server.url, "twice", worker="w", timeout_ms=1500)
    until(lambda: polling.waiting == 2)
    assert first.wait().json() == [] and second.wait().json() == []

"""Long polling (``asyncResponseTimeout``) is event-driven: a parked fetch is answered as soon
as a matching task becomes available — created, unlocked, retries set, its lock or retry
timeout expired — and with ``[]`` when its timeout passes."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from tests.compat_api.external_task_helpers import deploy_single, fetch, start_single


class ParkedFetch:
    """A long poll running in a thread; ``answered_at`` is when its response arrived."""

    def __init__(self, rest: httpx.Client, topic: str, timeout_ms: int = 10_000, worker: str = "waiter") -> None:
        self.result: list[dict] | None = None
        self.answered_at = 0.0
        base = str(rest.base_url)

        def run() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                self.result = fetch(client, topic, worker=worker, asyncResponseTimeout=timeout_ms)
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
    parked = [ParkedFetch(rest, "crowd", worker=f"w{i}") for i in range(5)]
    for _ in range(5):
        start_single(rest, "crowd")
    ids = [task["id"] for waiter in parked for task in waiter.wait()]
    assert len(ids) == 5 and len(set(ids)) == 5

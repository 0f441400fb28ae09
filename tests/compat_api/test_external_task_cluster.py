"""Two gateway processes on one PostgreSQL database, four workers competing for the same
topic: no task is ever delivered twice, none is lost, and a task created through one gateway
wakes a fetch parked on the other (LISTEN/NOTIFY)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.compat_api.external_task_helpers import fetch, start_single
from tests.compat_api.test_restart_and_races import GatewayProcess
from tests.conftest import _truncate, deploy, free_port

INSTANCES = 120


@pytest.fixture(scope="module")
def gateways(postgres_url: str) -> Iterator[list[GatewayProcess]]:
    _truncate(postgres_url)
    running = [GatewayProcess(postgres_url, free_port()).start() for _ in range(2)]
    yield running
    for gateway in running:
        gateway.kill()


def test_four_workers_on_two_gateways_get_every_task_exactly_once(gateways):
    clients = [httpx.Client(base_url=gateway.url, timeout=30) for gateway in gateways]
    deploy(clients[0], "external_single.bpmn")
    delivered: list[tuple[str, str]] = []
    failures: list[str] = []
    stop = threading.Event()

    def work(index: int) -> None:
        with httpx.Client(base_url=gateways[index % 2].url, timeout=30) as client:
            while not stop.is_set():
                for task in fetch(client, "cluster", worker=f"worker-{index}", lock=60_000, max_tasks=3,
                                  asyncResponseTimeout=1000):
                    delivered.append((task["id"], f"worker-{index}"))
                    response = client.post(f"/external-task/{task['id']}/complete", json={"workerId": f"worker-{index}"})
                    if response.status_code != 204:
                        failures.append(response.text)

    workers = [threading.Thread(target=work, args=(index,), daemon=True) for index in range(4)]
    for worker in workers:
        worker.start()
    for index in range(INSTANCES):
        start_single(clients[index % 2], "cluster")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if clients[1].get("/task/count", params={"taskDefinitionKey": "review"}).json()["count"] == INSTANCES:
            break
        time.sleep(0.2)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    for client in clients:
        client.close()

    counts = Counter(task_id for task_id, _worker in delivered)
    assert not failures, failures[:3]
    assert len(counts) == INSTANCES, "a task was lost"
    assert max(counts.values()) == 1, "a task was delivered twice"
    assert len({worker for _id, worker in delivered}) == 4


def test_a_task_created_on_one_gateway_wakes_a_fetch_parked_on_the_other(gateways):
    first, second = (httpx.Client(base_url=gateway.url, timeout=30) for gateway in gateways)
    deploy(first, "external_single.bpmn")
    answer: dict[str, object] = {}

    def park() -> None:
        answer["tasks"] = fetch(second, "crossing", asyncResponseTimeout=10_000)
        answer["at"] = time.monotonic()

    thread = threading.Thread(target=park, daemon=True)
    thread.start()
    time.sleep(0.5)
    instance = start_single(first, "crossing")
    created_at = time.monotonic()
    thread.join(timeout=15)
    [task] = answer["tasks"]  # type: ignore[misc]
    assert task["processInstanceId"] == instance["id"]
    assert answer["at"] - created_at < 1.0  # type: ignore[operator]
    first.close()
    second.close()

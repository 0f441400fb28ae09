"""Durability and concurrency: a stopped gateway loses nothing; two commands racing on one
task never both win."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from tests.conftest import REPO, deploy, free_port, start, tasks


class GatewayProcess:
    """``m8flow serve`` as a separate OS process, the way an operator runs it."""

    def __init__(self, database_url: str, port: int) -> None:
        self.database_url = database_url
        self.port = port
        self.url = f"http://127.0.0.1:{port}/engine-rest"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> GatewayProcess:
        env = {**os.environ, "M8FLOW_DATABASE_URL": self.database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "compat_api.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/engine", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode() if self.process.stderr else "gateway died")
            time.sleep(0.1)
        raise RuntimeError("gateway did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def test_instances_and_tasks_survive_a_killed_gateway(database_url):
    port = free_port()
    gateway = GatewayProcess(database_url, port).start()
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as rest:
            deploy(rest, "parallel.bpmn")
            instance = start(rest, "parallel", variables={"x": {"value": 1}})
            legal = tasks(rest, taskDefinitionKey="legal")[0]
            rest.post(f"/task/{legal['id']}/complete", json={"variables": {"legalOk": {"value": True}}})
    finally:
        gateway.kill()
    gateway = GatewayProcess(database_url, port).start()
    try:
        with httpx.Client(base_url=gateway.url, timeout=30) as rest:
            [finance] = tasks(rest, processInstanceId=instance["id"])
            assert finance["taskDefinitionKey"] == "finance"
            assert rest.get(f"/process-instance/{instance['id']}/variables/legalOk").json()["value"] is True
            assert rest.post(f"/task/{finance['id']}/complete", json={}).status_code == 204
            [decide] = tasks(rest, processInstanceId=instance["id"])
            assert decide["taskDefinitionKey"] == "decide"
    finally:
        gateway.kill()


def test_two_concurrent_completes_of_one_task_exactly_one_wins(rest):
    deploy(rest, "order.bpmn")
    start(rest, "order", variables={"amount": {"value": 1}, "owner": {"value": "demo"}})
    [task] = tasks(rest)
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def complete() -> None:
        with httpx.Client(base_url=str(rest.base_url), timeout=30) as client:
            barrier.wait()
            results.append(client.post(f"/task/{task['id']}/complete", json={"variables": {"approved": {"value": True}}}))

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in results)
    assert statuses == [204, 500], [r.text for r in results]
    loser = next(response for response in results if response.status_code == 500).json()
    assert loser["type"] in {"OptimisticLockingException", "RestException"}
    [ship] = tasks(rest)
    assert ship["taskDefinitionKey"] == "ship"


def test_concurrent_variable_updates_and_completion_keep_the_instance_consistent(rest):
    deploy(rest, "parallel.bpmn")
    instance = start(rest, "parallel")
    legal = tasks(rest, taskDefinitionKey="legal")[0]
    finance = tasks(rest, taskDefinitionKey="finance")[0]
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def complete(task_id: str) -> None:
        with httpx.Client(base_url=str(rest.base_url), timeout=30) as client:
            barrier.wait()
            results.append(client.post(f"/task/{task_id}/complete", json={}))

    threads = [threading.Thread(target=complete, args=(t["id"],)) for t in (legal, finance)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    # Both complete, or one loses the race with Camunda's optimistic-locking error; never a
    # corrupted instance.
    assert statuses in ([204, 204], [204, 500])
    remaining = {t["taskDefinitionKey"] for t in tasks(rest, processInstanceId=instance["id"])}
    assert remaining in ({"decide"}, {"legal"}, {"finance"})

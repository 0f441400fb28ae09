"""The real Camunda workers, unchanged: camunda-external-task-client-js (node) and
camunda-external-task-client-python3 subscribe to the same topics of a process with three
parallel external tasks; every task is handled exactly once, their variables land on the
instances, and their failure and BPMN-error calls route as Camunda routes them."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO, deploy, start, tasks

JS_DIR = REPO / "tests" / "js"
JS_CLIENT = JS_DIR / "node_modules" / "camunda-external-task-client-js"
PY_WORKER = Path(__file__).with_name("external_worker_python.py")
INSTANCES = 40
MODES = ("normal", "decline", "flaky", "normal")


class Worker:
    """A worker process whose JSON report lines are collected as they arrive."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.reports: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.reports.append(json.loads(line))

    def stop(self) -> str:
        self.process.terminate()
        try:
            _out, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        self._reader.join(timeout=5)
        return err or ""


@pytest.fixture
def workers(server):
    if shutil.which("node") is None or not JS_CLIENT.exists():
        pytest.skip("node or camunda-external-task-client-js missing: run `npm ci --prefix tests/js`")
    base = server.url + "/engine-rest"
    running = [
        Worker(["node", str(JS_DIR / "external_worker.mjs"), base, "js-worker"]),
        Worker([sys.executable, str(PY_WORKER), base, "python-worker"]),
    ]
    yield running
    for worker in running:
        worker.stop()


def test_js_and_python_workers_complete_every_task_exactly_once(rest, workers):
    deploy(rest, "external_fulfilment.bpmn")
    instances = {}
    for index in range(INSTANCES):
        mode = MODES[index % len(MODES)]
        started = start(rest, "fulfilment", variables={"mode": {"value": mode}, "amount": {"value": 10 + index}})
        instances[started["id"]] = mode

    deadline = time.monotonic() + 60
    while len(tasks(rest, taskDefinitionKey="review")) < INSTANCES and time.monotonic() < deadline:
        time.sleep(0.2)
    reviews = tasks(rest, taskDefinitionKey="review")
    errors = [worker.stop() for worker in workers]
    assert len(reviews) == INSTANCES, f"instances stuck; worker stderr: {errors}"
    assert rest.get("/external-task/count").json()["count"] == 0

    reports = [report for worker in workers for report in worker.reports]
    final = Counter(report["taskId"] for report in reports if report["outcome"] in ("complete", "bpmnError"))
    assert set(final.values()) == {1}, "a task was delivered twice"
    declines = sum(1 for mode in instances.values() if mode == "decline")
    assert len(final) == 3 * INSTANCES + declines  # charge, receipt, audit (+ refund after a decline)
    assert {report["worker"] for report in reports} == {"js-worker", "python-worker"}
    failures = [report for report in reports if report["outcome"] == "failure"]
    assert {instances[report["instance"]] for report in failures} == {"flaky"}

    for instance_id, mode in instances.items():
        variables = rest.get(f"/process-instance/{instance_id}/variables").json()
        assert {"receiptBy", "auditBy"} <= variables.keys()
        if mode == "decline":
            assert variables["declinedBy"]["value"] in ("js-worker", "python-worker")
            assert "refundBy" in variables and "charged" not in variables
        else:
            assert variables["charged"] == {"type": "Boolean", "value": True, "valueInfo": {}}
            assert "declinedBy" not in variables
    js_json = [v for v in (rest.get(f"/process-instance/{i}/variables").json() for i in instances)
               if v.get("chargedBy", {}).get("value") == "js-worker"]
    for variables in js_json:  # the JS client sends objects as typed Json text
        assert variables["receiptLines"]["type"] == "Json"
        assert json.loads(variables["receiptLines"]["value"])["total"] >= 10

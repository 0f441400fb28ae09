"""Helpers shared by the external-task specifications."""
from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import deploy, start


def fetch(rest: httpx.Client, *topics: str, worker: str = "worker-1", lock: int = 10_000, max_tasks: int = 10,
          **body: Any) -> list[dict]:
    topic_options = body.pop("topic_options", {})
    response = rest.post("/external-task/fetchAndLock", json={
        "workerId": worker, "maxTasks": max_tasks,
        "topics": [{"topicName": topic, "lockDuration": lock, **topic_options} for topic in topics],
        **body,
    })
    assert response.status_code == 200, response.text
    return response.json()


def deploy_single(rest: httpx.Client) -> None:
    deploy(rest, "external_single.bpmn")


def start_single(rest: httpx.Client, topic: str, **variables: Any) -> dict:
    values = {name: {"value": value} for name, value in {"topic": topic, **variables}.items()}
    return start(rest, "single", variables=values)

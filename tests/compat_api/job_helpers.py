"""Helpers shared by the job and timer specifications."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


def eventually(probe: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.05) -> T:
    """Poll ``probe`` until it returns something truthy (the executor runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def jobs(rest: httpx.Client, **params: object) -> list[dict]:
    response = rest.get("/job", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def task_keys(rest: httpx.Client, instance_id: str) -> list[str]:
    response = rest.get("/task", params={"processInstanceId": instance_id})
    assert response.status_code == 200, response.text
    return sorted(task["taskDefinitionKey"] for task in response.json())

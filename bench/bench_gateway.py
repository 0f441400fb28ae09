"""Start-instance and complete-task throughput of one gateway worker, against a bare
Starlette POST endpoint served by the same process in the same run.

    python bench/bench_gateway.py [--database-url URL] [--requests N] [--concurrency C]

Prints requests/s and the ratio to the bare endpoint (issue target: start ≥ 0.25×).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gateway_app import serving  # noqa: E402 (after the sys.path line)

MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://m8flow/bench">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="Work" camunda:assignee="${owner}"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


async def hammer(client: aiohttp.ClientSession, requests: list[tuple[str, dict]], concurrency: int) -> float:
    """POST each request with ``concurrency`` connections; aiohttp keeps the client from
    being the bottleneck (httpx tops out below a bare Starlette endpoint on this machine)."""
    queue = list(reversed(requests))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            path, body = queue.pop()
            async with client.post(path, json=body) as response:
                await response.read()
                if response.status >= 300:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{failures} requests failed")
    return len(requests) / elapsed


async def measure(base: str, n: int, concurrency: int) -> dict[str, float]:
    files = {"data": ("bench.bpmn", MODEL, "application/xml")}
    httpx.post(base + "/engine-rest/deployment/create", files=files).raise_for_status()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=base, connector=connector) as client:
        start_body = {"variables": {"owner": {"value": "demo", "type": "String"}}}
        await hammer(client, [("/bare", start_body)] * 200, concurrency)  # warm-up
        await hammer(client, [("/engine-rest/process-definition/key/bench/start", start_body)] * 50, concurrency)
        bare = await hammer(client, [("/bare", start_body)] * n, concurrency)
        start = await hammer(client, [("/engine-rest/process-definition/key/bench/start", start_body)] * n, concurrency)
        task_ids = [t["id"] for t in httpx.get(base + "/engine-rest/task", params={"maxResults": n}, timeout=60).json()]
        complete = await hammer(client, [(f"/engine-rest/task/{tid}/complete", {}) for tid in task_ids], concurrency)
    return {"bare": bare, "start": start, "complete": complete}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        from engine.store.database import Database

        Database(url).upgrade_schema()
        with serving(url) as server:
            figures = asyncio.run(measure(server.base_url, args.requests, args.concurrency))
    db = "PostgreSQL" if "postgres" in url else "SQLite"
    print(f"gateway throughput, 1 uvicorn worker, {db}, {args.requests} requests, concurrency {args.concurrency}")
    print(f"  bare Starlette POST     {figures['bare']:8.0f} req/s   1.00x")
    for name in ("start", "complete"):
        label = "start process instance" if name == "start" else "complete user task"
        print(f"  {label:<23} {figures[name]:8.0f} req/s   {figures[name] / figures['bare']:.2f}x of bare")


if __name__ == "__main__":
    main()

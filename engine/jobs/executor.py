"""The job executor: an asyncio task in each gateway process that runs due jobs.

Each round it leases due jobs (owner + expiration; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so two processes never lease the same job), and runs each leased job as its own command in a
worker thread: jobs of one instance one after the other, different instances side by side. Between rounds it sleeps until the next
due date, at most ``idle_seconds``; a command of this process that commits an earlier job
wakes it at once (``engine.jobs.wakeup``). A lease that expires (a process died mid-job)
makes the job acquirable again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.commands import job as commands
from engine.dates import now
from engine.jobs import wakeup
from engine.process_engine import ProcessEngine
from engine.store import tables as t

log = logging.getLogger("m8flow.jobs")


def enabled_by_environment() -> bool:
    return os.environ.get("M8FLOW_JOB_EXECUTOR", "true").lower() not in {"0", "false", "no"}


class JobExecutor:
    def __init__(
        self,
        engine: ProcessEngine,
        *,
        idle_seconds: float = 1.0,
        lock_time: timedelta = timedelta(minutes=5),
        max_jobs: int = 10,
        concurrency: int = 4,
    ) -> None:
        self.engine = engine
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.idle_seconds = idle_seconds
        self.lock_time = lock_time
        self.max_jobs = max_jobs
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None

    async def start(self) -> None:
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()

        def on_new_job(_due: datetime) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake.set)

        self._unsubscribe = wakeup.subscribe(on_new_job)
        self._task = loop.create_task(self._run(), name="m8flow-job-executor")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the jobs in hand (their threads cannot be interrupted), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delay = self.idle_seconds
            try:
                due_now, next_at = await asyncio.to_thread(self._peek)
                if due_now:
                    jobs = await asyncio.to_thread(
                        commands.acquire_jobs, self.engine, self.owner, max_jobs=self.max_jobs, lock_time=self.lock_time)
                    if jobs:
                        await self._execute(jobs)
                        continue
                if next_at is not None:
                    delay = min(delay, max(0.0, (next_at - datetime.now(UTC)).total_seconds()))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job executor round failed")
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _peek(self) -> tuple[bool, datetime | None]:
        """Whether a job can be leased now, and else when the next one can."""
        j = t.job
        timestamp = now()
        live = (j.c.retries > 0, j.c.suspended.is_(False))
        unlocked = (j.c.lock_expiration_time.is_(None)) | (j.c.lock_expiration_time <= timestamp)
        with self.engine.database.transaction(write=False) as conn:
            ready = conn.execute(select(j.c.id).where(commands.acquirable(timestamp)).limit(1)).first()
            if ready is not None:
                return True, None
            next_due = conn.execute(select(func.min(j.c.due_date)).where(*live, unlocked)).scalar()
            lease_end = conn.execute(select(func.min(j.c.lock_expiration_time)).where(*live, ~unlocked)).scalar()
        times = [_aware(value) for value in (next_due, lease_end) if value is not None]
        return False, min(times) if times else None

    async def _execute(self, jobs: Iterable[Mapping[str, Any]]) -> None:
        by_instance: dict[Any, list[str]] = defaultdict(list)
        for row in jobs:
            # Timer start jobs have no instance: each is its own group.
            by_instance[row["process_instance_id"] or row["id"]].append(row["id"])
        await asyncio.gather(*(self._execute_in_order(ids) for ids in by_instance.values()))

    async def _execute_in_order(self, job_ids: list[str]) -> None:
        async with self._slots:
            for job_id in job_ids:
                try:
                    await asyncio.to_thread(commands.execute_job, self.engine, job_id, owner=self.owner)
                except Exception:
                    log.exception("job %s could not be executed", job_id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

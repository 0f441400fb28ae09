"""Long polling for fetchAndLock (``asyncResponseTimeout``), event-driven.

A request that finds nothing parks as a waiter. Waiters with the same filters (topics and
per-topic conditions; worker id, lock duration and maxTasks do not change what matches) form
a group. A group is dispatched when

* the notifier reports a change on one of its topics (task created, unlocked, retries set,
  failure with a retry timeout) — in this process or, on PostgreSQL, in any gateway process;
* the earliest lock of its topics expires (a timer at that instant, recomputed after every
  dispatch), so expired locks and retry timeouts are noticed without polling;
* a slow safety timer fires (30 s, as Camunda's own re-poll), for changes no one announces
  (an instance activated, a clock jump).

A dispatch offers the work to the group's waiters in arrival order, one fetch at a time, and
stops at the first fetch that returns fewer tasks than it asked for: the rest of the group
would find nothing either. Idle waiters cost a future and a timer each; nothing polls.

Camunda's two settings of its long-polling handler apply (``LongPollingSettings``):

* ``fetch-and-lock-queue-capacity`` (200): Camunda hands new parked requests to its handler
  thread through a queue of that size and answers 500 when it is full. m8flow has no handler
  thread; its hand-off is the way in, from a long poll's arrival to its parking (the first
  fetch). A long poll that finds no task while more than ``queue_capacity`` long polls are on
  their way in is answered 500 instead of being parked; one that finds tasks always gets them.
* ``fetch-and-lock-unique-worker-request`` (off): a newly parked request cancels the parked
  request of the same worker id (503, as JAX-RS ``AsyncResponse.cancel()``).

``reject_parked()`` (the server is stopping) answers every parked request with Camunda's 500.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.commands import external_task as commands
from engine.commands.external_task import FetchRequest, LockedTask
from engine.dates import now
from engine.errors import ProcessEngineException
from engine.notify import Notifier, Topics, notifier_for
from engine.process_engine import ProcessEngine

log = logging.getLogger("m8flow.long_polling")

MAX_TIMEOUT_MS = 1_800_000
SAFETY_INTERVAL = 30.0
DEFAULT_QUEUE_CAPACITY = 200
QUEUE_CAPACITY_ENV = "M8FLOW_FETCH_AND_LOCK_QUEUE_CAPACITY"
UNIQUE_WORKER_REQUEST_ENV = "M8FLOW_FETCH_AND_LOCK_UNIQUE_WORKER_REQUEST"

Runner = Callable[..., Any]  # awaitable runner of a blocking function: (fn, *args) -> result


@dataclass(frozen=True)
class LongPollingSettings:
    """Camunda's ``fetch-and-lock-queue-capacity`` and ``fetch-and-lock-unique-worker-request``."""

    queue_capacity: int = DEFAULT_QUEUE_CAPACITY
    unique_worker_request: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> LongPollingSettings:
        return cls(
            queue_capacity=_capacity(environ.get(QUEUE_CAPACITY_ENV)),
            unique_worker_request=(environ.get(UNIQUE_WORKER_REQUEST_ENV) or "").strip().lower() in {"true", "1", "yes", "on"},
        )


def _capacity(text: str | None) -> int:
    """As Camunda: a value that is not a positive integer means the default."""
    if text is None or not text.strip():
        return DEFAULT_QUEUE_CAPACITY
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        log.warning("%s=%r is not a positive integer; using %d", QUEUE_CAPACITY_ENV, text, DEFAULT_QUEUE_CAPACITY)
        return DEFAULT_QUEUE_CAPACITY
    return value


class LongPollRejected(ProcessEngineException):
    """A long poll answered with an error instead of tasks. Camunda raises these in its REST
    layer, so they carry no code."""

    code = None


class TooManyRequests(LongPollRejected):
    camunda_type = "InvalidRequestException"  # with status 500, as Camunda's handler

    def __init__(self) -> None:
        super().__init__("At the moment the server has to handle too many requests at the same time. Please try again later.")


class ShuttingDown(LongPollRejected):
    camunda_type = "RestException"

    def __init__(self) -> None:
        super().__init__("Request rejected due to shutdown of application server.")


class Superseded(LongPollRejected):
    """Unique worker requests: a newer request of the same worker was parked."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(f"A newer fetchAndLock request of worker '{worker_id}' replaced this one.")


@dataclass(eq=False)
class _Waiter:
    request: FetchRequest
    future: asyncio.Future[list[LockedTask]]
    in_flight: bool = False
    closed: bool = False  # timed out: a fetch in flight still answers it
    abandoned: bool = False  # the request is gone: tasks fetched for it are given back


@dataclass(eq=False)
class _Group:
    key: tuple[Any, ...]
    topics: frozenset[str]
    waiters: deque[_Waiter] = field(default_factory=deque)
    dispatching: bool = False
    again: bool = False
    timer: asyncio.TimerHandle | None = None


class LongPolling:
    """The parked fetchAndLock requests of one gateway process (one event loop)."""

    def __init__(
        self,
        engine: ProcessEngine,
        run: Runner,
        *,
        notifier: Notifier | None = None,
        safety_interval: float = SAFETY_INTERVAL,
        settings: LongPollingSettings | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings or LongPollingSettings()
        self._run = run
        self._notifier = notifier or notifier_for(engine.database.url)
        self._safety_interval = safety_interval
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._by_worker: dict[str, _Waiter] = {}  # unique worker requests only
        self._arriving = 0  # long polls between their arrival and their parking: the hand-off
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._started: asyncio.Future[None] | None = None
        self._changes = 0  # notifications seen, to catch those that arrive during a first fetch

    # -- lifecycle ------------------------------------------------------------------------
    async def _ensure_started(self) -> None:
        if self._started is None:
            self._loop = asyncio.get_running_loop()
            self._started = self._loop.create_future()
            self._unsubscribe = self._notifier.subscribe(self._on_notification)
            try:
                await self._notifier.start()
            finally:
                self._started.set_result(None)
        await self._started

    def reject_parked(self) -> None:
        """The server is stopping: answer every parked long poll, and those still on their way
        in, with Camunda's 500 rather than hold the shutdown until their timeouts."""
        self._closing = True
        for group in self._groups.values():
            for waiter in group.waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(ShuttingDown())
                    # A poll whose client already left never awaits it: no "never retrieved" log.
                    waiter.future.exception()

    async def close(self) -> None:
        self.reject_parked()
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self._notifier.stop()
        for group in self._groups.values():
            if group.timer is not None:
                group.timer.cancel()

    @property
    def waiting(self) -> int:
        return sum(len(group.waiters) for group in self._groups.values())

    @property
    def arriving(self) -> int:
        """Long polls in the hand-off: arrived, first fetch not done yet."""
        return self._arriving

    # -- requests -------------------------------------------------------------------------
    async def fetch_and_lock(self, request: FetchRequest, timeout_ms: int | None) -> list[LockedTask]:
        commands.validate_fetch(request)
        if timeout_ms is None or timeout_ms <= 0:
            return await self._run(commands.fetch_and_lock, self.engine, request)
        if self._closing:
            raise ShuttingDown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_ms / 1000
        self._arriving += 1
        try:
            await self._ensure_started()
            seen = self._changes
            tasks = await self._run(commands.fetch_and_lock, self.engine, request)
            if tasks or not request.topics:
                return tasks
            if self._closing:
                raise ShuttingDown()
            if self._arriving > self.settings.queue_capacity:
                raise TooManyRequests()
            waiter = _Waiter(request, loop.create_future())
            group = self._park(waiter)
            if self._changes != seen:
                self._wake(group)  # something changed while we were fetching
        finally:
            self._arriving -= 1
        return await self._wait(group, waiter, deadline)

    async def _wait(self, group: _Group, waiter: _Waiter, deadline: float) -> list[LockedTask]:
        try:
            remaining = deadline - asyncio.get_running_loop().time()
            return await asyncio.wait_for(asyncio.shield(waiter.future), max(remaining, 0))
        except TimeoutError:
            waiter.closed = True
            if waiter.in_flight:  # a dispatch is fetching for us right now: take its answer
                return await waiter.future
            return []
        except asyncio.CancelledError:
            waiter.abandoned = True
            raise
        finally:
            waiter.closed = True
            self._leave(group, waiter)

    def _park(self, waiter: _Waiter) -> _Group:
        if self.settings.unique_worker_request:
            worker_id = waiter.request.worker_id or ""
            older = self._by_worker.get(worker_id)
            if older is not None and not older.future.done():
                older.future.set_exception(Superseded(worker_id))
            self._by_worker[worker_id] = waiter
        return self._join(waiter)

    def _join(self, waiter: _Waiter) -> _Group:
        key = waiter.request.filter_signature()
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(key, waiter.request.topic_names)
            self._schedule(group, None, recompute=True)
        group.waiters.append(waiter)
        return group

    def _leave(self, group: _Group, waiter: _Waiter) -> None:
        try:
            group.waiters.remove(waiter)
        except ValueError:
            pass
        if self._by_worker.get(waiter.request.worker_id or "") is waiter:
            del self._by_worker[waiter.request.worker_id or ""]
        if not group.waiters and not group.dispatching:
            self._drop(group)

    def _drop(self, group: _Group) -> None:
        if group.timer is not None:
            group.timer.cancel()
            group.timer = None
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    # -- waking -----------------------------------------------------------------------------
    def _on_notification(self, topics: Topics) -> None:
        """Called by the notifier, from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._notified, topics)

    def _notified(self, topics: Topics) -> None:
        self._changes += 1
        for group in list(self._groups.values()):
            if topics is None or group.topics & topics:
                self._wake(group)

    def _wake(self, group: _Group) -> None:
        if group.dispatching:
            group.again = True
            return
        group.dispatching = True
        assert self._loop is not None
        self._loop.create_task(self._dispatch(group))

    async def _dispatch(self, group: _Group) -> None:
        try:
            while True:
                group.again = False
                for waiter in list(group.waiters):
                    if waiter.closed or waiter.abandoned or waiter.future.done():
                        continue
                    waiter.in_flight = True
                    try:
                        tasks = await self._run(commands.fetch_and_lock, self.engine, waiter.request)
                    except Exception as exc:  # noqa: BLE001 — the parked client gets the error
                        waiter.in_flight = False
                        if not waiter.abandoned and not waiter.future.done():
                            waiter.future.set_exception(exc)
                        continue
                    waiter.in_flight = False
                    if waiter.abandoned or waiter.future.done():  # gone, superseded, shut down
                        if tasks:
                            # One transaction per task: a worker thread, never the event loop,
                            # waits for the database between them.
                            await asyncio.to_thread(_unlock_all, self.engine, [task.row["id"] for task in tasks])
                    elif (tasks or waiter.closed) and not waiter.future.done():
                        waiter.future.set_result(tasks)
                    if len(tasks) < (waiter.request.max_tasks or 0):
                        break
                    # A fetch may have run on the event loop: let it serve others between two.
                    await asyncio.sleep(0)
                if not group.again:
                    break
            if group.waiters:
                await self._schedule_after_dispatch(group)
        except Exception:
            log.exception("long-poll dispatch failed")
            self._schedule(group, None, recompute=False)
        finally:
            group.dispatching = False
            if group.again:
                self._wake(group)
            elif not group.waiters:
                self._drop(group)

    async def _schedule_after_dispatch(self, group: _Group) -> None:
        available_at = await self._run(commands.next_availability, self.engine, sorted(group.topics))
        self._schedule(group, available_at, recompute=False)

    def _schedule(self, group: _Group, available_at: datetime | None, *, recompute: bool) -> None:
        """Arm the group's timer: the earliest lock expiry, or the safety interval."""
        assert self._loop is not None
        if recompute:
            self._loop.create_task(self._recompute(group))
        delay = self._safety_interval
        if available_at is not None:
            # +2 ms: the lock is expired only once now() is past it, at ms precision.
            delay = min(delay, max((available_at - now()).total_seconds() + 0.002, 0.0))
        if group.timer is not None:
            group.timer.cancel()
        group.timer = self._loop.call_later(delay, self._wake, group)

    async def _recompute(self, group: _Group) -> None:
        try:
            await self._schedule_after_dispatch(group)
        except Exception:
            log.exception("could not compute the next lock expiry")


def _unlock_all(engine: ProcessEngine, task_ids: list[str]) -> None:
    for task_id in task_ids:
        try:
            commands.unlock(engine, task_id)
        except ProcessEngineException as exc:  # completed or gone meanwhile
            log.debug("could not give back external task %s: %s", task_id, exc)


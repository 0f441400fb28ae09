"""The notifier port: telling parked fetchAndLock requests that external tasks of some topics
may have become available (created, unlocked, retries set, a retry timeout scheduled).

Publishing happens inside an engine command's transaction and takes effect only if it commits:

* PostgreSQL: ``pg_notify`` on one channel. PostgreSQL delivers it at commit to every
  connection that LISTENs, so a task created by one gateway process wakes the waiters of all
  of them (``PostgresNotifier`` holds one such connection per process).
* SQLite (one gateway process): an in-process hub, called when the transaction commits.

Subscribers get a set of topic names, or ``None`` for "anything may have changed" (after the
listening connection was re-established, when notifications may have been missed).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy import Connection, bindparam, event, func, select
from sqlalchemy.engine import make_url

from engine.store.database import after_commit, transaction_state
from engine.store.hot import HotStatement

log = logging.getLogger("m8flow.notify")

CHANNEL = "m8flow_external_task"
_PENDING = "m8flow_pending_topics"

Topics = frozenset[str] | None
_PG_NOTIFY = HotStatement(select(func.pg_notify(bindparam("channel"), bindparam("topic"))))
Callback = Callable[[Topics], None]


# -- publishing (engine commands) ------------------------------------------------------------
def external_tasks_changed(conn: Connection, topics: Iterable[str]) -> None:
    """Wake waiters on ``topics`` once the current transaction commits."""
    names = sorted({topic for topic in topics if topic})
    if not names:
        return
    if conn.dialect.name == "postgresql":
        # Identical notifications within one transaction are folded into one by PostgreSQL.
        for name in names:
            _PG_NOTIFY.first(conn, {"channel": CHANNEL, "topic": name})
        return
    state = transaction_state(conn)
    if state is None:  # not an engine command's transaction
        pending = conn.info.get(_PENDING)
        if pending is None:
            pending = conn.info[_PENDING] = set()
            _listen_for_end(conn)
        pending.update(names)
        return
    pending_topics = state.get(_PENDING)
    if not isinstance(pending_topics, set):
        pending_topics = set()
        state[_PENDING] = pending_topics
        hub = hub_for(conn.engine.url.render_as_string(hide_password=False))
        # After the commit, still holding the write lock: a woken waiter's fetch (a writer
        # too) starts once this command is done and sees the new rows. (Not an event
        # listener on the connection: SQLAlchemy connections are made per transaction,
        # registering one is slow, and every later statement then dispatches to it.)
        after_commit(conn, lambda: hub.publish(frozenset(pending_topics)))
    pending_topics.update(names)


_listening: weakref.WeakSet[Connection] = weakref.WeakSet()


def _listen_for_end(conn: Connection) -> None:
    if conn in _listening:
        return
    _listening.add(conn)
    url = conn.engine.url.render_as_string(hide_password=False)

    def on_commit(connection: Connection) -> None:
        topics = connection.info.pop(_PENDING, None)
        # Called just before the database commit. The writers of one SQLite database
        # serialise (BEGIN IMMEDIATE), so a woken waiter's fetch sees the committed rows.
        if topics:
            hub_for(url).publish(frozenset(topics))

    def on_rollback(connection: Connection) -> None:
        connection.info.pop(_PENDING, None)

    event.listen(conn, "commit", on_commit)
    event.listen(conn, "rollback", on_rollback)


# -- subscribing (the gateway's long polling) -----------------------------------------------
class Notifier(Protocol):
    def subscribe(self, callback: Callback) -> Callable[[], None]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Hub:
    """In-process fan-out. Callbacks may be called from any thread and must be thread-safe."""

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def publish(self, topics: Topics) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(topics)
            except Exception:
                log.exception("external task notification callback failed")


_hubs: dict[str, Hub] = {}
_hubs_lock = threading.Lock()


def hub_for(url: str) -> Hub:
    key = make_url(url).render_as_string(hide_password=False)
    with _hubs_lock:
        return _hubs.setdefault(key, Hub())


class InProcessNotifier:
    """SQLite: commits of this process are the only source of new work."""

    def __init__(self, url: str) -> None:
        self._hub = hub_for(url)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        return self._hub.subscribe(callback)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class PostgresNotifier:
    """One LISTENing connection per gateway process, re-established after failures."""

    def __init__(self, url: str, *, retry_delay: float = 0.2, max_retry_delay: float = 5.0) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._hub = Hub()
        self._task: asyncio.Task[None] | None = None
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self.connected = asyncio.Event()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        return self._hub.subscribe(callback)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="m8flow-listen")
            # Waiters rely on the connection; give it a moment, but never block a request on it.
            try:
                await asyncio.wait_for(self.connected.wait(), timeout=2)
            except TimeoutError:
                log.warning("LISTEN connection not ready yet; long polls fall back to periodic re-polls")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        import psycopg

        delay = self._retry_delay
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    delay = self._retry_delay
                    # Anything committed while we were not listening is unknown: wake everyone.
                    self._hub.publish(None)
                    async for notification in conn.notifies():
                        self._hub.publish(frozenset((notification.payload,)))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 — psycopg.Error, OSError: reconnect
                self.connected.clear()
                log.warning("LISTEN %s failed (%s); reconnecting in %.1fs", CHANNEL, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)


def notifier_for(url: str) -> Notifier:
    if make_url(url).get_backend_name() == "postgresql":
        return PostgresNotifier(url)
    return InProcessNotifier(url)

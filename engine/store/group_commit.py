"""Group commit on SQLite: the short commands of one event-loop turn share one transaction.

SQLite admits one writer, and a commit costs more than the statements before it: every
page a transaction touched goes into the write-ahead log whole, and a start touches fifteen
b-trees (tables and their indexes), about 80 KB of log for 2.5 KB of rows. When sixteen
clients start instances at once, sixteen commits write sixteen copies of the same index
pages. A :class:`WriteBatch` runs each command inside a SAVEPOINT of one transaction that
the batch opens for its first command and commits once the event loop has run every
command that was ready in the same turn (or when ``max_commands`` ran in it). Each command
is answered once the batch has committed: nothing is acknowledged before it is durable,
exactly as with a transaction of its own.

What a command sees and does is what it would see and do alone, in the order the loop ran
them: a command that fails rolls back to its savepoint and takes nothing of the others with
it; its after-commit callbacks are dropped, those of the others run after the commit. Only a
failing COMMIT (a full disk) or a lost transaction (an I/O error) fails the whole batch, and
every command in it gets that error.

The batch holds the process's write lock from its first command to its commit. When a
worker thread holds it (a deployment, the job executor, the log checkpointer), the batch
waits for it without blocking the loop, and the commands that arrive meanwhile wait with it.

Used by ``run_batched`` for the commands that run on the event loop (start, complete,
fetchAndLock: see compat_api.routing). PostgreSQL commits in parallel connections and
groups its log flushes itself; batching applies to SQLite only.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

if TYPE_CHECKING:
    from engine.store.database import Database

log = logging.getLogger("m8flow.store")
T = TypeVar("T")
MAX_COMMANDS = 64


class WriteBatch:
    """One transaction for the commands of one event-loop turn; see the module docstring.

    Made by ``Database.open_batch``. Once it holds the process's write lock (``writer`` is
    done), every transaction the event loop's thread opens is a savepoint of the batch's
    (``Database.transaction``), until ``close`` commits and gives the lock back.
    ``committed`` is done once the batch committed, or failed."""

    def __init__(self, database: Database, loop: asyncio.AbstractEventLoop, lock: threading.Lock,
                 *, max_commands: int = MAX_COMMANDS) -> None:
        self._database = database
        self._loop = loop
        self._lock = lock
        self._max_commands = max_commands
        self._opened: Any = None  # the engine.begin() context manager
        self._connection: Connection | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._depth = 0
        self._failure: BaseException | None = None
        self._closing = False  # a close is scheduled
        self.holds_lock = False
        self.thread = threading.get_ident()  # the event loop's: its transactions join the batch
        self.waiting = 0  # commands waiting for the writer
        self.commands = 0
        self.closed = False
        self.committed: asyncio.Future[None] = loop.create_future()
        self.writer: asyncio.Future[None] = loop.create_future()
        if lock.acquire(blocking=False):
            self.holds_lock = True
            self.writer.set_result(None)
            self._close_soon()  # after the commands of this turn
        else:
            # A worker thread of this process writes: wait for it in another thread. Once it
            # is ours, the commands that waited for it run (the first schedules the commit).
            loop.run_in_executor(None, self._take_writer)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def _take_writer(self) -> None:
        """In an executor thread: wait for the lock, then hand it to the loop. Gives it back
        if the loop is gone (shut down meanwhile), so no writer waits for it forever."""
        while not self._lock.acquire(timeout=0.5):
            if self._loop.is_closed():
                return
        try:
            self._loop.call_soon_threadsafe(self._got_writer)
        except RuntimeError:  # the loop is closed
            self._lock.release()

    def _got_writer(self) -> None:
        self.holds_lock = True
        self.writer.set_result(None)
        if not self.waiting:
            self.close()  # everyone who waited for it left (cancelled)

    def _close_soon(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self.close)

    def left(self) -> None:
        """A command that waited for the writer will not run here (it was cancelled)."""
        self.waiting -= 1
        if not self.waiting and not self.commands and self.writer.done():
            self.close()

    @property
    def ready(self) -> bool:
        """Whether commands run in it now: it holds the writer and has not committed yet."""
        return self.writer.done() and not self.closed

    # -- running commands --------------------------------------------------------------------
    def run(self, command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``command(*args, **kwargs)`` with every transaction it opens inside this batch.
        Raises ``WriterBusy`` if the batch could not open its transaction without waiting
        for another connection: the command did nothing then."""
        assert self.ready
        self._close_soon()
        try:
            return command(*args, **kwargs)
        finally:
            self.commands += 1
            if self.commands >= self._max_commands or self._connection is None:
                self.close()  # full, or it never opened (busy): the next command starts anew

    @contextmanager
    def savepoint(self) -> Iterator[Connection]:
        """What ``Database.transaction`` yields inside a batch: the batch's connection, the
        block's changes kept if it ends normally, undone if it raises."""
        from engine.store.database import _AFTER_COMMIT, _STATE

        if self._failure is not None:
            raise self._failure
        connection = self._connection if self._connection is not None else self._open()
        driver = connection.connection.driver_connection
        assert driver is not None
        info = connection.info
        outer = info.get(_AFTER_COMMIT), info.get(_STATE)
        callbacks: list[Callable[[], None]] = []
        info[_AFTER_COMMIT], info[_STATE] = callbacks, {}
        self._depth += 1
        name = f"m8flow_{self._depth}"
        driver.execute(f"SAVEPOINT {name}")
        try:
            yield connection
        except BaseException:
            self._undo(driver, name)
            raise
        else:
            driver.execute(f"RELEASE {name}")
            if self._depth == 1:
                self._callbacks.extend(callbacks)
            else:
                outer[0].extend(callbacks)  # type: ignore[union-attr]
        finally:
            self._depth -= 1
            info[_AFTER_COMMIT], info[_STATE] = outer

    def _open(self) -> Connection:
        opening = self._database._write_now_engine.begin()
        connection = opening.__enter__()  # WriterBusy: another connection holds SQLite's writer
        self._opened, self._connection = opening, connection
        return connection

    def _undo(self, driver: sqlite3.Connection, name: str) -> None:
        try:
            driver.execute(f"ROLLBACK TO {name}")
            driver.execute(f"RELEASE {name}")
        except sqlite3.Error as exc:
            self._failure = self._failure or exc
        if not driver.in_transaction:
            # SQLite rolled the whole transaction back (an I/O error, a full disk): what the
            # earlier commands of the batch did is gone too.
            self._failure = self._failure or sqlite3.OperationalError("the batch's transaction was rolled back")

    # -- ending ------------------------------------------------------------------------------
    def close(self) -> None:
        """Commit what the batch's commands did, run their after-commit callbacks, give the
        writer back. Idempotent; called at the end of the turn its commands ran in."""
        if self.closed or not self.holds_lock:
            return
        self.closed = True
        try:
            if self._opened is not None:
                if self._failure is None:
                    self._opened.__exit__(None, None, None)  # COMMIT
                else:
                    self._opened.__exit__(type(self._failure), self._failure, None)  # ROLLBACK
        except BaseException as exc:  # noqa: BLE001 — every command of the batch gets it
            self._failure = self._failure or exc
        finally:
            self._database._close_batch(self)
        if self._failure is not None:
            self.committed.set_exception(self._failure)
            self.committed.exception()  # commands that failed on their own never await it
            return
        for callback in self._callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 — one command's announcement must not fail the others
                log.exception("after-commit callback failed")
        self.committed.set_result(None)

    def give_back(self) -> None:
        """Release the process's write lock (``Database._close_batch``, once)."""
        assert self.holds_lock
        self.holds_lock = False
        self._lock.release()


async def run_batched(
    database: Database,
    elsewhere: Callable[..., Awaitable[T]],
    command: Callable[..., T],
    *args: Any,
    **kwargs: Any,
) -> T:
    """``command(*args, **kwargs)`` in the event loop's current write batch, its result
    returned once the batch has committed. On PostgreSQL, or when another connection holds
    SQLite's writer (``WriterBusy``, raised before the command did anything),
    ``elsewhere(command, *args, **kwargs)`` runs it instead: in a worker thread, where
    waiting for the writer holds up nobody else."""
    from engine.store.database import WriterBusy

    loop = asyncio.get_running_loop()
    while True:
        batch = database.open_batch(loop)
        if batch is None:
            return await elsewhere(command, *args, **kwargs)
        if not batch.writer.done():
            batch.waiting += 1
            try:
                await asyncio.shield(batch.writer)
            except BaseException:
                batch.left()
                raise
            batch.waiting -= 1
        if batch.ready:
            break  # else it filled up while we waited: the next one
    try:
        result = batch.run(command, *args, **kwargs)
    except WriterBusy:
        return await elsewhere(command, *args, **kwargs)
    except BaseException:
        # What it released before failing is durable once the batch commits.
        await asyncio.wait([batch.committed])
        raise
    # Shielded: a client that goes away cancels its own wait, not the batch's commit.
    await asyncio.shield(batch.committed)
    return result

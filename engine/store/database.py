"""Database access: one SQLAlchemy engine per URL, schema upgrades through alembic, and the
transaction helper every engine command runs in.

SQLite gets WAL and ``BEGIN IMMEDIATE`` for writing commands, so two writers serialise at
the start of their transaction instead of failing at commit. PostgreSQL runs at READ
COMMITTED; races on one process instance are caught by the revision check (optimistic
locking), races on work items by ``FOR UPDATE SKIP LOCKED``.
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError

from engine.errors import InvalidRequest
from engine.store.group_commit import WriteBatch

log = logging.getLogger("m8flow.store")

DEFAULT_DATABASE_URL = "sqlite:///./m8flow.db"
_WRITE = "m8flow_write"
_NO_WAIT = "m8flow_no_wait"
BUSY_TIMEOUT_MS = 30_000
_AFTER_COMMIT = "m8flow_after_commit"
_STATE = "m8flow_transaction_state"


def after_commit(connection: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the transaction of ``connection`` (opened by
    ``Database.transaction``) has committed; never if it rolls back."""
    connection.info[_AFTER_COMMIT].append(callback)


class WriterBusy(Exception):
    """SQLite's write lock is held by another connection (another process on the same file,
    a backup, a shell) when a write batch opens its transaction, which never waits for it
    (engine/store/group_commit.py)."""


def transaction_state(connection: Connection) -> dict[str, object] | None:
    """A dict for what one command gathers while its transaction runs (topics to announce
    at commit...), gone with the transaction whether it commits or not; None outside a
    ``Database.transaction``. ``connection.info`` itself outlives the transaction: it
    belongs to the pooled DB-API connection."""
    return connection.info.get(_STATE)


def database_url_from_env() -> str:
    return os.environ.get("M8FLOW_DATABASE_URL") or DEFAULT_DATABASE_URL


def normalise_url(url: str) -> str:
    """Accept the URLs operators type: ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Database:
    """The connection pool and the schema of one m8flow database."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        # SQLite has one writer at a time; queueing writers of this process on a lock is
        # much cheaper than letting them spin in SQLite's sleeping busy handler. A write batch
        # holds it for its whole event-loop turn, and gives it back from the loop's thread
        # after taking it in another: a plain lock, which no thread owns.
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._checkpointer: WalCheckpointer | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(self.url)
            if parsed.database and parsed.database != ":memory:":
                self._checkpointer = WalCheckpointer(str(Path(parsed.database).expanduser()), self._write_lock)
                weakref.finalize(self, self._checkpointer.stop)
        else:
            self.engine = create_engine(self.url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._write_now_engine = self.engine.execution_options(**{_WRITE: True, _NO_WAIT: True})
        self._open_batch: WriteBatch | None = None
        self._writer: int | None = None  # the thread in a writing transaction of its own

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def upgrade_schema(self) -> None:
        """Create or upgrade the schema to the newest alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            # "heads": features add their revisions on branches from the same parent.
            command.upgrade(config, "heads")

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """One engine command's transaction: committed when the block ends, rolled back on error.
        On the thread of an open write batch (engine/store/group_commit.py) it is a savepoint
        of the batch's transaction instead, committed with the batch."""
        batch = self._open_batch
        try:
            if batch is not None and batch.ready and batch.thread == threading.get_ident():
                with batch.savepoint() as connection:
                    yield connection
                return
            with self._own_transaction(write) as connection:
                yield connection
        except DataError as exc:
            # A value the database cannot hold or compare (an integer out of range, a NUL
            # character on PostgreSQL): the caller's input, not an engine failure.
            raise InvalidRequest(f"Invalid value for the database: {exc.orig}") from exc

    @contextmanager
    def _own_transaction(self, write: bool) -> Iterator[Connection]:
        engine = self._write_engine if write else self.engine
        lock = self._write_lock if write else None
        if lock is not None:
            me = threading.get_ident()
            batch = self._open_batch
            if self._writer == me or (batch is not None and batch.thread == me):
                # The lock is not re-entrant, and a batch waiting for it needs this thread
                # (the event loop's) to take it over: waiting here would never end.
                raise RuntimeError("a writing transaction on a thread that holds, or waits for, the writer")
            lock.acquire()
            self._writer = me
        try:
            with engine.begin() as connection:
                callbacks: list[Callable[[], None]] = []
                connection.info[_AFTER_COMMIT] = callbacks
                connection.info[_STATE] = {}
                try:
                    yield connection
                finally:
                    del connection.info[_AFTER_COMMIT]
                    del connection.info[_STATE]
            for callback in callbacks:
                callback()
        finally:
            if lock is not None:
                self._writer = None
                lock.release()

    def open_batch(self, loop: asyncio.AbstractEventLoop) -> WriteBatch | None:
        """The event loop's current write batch (engine/store/group_commit.py), made if
        there is none; None on PostgreSQL."""
        if self._write_lock is None:
            return None
        batch = self._open_batch
        if batch is None or batch.closed:
            batch = self._open_batch = WriteBatch(self, loop, self._write_lock)
        elif batch.loop is not loop:
            return None  # another event loop of this process has one open: wait in a thread
        return batch

    def _close_batch(self, batch: WriteBatch) -> None:
        if self._open_batch is batch:
            self._open_batch = None
        batch.give_back()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


class WalCheckpointer:
    """Copies an SQLite file's write-ahead log back into the database from a background
    thread. SQLite would otherwise do it inside whichever commit crosses the 1,000-page
    mark, syncing the file while that command holds the write lock (measured: 0.4 ms of a
    0.55 ms commit, amortised); commands run with ``wal_autocheckpoint=0`` instead.
    Durability is unchanged (WAL with ``synchronous=NORMAL``).

    A passive checkpoint never waits for anyone, and under a steady stream of writes it
    never catches up: SQLite rewinds the log only when a writer starts after a checkpoint
    that copied all of it. The log then grew without bound (measured: 1.6 GB after 20,000
    starts, with every command slower as SQLite searched a longer log index). So once the
    log is past ``truncate_at`` bytes after a passive pass, the checkpointer takes this
    process's write lock (its writers queue there, as they do for one another), copies the
    little the passive pass left and truncates the log."""

    INTERVAL = 0.2  # seconds; a passive checkpoint with nothing to copy is a cheap C call
    TRUNCATE_AT = 16 * 1024 * 1024

    def __init__(self, path: str, write_lock: threading.Lock | None = None, *,
                 interval: float = INTERVAL, truncate_at: int = TRUNCATE_AT) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path, write_lock or threading.Lock(), self._stopping, interval, truncate_at),
            name="m8flow-wal-checkpoint", daemon=True,
        )
        self._thread.start()

    @staticmethod
    def _run(path: str, write_lock: threading.Lock, stopping: threading.Event, interval: float, truncate_at: int) -> None:
        # No reference to the Database or to self: the thread must not keep them alive.
        connection: sqlite3.Connection | None = None
        failing_since: float | None = None
        warned_at = 0.0
        # A reader that keeps the log from being truncated (a backup, a replication tool, a
        # long query) is tried again after a pause that doubles up to half a minute.
        retry_at, pause, held_since = 0.0, interval, None
        try:
            while not stopping.wait(interval):
                try:
                    if connection is None:
                        if not Path(path).exists():
                            continue
                        connection = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
                    current = time.monotonic()
                    truncated = checkpoint(connection, write_lock, truncate_at if current >= retry_at else math.inf)
                    if truncated is None:
                        retry_at, pause = current + pause, min(pause * 2, 30.0)
                        held_since = held_since or current
                        if current - held_since >= 60 and current - warned_at >= 60:
                            log.warning("a reader has kept the write-ahead log of %s from being truncated for %.0f s",
                                        path, current - held_since)
                            warned_at = current
                    elif truncated:
                        pause, held_since = interval, None
                    failing_since = None
                except sqlite3.Error as exc:
                    # Busy now and then is normal; failing for a minute (permissions, a
                    # replaced file) lets the log grow without bound, so say so, once a minute.
                    current = time.monotonic()
                    failing_since = failing_since or current
                    if current - failing_since >= 60 and current - warned_at >= 60:
                        log.warning("cannot checkpoint the write-ahead log of %s for %.0f s: %s",
                                    path, current - failing_since, exc)
                        warned_at = current
        finally:
            if connection is not None:
                connection.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def checkpoint(connection: sqlite3.Connection, write_lock: threading.Lock, truncate_at: float) -> bool | None:
    """One pass of the checkpointer on its own connection: a passive checkpoint, then, if the
    log is still longer than ``truncate_at`` bytes, a truncating one under ``write_lock``.
    Returns True if it truncated the log, False if that was not needed, None if a reader
    kept it from doing so: a truncation must wait for every open read transaction, and it
    waits only ``TRUNCATE_WAIT_MS`` with this process's writers held up behind it."""
    _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    if frames * (page_size + _WAL_FRAME_HEADER) <= truncate_at:
        return False
    waits = connection.execute("PRAGMA busy_timeout").fetchone()[0]
    with write_lock:
        connection.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
        try:
            busy, _frames, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.execute(f"PRAGMA busy_timeout={waits}")
    return None if busy else True


TRUNCATE_WAIT_MS = 50
_WAL_FRAME_HEADER = 24


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=16,
        # The connection used last keeps its page cache: SQLite drops a connection's cache
        # when another one wrote since, and a first-in-first-out pool made that every time.
        pool_use_lifo=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's begin event own transaction start (pysqlite's own is lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # WalCheckpointer does it off the request path
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")  # savepoint journals of write batches: no temp files
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        options = connection.get_execution_options()
        # Straight to the driver: this runs once per command, and SQLAlchemy's statement
        # machinery costs more than the BEGIN itself.
        driver = connection.connection.driver_connection
        if not options.get(_WRITE, False):
            driver.execute("BEGIN")
        elif not options.get(_NO_WAIT, False):
            driver.execute("BEGIN IMMEDIATE")
        else:
            driver.execute("PRAGMA busy_timeout=0")
            try:
                driver.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not getattr(exc, "sqlite_errorname", "SQLITE_BUSY").startswith("SQLITE_BUSY"):
                    raise  # a read-only file, a disk error: not a matter of waiting
                raise WriterBusy(str(exc)) from exc
            finally:
                driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    return engine

"""SQLite's write-ahead log is copied back into the database by a background thread
(engine.store.database.WalCheckpointer), and stays bounded while writes never pause."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from engine.store.database import WalCheckpointer, checkpoint

ROW = b"x" * 3000  # most of a page: one frame or more per transaction


def _database(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, body BLOB)")
    return connection


def _write(connection: sqlite3.Connection, lock: threading.Lock, count: int) -> None:
    for _ in range(count):
        with lock:  # as Database.transaction does for this process's writers
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO item (body) VALUES (?)", (ROW,))
            connection.execute("COMMIT")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _written(tmp_path: Path, count: int) -> tuple[Path, threading.Lock]:
    """A database with ``count`` rows written and its log not copied back."""
    path = tmp_path / "m8flow.db"
    lock = threading.Lock()
    _write(_database(path), lock, count)
    return path, lock


def test_a_log_longer_than_the_limit_is_copied_back_and_truncated(tmp_path: Path) -> None:
    path, lock = _written(tmp_path, 200)
    assert _wal(path).stat().st_size > 256 * 1024
    checkpointer = sqlite3.connect(path, isolation_level=None)
    assert checkpoint(checkpointer, lock, truncate_at=256 * 1024) is True
    assert _wal(path).stat().st_size == 0
    assert checkpointer.execute("SELECT count(*) FROM item").fetchone()[0] == 200


def test_a_log_within_the_limit_is_only_copied_back(tmp_path: Path) -> None:
    path, lock = _written(tmp_path, 5)
    checkpointer = sqlite3.connect(path, isolation_level=None)
    assert checkpoint(checkpointer, lock, truncate_at=16 * 1024 * 1024) is False
    assert _wal(path).stat().st_size > 0


def test_the_log_stays_bounded_while_writes_never_pause(tmp_path: Path) -> None:
    path = tmp_path / "m8flow.db"
    writer, lock = _database(path), threading.Lock()
    limit = 512 * 1024
    largest = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal largest
        while not stop.is_set():
            if _wal(path).exists():
                largest = max(largest, _wal(path).stat().st_size)
            stop.wait(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    background = WalCheckpointer(str(path), lock, interval=0.02, truncate_at=limit)
    try:
        _write(writer, lock, 6000)  # ~24 MB of log if it were never rewound
    finally:
        background.stop()
        stop.set()
        watcher.join()
    # What one interval of writes adds on top of the limit, with room for a slow machine.
    assert largest < 16 * limit
    assert writer.execute("SELECT count(*) FROM item").fetchone()[0] == 6000


def test_a_reader_that_holds_the_log_makes_the_truncation_give_up_at_once(tmp_path: Path) -> None:
    path, lock = _written(tmp_path, 200)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM item").fetchone()  # a read transaction on the log
    checkpointer = sqlite3.connect(path, isolation_level=None, timeout=5)
    began = time.monotonic()
    assert checkpoint(checkpointer, lock, truncate_at=256 * 1024) is None
    # Not the connection's 5 s busy timeout, during which this process's writers would wait.
    assert time.monotonic() - began < 2.5
    assert not lock.locked()
    reader.execute("COMMIT")
    assert checkpoint(checkpointer, lock, truncate_at=256 * 1024) is True


def test_a_truncation_leaves_the_connections_own_busy_timeout_as_it_was(tmp_path: Path) -> None:
    path, lock = _written(tmp_path, 200)
    checkpointer = sqlite3.connect(path, isolation_level=None, timeout=5)
    assert checkpoint(checkpointer, lock, truncate_at=256 * 1024) is True
    assert checkpointer.execute("PRAGMA busy_timeout").fetchone()[0] == 5000

"""Waking this process's job executor when a command commits a job due earlier than the
executor's next look at the table. Other gateway processes find new jobs by their periodic
acquisition (``JobExecutor.idle_seconds``)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, event

from engine.store.database import after_commit, transaction_state

_PENDING = "m8flow_pending_job_due"
Listener = Callable[[datetime], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def jobs_changed(conn: Connection, due: datetime) -> None:
    """A job due at ``due`` exists once the current transaction commits."""
    state = transaction_state(conn)
    if state is not None:  # an engine command's transaction: no per-connection listener
        earliest = state.get(_PENDING)
        if earliest is None:
            after_commit(conn, lambda: _announce(state.get(_PENDING)))  # type: ignore[arg-type]
        if not isinstance(earliest, datetime) or due < earliest:
            state[_PENDING] = due
        return
    pending = conn.info.get(_PENDING)
    if pending is None:
        conn.info[_PENDING] = due
        event.listen(conn, "commit", _on_commit, once=True)
        event.listen(conn, "rollback", _on_rollback, once=True)
    elif due < pending:
        conn.info[_PENDING] = due


def _on_commit(conn: Connection) -> None:
    _announce(conn.info.pop(_PENDING, None))


def _announce(due: datetime | None) -> None:
    if due is None:
        return
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(due)


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)

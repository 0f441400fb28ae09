"""What a command announces to this process when it commits (new external-task topics for
parked long polls, the earliest new job for the job executor), and never when it rolls back."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.jobs import wakeup
from engine.notify import external_tasks_changed, hub_for
from engine.store.database import Database


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'announce.db'}")
    db.upgrade_schema()
    yield db
    db.dispose()


@pytest.fixture()
def announced_topics(database: Database) -> Iterator[list[frozenset[str] | None]]:
    received: list[frozenset[str] | None] = []
    unsubscribe = hub_for(database.url).subscribe(received.append)
    yield received
    unsubscribe()


def test_topics_are_announced_once_the_command_commits(database: Database, announced_topics: list) -> None:
    with database.transaction() as conn:
        external_tasks_changed(conn, ["invoice"])
        external_tasks_changed(conn, ["shipping", "invoice"])
        assert announced_topics == []
    assert announced_topics == [frozenset({"invoice", "shipping"})]


def test_a_command_that_rolls_back_announces_nothing_then_or_later(database: Database, announced_topics: list) -> None:
    with pytest.raises(RuntimeError), database.transaction() as conn:
        external_tasks_changed(conn, ["invoice"])
        raise RuntimeError("the command failed")
    with database.transaction() as conn:  # the same pooled connection, a new command
        external_tasks_changed(conn, ["shipping"])
    assert announced_topics == [frozenset({"shipping"})]


def test_the_earliest_new_job_is_announced_once_the_command_commits(database: Database) -> None:
    received: list[datetime] = []
    unsubscribe = wakeup.subscribe(received.append)
    soon = datetime(2030, 1, 1, tzinfo=UTC)
    try:
        with pytest.raises(RuntimeError), database.transaction() as conn:
            wakeup.jobs_changed(conn, soon - timedelta(days=1))
            raise RuntimeError("the command failed")
        with database.transaction() as conn:
            wakeup.jobs_changed(conn, soon + timedelta(hours=1))
            wakeup.jobs_changed(conn, soon)
            wakeup.jobs_changed(conn, soon + timedelta(hours=2))
            assert received == []
    finally:
        unsubscribe()
    assert received == [soon]

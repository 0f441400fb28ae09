"""Workflows of recently saved process instances, kept deserialised between commands.

Loading an instance means parsing its stored Spiff state into a task tree; a command that
follows a save of the same instance (complete the task the start created, complete the
external task a worker fetched) would parse what this process serialised a moment ago. The
cache keeps the saved workflow object under the instance id and the revision it was saved
at. A command takes it out (no two commands ever share one) and uses it only if the row it
read still has that revision: any other writer, in this process or another gateway on the
same database, bumps the revision and the stored state is parsed as before.

Entries are put only after the transaction that saved them commits, and only if the workflow
is still the one that was serialised (see ``fingerprint``).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

# Measured: a cached workflow holds about 2.5 KB per Spiff task (15 KB for a six-task
# process). The budget is in megabytes for operators and is kept in tasks.
BYTES_PER_TASK = 2_500
DEFAULT_MEGABYTES = 64
MEGABYTES_ENV = "M8FLOW_WORKFLOW_CACHE_MB"


def budget_from_environment() -> int:
    """The cache's size in Spiff tasks, from ``M8FLOW_WORKFLOW_CACHE_MB`` (0 turns it off)."""
    text = os.environ.get(MEGABYTES_ENV, "").strip()
    try:
        megabytes = float(text) if text else DEFAULT_MEGABYTES
    except ValueError:
        megabytes = DEFAULT_MEGABYTES
    return max(0, int(megabytes * 1_000_000 / BYTES_PER_TASK))


def size(workflow: Any) -> int:
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


def fingerprint(workflow: Any) -> tuple[Any, ...]:
    """Changes whenever Spiff moves a token: task count and latest state change of the
    process and of every sub-process."""
    parts: list[Any] = []
    for scope in (workflow, *workflow.subprocesses.values()):
        tasks = scope.tasks
        parts.append(len(tasks))
        parts.append(max((task.last_state_change for task in tasks.values()), default=0))
    return tuple(parts)


class WorkflowCache:
    """Least recently saved first out, within a budget of Spiff tasks."""

    def __init__(self, budget: int | None = None) -> None:
        self._budget = budget_from_environment() if budget is None else budget
        self._entries: OrderedDict[str, tuple[int, Any, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def take(self, instance_id: str, revision: int) -> Any | None:
        """The workflow saved at ``revision``, removed from the cache; None if not here."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None:
                self._held -= entry[2]
        if entry is None or entry[0] != revision:
            return None
        return entry[1]

    def put(self, instance_id: str, revision: int, workflow: Any) -> None:
        weight = size(workflow)
        if weight > self._budget:
            self.discard(instance_id)
            return
        with self._lock:
            previous = self._entries.pop(instance_id, None)
            if previous is not None:
                self._held -= previous[2]
            self._entries[instance_id] = (revision, workflow, weight)
            self._held += weight
            while self._held > self._budget:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._held -= dropped

    def discard(self, instance_id: str) -> None:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None:
                self._held -= entry[2]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._entries)

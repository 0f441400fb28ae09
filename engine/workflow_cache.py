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

import threading
from collections import OrderedDict
from typing import Any

CAPACITY = 1000


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
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: str, revision: int) -> Any | None:
        """The workflow saved at ``revision``, removed from the cache; None if not here."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        if entry is None or entry[0] != revision:
            return None
        return entry[1]

    def put(self, instance_id: str, revision: int, workflow: Any) -> None:
        with self._lock:
            self._entries[instance_id] = (revision, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def discard(self, instance_id: str) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

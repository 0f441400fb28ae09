"""Camunda's variable scopes for one process instance, held in memory for one command.

Process variables live in one scope shared by every branch of the instance (a value set in
one parallel branch is visible at once in the others); task-local and execution-local
variables live in scopes named by the task or activity instance id. Writes are tracked so
the command persists only what changed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.variables import TypedValue, from_python, to_python


class InstanceVariables:
    def __init__(self, process_instance_id: str) -> None:
        self.process_instance_id = process_instance_id
        self._scopes: dict[str, dict[str, TypedValue]] = {process_instance_id: {}}
        self._changed: set[tuple[str, str]] = set()
        self._removed: set[tuple[str, str]] = set()
        self._task_scopes: dict[str, str | None] = {}

    # -- loading -------------------------------------------------------------------------
    def load(self, scope_id: str, name: str, value: TypedValue, task_id: str | None = None) -> None:
        self._scopes.setdefault(scope_id, {})[name] = value
        if task_id:
            self._task_scopes[scope_id] = task_id

    # -- reading -------------------------------------------------------------------------
    def process(self) -> Mapping[str, TypedValue]:
        return self._scopes[self.process_instance_id]

    def local(self, scope_id: str) -> Mapping[str, TypedValue]:
        return self._scopes.get(scope_id, {})

    def lookup(self, name: str, scope_id: str | None = None) -> TypedValue | None:
        if scope_id and name in self._scopes.get(scope_id, {}):
            return self._scopes[scope_id][name]
        return self.process().get(name)

    def visible(self, scope_id: str | None = None) -> dict[str, TypedValue]:
        """All variables visible from a scope: the process scope overlaid by the local one."""
        merged = dict(self.process())
        if scope_id and scope_id != self.process_instance_id:
            merged.update(self._scopes.get(scope_id, {}))
        return merged

    def python_value(self, name: str, scope_id: str | None = None) -> Any:
        found = self.lookup(name, scope_id)
        if found is None:
            raise KeyError(name)
        return to_python(found)

    def has(self, name: str, scope_id: str | None = None) -> bool:
        return self.lookup(name, scope_id) is not None

    # -- writing -------------------------------------------------------------------------
    def set(self, name: str, value: Any, scope_id: str | None = None) -> None:
        """Camunda's ``setVariable``: update the variable where it is visible from the scope
        (local first), else create it on the process instance."""
        typed = value if isinstance(value, TypedValue) else from_python(value)
        if scope_id and name in self._scopes.get(scope_id, {}):
            target = scope_id
        else:
            target = self.process_instance_id
        self._write(target, name, typed)

    def set_local(self, name: str, value: Any, scope_id: str, task_id: str | None = None) -> None:
        typed = value if isinstance(value, TypedValue) else from_python(value)
        if task_id:
            self._task_scopes[scope_id] = task_id
        self._write(scope_id, name, typed)

    def set_all(self, values: Mapping[str, TypedValue], scope_id: str | None = None, *, local: bool = False) -> None:
        for name, typed in values.items():
            if local and scope_id:
                self.set_local(name, typed, scope_id, task_id=scope_id)
            else:
                self.set(name, typed, scope_id)

    def remove(self, name: str, scope_id: str | None = None) -> None:
        target = scope_id if scope_id and name in self._scopes.get(scope_id, {}) else self.process_instance_id
        if self._scopes.get(target, {}).pop(name, None) is not None:
            self._removed.add((target, name))
            self._changed.discard((target, name))

    def drop_scope(self, scope_id: str) -> None:
        """A task or activity ended: its local variables end with it."""
        for name in list(self._scopes.get(scope_id, {})):
            self._removed.add((scope_id, name))
            self._changed.discard((scope_id, name))
        self._scopes.pop(scope_id, None)

    def _write(self, scope_id: str, name: str, typed: TypedValue) -> None:
        self._scopes.setdefault(scope_id, {})[name] = typed
        if not typed.transient:
            self._changed.add((scope_id, name))
        self._removed.discard((scope_id, name))

    # -- persistence -----------------------------------------------------------------------
    def changes(self) -> tuple[list[tuple[str, str, TypedValue, str | None]], list[tuple[str, str]]]:
        written = [
            (scope, name, self._scopes[scope][name], self._task_scopes.get(scope))
            for scope, name in sorted(self._changed)
            if name in self._scopes.get(scope, {})
        ]
        return written, sorted(self._removed)

    def mark_clean(self) -> None:
        self._changed.clear()
        self._removed.clear()

    def names(self) -> Iterable[str]:
        return self.process().keys()

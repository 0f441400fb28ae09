"""Process definitions and their parsed models.

A definition's model is parsed from its deployment's resources the first time an instance
needs it and kept in an LRU cache keyed by definition id (ids are immutable: a new version is
a new id), so no request re-parses XML.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select

from engine.bpmn.parser import build_process_spec
from engine.errors import NotFound
from engine.store import Row
from engine.store import tables as t
from engine.store.hot import HotStatement

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2")


def is_bpmn(name: str) -> bool:
    return name.lower().endswith(BPMN_SUFFIXES)


_pd = t.process_definition
# Built once: a start by key runs these on every request.
_BY_ID = HotStatement(select(_pd).where(_pd.c.id == bindparam("definition_id")))
_LATEST_BY_KEY = HotStatement(
    select(_pd).where(_pd.c.key == bindparam("key"), _pd.c.tenant_id.is_(None)).order_by(_pd.c.version.desc()).limit(1)
)
_LATEST_BY_KEY_AND_TENANT = HotStatement(
    select(_pd).where(_pd.c.key == bindparam("key"), _pd.c.tenant_id == bindparam("tenant_id"))
    .order_by(_pd.c.version.desc()).limit(1)
)


def definition_by_id(conn: Connection, definition_id: str) -> Row:
    row = _BY_ID.first(conn, {"definition_id": definition_id})
    if row is None:
        raise NotFound(f"No matching definition with id {definition_id}")
    return row


def latest_definition_by_key(conn: Connection, key: str, tenant_id: str | None = None) -> Row:
    if tenant_id is None:
        row = _LATEST_BY_KEY.first(conn, {"key": key})
    else:
        row = _LATEST_BY_KEY_AND_TENANT.first(conn, {"key": key, "tenant_id": tenant_id})
    if row is None:
        if tenant_id is None:
            raise NotFound(f"No matching process definition with key: {key} and no tenant-id")
        raise NotFound(f"No matching process definition with key: {key} and tenant-id: {tenant_id}")
    return row


def bpmn_resources(conn: Connection, deployment_id: str) -> dict[str, bytes]:
    rows = conn.execute(
        select(t.resource.c.name, t.resource.c.content).where(t.resource.c.deployment_id == deployment_id)
    ).all()
    return {name: bytes(content) for name, content in rows if is_bpmn(name)}


class SpecCache:
    """Parsed specs per definition id: ``(BpmnProcessSpec, subprocess_specs)``."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[Any, dict[str, Any]]] = OrderedDict()
        self._definitions: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, conn: Connection, definition: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        definition_id = definition["id"]
        with self._lock:
            if definition_id in self._entries:
                self._entries.move_to_end(definition_id)
                return self._entries[definition_id]
        resources = bpmn_resources(conn, definition["deployment_id"])
        # Embedded sub-processes are inlined; called processes are not: a call activity starts
        # an instance of its own definition at run time (engine.call_activities).
        spec, subprocess_specs = build_process_spec(resources, definition["key"])
        prepare_specs(spec, subprocess_specs)
        with self._lock:
            self._entries[definition_id] = (spec, subprocess_specs)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return spec, subprocess_specs

    def definition(self, conn: Connection, definition_id: str) -> Mapping[str, Any]:
        """A definition row for running its instances. Everything but ``suspended`` and
        ``history_time_to_live`` is immutable, so the row is cached with the spec; commands
        that read those two query the table."""
        with self._lock:
            row = self._definitions.get(definition_id)
        if row is None:
            row = dict(definition_by_id(conn, definition_id))
            with self._lock:
                self._definitions[definition_id] = row
                while len(self._definitions) > self._capacity:
                    self._definitions.pop(next(iter(self._definitions)))
        return row

    def evict(self, definition_ids: list[str]) -> None:
        with self._lock:
            for definition_id in definition_ids:
                self._entries.pop(definition_id, None)
                self._definitions.pop(definition_id, None)


def prepare_specs(spec: Any, subprocess_specs: Mapping[str, Any]) -> None:
    """Camunda semantics on Spiff specs: only user tasks wait for a person. Spiff also parks
    manual tasks and undefined ``bpmn:task`` elements; Camunda passes through them."""
    from SpiffWorkflow.bpmn.specs.defaults import UserTask

    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if getattr(task_spec, "manual", False) and not isinstance(task_spec, UserTask):
                task_spec.manual = False

"""Message and signal start events: subscriptions of the latest version of each definition.

Deploying a new version replaces the previous version's start-event subscriptions, as in
Camunda: only the latest version's start events correlate. A name written as ``${…}`` is
resolved at deployment, without variables (as in Camunda). Start events are read from the
deployed XML (top-level start events of the process; event sub-process starts belong to
running instances).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, select

from engine.bpmn import event_names
from engine.bpmn.extensions import BPMN_NS, canonicalize_namespaces
from engine.bpmn.xml import parse_xml
from engine.dates import now
from engine.errors import ParseError
from engine.ids import new_id
from engine.store import tables as t

_B = "{" + BPMN_NS + "}"


def start_events(content: bytes, process_key: str, resource: str = "") -> list[tuple[str, str, str]]:
    """``(event_type, event_name, activity_id)`` of the process's message/signal start events."""
    root = parse_xml(content)
    canonicalize_namespaces(root)
    names = {
        "message": {m.get("id"): m.get("name") for m in root.iter(_B + "message")},
        "signal": {s.get("id"): s.get("name") for s in root.iter(_B + "signal")},
    }
    found = []
    for process in root.iterfind(_B + "process"):
        if process.get("id") != process_key:
            continue
        for start in process.iterfind(_B + "startEvent"):
            for kind in ("message", "signal"):
                definition = start.find(f"{_B}{kind}EventDefinition")
                if definition is not None:
                    ref = definition.get(f"{kind}Ref")
                    name = names[kind].get(ref) or ref
                    if name:
                        found.append((kind, _static(name, start, resource), start.get("id")))
    return found


def _static(name: str, start: Any, resource: str) -> str:
    try:
        return event_names.resolve_static(name)
    except Exception as exc:
        raise ParseError.for_resource(
            resource, f"Cannot resolve the {start.get('id')} start event's name '{name}' without an execution: {exc}",
            line=start.sourceline, element_id=start.get("id"),
        ) from exc


def register_start_events(conn: Connection, definitions: Iterable[Mapping[str, Any]], resources: Mapping[str, bytes]) -> None:
    """Called by the deployment command for each newly deployed (hence latest) definition."""
    es, pd = t.event_subscription, t.process_definition
    created = now()
    for definition in definitions:
        content = resources.get(definition["resource_name"])
        if content is None:
            continue
        tenant = definition["tenant_id"]
        older = select(pd.c.id).where(
            pd.c.key == definition["key"],
            pd.c.id != definition["id"],
            pd.c.tenant_id.is_(None) if tenant is None else pd.c.tenant_id == tenant,
        )
        conn.execute(delete(es).where(es.c.process_instance_id.is_(None), es.c.process_definition_id.in_(older)))
        rows = [
            {
                "id": new_id(),
                "event_type": kind,
                "event_name": name,
                "execution_id": None,
                "process_instance_id": None,
                "activity_id": activity_id,
                "process_definition_id": definition["id"],
                "tenant_id": tenant,
                "created_date": created,
            }
            for kind, name, activity_id in start_events(content, definition["key"], definition["resource_name"])
        ]
        if rows:
            conn.execute(es.insert(), rows)


def forget_definitions(conn: Connection, definition_ids: list[str]) -> None:
    """A deployment is deleted: its definitions' start events stop correlating."""
    if definition_ids:
        es = t.event_subscription
        conn.execute(delete(es).where(es.c.process_definition_id.in_(definition_ids)))

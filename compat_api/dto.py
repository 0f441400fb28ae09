"""Camunda's response DTOs, built from engine rows. Every field Camunda has is present,
``null`` when unset: clients such as pycamunda index them directly."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from engine import variables as typed


def base_url(request: Request) -> str:
    """``http://host:port/engine-rest`` as the client addressed it, once per request
    (Starlette's ``request.base_url`` builds and parses a URL object on every call)."""
    scope = request.scope
    cached = scope.get("m8flow_base_url")
    if cached is None:
        root = str(request.base_url).rstrip("/")
        cached = scope["m8flow_base_url"] = root + scope.get("m8flow_prefix", "/engine-rest")
    return cached


def link(request: Request, rel: str, path: str, method: str = "GET") -> dict[str, str]:
    return {"method": method, "href": base_url(request) + path, "rel": rel}


def deployment(row: Mapping[str, Any], request: Request | None = None, *, with_links: bool = True) -> dict[str, Any]:
    links = [link(request, "self", f"/deployment/{row['id']}")] if (request is not None and with_links) else []
    return {
        "links": links,
        "id": row["id"],
        "name": row["name"],
        "source": row["source"],
        "deploymentTime": row["deployment_time"],
        "tenantId": row["tenant_id"],
    }


def process_definition(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": row["key"],
        "category": row["category"],
        "description": row["description"],
        "name": row["name"],
        "version": row["version"],
        "resource": row["resource_name"],
        "deploymentId": row["deployment_id"],
        "diagram": None,
        "suspended": bool(row["suspended"]),
        "tenantId": row["tenant_id"],
        "versionTag": row["version_tag"],
        "historyTimeToLive": row["history_time_to_live"],
        "startableInTasklist": bool(row["startable_in_tasklist"]),
    }


def process_instance(row: Mapping[str, Any], request: Request | None = None, *, with_links: bool = False) -> dict[str, Any]:
    links = [link(request, "self", f"/process-instance/{row['id']}")] if (request is not None and with_links) else []
    return {
        "links": links,
        "id": row["id"],
        "definitionId": row["process_definition_id"],
        "definitionKey": row["process_definition_key"],
        "businessKey": row["business_key"],
        "caseInstanceId": None,
        "ended": row["end_time"] is not None,
        "suspended": bool(row["suspended"]),
        "tenantId": row["tenant_id"],
    }


def task(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "assignee": row["assignee"],
        "owner": row["owner"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "due": row["due"],
        "followUp": row["follow_up"],
        "delegationState": row["delegation_state"],
        "description": row["description"],
        "executionId": row["execution_id"],
        "parentTaskId": None,
        "priority": row["priority"],
        "processDefinitionId": row["process_definition_id"],
        "processInstanceId": row["process_instance_id"],
        "caseExecutionId": None,
        "caseDefinitionId": None,
        "caseInstanceId": None,
        "taskDefinitionKey": row["task_definition_key"],
        "suspended": bool(row["suspended"]),
        "formKey": row["form_key"],
        "camundaFormRef": json.loads(row["camunda_form_ref"]) if row["camunda_form_ref"] else None,
        "tenantId": row["tenant_id"],
        "taskState": "Created",
    }


def variables(values: Mapping[str, typed.TypedValue], *, deserialize: bool = True) -> dict[str, Any]:
    return {name: typed.to_dto(value, deserialize=deserialize) for name, value in values.items()}


def count(value: int) -> dict[str, int]:
    return {"count": value}

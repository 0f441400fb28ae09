"""Where ``m8flow migrate import`` writes: a running gateway over its REST API, or the
engine's database directly. Both offer the same small interface (deploy, start at
activities, read and set a task's identity links), so the import does not care which."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import httpx

from engine.errors import ProcessEngineException


class TargetError(Exception):
    """The target refused an operation; ``message`` says why (Camunda's message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Target(Protocol):
    def deploy(self, resources: Mapping[str, bytes], *, name: str | None, source: str | None,
               tenant_id: str | None) -> list[dict[str, Any]]:
        """Deploy; return the new process definitions as ``{id, key, version, tenantId}``."""

    def start(self, definition_id: str, *, business_key: str | None, variables: Mapping[str, Any],
              instructions: list[dict[str, Any]]) -> str:
        """Start an instance at Camunda start instructions (DTO dicts); return its id."""

    def tasks(self, instance_id: str) -> list[dict[str, Any]]:
        """Open user tasks as ``{id, taskDefinitionKey, assignee}``."""

    def identity_links(self, task_id: str) -> list[dict[str, Any]]: ...

    def add_link(self, task_id: str, link: Mapping[str, Any]) -> None: ...

    def delete_link(self, task_id: str, link: Mapping[str, Any]) -> None: ...

    def close(self) -> None: ...


class GatewayTarget:
    """A running m8flow gateway (or anything speaking Camunda's REST API)."""

    def __init__(self, url: str, *, timeout: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        base = url.rstrip("/")
        if not base.endswith("/engine-rest"):
            base += "/engine-rest"
        self._client = httpx.Client(base_url=base, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TargetError(f"{method} {path}: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = response.json().get("message")
            except ValueError:
                message = response.text[:300]
            raise TargetError(message or f"HTTP {response.status_code}")
        return response.json() if response.content else None

    def deploy(self, resources: Mapping[str, bytes], *, name: str | None, source: str | None,
               tenant_id: str | None) -> list[dict[str, Any]]:
        fields = {"deployment-name": name, "deployment-source": source, "tenant-id": tenant_id}
        files = [("data", (resource, content, "application/octet-stream")) for resource, content in resources.items()]
        result = self._call("POST", "/deployment/create", data={k: v for k, v in fields.items() if v is not None},
                            files=files)
        return [{"id": d["id"], "key": d["key"], "version": d["version"], "tenantId": d["tenantId"]}
                for d in (result.get("deployedProcessDefinitions") or {}).values()]

    def start(self, definition_id: str, *, business_key: str | None, variables: Mapping[str, Any],
              instructions: list[dict[str, Any]]) -> str:
        body = {"businessKey": business_key, "variables": dict(variables), "startInstructions": instructions,
                "skipCustomListeners": True, "skipIoMappings": True}
        return self._call("POST", f"/process-definition/{definition_id}/start", json=body)["id"]

    def tasks(self, instance_id: str) -> list[dict[str, Any]]:
        return self._call("GET", "/task", params={"processInstanceId": instance_id})

    def identity_links(self, task_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/task/{task_id}/identity-links")

    def add_link(self, task_id: str, link: Mapping[str, Any]) -> None:
        self._call("POST", f"/task/{task_id}/identity-links", json=dict(link))

    def delete_link(self, task_id: str, link: Mapping[str, Any]) -> None:
        self._call("POST", f"/task/{task_id}/identity-links/delete", json=dict(link))


class EngineTarget:
    """The engine's database, written through engine commands (no gateway needed)."""

    def __init__(self, database_url: str) -> None:
        from engine.process_engine import ProcessEngine

        self.engine = ProcessEngine.from_url(database_url)

    def close(self) -> None:
        self.engine.close()

    def deploy(self, resources: Mapping[str, bytes], *, name: str | None, source: str | None,
               tenant_id: str | None) -> list[dict[str, Any]]:
        from engine.commands.deployment import create_deployment

        with _engine_errors():
            result = create_deployment(self.engine, resources, name=name, source=source, tenant_id=tenant_id)
        return [{"id": d["id"], "key": d["key"], "version": d["version"], "tenantId": d["tenant_id"]}
                for d in result.process_definitions or []]

    def start(self, definition_id: str, *, business_key: str | None, variables: Mapping[str, Any],
              instructions: list[dict[str, Any]]) -> str:
        from engine import variables as typed
        from engine.commands.process_instance import start_process_instance
        from engine.modification import Instruction

        with _engine_errors():
            parsed = [Instruction(type=i["type"], activity_id=i.get("activityId"), transition_id=i.get("transitionId"),
                                  variables=typed.parse_variables(
                                      {k: v for k, v in (i.get("variables") or {}).items() if not v.get("local")},
                                      context=""),
                                  local_variables=typed.parse_variables(
                                      {k: v for k, v in (i.get("variables") or {}).items() if v.get("local")},
                                      context=""))
                      for i in instructions]
            started = start_process_instance(self.engine, definition_id=definition_id, business_key=business_key,
                                             variable_dtos=dict(variables), start_instructions=parsed)
        return str(started.instance["id"])

    def tasks(self, instance_id: str) -> list[dict[str, Any]]:
        from engine.commands.task import query_tasks

        rows = query_tasks(self.engine, {"processInstanceId": instance_id})
        assert isinstance(rows, list)
        return [{"id": r["id"], "taskDefinitionKey": r["task_definition_key"], "assignee": r["assignee"]} for r in rows]

    def identity_links(self, task_id: str) -> list[dict[str, Any]]:
        from engine.commands.task import identity_links

        return identity_links(self.engine, task_id)

    def add_link(self, task_id: str, link: Mapping[str, Any]) -> None:
        from engine.commands.task import add_identity_link

        with _engine_errors():
            add_identity_link(self.engine, task_id, user_id=link.get("userId"), group_id=link.get("groupId"),
                              link_type=link["type"])

    def delete_link(self, task_id: str, link: Mapping[str, Any]) -> None:
        from engine.commands.task import delete_identity_link

        with _engine_errors():
            delete_identity_link(self.engine, task_id, user_id=link.get("userId"), group_id=link.get("groupId"),
                                 link_type=link["type"])


@contextmanager
def _engine_errors() -> Iterator[None]:
    try:
        yield
    except ProcessEngineException as exc:
        raise TargetError(exc.message) from exc

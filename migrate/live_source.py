"""Read a running Camunda 7 over its REST API (httpx): deployments with their resources,
and running process instances with what it takes to recreate them. Only GET requests: the
source is never changed."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

PAGE = 100


class SourceUnreachable(Exception):
    """The source engine did not answer, or answered an error to a read."""


class CamundaSource:
    def __init__(self, base_url: str, *, user: str | None = None, password: str | None = None,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        auth = httpx.BasicAuth(user, password or "") if user else None
        self._client = httpx.Client(base_url=base_url.rstrip("/"), auth=auth, timeout=timeout, transport=transport)
        self._definitions: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, **params: Any) -> httpx.Response:
        try:
            response = self._client.get(path, params={k: v for k, v in params.items() if v is not None})
        except httpx.HTTPError as exc:
            raise SourceUnreachable(f"GET {self._client.base_url}{path}: {exc}") from exc
        if response.status_code >= 400:
            raise SourceUnreachable(f"GET {self._client.base_url}{path}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def _json(self, path: str, **params: Any) -> Any:
        return self._get(path, **params).json()

    def _paged(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        first = 0
        while True:
            page = self._json(path, firstResult=first, maxResults=PAGE, **params)
            yield from page
            if len(page) < PAGE:
                return
            first += PAGE

    # -- deployments ---------------------------------------------------------------------------
    def check(self) -> dict[str, Any]:
        """The engine's version: fails early when the URL is not a Camunda REST API."""
        return self._json("/version")

    def deployments(self) -> list[dict[str, Any]]:
        """Every deployment, oldest first (the order versions were created in)."""
        return list(self._paged("/deployment", sortBy="deploymentTime", sortOrder="asc"))

    def resources(self, deployment_id: str) -> list[dict[str, Any]]:
        return self._json(f"/deployment/{deployment_id}/resources")

    def resource_data(self, deployment_id: str, resource_id: str) -> bytes:
        return self._get(f"/deployment/{deployment_id}/resources/{resource_id}/data").content

    # -- running instances ----------------------------------------------------------------------
    def process_instances(self) -> list[dict[str, Any]]:
        return list(self._paged("/process-instance", sortBy="instanceId", sortOrder="asc"))

    def definition(self, definition_id: str) -> dict[str, Any]:
        if definition_id not in self._definitions:
            self._definitions[definition_id] = self._json(f"/process-definition/{definition_id}")
        return self._definitions[definition_id]

    def activity_instances(self, instance_id: str) -> dict[str, Any]:
        return self._json(f"/process-instance/{instance_id}/activity-instances")

    def variables(self, instance_id: str) -> dict[str, Any]:
        return self._json(f"/process-instance/{instance_id}/variables", deserializeValues="false")

    def tasks(self, instance_id: str) -> list[dict[str, Any]]:
        return list(self._paged("/task", processInstanceId=instance_id))

    def task_local_variables(self, task_id: str) -> dict[str, Any]:
        return self._json(f"/task/{task_id}/localVariables", deserializeValues="false")

    def identity_links(self, task_id: str) -> list[dict[str, Any]]:
        return self._json(f"/task/{task_id}/identity-links")

    def external_tasks(self, instance_id: str) -> list[dict[str, Any]]:
        return list(self._paged("/external-task", processInstanceId=instance_id))

"""`/deployment`: create (multipart), query, resources, delete."""
from __future__ import annotations

import mimetypes
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.params import Query
from compat_api.responses import no_content, ok
from compat_api.routing import call, path
from engine.commands import deployment as commands
from engine.errors import NotFound

TEXT_PARTS = {
    "deployment-name", "deployment-source", "tenant-id", "enable-duplicate-filtering",
    "deploy-changed-only", "deployment-activation-time",
}


def _flag(value: Any, name: str) -> bool:
    if value is None or value == "":
        return False
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise invalid(f"Cannot set form parameter '{name}' to value '{value}'")


async def create(request: Request) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid("Request must be multipart/form-data", 415)
    try:
        form = await request.form(max_files=10_000, max_fields=10_000)
    except Exception as exc:  # noqa: BLE001 — malformed multipart bodies
        raise invalid(f"Cannot read multipart form: {exc}") from exc
    fields: dict[str, str] = {}
    resources: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            resources[value.filename or name] = await value.read()
        elif name in TEXT_PARTS:
            fields[name] = value
        else:
            resources[name] = value.encode("utf-8")
    if not resources:
        raise invalid("No deployment resources contained in the form upload.")
    result = await call(
        request,
        commands.create_deployment,
        resources,
        name=fields.get("deployment-name"),
        source=fields.get("deployment-source"),
        tenant_id=fields.get("tenant-id") or None,
        enable_duplicate_filtering=_flag(fields.get("enable-duplicate-filtering"), "enable-duplicate-filtering"),
        deploy_changed_only=_flag(fields.get("deploy-changed-only"), "deploy-changed-only"),
    )
    body = dto.deployment(result.deployment, request)
    definitions = result.process_definitions
    body["deployedProcessDefinitions"] = (
        {row["id"]: dto.process_definition(row) for row in definitions} if definitions else None
    )
    body["deployedCaseDefinitions"] = None
    body["deployedDecisionDefinitions"] = None
    body["deployedDecisionRequirementsDefinitions"] = None
    return ok(body)


def _criteria(q: Query) -> dict[str, Any]:
    return {
        "id": q.str("id"), "name": q.str("name"), "nameLike": q.str("nameLike"), "source": q.str("source"),
        "withoutSource": q.bool("withoutSource"), "tenantIdIn": q.csv("tenantIdIn"),
        "withoutTenantId": q.bool("withoutTenantId"),
        "includeDeploymentsWithoutTenantId": q.bool("includeDeploymentsWithoutTenantId"),
        "after": q.date("after"), "before": q.date("before"),
    }


async def list_deployments(request: Request) -> Response:
    q = Query(request)
    first, maximum = q.paging()
    rows = await call(request, commands.query_deployments, _criteria(q), sorting=q.sorting(), first_result=first, max_results=maximum)
    return ok([dto.deployment(row, request) for row in rows])


async def count_deployments(request: Request) -> Response:
    q = Query(request)
    return ok(dto.count(await call(request, commands.query_deployments, _criteria(q), count_only=True)))


async def _get(request: Request):  # type: ignore[no-untyped-def]
    try:
        return await call(request, commands.get_deployment, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc


async def get_deployment(request: Request) -> Response:
    return ok(dto.deployment(await _get(request), request))


async def resources(request: Request) -> Response:
    try:
        rows = await call(request, commands.list_resources, path(request, "id"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok([{"id": r["id"], "name": r["name"], "deploymentId": r["deployment_id"]} for r in rows])


async def resource(request: Request) -> Response:
    try:
        row = await call(request, commands.get_resource, path(request, "id"), path(request, "resourceId"))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok({"id": row["id"], "name": row["name"], "deploymentId": row["deployment_id"]})


async def resource_data(request: Request) -> Response:
    try:
        row = await call(request, commands.get_resource, path(request, "id"), path(request, "resourceId"), with_content=True)
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    name = row["name"]
    media = "application/xml" if name.endswith((".bpmn", ".dmn", ".xml", ".bpmn20.xml", ".dmn11.xml")) else (
        mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    return Response(bytes(row["content"]), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name.rsplit("/", 1)[-1]}"'})


async def delete_deployment(request: Request) -> Response:
    q = Query(request)
    try:
        await call(request, commands.delete_deployment, path(request, "id"), cascade=bool(q.bool("cascade")),
                   skip_custom_listeners=bool(q.bool("skipCustomListeners")))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return no_content()


routes = [
    Route("/deployment/create", create, methods=["POST"]),
    Route("/deployment", list_deployments, methods=["GET"]),
    Route("/deployment/count", count_deployments, methods=["GET"]),
    Route("/deployment/{id}", get_deployment, methods=["GET"]),
    Route("/deployment/{id}", delete_deployment, methods=["DELETE"]),
    Route("/deployment/{id}/resources", resources, methods=["GET"]),
    Route("/deployment/{id}/resources/{resourceId}", resource, methods=["GET"]),
    Route("/deployment/{id}/resources/{resourceId}/data", resource_data, methods=["GET"]),
]

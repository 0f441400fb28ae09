"""The variable sub-resources shared by process instances, tasks and executions:
``/variables``, ``/variables/{varName}``, ``/variables/{varName}/data`` and the
``localVariables`` variants."""
from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api import dto
from compat_api.errors import RestError, invalid
from compat_api.forms import form_defaults, form_source
from compat_api.params import Query, body_list, json_body
from compat_api.responses import no_content, ok
from compat_api.routing import call
from engine import variables as typed
from engine.commands import variables as commands
from engine.commands.form import FormLocation
from engine.commands.variables import Target
from engine.errors import NotFound, NullValue, ProcessEngineException
from forms import submission_to_variables

LABEL = {"process-instance": "process instance", "task": "task", "task-local": "task", "execution": "execution"}


def _target(request: Request, kind: str) -> Target:
    return Target(kind, request.path_params["id"])


def routes_for(prefix: str, kind: str) -> list[Route]:
    async def get_all(request: Request) -> Response:
        target = _target(request, kind)
        q = Query(request)
        try:
            values = await call(request, commands.get_variables, target)
        except (NotFound, NullValue) as exc:
            raise RestError(500, f"Cannot get {LABEL[kind]} variables: {exc.message}", "RestException") from exc
        return ok(dto.variables(values, deserialize=bool(q.bool("deserializeValues", True))))

    async def modify(request: Request) -> Response:
        target = _target(request, kind)
        body = await json_body(request)
        prefix_message = f"Cannot modify variables for {LABEL[kind]} {target.id}"
        modifications = typed.parse_variables(body.get("modifications"), context=prefix_message)
        deletions = body_list(body, "deletions") or []
        if not all(isinstance(name, str) for name in deletions):
            raise invalid(f"{prefix_message}: deletions must be variable names")
        try:
            await call(request, commands.modify_variables, target, modifications, deletions)
        except (NotFound, NullValue) as exc:
            raise RestError(500, f"{prefix_message}: {exc.message}", "RestException") from exc
        return no_content()

    async def get_one(request: Request) -> Response:
        target = _target(request, kind)
        name = request.path_params["name"]
        q = Query(request)
        try:
            value = await call(request, commands.get_variable, target, name)
        except (NotFound, NullValue) as exc:
            raise RestError(404, f"{LABEL[kind]} variable with name {name} does not exist" if isinstance(exc, NotFound) and "variable" in exc.message else exc.message, "InvalidRequestException") from exc
        return ok(typed.to_dto(value, deserialize=bool(q.bool("deserializeValue", True))))

    async def put_one(request: Request) -> Response:
        target = _target(request, kind)
        name = request.path_params["name"]
        body = await json_body(request, required=True)
        context = f"Cannot put {LABEL[kind]} variable {name}"
        value = typed.parse_variables({name: body}, context=context)
        try:
            await call(request, commands.modify_variables, target, value, None)
        except (NotFound, NullValue) as exc:
            raise RestError(500, f"{context}: {exc.message}", "RestException") from exc
        return no_content()

    async def delete_one(request: Request) -> Response:
        target = _target(request, kind)
        name = request.path_params["name"]
        try:
            await call(request, commands.delete_variable, target, name)
        except (NotFound, NullValue) as exc:
            raise RestError(500, f"Cannot delete {LABEL[kind]} variable {name}: {exc.message}", "RestException") from exc
        return no_content()

    async def get_data(request: Request) -> Response:
        target = _target(request, kind)
        name = request.path_params["name"]
        try:
            value = await call(request, commands.get_variable, target, name)
        except (NotFound, NullValue) as exc:
            raise RestError(404, f"{LABEL[kind]} variable with name {name} does not exist", "InvalidRequestException") from exc
        if value.type == "Bytes":
            return Response(value.value or b"", media_type="application/octet-stream")
        if value.type == "File":
            info = value.value_info or {}
            media = info.get("mimeType") or "application/octet-stream"
            if info.get("encoding"):
                media += f"; charset={info['encoding']}"
            filename = info.get("filename") or name
            return Response(value.value or b"", media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        raise invalid(f"Value of variable with id {name} is not a binary value.")

    async def post_data(request: Request) -> Response:
        target = _target(request, kind)
        name = request.path_params["name"]
        try:
            form = await request.form()
        except Exception as exc:  # noqa: BLE001
            raise invalid(f"Cannot read multipart form: {exc}") from exc
        data = form.get("data")
        if data is None:
            raise invalid("No data part in the multipart form")
        value_type = str(form.get("valueType") or "Bytes")
        if isinstance(data, UploadFile):
            content = await data.read()
            filename, mime = data.filename, data.content_type
        else:
            content, filename, mime = str(data).encode("utf-8"), name, "text/plain"
        dto_value: dict[str, Any] = {"type": value_type, "value": base64.b64encode(content).decode("ascii")}
        if value_type.lower() == "file":
            dto_value["valueInfo"] = {"filename": filename or name, "mimeType": mime}
        elif value_type.lower() != "bytes":
            dto_value = {"type": value_type, "value": content.decode("utf-8", errors="replace")}
        value = typed.parse_variables({name: dto_value}, context=f"Cannot put {LABEL[kind]} variable {name}")
        await call(request, commands.modify_variables, target, value, None)
        return no_content()

    return [
        Route(prefix, get_all, methods=["GET"]),
        Route(prefix, modify, methods=["POST"]),
        Route(prefix + "/{name}", get_one, methods=["GET"]),
        Route(prefix + "/{name}", put_one, methods=["PUT"]),
        Route(prefix + "/{name}", delete_one, methods=["DELETE"]),
        Route(prefix + "/{name}/data", get_data, methods=["GET"]),
        Route(prefix + "/{name}/data", post_data, methods=["POST"]),
    ]


FORM_TYPES = {"string": "String", "long": "Long", "boolean": "Boolean", "date": "Date", "enum": "String", "double": "Double", "integer": "Integer"}


def form_field_variables(
    location: FormLocation | None, names: Sequence[str] | None, current: Mapping[str, typed.TypedValue] | None = None,
) -> dict[str, typed.TypedValue]:
    """Camunda's form-variables: each form field with the variable's current value (on a
    task) or else its default, typed by the field. Generated forms give their formData
    fields; embedded and Camunda Forms the fields the forms package reads from them."""
    if location is None:
        return {}
    if location.form_data and location.form_data.get("fields"):
        return _form_data_variables(location.form_data, names, current)
    source = form_source(location)
    if source is None:
        return {}
    defaults = form_defaults(location, source)
    values: dict[str, typed.TypedValue] = {}
    for spec in source.fields:
        if names and spec.id not in names:
            continue
        if current and spec.id in current:
            values[spec.id] = current[spec.id]
            continue
        values[spec.id] = typed.TypedValue(spec.type, None, {})
        if spec.id in defaults:
            try:
                optional = replace(source, fields=(replace(spec, required=False, readonly=False),))
                dtos = submission_to_variables(optional, {spec.id: defaults[spec.id]})
                values[spec.id] = typed.from_dto(dtos[spec.id], name=spec.id)
            except ProcessEngineException:
                values[spec.id] = typed.TypedValue("String", str(defaults[spec.id]), {})
    return values


def _form_data_variables(form: Mapping[str, Any], names: Sequence[str] | None, current: Mapping[str, typed.TypedValue] | None) -> dict[str, typed.TypedValue]:
    values: dict[str, typed.TypedValue] = {}
    for field in form.get("fields", []):
        field_id = field.get("id")
        if not field_id or (names and field_id not in names):
            continue
        if current and field_id in current:
            values[field_id] = current[field_id]
            continue
        camunda_type = FORM_TYPES.get((field.get("type") or "string").lower(), "String")
        default = field.get("defaultValue")
        if default is None:
            values[field_id] = typed.TypedValue(camunda_type, None, {})
            continue
        try:
            values[field_id] = typed.from_dto({"type": camunda_type, "value": default}, name=field_id)
        except ProcessEngineException:
            values[field_id] = typed.TypedValue("String", str(default), {})
    return values

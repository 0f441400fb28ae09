"""`/m8flow/forms`: the form.io JSON of a task's or start event's form, outside Camunda's
namespace; and the form-aware typing of submitted variables that `submit-form` and
`form-variables` share.

A form is converted on each request (a few milliseconds; the parsed model is cached).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from compat_api.errors import RestError
from compat_api.params import Query
from compat_api.responses import ok
from compat_api.routing import call
from engine import variables as typed
from engine.commands import form as commands
from engine.commands.form import FormLocation
from engine.errors import InvalidRequest, NotFound
from forms import (
    ConversionResult,
    FormSource,
    convert_camunda_form,
    convert_formdata,
    convert_html,
    submission_to_variables,
)
from forms.components import walk


def convert(location: FormLocation, *, formsflow: bool = False) -> ConversionResult:
    """The form.io document of a located form; NotFound with the reason when there is none."""
    kind = location.kind
    title = location.element_name or location.element_id
    name = f"{location.definition_id.split(':', 1)[0]}.{location.element_id}"
    if kind is None:
        raise NotFound(f"{location.element_id} of process definition {location.definition_id} has no form")
    if location.problem:
        raise NotFound(location.problem)
    if kind == "generated":
        return convert_formdata(_form_data(location), title=title, name=name, formsflow=formsflow)
    if kind == "embedded" and location.content is not None:
        return convert_html(location.content, title=title, name=name, formsflow=formsflow)
    if kind == "camunda-forms" and location.content is not None:
        try:
            return convert_camunda_form(location.content, title=title, name=name, formsflow=formsflow)
        except ValueError as exc:
            raise NotFound(f"Resource '{location.resource_name}' is not a Camunda Form: {exc}") from exc
    raise NotFound(f"The form of {location.element_id} ({location.form_key}) cannot be served")


def form_source(location: FormLocation) -> FormSource | None:
    """The fields submissions are typed by. Generated fields win, as in Camunda, which
    validates `camunda:formData` whatever the form key says; otherwise the fields of the
    embedded or Camunda Form, when it can be read."""
    if _generated(location):
        return convert_formdata(_form_data(location), title="", name=location.element_id).source
    try:
        source = convert(location).source
    except NotFound:
        return None
    return source if source.fields else None


def form_defaults(location: FormLocation, source: FormSource) -> dict[str, Any]:
    """Default values per field: literal `defaultValue`s of generated fields (expressions are
    not evaluated), else the `defaultValue` of the converted form.io component."""
    if _generated(location):
        return {
            f["id"]: f["defaultValue"] for f in _form_data(location)["fields"]
            if f.get("id") and f.get("defaultValue") is not None and "{" not in str(f["defaultValue"])
        }
    try:
        components = walk(convert(location).form["components"])
    except NotFound:
        return {}
    declared = {spec.id for spec in source.fields}
    return {
        c["key"]: c["defaultValue"] for c in components
        if c.get("key") in declared and c.get("defaultValue") not in (None, "", [], {})
        and c.get("type") != "checkbox"  # form.io's checkbox default False is not a model default
    }


def _generated(location: FormLocation) -> bool:
    return bool(location.form_data and location.form_data.get("fields"))


def _form_data(location: FormLocation) -> dict[str, Any]:
    return dict(location.form_data or {})


def submitted_variables(
    location: FormLocation | None, dtos: Any, *, context: str, existing: Mapping[str, Any] | None = None,
) -> dict[str, typed.TypedValue]:
    """A submit-form `variables` map, typed and validated by the form's fields.

    Values of declared fields are taken by their `value` (typed `{"value", "type"}` as
    Camunda clients send them, or untyped as formsflow does) and typed by the field, as
    Camunda's form field types convert submitted values; other variables keep their own
    type. A generated field that is not submitted gets its literal default, as in Camunda.
    Errors are InvalidRequest prefixed with ``context``.
    """
    source = form_source(location) if location is not None else None
    if source is None or not isinstance(dtos, Mapping):
        return typed.parse_variables(dtos, context=context)
    declared = {spec.id: spec for spec in source.fields}
    # every value must first be a valid Camunda value (shape, known type), as in Camunda's REST layer
    variables = typed.parse_variables(dtos, context=context)
    variables = {k: v for k, v in variables.items() if k not in declared}
    data: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for name in declared.keys() & dtos.keys():
        dto = dtos[name]
        if declared[name].type == "File" and str(dto.get("type") or "").lower() in ("file", "bytes"):
            files[name] = dto  # already a Camunda file value, not a form.io upload
        else:
            data[name] = dto.get("value")
    defaults = form_defaults(location, source) if location is not None and _generated(location) else {}
    try:
        converted = submission_to_variables(source, data, existing={**(existing or {}), **files})
        missing = {k: v for k, v in defaults.items() if k in declared and k not in dtos}
        if missing:
            optional = replace(source, fields=tuple(replace(declared[k], required=False) for k in missing))
            converted.update(submission_to_variables(optional, missing))
    except InvalidRequest as exc:
        raise InvalidRequest(f"{context}: {exc.message}") from exc
    converted.update(files)
    variables.update(typed.parse_variables(converted, context=context))
    return variables


def _formsflow(request: Request) -> bool:
    return bool(Query(request).bool("formsflow"))


def _render(location: FormLocation, request: Request) -> Response:
    try:
        result = convert(location, formsflow=_formsflow(request))
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return ok(result.form)


async def task_form(request: Request) -> Response:
    try:
        location = await call(request, commands.task_form, request.path_params["id"])
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return _render(location, request)


async def start_form(request: Request) -> Response:
    params = request.path_params
    lookup = {"definition_id": params["id"]} if "id" in params else {"key": params["key"], "tenant_id": params.get("tenantId")}
    try:
        location = await call(request, commands.start_form, **lookup)
    except NotFound as exc:
        raise RestError(404, exc.message, "InvalidRequestException") from exc
    return _render(location, request)


routes = [
    Route("/forms/task/{id}", task_form, methods=["GET"]),
    Route("/forms/process-definition/key/{key}/tenant-id/{tenantId}/start", start_form, methods=["GET"]),
    Route("/forms/process-definition/key/{key}/start", start_form, methods=["GET"]),
    Route("/forms/process-definition/{id}/start", start_form, methods=["GET"]),
]

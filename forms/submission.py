"""A submitted form.io `data` object back into typed Camunda variables.

Types come from the source form, not from the JSON: a generated `long` field yields a Long
even when the browser sent "42". Invalid values raise `InvalidRequest` naming the field, as
Camunda's form field validation does.

Rules worth knowing: read-only fields are never written back (Camunda's readonly validator
rejects submitted values; form.io submits disabled fields anyway, so we drop them); keys the
form does not declare (formsflow's applicationId, formUrl, action...) pass through with a
type inferred from the JSON value; the submit button's key is dropped.
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.dates import format_date, parse_date
from engine.errors import InvalidRequest
from forms import dates
from forms.components import SUBMIT_KEY
from forms.model import FieldSpec, FormSource

VariableDto = dict[str, Any]
_RANGES = {"Integer": (-(2**31), 2**31 - 1), "Short": (-(2**15), 2**15 - 1),
           "Long": (-(2**63), 2**63 - 1)}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATA_URL = re.compile(r"data:(?P<mime>[^;,]*)(?:;[^,]*)?;base64,(?P<data>.*)", re.S)


def _dto(value: Any, type_: str, value_info: dict[str, Any] | None = None) -> VariableDto:
    return {"value": value, "type": type_, "valueInfo": value_info or {}}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fail(spec: FieldSpec, value: Any, why: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid value for form field '{spec.id}': {why} (got {value!r})")


def _integer(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise _fail(spec, value, f"expected a whole number for type {spec.type}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise _fail(spec, value, f"expected a whole number for type {spec.type}")
    low, high = _RANGES[spec.type]
    if not low <= value <= high:
        raise _fail(spec, value, f"out of range for {spec.type}")
    return value


def _double(spec: FieldSpec, value: Any) -> float:
    if isinstance(value, bool):
        raise _fail(spec, value, "expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _fail(spec, value, "expected a number") from None


def _boolean(spec: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _fail(spec, value, "expected true or false")


def _date(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, datetime):
        return format_date(value)
    if not isinstance(value, str):
        raise _fail(spec, value, "expected a date")
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        text += "T00:00:00"
    try:
        return format_date(parse_date(text))
    except InvalidRequest:
        pass
    strp = dates.to_strptime(spec.date_pattern) if spec.date_pattern else None
    if strp:
        try:
            return format_date(datetime.strptime(text, strp).replace(tzinfo=UTC))
        except ValueError:
            pass
    expected = f" ISO 8601 or {spec.date_pattern}" if spec.date_pattern else " ISO 8601"
    raise _fail(spec, value, f"expected a date in{expected}")


def _string_date(spec: FieldSpec, value: Any) -> str:
    """Camunda Forms datetime values are ISO strings: `2024-05-01`, `13:30`, or both."""
    if not isinstance(value, str):
        raise _fail(spec, value, "expected a date")
    if spec.string_date == "time" and re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", value.strip()):
        return value.strip()[:5]
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _fail(spec, value, f"expected an ISO {spec.string_date}") from None
    if spec.string_date == "date":
        return moment.date().isoformat()
    if spec.string_date == "time":
        return moment.strftime("%H:%M")
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def _file(spec: FieldSpec, value: Any) -> VariableDto:
    files = value if isinstance(value, list) else [value]
    first = files[0] if files else None
    if not isinstance(first, dict):
        raise _fail(spec, value, "expected a form.io file upload")
    match = _DATA_URL.fullmatch(str(first.get("url") or ""))
    if match is None:  # stored elsewhere (url storage): keep the reference
        return _dto(json.dumps(files), "Json")
    try:
        base64.b64decode(match["data"], validate=True)
    except ValueError:
        raise _fail(spec, "<file>", "the file content is not valid base64") from None
    info = {"filename": first.get("originalName") or first.get("name") or spec.id,
            "mimeType": first.get("type") or match["mime"] or "application/octet-stream"}
    return _dto(match["data"], "File", info)


def _typed(spec: FieldSpec, value: Any) -> VariableDto:
    if spec.type == "File":
        return _file(spec, value)
    if spec.multiple or spec.type == "Json":
        if spec.enum_values is not None:
            chosen = value if isinstance(value, list) else [k for k, v in dict(value).items() if v]
            for item in chosen:
                if str(item) not in spec.enum_values:
                    raise _fail(spec, item, "not one of the allowed values")
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError:
                raise _fail(spec, value, "expected JSON") from None
            return _dto(value, "Json")
        return _dto(json.dumps(value), "Json")
    if spec.enum_values is not None:
        # a Boolean select submits true/false, its options say "true"/"false"
        given = str(value).lower() if isinstance(value, bool) else str(value)
        if given not in spec.enum_values:
            raise _fail(spec, value, f"not one of {', '.join(spec.enum_values)}")
    if spec.type in _RANGES:
        return _dto(_integer(spec, value), spec.type)
    if spec.type == "Double":
        return _dto(_double(spec, value), "Double")
    if spec.type == "Boolean":
        return _dto(_boolean(spec, value), "Boolean")
    if spec.type == "Date":
        return _dto(_date(spec, value), "Date")
    if spec.string_date:
        return _dto(_string_date(spec, value), "String")
    if spec.type == "Xml":
        return _dto(str(value), "Xml")
    if isinstance(value, (dict, list)):
        raise _fail(spec, value, "expected text")
    return _dto(value if isinstance(value, str) else json.dumps(value), "String")


def _inferred(value: Any) -> VariableDto:
    if value is None:
        return _dto(None, "Null")
    if isinstance(value, bool):
        return _dto(value, "Boolean")
    if isinstance(value, int):
        return _dto(value, "Integer" if -(2**31) <= value < 2**31 else "Long")
    if isinstance(value, float):
        return _dto(value, "Double")
    if isinstance(value, (dict, list)):
        return _dto(json.dumps(value), "Json")
    return _dto(str(value), "String")


def submission_to_variables(
    form: FormSource, data: Mapping[str, Any], *, existing: Mapping[str, Any] | None = None,
) -> dict[str, VariableDto]:
    """Typed Camunda variables (VariableValueDto dicts) for a form.io submission's `data`.

    ``existing`` names variables already set in the task's scope: as in Camunda, a required
    field left empty is accepted when its variable already has a value.
    """
    if not isinstance(data, Mapping):
        raise InvalidRequest("Form submission data must be a JSON object")
    existing = existing or {}
    variables: dict[str, VariableDto] = {}
    declared = {spec.id: spec for spec in form.fields}
    for spec in form.fields:
        value = data.get(spec.id)
        if spec.readonly:
            continue
        if _blank(value):
            if spec.required and existing.get(spec.id) is None:
                raise InvalidRequest(f"Form field '{spec.id}' is required")
            if spec.id in data:
                blank = "" if spec.type == "String" and value == "" else None
                variables[spec.id] = _dto(blank, spec.type if blank is None else "String")
            continue
        variables[spec.id] = _typed(spec, value)
    for key, value in data.items():
        if key not in declared and key != SUBMIT_KEY:
            variables[key] = _inferred(value)
    return variables

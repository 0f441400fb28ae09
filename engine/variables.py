"""Camunda 7 typed variable values: the REST shape (``VariableValueDto``), the Python values
expressions and scripts see, the storage row, and the comparisons of variable filters.

A value travels as ``TypedValue(type, value, value_info, transient)`` with Camunda's
capitalised type name. The REST layer calls :func:`from_dto` / :func:`parse_variables` on the
way in and :func:`to_dto` on the way out; the store calls :func:`encode` / :func:`decode`.

Choices where Camunda depends on its configuration (see also the tests, which name them):

* An untyped JSON object or array (``{"value": {...}}`` without ``type``) becomes an ``Object``
  with ``serializationDataFormat: application/json`` and ``objectTypeName``
  ``java.util.LinkedHashMap`` / ``java.util.ArrayList`` — what Camunda with the Spin JSON
  format by default stores, so Python workers (``deserializeValues: true``) read back the
  structure they wrote. An untyped integer beyond 64 bits is kept the same way
  (``java.math.BigInteger``) rather than refused.
* ``Object`` without ``serializationDataFormat`` defaults to ``application/json``.
* ``Json`` and ``Xml`` always go out as their text (Camunda's deserialized rendering of a
  Spin node is an odd bean dump no client reads); ``Object`` in JSON format goes out as the
  parsed structure unless ``deserialize=False``.
* ``Double`` refuses NaN and Infinity (JSON cannot carry them back); ``Null`` ignores any
  value given with it; a File without filename is a 400 here, not Camunda's 500.
* Filters: a date-looking string operand matches Date variables by instant (as Camunda)
  *and* String variables by text (Camunda would only try the Date).
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from engine.dates import format_date, parse_date, truncate_to_millis
from engine.errors import InvalidRequest, ProcessEngineException

__all__ = [
    "TypedValue", "UnsupportedValueType", "from_dto", "to_dto", "from_python", "to_python",
    "parse_variables", "encode", "decode", "matches",
]

JSON_FORMAT = "application/json"
OBJECT_TYPE_MAP = "java.util.LinkedHashMap"
OBJECT_TYPE_LIST = "java.util.ArrayList"
OBJECT_TYPE_BIG_INTEGER = "java.math.BigInteger"

_INT_RANGES = {
    "Short": (-(2**15), 2**15 - 1),
    "Integer": (-(2**31), 2**31 - 1),
    "Long": (-(2**63), 2**63 - 1),
}
_JAVA_TYPES = {
    "String": "java.lang.String",
    "Boolean": "java.lang.Boolean",
    "Short": "java.lang.Short",
    "Integer": "java.lang.Integer",
    "Long": "java.lang.Long",
    "Double": "java.lang.Double",
    "Date": "java.util.Date",
    "Bytes": "[B",
}
_SERIALIZABLE = ("Object", "Json", "Xml")
TYPES = (*_JAVA_TYPES, "Null", *_SERIALIZABLE, "File")
_BY_ENGINE_NAME = {t[:1].lower() + t[1:]: t for t in TYPES}


@dataclass(frozen=True)
class TypedValue:
    type: str
    value: Any
    value_info: dict = field(default_factory=dict)
    transient: bool = False


class UnsupportedValueType(InvalidRequest):
    """An unknown ``type`` in a VariableValueDto; Camunda throws a RestException (400)."""

    camunda_type = "RestException"


# --------------------------------------------------------------------------- REST input

def from_dto(dto: Mapping, *, name: str) -> TypedValue:
    """Camunda's ``VariableValueDto.toTypedValue`` for the variable ``name``."""
    if not isinstance(dto, Mapping):
        raise InvalidRequest(f"Variable '{name}' must be a JSON object with 'value' and 'type'")
    value = dto.get("value")
    info = dto.get("valueInfo") or {}
    if not isinstance(info, Mapping):
        raise InvalidRequest(f"valueInfo of variable '{name}' must be a JSON object")
    type_name = _rest_type_name(dto.get("type"))

    if type_name is None:
        flag = info.get("transient")  # only a real boolean counts for untyped values
        return _infer_untyped(value, transient=flag if isinstance(flag, bool) else False)

    camunda_type = _resolve_type(type_name)
    transient = _transient(info)
    if camunda_type in _JAVA_TYPES:
        return TypedValue(camunda_type, _coerce(camunda_type, type_name, value), {}, transient)
    if camunda_type == "Null":
        return TypedValue("Null", None, {}, transient)
    if camunda_type in _SERIALIZABLE:
        if value is not None and not isinstance(value, str):
            raise InvalidRequest(
                "Must provide 'null' or String value for value of SerializableValue type "
                f"'{type_name}'."
            )
        if camunda_type != "Object":
            return TypedValue(camunda_type, value, {}, transient)
        object_type = info.get("objectTypeName")
        if object_type is None and value is not None:
            raise ProcessEngineException(
                f"Cannot write serialized value for variable '{name}': "
                "no 'objectTypeName' provided for non-null value."
            )
        data_format = info.get("serializationDataFormat") or JSON_FORMAT
        value_info = {"serializationDataFormat": str(data_format)}
        if object_type is not None:
            value_info["objectTypeName"] = str(object_type)
        return TypedValue("Object", value, value_info, transient)
    return _file_from_dto(value, info, transient)


def _rest_type_name(raw: Any) -> str | None:
    # Jackson reads a JSON number or boolean into the String field as its text.
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        return _java_str(raw)
    raise InvalidRequest("The 'type' of a variable value must be a string")


def _resolve_type(type_name: str) -> str:
    # Camunda lower-cases only the first letter, then looks the engine's type name up exactly.
    camunda_type = _BY_ENGINE_NAME.get(type_name[:1].lower() + type_name[1:])
    if camunda_type is None:
        raise UnsupportedValueType(f"Unsupported value type '{type_name}'")
    return camunda_type


def _transient(info: Mapping) -> bool:
    if "transient" not in info:
        return False
    flag = info["transient"]
    if not isinstance(flag, bool):
        raise InvalidRequest("The property 'transient' should have a value of type 'boolean'.")
    return flag


def _infer_untyped(value: Any, *, transient: bool = False) -> TypedValue:
    if value is None:
        return TypedValue("Null", None, {}, transient)
    if isinstance(value, bool):
        return TypedValue("Boolean", value, {}, transient)
    if isinstance(value, int):
        if _fits("Integer", value):
            return TypedValue("Integer", value, {}, transient)
        if _fits("Long", value):
            return TypedValue("Long", value, {}, transient)
        return _json_object(str(value), OBJECT_TYPE_BIG_INTEGER, transient)
    if isinstance(value, float):
        return TypedValue("Double", value, {}, transient)
    if isinstance(value, str):
        return TypedValue("String", value, {}, transient)
    if isinstance(value, Mapping):
        return _json_object(_dump_json(value), OBJECT_TYPE_MAP, transient)
    if isinstance(value, (list, tuple)):
        return _json_object(_dump_json(value), OBJECT_TYPE_LIST, transient)
    raise InvalidRequest(f"Cannot infer the type of value '{_java_str(value)}'")


def _json_object(text: str, object_type: str, transient: bool) -> TypedValue:
    info = {"objectTypeName": object_type, "serializationDataFormat": JSON_FORMAT}
    return TypedValue("Object", text, info, transient)


def _coerce(camunda_type: str, type_name: str, value: Any) -> Any:
    """Jackson's mapping of a JSON value onto a Java primitive wrapper, as Camunda uses it:
    a value of the Java type is taken as is, anything else is read from its text."""
    if value is None:
        return None
    if _is_java_instance(camunda_type, value):
        return value
    native = _from_python_object(camunda_type, value)
    if native is not None:
        return native
    text = value if isinstance(value, str) else _java_str(value)
    try:
        return _FROM_TEXT[camunda_type](text)
    except (ValueError, OverflowError, InvalidRequest, binascii.Error) as exc:
        raise InvalidRequest(
            f"Cannot convert value '{_java_str(value)}' of type '{type_name}' "
            f"to java type {_JAVA_TYPES[camunda_type]}"
        ) from exc


def _is_java_instance(camunda_type: str, value: Any) -> bool:
    """Would Jackson's untyped reading of this JSON value be an instance of the Java type?"""
    if camunda_type == "String":
        return isinstance(value, str)
    if camunda_type == "Boolean":
        return isinstance(value, bool)
    if camunda_type == "Double":
        return isinstance(value, float) and math.isfinite(value)
    if camunda_type == "Integer":
        return type(value) is int and _fits("Integer", value)
    if camunda_type == "Long":
        return type(value) is int and not _fits("Integer", value) and _fits("Long", value)
    return False


def _from_python_object(camunda_type: str, value: Any) -> Any:
    """Values no JSON body carries, passed by engine callers: taken when already right."""
    if camunda_type == "Date" and isinstance(value, datetime):
        return from_python(value).value
    if camunda_type == "Bytes" and isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return None


_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_BASE64_NOISE = re.compile(r"\s+")


def _integer_from_text(camunda_type: str):
    def parse(text: str) -> int | None:
        text = text.strip()
        if not text:
            return None  # Jackson maps "" to null for wrapper types
        if not _INTEGER_TEXT.fullmatch(text):
            raise ValueError(text)
        number = int(text)
        if not _fits(camunda_type, number):
            raise OverflowError(text)
        return number
    return parse


def _double_from_text(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if not _DECIMAL_TEXT.fullmatch(text):
        raise ValueError(text)  # NaN and Infinity too: they have no JSON rendering
    number = float(text)
    if not math.isfinite(number):
        raise OverflowError(text)
    return number


def _boolean_from_text(text: str) -> bool | None:
    text = text.strip()
    if not text:
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    raise ValueError(text)


def _date_from_text(text: str) -> datetime | None:
    return parse_date(text) if text.strip() else None


def _bytes_from_text(text: str) -> bytes:
    return base64.b64decode(_BASE64_NOISE.sub("", text), validate=True)


_FROM_TEXT = {
    "String": str,
    "Boolean": _boolean_from_text,
    "Short": _integer_from_text("Short"),
    "Integer": _integer_from_text("Integer"),
    "Long": _integer_from_text("Long"),
    "Double": _double_from_text,
    "Date": _date_from_text,
    "Bytes": _bytes_from_text,
}


def _file_from_dto(value: Any, info: Mapping, transient: bool) -> TypedValue:
    filename = info.get("filename")
    if filename is None:
        raise InvalidRequest(
            "Cannot create file without filename! "
            "Please set a name into ValueInfo with key filename"
        )
    if isinstance(value, str):
        value = _decode_base64_leniently(value)
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidRequest("Provided value is not of File, InputStream or byte[] type.")
    value_info = {"filename": str(filename)}
    # Camunda reads "mimeType"; the docs and the JS client say "mimetype". Take either.
    mime_type = info.get("mimeType", info.get("mimetype"))
    if mime_type is not None:
        value_info["mimeType"] = str(mime_type)
    if info.get("encoding") is not None:
        value_info["encoding"] = str(info["encoding"])
    return TypedValue("File", bytes(value), value_info, transient)


def _decode_base64_leniently(text: str) -> bytes:
    # Camunda uses commons-codec here, which skips foreign characters and missing padding.
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text.replace("-", "+").replace("_", "/"))
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]  # a lone trailing sextet carries no whole byte
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def parse_variables(dtos: Mapping | None, *, context: str) -> dict[str, TypedValue]:
    """A request's ``variables`` map; errors carry Camunda's ``"<context>: "`` prefix."""
    if dtos is None:
        return {}
    if not isinstance(dtos, Mapping):
        raise InvalidRequest(_prefixed(context, "variables must be a JSON object"))
    result: dict[str, TypedValue] = {}
    for name, dto in dtos.items():
        try:
            result[name] = from_dto(dto, name=name)
        except InvalidRequest as exc:
            # Camunda wraps even its RestException here into an InvalidRequestException.
            raise InvalidRequest(_prefixed(context, exc.message)) from exc
        except ProcessEngineException as exc:
            raise ProcessEngineException(_prefixed(context, exc.message)) from exc
    return result


def _prefixed(context: str, message: str) -> str:
    return f"{context}: {message}" if context else message


# --------------------------------------------------------------------------- REST output

def to_dto(tv: TypedValue, *, deserialize: bool = True) -> dict:
    """Camunda's ``VariableValueDto.fromTypedValue``; ``deserialize=False`` is Camunda's
    ``deserializeValue(s)=false`` (and fetchAndLock's default)."""
    value_info = dict(tv.value_info)
    if tv.transient:
        value_info["transient"] = True
    return {"type": tv.type, "value": _dto_value(tv, deserialize), "valueInfo": value_info}


def _dto_value(tv: TypedValue, deserialize: bool) -> Any:
    if tv.value is None or tv.type == "File":
        return None  # File content is only served by the .../data endpoints
    if tv.type == "Date":
        return format_date(tv.value)
    if tv.type == "Bytes":
        return base64.b64encode(tv.value).decode("ascii")
    if tv.type == "Object" and deserialize and _is_json_object(tv):
        return _load_json(tv.value)
    # Json and Xml always as text: every client that reads them parses the string itself.
    return tv.value


def _is_json_object(tv: TypedValue) -> bool:
    return tv.value_info.get("serializationDataFormat", JSON_FORMAT) == JSON_FORMAT


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


# --------------------------------------------------------------------------- Python values

def from_python(value: Any) -> TypedValue:
    """Type a value produced by a script or an expression."""
    if isinstance(value, TypedValue):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return TypedValue("Date", truncate_to_millis(aware.astimezone(UTC)))
    if isinstance(value, date):
        return TypedValue("Date", datetime.combine(value, time(), tzinfo=UTC))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return TypedValue("Bytes", bytes(value))
    if isinstance(value, Decimal):
        return TypedValue("Double", float(value))
    if isinstance(value, (Mapping, list, tuple)):
        return TypedValue("Json", _dump_json(value))
    if value is None or isinstance(value, (bool, int, float, str)):
        return _infer_untyped(value)
    raise ProcessEngineException(
        f"Cannot find serializer for value of Python type '{type(value).__name__}'"
    )


def _dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_date(value)
    if isinstance(value, Decimal):
        return float(value)
    raise ProcessEngineException(
        f"Cannot serialize value of Python type '{type(value).__name__}' to JSON"
    )


def to_python(tv: TypedValue) -> Any:
    """The value an expression or a script sees."""
    if tv.value is None:
        return None
    if tv.type == "Json" or (tv.type == "Object" and _is_json_object(tv)):
        return _load_json(tv.value)
    return tv.value


# --------------------------------------------------------------------------- storage

def encode(tv: TypedValue) -> dict:
    """The storage row of a value (transience is not stored: transient values never are)."""
    row: dict[str, Any] = {
        "type": tv.type, "text_value": None, "long_value": None, "double_value": None,
        "bytes_value": None, "value_info": json.dumps(tv.value_info) if tv.value_info else None,
    }
    value = tv.value
    if value is None:
        return row
    if tv.type in ("Short", "Integer", "Long"):
        row["long_value"], row["text_value"] = value, str(value)
    elif tv.type == "Double":
        # The text keeps the exact repr (some databases drop NaN or -0.0 from float columns).
        row["double_value"], row["text_value"] = value, repr(value)
    elif tv.type == "Boolean":
        row["long_value"] = 1 if value else 0
    elif tv.type == "Date":
        row["long_value"] = _epoch_millis(value)
    elif tv.type in ("Bytes", "File"):
        row["bytes_value"] = bytes(value)
    else:  # String, Json, Xml, Object
        row["text_value"] = value
    return row


def decode(row: Mapping) -> TypedValue:
    camunda_type = row["type"]
    if camunda_type not in TYPES:
        raise ProcessEngineException(f"Unknown variable type '{camunda_type}' in storage")
    info = json.loads(row["value_info"]) if row.get("value_info") else {}
    text, number = row.get("text_value"), row.get("long_value")
    if camunda_type in ("Short", "Integer", "Long"):
        value: Any = None if number is None else int(number)
    elif camunda_type == "Double":
        value = float(text) if text is not None else row.get("double_value")
    elif camunda_type == "Boolean":
        value = None if number is None else bool(number)
    elif camunda_type == "Date":
        value = None if number is None else _from_epoch_millis(int(number))
    elif camunda_type in ("Bytes", "File"):
        raw = row.get("bytes_value")
        value = None if raw is None else bytes(raw)
    elif camunda_type == "Null":
        value = None
    else:
        value = text
    return TypedValue(camunda_type, value, info)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_millis(dt: datetime) -> int:
    delta = dt.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _from_epoch_millis(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


# --------------------------------------------------------------------------- query filters

_OPERATOR_WORDS = {
    "gt": "greater than", "gteq": "greater than or equal", "lt": "less than",
    "lteq": "less than or equal", "like": "like",
}
OPERATORS = ("eq", "neq", *_OPERATOR_WORDS)


def matches(tv: TypedValue, operator: str, operand: Any, *, ignore_case: bool = False) -> bool:
    """Does a variable satisfy a filter ``{name, operator, value}`` (Camunda's typed query)?

    As in Camunda, the operand's JSON type picks the variable types it can match: a string
    matches String variables (and, when it reads as a date, Date variables too); a number
    matches Double variables and those of Short/Integer/Long it converts to without loss
    (so ``gt 5.5`` never matches an Integer); a boolean matches Boolean; ``null`` matches any
    null value under ``eq`` and any non-null one under ``neq``. Variables holding null match
    nothing else (SQL semantics). ``ignore_case`` is ``variableValuesIgnoreCase``.
    """
    if operator not in OPERATORS:
        raise InvalidRequest(f"Invalid variable comparator specified: {operator}")
    if (operand is None or isinstance(operand, bool)) and operator in _OPERATOR_WORDS:
        raise ProcessEngineException(
            f"Booleans and null cannot be used in '{_OPERATOR_WORDS[operator]}' condition"
        )
    if isinstance(operand, (Mapping, list, tuple, bytes)):
        raise ProcessEngineException("Object values cannot be used to query")
    if operand is None:
        return (tv.value is None) == (operator == "eq")
    if tv.value is None:
        return False
    if isinstance(operand, bool):
        return tv.type == "Boolean" and _compare(operator, tv.value, operand)
    if isinstance(operand, (int, float)):
        return _matches_number(tv, operator, operand)
    if isinstance(operand, datetime):
        return tv.type == "Date" and _compare(operator, tv.value, _as_utc(operand))
    if not isinstance(operand, str):
        raise InvalidRequest(f"Cannot query variables by value '{_java_str(operand)}'")
    if tv.type == "Date" and operator != "like":
        try:
            return _compare(operator, tv.value, parse_date(operand))
        except InvalidRequest:
            return False
    # Camunda would turn a date-looking string into a Date operand only; comparing String
    # variables textually as well avoids the surprise of never finding ISO-like text.
    if tv.type != "String":
        return False
    if ignore_case:
        return _compare(operator, tv.value.lower(), operand.lower())
    return _compare(operator, tv.value, operand)


def _matches_number(tv: TypedValue, operator: str, operand: int | float) -> bool:
    if operator == "like":
        return False
    if tv.type == "Double":
        return _compare(operator, tv.value, float(operand))
    if tv.type not in _INT_RANGES:
        return False
    if isinstance(operand, float):
        if not operand.is_integer():
            return False
        operand = int(operand)
    return _fits(tv.type, operand) and _compare(operator, tv.value, operand)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "eq":
        return bool(left == right)
    if operator == "neq":
        return bool(left != right)
    if operator == "gt":
        return bool(left > right)
    if operator == "gteq":
        return bool(left >= right)
    if operator == "lt":
        return bool(left < right)
    if operator == "lteq":
        return bool(left <= right)
    return isinstance(left, str) and _like_regex(right).fullmatch(left) is not None


def _like_regex(pattern: str) -> re.Pattern[str]:
    # SQL LIKE: % any run, _ one character, backslash escapes (Camunda's ESCAPE '\\').
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def _as_utc(dt: datetime) -> datetime:
    aware = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return truncate_to_millis(aware.astimezone(UTC))


# --------------------------------------------------------------------------- helpers

def _fits(camunda_type: str, number: int) -> bool:
    low, high = _INT_RANGES[camunda_type]
    return low <= number <= high


def _java_str(value: Any) -> str:
    """Java's ``toString`` of the value Jackson would have read (for Camunda's messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_str(v) for v in value) + "]"
    return str(value)


def _java_double(value: float) -> str:
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value) if "e" not in repr(value) else f"{value:f}"
    _, digits, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    scientific = len(digits) - 1 + exponent
    mantissa = "".join(map(str, digits))
    sign = "-" if value < 0 else ""
    return f"{sign}{mantissa[0]}.{mantissa[1:] or '0'}E{scientific}"

"""Reading Camunda's query strings and JSON bodies, with Camunda's error messages."""
from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from compat_api.errors import invalid
from engine.dates import parse_date
from engine.errors import InvalidRequest

MAX_INT = 2**31 - 1


def _bad(name: str, value: str, java: str) -> Exception:
    return invalid(f"Cannot set query parameter '{name}' to value '{value}': Cannot convert value '{value}' to java type {java}")


class Query:
    """Typed access to a request's query parameters."""

    def __init__(self, request: Request) -> None:
        self.params = request.query_params

    def str(self, name: str) -> str | None:
        return self.params.get(name)

    def bool(self, name: builtins.str, default: bool | None = None) -> bool | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise _bad(name, raw, "java.lang.Boolean")

    def int(self, name: builtins.str) -> builtins.int | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise _bad(name, raw, "java.lang.Integer") from None
        if not -MAX_INT - 1 <= value <= MAX_INT:
            raise _bad(name, raw, "java.lang.Integer")
        return value

    def date(self, name: builtins.str) -> datetime | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        try:
            return parse_date(raw)
        except InvalidRequest:
            raise _bad(name, raw, "java.util.Date") from None

    def csv(self, name: builtins.str) -> list[builtins.str] | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        return [part for part in raw.split(",") if part != ""]

    def paging(self) -> tuple[builtins.int | None, builtins.int | None]:
        first, maximum = self.int("firstResult"), self.int("maxResults")
        if first is not None and first < 0:
            raise invalid("firstResult must not be negative")
        if maximum is not None and maximum < 0:
            raise invalid("maxResults must not be negative")
        return first, maximum

    def sorting(self) -> list[dict[builtins.str, builtins.str]] | None:
        sort_by, sort_order = self.params.get("sortBy"), self.params.get("sortOrder")
        if sort_by is None and sort_order is None:
            return None
        if sort_by is None or sort_order is None:
            raise invalid("Only a single sorting parameter specified. sortBy and sortOrder required")
        if sort_order not in ("asc", "desc"):
            raise invalid(f"Cannot set query parameter 'sortOrder' to value '{sort_order}'")
        return [{"sortBy": sort_by, "sortOrder": sort_order}]

    def variable_filters(self, name: builtins.str) -> list[dict[builtins.str, Any]] | None:
        """``name_op_value,name2_op_value2`` → ``[{name, operator, value}]``."""
        raw = self.params.get(name)
        if not raw:
            return None
        filters = []
        for part in raw.split(","):
            pieces = part.split("_")
            op_index = next((i for i in range(1, len(pieces) - 1) if pieces[i] in OPERATORS), None)
            if op_index is None:
                raise invalid("variable query parameter has to have format KEY_OPERATOR_VALUE.")
            filters.append(
                {
                    "name": "_".join(pieces[:op_index]),
                    "operator": pieces[op_index],
                    "value": _plain("_".join(pieces[op_index + 1:])),
                }
            )
        return filters


OPERATORS = {"eq", "neq", "gt", "gteq", "lt", "lteq", "like", "notLike"}


def _plain(text: str) -> Any:
    """Camunda's GET variable filters guess the value's type as a JSON literal would."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (bool, int, float)) and not isinstance(value, dict) else text


async def json_body(request: Request, *, required: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise invalid("Request body must not be empty")
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"Malformed JSON request body: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise invalid("Request body must be a JSON object")
    return data


def body_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise invalid(f"Cannot deserialize value of '{name}': expected a string")


def body_bool(body: Mapping[str, Any], name: str, default: bool | None = False) -> bool | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(f"Cannot deserialize value of '{name}': expected a boolean")


def body_int(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(f"Cannot deserialize value of '{name}': expected an integer")
    try:
        number = int(value)
    except ValueError:
        raise invalid(f"Cannot deserialize value of '{name}': expected an integer") from None
    if isinstance(value, float) and value != number or not -MAX_INT - 1 <= number <= MAX_INT:
        raise invalid(f"Cannot deserialize value of '{name}': expected an integer")
    return number


def body_list(body: Mapping[str, Any], name: str) -> list[Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid(f"Cannot deserialize value of '{name}': expected an array")
    return value


def body_str_list(body: Mapping[str, Any], name: str) -> list[str] | None:
    values = body_list(body, name)
    if values is None:
        return None
    if not all(isinstance(item, str) for item in values):
        raise invalid(f"Cannot deserialize value of '{name}': expected an array of strings")
    return values


def body_date(body: Mapping[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"Cannot deserialize value of '{name}': expected a date string")
    try:
        return parse_date(value)
    except InvalidRequest:
        raise invalid(f"Cannot set query parameter '{name}' to value '{value}'") from None


def body_sorting(body: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    sorting = body_list(body, "sorting")
    if sorting is None:
        return None
    for entry in sorting:
        if not isinstance(entry, dict):
            raise invalid("Cannot deserialize value of 'sorting': expected objects")
        if entry.get("sortBy") is None or entry.get("sortOrder") is None:
            raise invalid("Only a single sorting parameter specified. sortBy and sortOrder required")
        if not isinstance(entry["sortBy"], str):
            raise invalid(f"Cannot set query parameter 'sortBy' to value '{entry['sortBy']}'")
        if entry["sortOrder"] not in ("asc", "desc"):
            raise invalid(f"Cannot set query parameter 'sortOrder' to value '{entry['sortOrder']}'")
    return sorting


def body_variable_filters(body: Mapping[str, Any], name: str) -> list[dict[str, Any]] | None:
    filters = body_list(body, name)
    if filters is None:
        return None
    for entry in filters:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise invalid(f"Cannot deserialize value of '{name}': expected [{{name, operator, value}}]")
        operator = entry.get("operator", "eq")
        if not isinstance(operator, str) or operator not in OPERATORS:
            raise invalid(f"Invalid variable comparator specified: {entry.get('operator')}")
    return filters


def names(values: Sequence[str] | None) -> list[str] | None:
    return list(values) if values else None


@dataclass(frozen=True)
class Criteria:
    """A list resource's filters by type, read from a GET query string or a POST query body
    with the same names, as Camunda accepts both."""

    strings: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    variable_filters: tuple[str, ...] = ()

    def from_query(self, q: Query) -> dict[str, Any]:
        criteria: dict[str, Any] = {name: q.str(name) for name in self.strings}
        criteria.update({name: q.csv(name) for name in self.lists})
        criteria.update({name: q.bool(name) for name in self.bools})
        criteria.update({name: q.int(name) for name in self.ints})
        criteria.update({name: q.date(name) for name in self.dates})
        criteria.update({name: q.variable_filters(name) for name in self.variable_filters})
        return criteria

    def from_body(self, body: Mapping[str, Any]) -> dict[str, Any]:
        criteria: dict[str, Any] = {name: body_str(body, name) for name in self.strings}
        criteria.update({name: body_str_list(body, name) for name in self.lists})
        criteria.update({name: body_bool(body, name) for name in self.bools})
        criteria.update({name: body_int(body, name) for name in self.ints})
        criteria.update({name: body_date(body, name) for name in self.dates})
        criteria.update({name: body_variable_filters(body, name) for name in self.variable_filters})
        return criteria

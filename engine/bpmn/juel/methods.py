"""The Java methods an expression may call on plain values (``${name.toUpperCase()}``,
``${list.size()}``, ``${map.containsKey('k')}``), each written out here by hand.

Arguments are coerced to the Java parameter types the way JUEL coerces them (a String
parameter takes ``to_string``, an int parameter ``to_long``). A method that is not in these
tables does not exist, whatever Python would allow on the value.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from engine.bpmn.juel.coercion import (
    is_long,
    java_equals,
    java_to_string,
    to_double,
    to_long,
    to_string,
)
from engine.bpmn.juel.errors import ElFailure

Method = Callable[..., Any]


def _index(value: Any) -> int:
    return to_long(value)


def _check_bounds(index: int, size: int, what: str = "index") -> None:
    if not 0 <= index < size:
        raise ElFailure(f"{what} {index} out of bounds for length {size}")


def _substring(s: str, begin: Any, end: Any = None) -> str:
    b = _index(begin)
    e = len(s) if end is None else _index(end)
    if b < 0 or e > len(s) or b > e:
        raise ElFailure(f"begin {b}, end {e}, length {len(s)}")
    return s[b:e]


def _char_at(s: str, index: Any) -> str:
    i = _index(index)
    _check_bounds(i, len(s))
    return s[i]


def _index_of(s: str, needle: Any, start: Any = 0) -> int:
    return s.find(to_string(needle), max(0, _index(start)))


def _java_regex(pattern: Any) -> re.Pattern[str]:
    try:
        return re.compile(to_string(pattern))
    except re.error as exc:
        raise ElFailure(f"Invalid regular expression '{pattern}': {exc}") from exc


def _split(s: str, regex: Any, limit: Any = 0) -> list[str]:
    # String.split: limit 0 drops trailing empty strings; a leading empty string produced
    # by a zero-width match at index 0 is dropped too (Java 8+).
    pattern, n = _java_regex(regex), _index(limit)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(s):
        if 0 < n <= len(parts) + 1:
            break
        if match.end() == 0:
            continue
        parts.append(s[last : match.start()])
        last = match.end()
    parts.append(s[last:])
    if n == 0:
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        if parts == [""] and s:
            return []
    return parts


def _trim(s: str) -> str:
    return s.strip("".join(chr(c) for c in range(0x21)))


def _equals_ignore_case(s: str, other: Any) -> bool:
    return isinstance(other, str) and s.lower() == other.lower()


_STRING_METHODS: dict[str, Method] = {
    "length": len,
    "isEmpty": lambda s: len(s) == 0,
    "contains": lambda s, x: to_string(x) in s,
    "startsWith": lambda s, x, offset=0: s.startswith(to_string(x), _index(offset)),
    "endsWith": lambda s, x: s.endswith(to_string(x)),
    "equalsIgnoreCase": _equals_ignore_case,
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": _trim,
    "substring": _substring,
    "indexOf": _index_of,
    "lastIndexOf": lambda s, x: s.rfind(to_string(x)),
    "replace": lambda s, a, b: s.replace(to_string(a), to_string(b)),
    "matches": lambda s, regex: _java_regex(regex).fullmatch(s) is not None,
    "split": _split,
    "concat": lambda s, x: s + to_string(x),
    "charAt": _char_at,
    "compareTo": lambda s, x: (s > to_string(x)) - (s < to_string(x)),
}


def _list_get(items: Any, index: Any) -> Any:
    i = _index(index)
    _check_bounds(i, len(items))
    return list(items)[i] if isinstance(items, AbstractSet) else items[i]


def _list_index_of(items: Any, value: Any) -> int:
    for i, item in enumerate(items):
        if java_equals(item, value):
            return i
    return -1


def _contains(items: Any, value: Any) -> bool:
    return any(java_equals(item, value) for item in items)


_COLLECTION_METHODS: dict[str, Method] = {
    "size": len,
    "isEmpty": lambda c: len(c) == 0,
    "contains": _contains,
}
_LIST_METHODS: dict[str, Method] = {
    **_COLLECTION_METHODS,
    "get": _list_get,
    "indexOf": _list_index_of,
}


def _map_get(mapping: Mapping[Any, Any], key: Any, default: Any = None) -> Any:
    try:
        return mapping.get(key, default)
    except TypeError:  # unhashable key: no such entry
        return default


def _contains_key(mapping: Mapping[Any, Any], key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:
        return False


_MAP_METHODS: dict[str, Method] = {
    "get": _map_get,
    "getOrDefault": _map_get,
    "containsKey": _contains_key,
    "containsValue": lambda m, v: _contains(m.values(), v),
    "size": len,
    "isEmpty": lambda m: len(m) == 0,
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
}


def _int_value(n: Any) -> int:
    return (to_long(n) + 2**31) % 2**32 - 2**31


_NUMBER_METHODS: dict[str, Method] = {
    "intValue": _int_value,
    "longValue": to_long,
    "doubleValue": to_double,
    "floatValue": to_double,
}

_BOOLEAN_METHODS: dict[str, Method] = {"booleanValue": lambda b: b}

_ANY_METHODS: dict[str, Method] = {
    "toString": java_to_string,
    "equals": java_equals,
}


def _table_for(value: Any) -> dict[str, Method]:
    if isinstance(value, str):
        return _STRING_METHODS
    if isinstance(value, bool):
        return _BOOLEAN_METHODS
    if is_long(value) or isinstance(value, (float, Decimal)):
        return _NUMBER_METHODS
    if isinstance(value, (list, tuple)):
        return _LIST_METHODS
    if isinstance(value, AbstractSet):
        return _COLLECTION_METHODS
    if isinstance(value, Mapping):
        return _MAP_METHODS
    return {}


def find_method(value: Any, name: str) -> Method | None:
    """The whitelisted Java method ``name`` on a plain value, or None."""
    return _table_for(value).get(name) or _ANY_METHODS.get(name)

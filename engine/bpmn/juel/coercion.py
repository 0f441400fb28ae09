"""EL type coercion and operators (EL 2.2 spec §1.7, §1.8, §1.18, as de.odysseus JUEL
implements them).

Python values stand for their Java counterparts: ``None`` null, ``bool`` Boolean, ``int``
Long (BigInteger when outside 64 bits), ``float`` Double, ``Decimal`` BigDecimal, ``str``
String, sequences List, mappings Map.
"""
from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from engine.bpmn.juel.errors import ElFailure

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_LONG_TEXT = re.compile(r"[+-]?[0-9]+")
_DOUBLE_TEXT = re.compile(
    r"[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)"
)
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def java_type(value: Any) -> str:
    """The Java class name a value stands for, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long" if _LONG_MIN <= value <= _LONG_MAX else "BigInteger"
    for kind, name in (
        (float, "Double"),
        (Decimal, "BigDecimal"),
        (str, "String"),
        (Mapping, "Map"),
        ((list, tuple), "List"),
        ((set, frozenset), "Set"),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def is_long(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_big_integer(value: Any) -> bool:
    return is_long(value) and not _LONG_MIN <= value <= _LONG_MAX


def _is_double_like(value: Any) -> bool:
    """Double, or a String that reads as a floating-point number ('1.5', '2e3')."""
    return isinstance(value, float) or (
        isinstance(value, str) and any(c in value for c in ".eE")
    )


def _cannot(value: Any, target: str) -> ElFailure:
    shown = "null" if value is None else to_string(value)
    return ElFailure(f"Cannot coerce '{shown}' of {java_type(value)} to {target}")


def _wrap_long(value: int) -> int:
    return (value - _LONG_MIN) % 2**64 + _LONG_MIN


def to_long(value: Any) -> int:
    if value is None or value == "":
        return 0
    if is_long(value):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 0
        if math.isinf(value):
            return _LONG_MAX if value > 0 else _LONG_MIN
        return max(_LONG_MIN, min(_LONG_MAX, int(value)))
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, str) and _LONG_TEXT.fullmatch(value):
        return int(value)
    raise _cannot(value, "Long")


def to_double(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, float):
        return value
    if is_long(value) or isinstance(value, Decimal):
        try:
            return float(value)
        except OverflowError:
            return math.copysign(math.inf, value)
    if isinstance(value, str):
        text = value.strip(" \t\n\r\x0b\x0c\x00")
        if _DOUBLE_TEXT.fullmatch(text):
            return float(text.rstrip("fFdD").replace("Infinity", "inf"))
    raise _cannot(value, "Double")


def to_decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if is_long(value):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    raise _cannot(value, "BigDecimal")


def to_boolean(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise _cannot(value, "Boolean")


def format_double(value: float) -> str:
    """Java's ``Double.toString``: '1.0', '0.5', '1.0E10', '1.2345E-5', 'NaN', 'Infinity'."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    exponent = int(digits_tuple.exponent) + len(digits) - 1
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def java_to_string(value: Any) -> str:
    """``String.valueOf``: like ``to_string`` except null is 'null' (used inside collections)."""
    return "null" if value is None else to_string(value)


def to_string(value: Any) -> str:
    """EL coercion to String: null is the empty string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, Mapping):
        entries = (f"{java_to_string(k)}={java_to_string(v)}" for k, v in value.items())
        return "{" + ", ".join(entries) + "}"
    if isinstance(value, (list, tuple, AbstractSet)):
        return "[" + ", ".join(java_to_string(v) for v in value) + "]"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, AbstractSet, Mapping)):
        return len(value) == 0
    return False


def _decimal_divide(x: Decimal, y: Decimal) -> Decimal:
    # BigDecimal.divide(divisor, HALF_UP): the quotient keeps the dividend's scale.
    if y == 0:
        raise ElFailure("Division by zero")
    with localcontext() as ctx:
        ctx.prec = 200
        exponent = int(x.as_tuple().exponent)
        return (x / y).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _float_divide(x: float, y: float) -> float:
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _java_remainder(x: int, y: int) -> int:
    if y == 0:
        raise ElFailure("/ by zero")
    r = abs(x) % abs(y)
    return -r if x < 0 else r


def _arith(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    if a is None and b is None:
        return 0
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return op(to_decimal(a), to_decimal(b))
    if _is_double_like(a) or _is_double_like(b):
        if _is_big_integer(a) or _is_big_integer(b):
            return op(to_decimal(a), to_decimal(b))
        return op(to_double(a), to_double(b))
    x, y = to_long(a), to_long(b)
    if _is_big_integer(x) or _is_big_integer(y):
        return op(x, y)
    return _wrap_long(op(x, y))


def add(a: Any, b: Any) -> Any:
    return _arith(operator.add, a, b)


def subtract(a: Any, b: Any) -> Any:
    return _arith(operator.sub, a, b)


def multiply(a: Any, b: Any) -> Any:
    return _arith(operator.mul, a, b)


def divide(a: Any, b: Any) -> Any:
    """``/`` and ``div``: Double unless an operand is BigDecimal/BigInteger (then BigDecimal)."""
    if a is None and b is None:
        return 0
    if any(isinstance(v, Decimal) or _is_big_integer(v) for v in (a, b)):
        return _decimal_divide(to_decimal(a), to_decimal(b))
    return _float_divide(to_double(a), to_double(b))


def modulo(a: Any, b: Any) -> Any:
    """``%`` and ``mod``: Java remainder (sign of the dividend)."""
    if a is None and b is None:
        return 0
    if any(isinstance(v, Decimal) or _is_double_like(v) for v in (a, b)):
        x, y = to_double(a), to_double(b)
        if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
            return math.nan
        return math.fmod(x, y)
    x, y = to_long(a), to_long(b)
    return _java_remainder(x, y)


def negate(value: Any) -> Any:
    if value is None:
        return 0
    if isinstance(value, str):
        return -to_double(value) if _is_double_like(value) else _wrap_long(-to_long(value))
    if is_long(value):
        return -value if _is_big_integer(value) else _wrap_long(-value)
    if isinstance(value, (float, Decimal)):
        return -value
    raise ElFailure(f"Cannot negate {java_type(value)}")


def _double_equals(x: float, y: float) -> bool:
    # Double.equals: NaN equals NaN, 0.0 differs from -0.0.
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def equals(a: Any, b: Any) -> bool:
    """EL ``==``: coerce to the 'widest' operand type, then compare."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        x, y = to_decimal(a), to_decimal(b)
        return x == y and x.as_tuple().exponent == y.as_tuple().exponent
    if isinstance(a, float) or isinstance(b, float):
        return _double_equals(to_double(a), to_double(b))
    if is_long(a) or is_long(b):
        return to_long(a) == to_long(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return to_boolean(a) == to_boolean(b)
    if isinstance(a, str) or isinstance(b, str):
        return to_string(a) == to_string(b)
    return java_equals(a, b)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_COMPARABLE_TYPES = (bool, dt.datetime, dt.date, dt.time, dt.timedelta)


def compare(op: str, a: Any, b: Any) -> bool:
    """EL ``< > <= >=``: numbers numerically, strings lexically, null never (but null <= null)."""
    test = _COMPARISONS[op]
    if a is None and b is None:
        return op in ("<=", ">=")
    if a is None or b is None:
        return False
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return test(to_decimal(a), to_decimal(b))
    if isinstance(a, float) or isinstance(b, float):
        return test(to_double(a), to_double(b))
    if is_long(a) or is_long(b):
        return test(to_long(a), to_long(b))
    if isinstance(a, str) or isinstance(b, str):
        return test(to_string(a), to_string(b))
    if type(a) is type(b) and isinstance(a, _COMPARABLE_TYPES):
        return test(a, b)
    raise ElFailure(f"Cannot compare {java_type(a)} and {java_type(b)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if is_long(value):
        return "long"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__


def java_equals(a: Any, b: Any) -> bool:
    """``Object.equals`` without EL coercion: Long 1 is not Double 1.0, '1' is not 1."""
    if a is None or b is None:
        return a is b
    kind = _kind(a)
    if kind != _kind(b):
        return False
    if kind == "list":
        return len(a) == len(b) and all(java_equals(x, y) for x, y in zip(a, b))
    if kind == "map":
        return a.keys() == b.keys() and all(java_equals(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, InvalidOperation):
        return False

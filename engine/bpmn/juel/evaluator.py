"""Tree-walking evaluation of EL syntax trees against an ``ElContext``.

Failures are raised as ``ElFailure`` subclasses without the expression text;
``Expression.evaluate`` adds it, so the wording matches Camunda's.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from engine.bpmn.juel import coercion as co
from engine.bpmn.juel.context import ElContext, JuelBean
from engine.bpmn.juel.errors import (
    ElFailure,
    MethodNotFound,
    PropertyNotFound,
    UnknownMember,
)
from engine.bpmn.juel.methods import find_method
from engine.bpmn.juel.nodes import (
    Binary,
    Choice,
    Composite,
    Eval,
    Function,
    Identifier,
    Invoke,
    Literal,
    Nested,
    Node,
    Property,
    Text,
    Unary,
)
from engine.errors import ProcessEngineException

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": co.add,
    "-": co.subtract,
    "*": co.multiply,
    "/": co.divide,
    "%": co.modulo,
}


class CalledCodeFailed(ElFailure):
    """A bean method or function raised; the original is chained as ``__cause__``."""


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run code the expression calls out to. Engine errors pass through untouched (a bean
    may raise one on purpose); ``UnknownMember`` is left to the caller; anything else
    becomes an evaluation failure."""
    try:
        return fn(*args)
    except (ProcessEngineException, ElFailure, UnknownMember):
        raise
    except Exception as exc:
        raise CalledCodeFailed(f"{type(exc).__name__}: {exc}") from exc


@functools.cache
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)


def _accepts(fn: Callable[..., Any], args: list[Any]) -> bool:
    try:
        _signature(fn).bind(*args)
    except TypeError:
        return False
    except ValueError:  # builtins without a signature (len, str.upper): one argument
        return len(args) == 1
    return True


class Evaluator:
    def __init__(self, source: str, context: ElContext) -> None:
        self.source = source
        self.context = context

    def text_of(self, node: Node) -> str:
        return self.source[node.start : node.end].strip()

    def evaluate(self, node: Node) -> Any:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Text(self, node: Text) -> Any:
        return node.text

    def _Eval(self, node: Eval) -> Any:
        return self.evaluate(node.expr)

    def _Composite(self, node: Composite) -> Any:
        return "".join(co.to_string(self.evaluate(part)) for part in node.parts)

    def _Nested(self, node: Nested) -> Any:
        return self.evaluate(node.expr)

    def _Literal(self, node: Literal) -> Any:
        return node.value

    def _Identifier(self, node: Identifier) -> Any:
        try:
            return self.context.resolve(node.name)
        except KeyError:
            raise PropertyNotFound(f"Cannot resolve identifier '{node.name}'") from None

    def _Unary(self, node: Unary) -> Any:
        value = self.evaluate(node.operand)
        if node.op == "-":
            return co.negate(value)
        if node.op == "!":
            return not co.to_boolean(value)
        return co.is_empty(value)

    def _Binary(self, node: Binary) -> Any:
        op = node.op
        if op == "&&":
            return co.to_boolean(self.evaluate(node.left)) and co.to_boolean(
                self.evaluate(node.right)
            )
        if op == "||":
            return co.to_boolean(self.evaluate(node.left)) or co.to_boolean(
                self.evaluate(node.right)
            )
        left, right = self.evaluate(node.left), self.evaluate(node.right)
        if op in _ARITHMETIC:
            return _ARITHMETIC[op](left, right)
        if op == "==":
            return co.equals(left, right)
        if op == "!=":
            return not co.equals(left, right)
        return co.compare(op, left, right)

    def _Choice(self, node: Choice) -> Any:
        branch = node.yes if co.to_boolean(self.evaluate(node.cond)) else node.no
        return self.evaluate(branch)

    def _Property(self, node: Property) -> Any:
        base = self.evaluate(node.base)
        if base is None:
            return None
        key = self.evaluate(node.key)
        if key is None:
            return None
        return self.get_property(base, key, node)

    def get_property(self, base: Any, key: Any, node: Property) -> Any:
        if isinstance(base, JuelBean):
            try:
                return _call(base.el_get, co.to_string(key))
            except UnknownMember:
                raise PropertyNotFound(
                    f"Cannot resolve property '{co.to_string(key)}' of '{self.text_of(node.base)}'"
                ) from None
        if isinstance(base, Mapping):
            try:
                return base.get(key)
            except TypeError:  # unhashable key: not in the map
                return None
        if isinstance(base, (list, tuple)):
            index = co.to_long(key)
            return base[index] if 0 <= index < len(base) else None
        raise PropertyNotFound(
            f"Cannot resolve property '{co.to_string(key)}' of '{self.text_of(node.base)}'"
            f" ({co.java_type(base)})"
        )

    def _Invoke(self, node: Invoke) -> Any:
        base = self.evaluate(node.base)
        receiver = self.text_of(node.base)
        if base is None:
            raise PropertyNotFound(
                f"Target unreachable, base expression '{receiver}' resolved to null"
            )
        name = co.to_string(self.evaluate(node.key))
        args = [self.evaluate(arg) for arg in node.args]
        if isinstance(base, JuelBean):
            try:
                return _call(base.el_invoke, name, args)
            except UnknownMember:
                pass  # a bean is still a Java object: toString() and equals() remain
        method = find_method(base, name)
        if method is None or not _accepts(method, [base, *args]):
            raise self._no_method(name, receiver, len(args) if method else None)
        return _call(method, base, *args)

    @staticmethod
    def _no_method(name: str, receiver: str, arity: int | None = None) -> MethodNotFound:
        detail = "" if arity is None else f" with {arity} argument(s)"
        return MethodNotFound(f"Cannot resolve method '{name}'{detail} on bean '{receiver}'")

    def _Function(self, node: Function) -> Any:
        fn = self.context.function(node.name)
        if fn is None:
            raise MethodNotFound(f"Cannot resolve function '{node.name}'")
        return _call(fn, *[self.evaluate(arg) for arg in node.args])

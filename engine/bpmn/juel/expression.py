"""``Expression``: a parsed EL text, what it references, and how to evaluate it."""
from __future__ import annotations

from typing import Any, NamedTuple

from engine.bpmn.juel.context import ElContext
from engine.bpmn.juel.errors import ElFailure, JuelEvaluationError
from engine.bpmn.juel.evaluator import Evaluator
from engine.bpmn.juel.nodes import Composite, Function, Identifier, Invoke, Literal, Node, Text


class MethodCall(NamedTuple):
    """``target`` is the receiver's source text (``execution``, ``S(json).prop('a')``)."""

    target: str
    method: str


class Expression:
    """A parsed expression; immutable and shared (``parse`` caches it)."""

    __slots__ = ("_function_calls", "_identifiers", "_method_calls", "_tree", "source")

    def __init__(self, source: str, tree: Node) -> None:
        self.source = source
        self._tree = tree
        nodes = list(tree.walk())
        self._identifiers = frozenset(n.name for n in nodes if isinstance(n, Identifier))
        self._function_calls = tuple(n.name for n in nodes if isinstance(n, Function))
        invokes = sorted((n for n in nodes if isinstance(n, Invoke)), key=lambda n: n.key.start)
        self._method_calls = tuple(MethodCall(self._text(n.base), self._method_name(n)) for n in invokes)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    @property
    def is_literal_text(self) -> bool:
        """True when the text holds no ``${}``/``#{}`` (escaped ones do not count)."""
        return isinstance(self._tree, Text)

    @property
    def is_composite(self) -> bool:
        """True when literal text and evals are mixed: the value is always a string."""
        return isinstance(self._tree, Composite)

    def identifiers(self) -> set[str]:
        """Top-level identifiers referenced: ``${a.b + execution.x}`` -> {'a', 'execution'}."""
        return set(self._identifiers)

    def method_calls(self) -> list[MethodCall]:
        return list(self._method_calls)

    def function_calls(self) -> list[str]:
        return list(self._function_calls)

    def evaluate(self, context: ElContext, element_id: str | None = None) -> Any:
        """A single ``${…}`` yields its raw value; composite text yields a string."""
        try:
            return Evaluator(self.source, context).evaluate(self._tree)
        except ElFailure as failure:
            raise JuelEvaluationError(
                failure.message_for(self.source),
                expression=self.source,
                cause=str(failure),
                element_id=element_id,
            ) from (failure.__cause__ or failure)
        except RecursionError as exc:
            raise JuelEvaluationError(
                f"Error while evaluating expression: {self.source}. Cause: nesting too deep",
                expression=self.source,
                cause="nesting too deep",
                element_id=element_id,
            ) from exc

    def _text(self, node: Node) -> str:
        return self.source[node.start : node.end].strip()

    def _method_name(self, node: Invoke) -> str:
        if isinstance(node.key, Literal) and isinstance(node.key.value, str):
            return node.key.value
        return self._text(node.key)


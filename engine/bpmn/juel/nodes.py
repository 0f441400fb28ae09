"""The EL syntax tree. Every node records ``start``/``end`` indexes into the expression's
source, so analyses can quote the text a node came from (``execution.getVariable``)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    start: int
    end: int

    def children(self) -> Iterator[Node]:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from (v for v in value if isinstance(v, Node))

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, in source order."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Literal text of a composite expression, escapes already applied."""

    text: str


@dataclass(frozen=True, slots=True)
class Eval(Node):
    """One ``${…}`` (``deferred=False``) or ``#{…}`` (``deferred=True``)."""

    expr: Node
    deferred: bool


@dataclass(frozen=True, slots=True)
class Composite(Node):
    """Text and evals mixed: evaluates to the concatenation of their string coercions."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Property(Node):
    """``base.name`` (``dotted``, key is a string Literal) or ``base[key]``."""

    base: Node
    key: Node
    dotted: bool


@dataclass(frozen=True, slots=True)
class Invoke(Node):
    """A method call ``base.name(args)`` or ``base[key](args)``."""

    base: Node
    key: Node
    dotted: bool
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Function(Node):
    """A function call ``f(args)`` or ``ns:f(args)``; ``name`` includes the prefix."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # '-', '!', 'empty'
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # canonical spelling: '+', '-', '*', '/', '%', '==', '!=', '<', '>', '<=', '>=', '&&', '||'
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Choice(Node):
    """``cond ? yes : no``"""

    cond: Node
    yes: Node
    no: Node


@dataclass(frozen=True, slots=True)
class Nested(Node):
    """A parenthesised expression (kept so source slices include the parentheses)."""

    expr: Node

"""JUEL, the Unified Expression Language of Camunda 7 models: ``${approved}``,
``${amount > 1000 && kind == 'vip'}``, ``Order ${id} of ${name}``.

A parser and a tree-walking evaluator with EL's coercion rules; no Python ``eval``. An
expression reaches only what its context resolves, the Java-like methods whitelisted for
plain values, and the members ``JuelBean`` subclasses whitelist::

    expr = parse("${amount > 1000}")
    expr.evaluate(VariablesContext({"amount": 1500}))   # True
"""
from __future__ import annotations

import functools

from engine.bpmn.juel.context import ElContext, JuelBean, VariablesContext
from engine.bpmn.juel.errors import JuelEvaluationError, JuelSyntaxError, UnknownMember
from engine.bpmn.juel.expression import Expression, MethodCall
from engine.bpmn.juel.parser import parse_tree
from engine.bpmn.juel.spin import SPIN_FUNCTIONS

__all__ = [
    "SPIN_FUNCTIONS",
    "ElContext",
    "Expression",
    "JuelBean",
    "JuelEvaluationError",
    "JuelSyntaxError",
    "MethodCall",
    "UnknownMember",
    "VariablesContext",
    "parse",
]


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Expression:
    """Parse EL text (cached). Raises ``JuelSyntaxError`` naming the text and position."""
    try:
        return Expression(source, parse_tree(source))
    except RecursionError:
        raise JuelSyntaxError(source, 0, "expression nested too deeply") from None

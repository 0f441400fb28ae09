"""JUEL's errors: the two public ones, and the internal failures the evaluator raises before
``Expression.evaluate`` adds the expression text (as de.odysseus JUEL and Camunda do)."""
from __future__ import annotations

from engine.errors import ExpressionError


class JuelSyntaxError(ExpressionError):
    """The text is not a valid EL expression. ``position`` is an index into ``expression``."""

    def __init__(self, expression: str, position: int, detail: str) -> None:
        super().__init__(f"Error parsing '{expression}': {detail}")
        self.expression = expression
        self.position = position
        self.detail = detail


class JuelEvaluationError(ExpressionError):
    """Evaluating an expression failed; the message names the expression (and the BPMN
    element when known), worded as Camunda words it."""

    def __init__(
        self, message: str, *, expression: str, cause: str, element_id: str | None = None
    ) -> None:
        if element_id:
            message = f"{message} (element '{element_id}')"
        super().__init__(message)
        self.expression = expression
        self.cause = cause
        self.element_id = element_id


class UnknownMember(LookupError):
    """Raised by ``JuelBean.el_get``/``el_invoke`` when the bean has no such property/method."""


class ElFailure(Exception):
    """Internal: a failure while evaluating, without the expression text yet.
    Subclasses pick the wording of the final message."""

    def message_for(self, expression: str) -> str:
        return f"Error while evaluating expression: {expression}. Cause: {self}"


class PropertyNotFound(ElFailure):
    def message_for(self, expression: str) -> str:
        return f"Unknown property used in expression: {expression}. Cause: {self}"


class MethodNotFound(ElFailure):
    def message_for(self, expression: str) -> str:
        return f"{self} in expression {expression}"

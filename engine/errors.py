"""The engine's error tree. Each class mirrors a Camunda 7 exception type by name, so the
REST layer can render `{"type", "message", "code"}` from one table (compat_api/errors.py).

The engine raises these and nothing else across its boundary: foreign exceptions
(SQLAlchemy, SpiffWorkflow, lxml) are translated with ``raise ... from exc``.
"""
from __future__ import annotations

from typing import Any


class ProcessEngineException(Exception):
    """Base of every engine error; an unexpected engine failure (Camunda answers 500)."""

    camunda_type = "ProcessEngineException"
    code: int | None = 0

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserRequest(ProcessEngineException):
    """The request is wrong in a way the caller can fix (Camunda: 400)."""

    camunda_type = "BadUserRequestException"


class InvalidRequest(BadUserRequest):
    """Input validation failed: a malformed value, a bad query parameter (400)."""

    camunda_type = "InvalidRequestException"
    code = None


class NotValid(BadUserRequest):
    camunda_type = "NotValidException"


class NotFound(BadUserRequest):
    """Something named by id or key does not exist. The REST layer picks the status per
    endpoint, as Camunda does (404 on most lookups, 400 or 500 on some commands)."""

    camunda_type = "NotFoundException"


class NullValue(ProcessEngineException):
    """Camunda's `NullValueException` (e.g. "Cannot find task with id X"): 500."""

    camunda_type = "NullValueException"


class OptimisticLockingConflict(ProcessEngineException):
    """Another command changed the same process instance first; nothing was written."""

    camunda_type = "OptimisticLockingException"
    code = 1


class TaskAlreadyClaimed(ProcessEngineException):
    camunda_type = "TaskAlreadyClaimedException"


class MismatchingMessageCorrelation(ProcessEngineException):
    camunda_type = "MismatchingMessageCorrelationException"


class AuthorizationDenied(ProcessEngineException):
    camunda_type = "AuthorizationException"


class ScriptEvaluationError(ProcessEngineException):
    camunda_type = "ScriptEvaluationException"


class ExpressionError(ProcessEngineException):
    """A JUEL expression failed to evaluate (unknown identifier, unresolvable bean, bad
    coercion). Camunda reports these as `ProcessEngineException` with the expression text."""

    camunda_type = "ProcessEngineException"


class ParseError(BadUserRequest):
    """A BPMN/DMN/form resource cannot be parsed or is refused (hostile XML, unsupported
    construct). ``details`` follows Camunda's ParseException body:
    ``{resourceName: {"errors": [{message, line, column, mainElementId, elementIds}], "warnings": []}}``.
    """

    camunda_type = "ParseException"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}

    @classmethod
    def for_resource(
        cls,
        resource: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        element_id: str | None = None,
    ) -> ParseError:
        problem = {
            "message": message,
            "line": line,
            "column": column,
            "mainElementId": element_id,
            "elementIds": [element_id] if element_id else [],
        }
        return cls(
            f"ENGINE-09005 Could not parse BPMN process. Errors: \n* {message} | resource {resource}"
            + (f" | line {line} | column {column}" if line is not None else ""),
            {resource: {"errors": [problem], "warnings": []}},
        )


def with_prefix(exc: ProcessEngineException, prefix: str) -> ProcessEngineException:
    """The same error, its message prefixed the way Camunda reports a failed operation
    ("Cannot instantiate process definition X: ...")."""
    clone = type(exc).__new__(type(exc))
    clone.__dict__.update(exc.__dict__)
    clone.message = f"{prefix}: {exc.message}"
    clone.args = (clone.message,)
    return clone

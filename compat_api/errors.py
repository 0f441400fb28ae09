"""Every error leaves the gateway as Camunda's ExceptionDto: ``{"type", "message", "code"}``.

The engine raises typed errors (engine/errors.py); this module is the one place that maps
them to HTTP. Where Camunda answers differently per endpoint (a missing task is 404 on GET,
500 on claim), the route raises a ``RestError`` with the status Camunda uses there.
"""
from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from compat_api.responses import CamundaJSONResponse
from engine import errors as e

log = logging.getLogger("m8flow.compat_api")


class RestError(Exception):
    """An error the REST layer decided: explicit status and Camunda exception type."""

    def __init__(self, status: int, message: str, type_: str = "RestException", code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code


def invalid(message: str, status: int = 400) -> RestError:
    return RestError(status, message, "InvalidRequestException")


# Engine error class -> HTTP status, most specific first (Camunda's exception mappers).
STATUS = [
    (e.AuthorizationDenied, 403),
    (e.ParseError, 400),
    (e.NullValue, 500),
    (e.BadUserRequest, 400),  # includes InvalidRequest, NotValid, NotFound
    (e.OptimisticLockingConflict, 500),
    (e.ProcessEngineException, 500),
]


def body(type_: str, message: str, code: int | None, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "message": message, "code": code, **extra}


def render_engine_error(exc: e.ProcessEngineException) -> CamundaJSONResponse:
    status = next(code for cls, code in STATUS if isinstance(exc, cls))
    extra: dict[str, Any] = {}
    if isinstance(exc, e.ParseError):
        extra["details"] = exc.details
    return CamundaJSONResponse(body(exc.camunda_type, exc.message, exc.code, **extra), status_code=status)


async def _engine_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.ProcessEngineException)
    return render_engine_error(exc)


async def _rest_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RestError)
    return CamundaJSONResponse(body(exc.type, exc.message, exc.code), status_code=exc.status)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = "HTTP 404 Not Found"
        type_ = "NotFoundException"
    elif exc.status_code == 405:
        message = "HTTP 405 Method Not Allowed"
        type_ = "NotAllowedException"
    else:
        message = str(exc.detail)
        type_ = "RestException"
    return CamundaJSONResponse(body(type_, message, None), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return CamundaJSONResponse(body("ProcessEngineException", f"{type(exc).__name__}: {exc}", 0), status_code=500)


EXCEPTION_HANDLERS = {
    e.ProcessEngineException: _engine_error,
    RestError: _rest_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}

"""JSON exactly as Camunda's Jackson writes it: ``Content-Type: application/json`` with no
charset suffix (the JS external-task client compares the header literally), dates in
Camunda's format, every field present."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.responses import Response

from engine.dates import format_date


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_date(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class CamundaJSONResponse(Response):
    media_type = "application/json"

    def init_headers(self, headers: Any = None) -> None:
        super().init_headers(headers)
        # Starlette appends "; charset=utf-8" to text types only; make sure of the exact value.
        self.raw_headers = [
            (k, b"application/json") if k == b"content-type" else (k, v) for k, v in self.raw_headers
        ]

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ok(content: Any, status_code: int = 200) -> CamundaJSONResponse:
    return CamundaJSONResponse(content, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)

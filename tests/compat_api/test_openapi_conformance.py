"""schemathesis against Camunda's own OpenAPI document (7.23), restricted to the operations
the gateway implements: no unexpected server error, and responses shaped as the document
says (content type, body schema, Camunda error bodies).

Tolerated spec defects (camunda_rest_api.md §1, plus ``ExceptionDto.code`` which the
document types as a plain number while Camunda sends null, and ``date-time`` formats where
Camunda uses its own date format): status codes the document lists differently
from what Camunda's code returns (404 vs 400 on key lookups and missing variables), so
``status_code_conformance`` is not run; Camunda's legitimate 500s (unknown task on claim, a
definition deleted with running instances) are allowed, crashes are not: the gateway logs
every unexpected exception, and any such log fails the test.
"""
from __future__ import annotations

import json
import logging

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, response_schema_conformance
from schemathesis.config import SchemathesisConfig

from compat_api.app import normalise_path, route_table
from tests.conftest import OPENAPI

if not OPENAPI.exists():
    pytest.skip(f"Camunda's OpenAPI document is not at {OPENAPI}", allow_module_level=True)

IMPLEMENTED = {(method, normalise_path(path)) for method, path in route_table()}


def _camunda_document() -> dict:
    document = json.loads(OPENAPI.read_text())
    # Spec defect: ExceptionDto.code is "number", but Camunda sends null for REST-layer
    # exceptions (InvalidRequestException, RestException) since 7.15.
    document["components"]["schemas"]["ExceptionDto"]["properties"]["code"]["nullable"] = True
    _camunda_dates(document)
    return document


CAMUNDA_DATE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$"


def _camunda_dates(node: object) -> None:
    """Spec defect: dates are declared RFC 3339 ``date-time`` (``+00:00``) but Camunda reads
    and writes ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` (``+0000``): validate that format instead."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            del node["format"]
            node["pattern"] = CAMUNDA_DATE
        for value in node.values():
            _camunda_dates(value)
    elif isinstance(node, list):
        for value in node:
            _camunda_dates(value)


# Schemathesis' coverage phase (hundreds of boundary values per operation) is left out to keep
# the suite in minutes; the boundary bugs it found have their own tests in
# test_engine_and_errors.py (NUL characters, integers beyond 32 bits).
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(_camunda_document(), config=CONFIG).include(
    func=lambda ctx: (ctx.operation.method.upper(), normalise_path(ctx.operation.path)) in IMPLEMENTED
)


def camunda_error_body(ctx, response, case):  # type: ignore[no-untyped-def]
    if response.status_code >= 400 and response.status_code != 406:
        body = response.json()
        assert set(body) >= {"type", "message"}, f"not a Camunda error body: {body}"
        assert response.headers["content-type"] == ["application/json"] or response.headers["content-type"] == "application/json"


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_operation_conforms_to_camunda_openapi(case, server, caplog):
    caplog.set_level(logging.ERROR, logger="m8flow.compat_api")
    case.call_and_validate(
        base_url=server.url + "/engine-rest",
        checks=[content_type_conformance, response_schema_conformance, camunda_error_body],
    )
    crashes = [record for record in caplog.records if record.name == "m8flow.compat_api"]
    assert not crashes, crashes[0].getMessage() + "\n" + (crashes[0].exc_text or "")

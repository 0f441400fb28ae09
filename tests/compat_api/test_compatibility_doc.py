"""docs/compatibility.md is generated from the route table; it must match the code."""
from __future__ import annotations

import json

import pytest

from compat_api.compatibility import render
from tests.conftest import OPENAPI, REPO


def test_compatibility_page_matches_the_route_table():
    if not OPENAPI.exists():
        pytest.skip(f"Camunda's OpenAPI document is not at {OPENAPI}")
    expected = render(json.loads(OPENAPI.read_text()))
    committed = (REPO / "docs" / "compatibility.md").read_text()
    assert committed == expected, "docs/compatibility.md is stale: run `make docs`"

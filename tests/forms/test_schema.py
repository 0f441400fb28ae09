"""The published form.io subset schema."""
from __future__ import annotations

from pathlib import Path

import pytest

from forms.schema import InvalidFormDocument, check, errors
from tests.forms.helpers import generated

REPO = Path(__file__).resolve().parents[2]


def test_docs_copy_equals_packaged_schema():
    docs = REPO / "docs" / "schemas" / "formio-subset.schema.json"
    packaged = REPO / "forms" / "schemas" / "formio-subset.schema.json"
    assert docs.read_text() == packaged.read_text()


def test_converted_form_conforms():
    assert errors(generated().form) == []


def test_unknown_component_type_is_rejected():
    form = generated().form
    form["components"].insert(0, {"type": "signature", "key": "s", "input": True})
    assert errors(form)


def test_unknown_component_property_is_rejected():
    form = generated().form
    form["components"][0]["calculateValue"] = "value = 1"
    assert errors(form)


def test_form_not_ending_with_submit_is_refused():
    form = generated().form
    form["components"].append(form["components"].pop(0))
    with pytest.raises(InvalidFormDocument, match="last component"):
        check(form)

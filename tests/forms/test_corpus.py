"""Every form in the shared corpus converts and conforms to the published schema."""
from __future__ import annotations

import csv

import pytest

from forms import bpmn_forms, convert_camunda_form, convert_html
from forms.schema import errors
from tests.forms.helpers import CORPUS

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(),
                                reason=f"shared corpus not present at {CORPUS}")


def _paths(kind: str) -> list[str]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with open(CORPUS / "MANIFEST.tsv", newline="") as handle:
        return [row["path"] for row in csv.DictReader(handle, delimiter="\t")
                if row["kind"] == kind]


@pytest.mark.parametrize("path", _paths("html-form"))
def test_html_form_converts_and_conforms(path):
    result = convert_html((CORPUS / path).read_bytes(), title="t", name="t")
    assert errors(result.form) == []


@pytest.mark.parametrize("path", _paths("camunda-form"))
def test_camunda_form_converts_and_conforms(path):
    result = convert_camunda_form((CORPUS / path).read_bytes(), title="t", name="t")
    assert errors(result.form) == []


def test_every_bpmn_form_data_converts_and_conforms():
    converted = 0
    for path in _paths("bpmn"):
        data = (CORPUS / path).read_bytes()
        has_form_data = b"formField" in data or b"formProperty" in data
        for element_id, _, kind, result, _ in bpmn_forms(data, path):
            if kind == "generated":
                assert errors(result.form) == [], (path, element_id)
                converted += 1
        if has_form_data:
            assert any(k == "generated" for _, _, k, _, _ in bpmn_forms(data, path)), path
    assert converted >= 40

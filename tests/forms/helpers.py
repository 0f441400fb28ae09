"""Shared fixtures for the forms tests: the three source fixtures and the corpus location."""
from __future__ import annotations

import json
from pathlib import Path

from forms import convert_camunda_form, convert_formdata, convert_html
from forms.model import ConversionResult

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def generated() -> ConversionResult:
    data = json.loads((FIXTURES / "generated-formdata.json").read_text())
    return convert_formdata(data, title="Order", name="order")


def embedded() -> ConversionResult:
    return convert_html((FIXTURES / "approve-invoice.html").read_bytes(),
                        title="Approve invoice", name="approve-invoice")


def camunda_form() -> ConversionResult:
    return convert_camunda_form((FIXTURES / "request.form").read_bytes(),
                                title="Vacation request", name="request")


def by_key(result: ConversionResult) -> dict:
    from forms.components import walk
    return {c["key"]: c for c in walk(result.form["components"])}

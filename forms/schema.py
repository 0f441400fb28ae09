"""The published JSON Schema of the form.io subset we emit, and the check every converted
form passes before it is written.

The schema ships inside the package (forms/schemas/) so it loads the same way from a source
checkout and from an installed wheel; docs/schemas/ holds an identical copy (a test keeps
them equal).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_FILE = "formio-subset.schema.json"


class InvalidFormDocument(ValueError):
    """A converter produced a form outside the published subset: a bug in m8flow."""


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("forms").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def errors(form: dict[str, Any]) -> list[str]:
    """Every way ``form`` leaves the subset, as readable messages (empty when it conforms)."""
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(form)'}: {error.message}"
        for error in _validator().iter_errors(form)
    ]
    components = form.get("components") or []
    last = components[-1] if components else {}
    if not (isinstance(last, dict) and last.get("type") == "button"
            and last.get("action") == "submit"):
        problems.append("components: the last component must be the submit button")
    return problems


def check(form: dict[str, Any]) -> dict[str, Any]:
    problems = errors(form)
    if problems:
        raise InvalidFormDocument("; ".join(problems))
    return form

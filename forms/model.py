"""What a conversion produces: the form.io document, its findings, and the `FormSource`
that remembers the Camunda side (variable names and types) for turning submissions back
into typed Camunda variables."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.findings import Finding, Severity

# Camunda variable types a form field can produce (VariableValueDto "type").
VARIABLE_TYPES = frozenset(
    {"String", "Boolean", "Long", "Integer", "Short", "Double", "Date", "Json", "Xml", "File",
     "Bytes", "Object"}
)


@dataclass(frozen=True)
class FieldSpec:
    """One submitted field as Camunda sees it.

    ``type`` is the Camunda variable type. ``enum_values`` restricts the value (generated
    `enum` fields, static selects). ``date_pattern`` is the Java pattern a generated form
    accepts besides ISO 8601. ``string_date`` marks Camunda Forms datetime fields, which
    Camunda stores as ISO strings of that subtype (date | time | datetime), not as Date.
    """

    id: str
    type: str = "String"
    required: bool = False
    readonly: bool = False
    enum_values: tuple[str, ...] | None = None
    date_pattern: str | None = None
    multiple: bool = False
    string_date: str | None = None


@dataclass(frozen=True)
class FormSource:
    """The Camunda form a form.io document was converted from."""

    kind: str  # generated | embedded | camunda-forms
    name: str
    fields: tuple[FieldSpec, ...] = ()
    business_key: str | None = None

    def field(self, field_id: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.id == field_id:
                return spec
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "businessKey": self.business_key,
            "fields": [
                {
                    "id": f.id, "type": f.type, "required": f.required, "readonly": f.readonly,
                    "enumValues": list(f.enum_values) if f.enum_values is not None else None,
                    "datePattern": f.date_pattern, "multiple": f.multiple,
                    "stringDate": f.string_date,
                }
                for f in self.fields
            ],
        }


@dataclass
class ConversionResult:
    form: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    source: FormSource = field(default_factory=lambda: FormSource(kind="generated", name=""))


def note(
    severity: Severity, message_id: str, message: str, *, element_id: str | None = None,
    element_type: str | None = None, element_name: str | None = None,
) -> Finding:
    """A finding about a form element, in the migrate report's format."""
    return Finding(severity=severity, message_id=message_id, message=message,
                   element_id=element_id, element_type=element_type, element_name=element_name)

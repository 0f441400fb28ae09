"""Convert Camunda 7 forms (generated formData, embedded HTML, Camunda Forms JSON) to
form.io JSON for formsflow.ai, and form.io submissions back into typed Camunda variables."""
from __future__ import annotations

from forms.bpmn import bpmn_forms
from forms.camunda_forms import convert_camunda_form
from forms.formdata import convert_formdata
from forms.html import convert_html
from forms.model import ConversionResult, FieldSpec, FormSource
from forms.submission import submission_to_variables

__all__ = [
    "ConversionResult", "FieldSpec", "FormSource", "bpmn_forms", "convert_camunda_form",
    "convert_formdata", "convert_html", "submission_to_variables",
]

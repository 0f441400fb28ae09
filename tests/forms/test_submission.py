"""A form.io submission's data becomes typed Camunda variables per the source form."""
from __future__ import annotations

import base64

import pytest

from engine.errors import InvalidRequest
from forms import convert_camunda_form, convert_formdata, submission_to_variables
from forms.model import FieldSpec, FormSource
from tests.forms.helpers import embedded, generated


def _source(*specs: FieldSpec) -> FormSource:
    return FormSource(kind="generated", name="t", fields=specs)


def test_long_field_from_string_becomes_long():
    out = submission_to_variables(generated().source, {"orderId": "A1", "quantity": "7"})
    assert out["quantity"] == {"value": 7, "type": "Long", "valueInfo": {}}


def test_string_field_becomes_string():
    out = submission_to_variables(generated().source, {"orderId": "A1"})
    assert out["orderId"] == {"value": "A1", "type": "String", "valueInfo": {}}


def test_boolean_field_becomes_boolean():
    out = submission_to_variables(generated().source, {"orderId": "A", "express": True})
    assert out["express"]["type"] == "Boolean" and out["express"]["value"] is True


def test_formio_iso_date_becomes_camunda_date_in_utc():
    out = submission_to_variables(generated().source,
                                  {"orderId": "A", "deliveryDate": "2024-05-01T10:00:00+02:00"})
    assert out["deliveryDate"] == {"value": "2024-05-01T08:00:00.000+0000", "type": "Date",
                                   "valueInfo": {}}


def test_date_in_source_pattern_is_accepted():
    out = submission_to_variables(generated().source,
                                  {"orderId": "A", "deliveryDate": "24/12/2024"})
    assert out["deliveryDate"]["value"] == "2024-12-24T00:00:00.000+0000"


def test_invalid_date_names_the_field():
    with pytest.raises(InvalidRequest, match="deliveryDate"):
        submission_to_variables(generated().source, {"orderId": "A", "deliveryDate": "soon"})


def test_enum_value_outside_the_list_is_refused():
    with pytest.raises(InvalidRequest, match="colour"):
        submission_to_variables(generated().source, {"orderId": "A", "colour": "green"})


def test_enum_value_in_the_list_is_a_string():
    out = submission_to_variables(generated().source, {"orderId": "A", "colour": "red"})
    assert out["colour"] == {"value": "red", "type": "String", "valueInfo": {}}


def test_missing_required_field_is_refused_naming_it():
    with pytest.raises(InvalidRequest, match="'orderId' is required"):
        submission_to_variables(generated().source, {"quantity": 1})


def test_empty_string_does_not_satisfy_required():
    with pytest.raises(InvalidRequest, match="orderId"):
        submission_to_variables(generated().source, {"orderId": ""})


def test_required_field_is_satisfied_by_an_existing_variable():
    out = submission_to_variables(generated().source, {}, existing={"orderId": "A"})
    assert "orderId" not in out


def test_non_integer_for_long_is_refused():
    with pytest.raises(InvalidRequest, match="quantity"):
        submission_to_variables(generated().source, {"orderId": "A", "quantity": 1.5})


def test_integer_out_of_range_is_refused():
    source = _source(FieldSpec("i", type="Integer"))
    with pytest.raises(InvalidRequest, match="out of range"):
        submission_to_variables(source, {"i": 2**31})


def test_readonly_field_is_not_written_back():
    out = submission_to_variables(generated().source, {"orderId": "A", "note": "changed"})
    assert "note" not in out


def test_submit_button_key_is_dropped_and_unknown_keys_pass_through_typed():
    out = submission_to_variables(generated().source,
                                  {"orderId": "A", "submit": True, "applicationId": 12,
                                   "formUrl": "http://f/x", "meta": {"a": 1}})
    assert "submit" not in out
    assert out["applicationId"] == {"value": 12, "type": "Integer", "valueInfo": {}}
    assert out["formUrl"]["type"] == "String"
    assert out["meta"] == {"value": '{"a": 1}', "type": "Json", "valueInfo": {}}


def test_empty_optional_number_becomes_typed_null():
    out = submission_to_variables(generated().source, {"orderId": "A", "quantity": None})
    assert out["quantity"] == {"value": None, "type": "Long", "valueInfo": {}}


def test_double_field_from_embedded_form_becomes_double():
    out = submission_to_variables(embedded().source, {"creditor": "Acme", "amount": 12})
    assert out["amount"] == {"value": 12.0, "type": "Double", "valueInfo": {}}


def test_boolean_select_accepts_string_true():
    source = _source(FieldSpec("b", type="Boolean", enum_values=("true", "false")))
    assert submission_to_variables(source, {"b": "true"})["b"]["value"] is True


def test_base64_file_upload_becomes_file_variable():
    payload = base64.b64encode(b"%PDF").decode()
    source = _source(FieldSpec("doc", type="File"))
    out = submission_to_variables(source, {"doc": [{
        "storage": "base64", "name": "a.pdf", "originalName": "a.pdf", "type": "application/pdf",
        "url": f"data:application/pdf;base64,{payload}"}]})
    assert out["doc"] == {"value": payload, "type": "File",
                          "valueInfo": {"filename": "a.pdf", "mimeType": "application/pdf"}}


def test_camunda_forms_date_is_kept_as_iso_date_string():
    result = convert_camunda_form({"components": [{"type": "datetime", "key": "d",
                                                   "subtype": "date"}]}, title="t", name="t")
    out = submission_to_variables(result.source, {"d": "2024-05-01T00:00:00+02:00"})
    assert out["d"] == {"value": "2024-05-01", "type": "String", "valueInfo": {}}


def test_generated_form_round_trip_from_formdata_dict():
    result = convert_formdata({"fields": [{"id": "n", "type": "long"}]}, title="t", name="t")
    assert submission_to_variables(result.source, {"n": 3})["n"]["type"] == "Long"


def test_data_must_be_an_object():
    with pytest.raises(InvalidRequest):
        submission_to_variables(generated().source, ["x"])  # type: ignore[arg-type]

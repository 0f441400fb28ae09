"""Embedded HTML forms to form.io: one behaviour per test."""
from __future__ import annotations

from forms import convert_html
from tests.forms.helpers import by_key, embedded


def _convert(body: str):
    return convert_html(f"<form>{body}</form>", title="T", name="t")


def _only(body: str) -> dict:
    return _convert(body).form["components"][0]


def test_text_input_becomes_textfield_with_label_for():
    comps = by_key(embedded())
    assert comps["creditor"]["type"] == "textfield"
    assert comps["creditor"]["label"] == "Creditor"


def test_label_in_same_form_group_is_used():
    assert by_key(embedded())["amount"]["label"] == "Amount"


def test_wrapping_label_is_used_for_checkbox():
    comp = by_key(embedded())["approved"]
    assert comp["type"] == "checkbox" and comp["label"] == "Approved?"


def test_html_constraints_carry_over():
    assert by_key(embedded())["creditor"]["validate"] == {
        "required": True, "minLength": 2, "maxLength": 40}


def test_double_variable_becomes_decimal_number_with_min():
    comp = by_key(embedded())["amount"]
    assert comp["type"] == "number" and "decimalLimit" not in comp
    assert comp["validate"] == {"min": 0}


def test_long_variable_becomes_integer_number():
    comp = _only('<input cam-variable-name="n" cam-variable-type="Long">')
    assert comp["type"] == "number" and comp["decimalLimit"] == 0


def test_static_select_becomes_select_with_option_values():
    comp = by_key(embedded())["category"]
    assert comp["data"]["values"] == [{"value": "travel", "label": "Travel Expenses"},
                                      {"value": "misc", "label": "Misc"}]


def test_textarea_becomes_textarea():
    assert by_key(embedded())["comment"]["type"] == "textarea"


def test_readonly_input_is_disabled():
    assert _only('<input cam-variable-name="a" readonly>')["disabled"] is True


def test_pattern_attribute_becomes_validate_pattern():
    assert _only('<input cam-variable-name="a" pattern="[0-9]+">')["validate"] == {
        "pattern": "[0-9]+"}


def test_value_attribute_becomes_default():
    assert _only('<input cam-variable-name="a" value="x">')["defaultValue"] == "x"


def test_date_variable_becomes_datetime_with_time():
    comp = _only('<input cam-variable-name="d" cam-variable-type="Date">')
    assert comp["type"] == "datetime" and comp["enableTime"] is True


def test_email_input_becomes_email():
    assert _only('<input type="email" cam-variable-name="m">')["type"] == "email"


def test_file_input_becomes_file_with_base64_storage():
    comp = _only('<input type="file" cam-variable-name="f" cam-variable-type="File">')
    assert comp["type"] == "file" and comp["storage"] == "base64"


def test_radio_inputs_group_into_one_radio():
    result = _convert('<label><input type="radio" cam-variable-name="r" value="a">A</label>'
                      '<label><input type="radio" cam-variable-name="r" value="b">B</label>')
    comp = result.form["components"][0]
    assert comp["type"] == "radio"
    assert comp["values"] == [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]
    assert result.source.field("r").enum_values == ("a", "b")


def test_boolean_select_keeps_true_false_values():
    result = _convert('<select cam-variable-name="b" cam-variable-type="Boolean">'
                      '<option value="true">Yes</option><option value="false">No</option>'
                      '</select>')
    assert result.source.field("b").type == "Boolean"
    assert result.form["components"][0]["type"] == "select"


def test_fieldset_becomes_panel_titled_by_legend():
    comp = _only('<fieldset><legend>Applicant</legend>'
                 '<input cam-variable-name="a"></fieldset>')
    assert comp["type"] == "panel" and comp["title"] == "Applicant"
    assert comp["components"][0]["key"] == "a"


def test_static_text_becomes_content():
    comp = _only("<p>Please check</p>")
    assert comp["type"] == "content" and "Please check" in comp["html"]


def test_cam_script_is_carried_in_form_properties_and_reported():
    result = embedded()
    assert "fetchVariable" in result.form["properties"]["camunda:camScript1"]
    finding = next(f for f in result.findings if f.message_id == "form-cam-script")
    assert finding.severity.value == "TASK" and "fetches creditor" in finding.message


def test_cam_choices_becomes_select_fed_by_variable_and_review():
    result = _convert('<select cam-variable-name="s" cam-choices="options"></select>')
    comp = result.form["components"][0]
    assert comp["dataSrc"] == "custom" and comp["properties"] == {"camunda:choices": "options"}
    assert result.findings[0].message_id == "form-cam-choices"


def test_ng_model_field_is_reported_not_silently_dropped():
    result = _convert('<input ng-model="x.name">')
    assert [f.message_id for f in result.findings] == ["form-ng-model", "form-no-fields"]


def test_cam_file_download_becomes_disabled_file_field():
    result = _convert('<a cam-file-download="invoice"></a>')
    comp = result.form["components"][0]
    assert comp["type"] == "file" and comp["disabled"] is True
    assert result.source.field("invoice").readonly


def test_error_code_button_becomes_event_button():
    comp = _only('<button cam-error-code="rejected">Reject</button>')
    assert comp["action"] == "event" and comp["event"] == "bpmnError:rejected"


def test_business_key_input_is_keyed_business_key():
    result = _convert('<input cam-business-key>')
    assert result.source.business_key == "businessKey"


def test_external_entities_and_network_are_not_touched():
    html = ('<!DOCTYPE html [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
            '<form><input cam-variable-name="a"><img src="http://127.0.0.1:9/i"></form>')
    assert convert_html(html, title="T", name="t").form["components"][0]["key"] == "a"

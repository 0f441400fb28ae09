"""Generated forms (camunda:formData) to form.io: one behaviour per test."""
from __future__ import annotations

from forms import convert_formdata
from forms.schema import errors


def _one(field: dict, **kw):
    result = convert_formdata({"fields": [field]}, title="T", name="t", **kw)
    return result.form["components"][0], result


def test_string_field_becomes_textfield_keyed_by_variable_with_label():
    comp, _ = _one({"id": "customer", "label": "Customer", "type": "string"})
    assert (comp["type"], comp["key"], comp["label"]) == ("textfield", "customer", "Customer")


def test_long_field_becomes_integer_number():
    comp, result = _one({"id": "n", "type": "long"})
    assert comp["type"] == "number" and comp["decimalLimit"] == 0
    assert result.source.field("n").type == "Long"


def test_boolean_field_becomes_checkbox_with_boolean_default():
    comp, _ = _one({"id": "ok", "type": "boolean", "defaultValue": "true"})
    assert comp["type"] == "checkbox" and comp["defaultValue"] is True


def test_date_field_uses_default_pattern_without_time():
    comp, result = _one({"id": "d", "type": "date"})
    assert comp["type"] == "datetime" and comp["format"] == "dd/MM/yyyy"
    assert comp["enableTime"] is False
    assert result.source.field("d").date_pattern == "dd/MM/yyyy"


def test_date_pattern_with_hours_enables_time():
    comp, _ = _one({"id": "d", "type": "date", "datePattern": "dd-MM-yyyy HH:mm"})
    assert comp["format"] == "dd-MM-yyyy HH:mm" and comp["enableTime"] is True


def test_enum_field_becomes_select_with_values():
    comp, result = _one({"id": "c", "type": "enum",
                         "values": [{"id": "r", "name": "Red"}, {"id": "b", "name": "Blue"}]})
    assert comp["type"] == "select" and comp["dataSrc"] == "values"
    assert comp["data"]["values"] == [{"value": "r", "label": "Red"},
                                      {"value": "b", "label": "Blue"}]
    assert result.source.field("c").enum_values == ("r", "b")


def test_required_constraint_sets_validate_required():
    comp, result = _one({"id": "a", "type": "string",
                         "validation": [{"name": "required", "config": None}]})
    assert comp["validate"]["required"] is True and result.source.field("a").required


def test_length_constraints_become_min_and_max_length():
    comp, _ = _one({"id": "a", "type": "string", "validation": [
        {"name": "minlength", "config": "2"}, {"name": "maxlength", "config": "5"}]})
    assert comp["validate"] == {"minLength": 2, "maxLength": 5}


def test_min_max_constraints_become_number_limits():
    comp, _ = _one({"id": "a", "type": "long", "validation": [
        {"name": "min", "config": "1"}, {"name": "max", "config": "9"}]})
    assert comp["validate"] == {"min": 1, "max": 9}


def test_readonly_constraint_disables_the_field():
    comp, result = _one({"id": "a", "type": "string",
                         "validation": [{"name": "readonly", "config": None}]})
    assert comp["disabled"] is True and result.source.field("a").readonly


def test_literal_default_value_is_kept():
    comp, _ = _one({"id": "a", "type": "string", "defaultValue": "hello"})
    assert comp["defaultValue"] == "hello"


def test_expression_default_is_carried_in_properties_and_reported():
    comp, result = _one({"id": "a", "type": "string", "defaultValue": "${x}"})
    assert "defaultValue" not in comp
    assert comp["properties"]["camunda:defaultValue"] == "${x}"
    assert [f.message_id for f in result.findings] == ["form-expression-default"]


def test_custom_validator_is_carried_and_reported_as_task():
    comp, result = _one({"id": "a", "type": "string",
                         "validation": [{"name": "validator", "config": "com.acme.V"}]})
    assert comp["properties"]["camunda:validator"] == "com.acme.V"
    assert result.findings[0].severity.value == "TASK"


def test_field_properties_become_component_properties():
    comp, _ = _one({"id": "a", "type": "string", "properties": [{"id": "p", "value": "v"}]})
    assert comp["properties"] == {"p": "v"}


def test_custom_type_is_a_textfield_and_a_task():
    comp, result = _one({"id": "a", "type": "money"})
    assert comp["type"] == "textfield"
    assert result.findings[0].message_id == "form-custom-type"


def test_business_key_field_is_marked():
    result = convert_formdata({"businessKey": "a", "fields": [{"id": "a", "type": "string"}]},
                              title="T", name="t")
    assert result.source.business_key == "a"
    assert result.form["components"][0]["properties"]["camunda:businessKey"] == "true"


def test_form_always_ends_with_submit_button():
    result = convert_formdata({"fields": []}, title="T", name="t")
    assert result.form["components"][-1]["action"] == "submit"


def test_formsflow_adds_hidden_application_fields_and_camel_name():
    result = convert_formdata({"fields": [{"id": "a", "type": "string"}]},
                              title="T", name="invoice.approve task", formsflow=True)
    keys = [c["key"] for c in result.form["components"]]
    assert keys == ["a", "applicationId", "applicationStatus", "submit"]
    assert result.form["components"][1]["type"] == "hidden"
    assert result.form["name"] == "invoiceApproveTask"
    assert result.form["path"] == "invoiceapprovetask"


def test_output_validates_against_published_schema():
    _, result = _one({"id": "a", "type": "date", "validation": [{"name": "min",
                                                                  "config": "01/01/2020"}]})
    assert errors(result.form) == []

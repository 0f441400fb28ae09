"""Camunda Forms (form-js) to form.io: one behaviour per test."""
from __future__ import annotations

from forms import convert_camunda_form
from tests.forms.helpers import by_key, camunda_form


def _only(component: dict) -> tuple[dict, object]:
    result = convert_camunda_form({"components": [component]}, title="T", name="t")
    return result.form["components"][0], result


def test_textfield_keeps_key_label_and_validation():
    comp = by_key(camunda_form())["name"]
    assert comp["type"] == "textfield" and comp["label"] == "Your name"
    assert comp["validate"] == {"required": True, "minLength": 2}


def test_email_validation_type_becomes_email_component():
    assert by_key(camunda_form())["email"]["type"] == "email"


def test_integer_number_gets_decimal_limit_and_long_type():
    result = camunda_form()
    assert by_key(result)["days"]["decimalLimit"] == 0
    assert by_key(result)["days"]["validate"] == {"min": 1, "max": 30}
    assert result.source.field("days").type == "Long"


def test_date_subtype_becomes_datetime_without_time():
    comp = by_key(camunda_form())["start"]
    assert comp["type"] == "datetime" and comp["enableTime"] is False
    assert comp["label"] == "Start"


def test_radio_keeps_values():
    assert by_key(camunda_form())["kind"]["values"][0] == {"value": "paid", "label": "Paid"}


def test_components_sharing_a_layout_row_become_columns():
    columns = camunda_form().form["components"][1]
    assert columns["type"] == "columns"
    assert [col["width"] for col in columns["columns"]] == [6, 6]


def test_markdown_text_becomes_content_html():
    assert camunda_form().form["components"][0]["html"].startswith("<h1>Vacation request</h1>")


def test_source_buttons_are_replaced_by_one_submit():
    buttons = [c for c in camunda_form().form["components"] if c["type"] == "button"]
    assert [b["key"] for b in buttons] == ["submit"]


def test_readonly_becomes_disabled():
    comp, _ = _only({"type": "textfield", "key": "a", "readonly": True})
    assert comp["disabled"] is True


def test_select_values_become_select_data_values():
    comp, result = _only({"type": "select", "key": "s", "values": [{"label": "A", "value": "a"}]})
    assert comp["data"]["values"] == [{"value": "a", "label": "A"}]
    assert result.source.field("s").enum_values == ("a",)


def test_checklist_becomes_selectboxes_submitting_json():
    comp, result = _only({"type": "checklist", "key": "c", "values": [{"label": "A",
                                                                        "value": "a"}]})
    assert comp["type"] == "selectboxes" and result.source.field("c").type == "Json"


def test_values_key_becomes_variable_fed_select_and_review():
    comp, result = _only({"type": "select", "key": "s", "valuesKey": "opts"})
    assert comp["dataSrc"] == "custom"
    assert result.findings[0].message_id == "form-values-from-variable"


def test_simple_hide_condition_becomes_conditional():
    comp, _ = _only({"type": "textfield", "key": "a",
                     "conditional": {"hide": '=kind = "paid"'}})
    assert comp["conditional"] == {"show": False, "when": "kind", "eq": "paid"}


def test_complex_feel_condition_is_kept_and_reported():
    comp, result = _only({"type": "textfield", "key": "a",
                          "conditional": {"hide": "=x > 3 and y"}})
    assert comp["properties"]["camunda:hide"] == "=x > 3 and y"
    assert result.findings[0].severity.value == "TASK"


def test_unsupported_component_is_reported():
    result = convert_camunda_form({"components": [{"type": "dynamiclist", "key": "l"}]},
                                  title="T", name="t")
    assert result.findings[0].message_id == "form-unsupported-component"


def test_group_becomes_panel():
    comp, _ = _only({"type": "group", "label": "G",
                     "components": [{"type": "textfield", "key": "a"}]})
    assert comp["type"] == "panel" and comp["components"][0]["key"] == "a"

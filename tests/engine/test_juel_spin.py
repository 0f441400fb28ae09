"""Camunda Spin's S()/JSON()/XML() in expressions."""
from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.juel import SPIN_FUNCTIONS, JuelEvaluationError, VariablesContext, parse
from engine.bpmn.juel.spin import SpinJsonNode

ORDER = '{"customer": {"name": "Ann", "age": 22, "vip": true, "nick": null}, "items": [1, 2.5]}'
BANK = (
    '<r xmlns:b="http://thomas-bayer.com/blz/"><b:details>'
    '<b:bezeichnung kind="bank">Sparkasse</b:bezeichnung></b:details></r>'
)


def ev(text: str, **variables: Any) -> Any:
    return parse(text).evaluate(VariablesContext(variables, functions=SPIN_FUNCTIONS))


def test_spin_functions_are_s_json_and_xml() -> None:
    assert set(SPIN_FUNCTIONS) == {"S", "JSON", "XML"}


def test_prop_string_value() -> None:
    assert ev('${S(order).prop("customer").prop("name").stringValue()}', order=ORDER) == "Ann"


def test_prop_number_value_in_a_comparison() -> None:
    assert ev('${S(order).prop("customer").prop("age").numberValue() >= 21}', order=ORDER)


def test_prop_bool_value() -> None:
    assert ev('${JSON(order).prop("customer").prop("vip").boolValue()}', order=ORDER) is True


def test_has_prop() -> None:
    assert ev('${S(order).hasProp("items")}', order=ORDER) is True
    assert ev('${S(order).hasProp("total")}', order=ORDER) is False


def test_is_null() -> None:
    assert ev('${S(order).prop("customer").prop("nick").isNull()}', order=ORDER) is True


def test_elements_of_an_array() -> None:
    assert ev('${S(order).prop("items").elements().size()}', order=ORDER) == 2
    assert ev('${S(order).prop("items").elements().get(1).numberValue()}', order=ORDER) == 2.5


def test_value_of_a_primitive() -> None:
    assert ev('${S(order).prop("customer").prop("age").value()}', order=ORDER) == 22


def test_json_node_renders_as_compact_json_in_text() -> None:
    assert ev('items=${S(order).prop("items")}', order=ORDER) == "items=[1,2.5]"


def test_spin_variable_can_be_used_directly() -> None:
    customer = SpinJsonNode({"age": 30})
    assert ev('${customer.prop("age").numberValue() >= 21}', customer=customer) is True


def test_missing_prop_is_an_evaluation_error() -> None:
    with pytest.raises(JuelEvaluationError, match="Unable to find 'total'"):
        ev('${S(order).prop("total")}', order=ORDER)


def test_wrong_value_type_is_an_evaluation_error() -> None:
    with pytest.raises(JuelEvaluationError, match="Expected 'STRING', got 'NUMBER'"):
        ev('${S(order).prop("customer").prop("age").stringValue()}', order=ORDER)


def test_invalid_json_is_an_evaluation_error() -> None:
    with pytest.raises(JuelEvaluationError, match="Unable to parse JSON"):
        ev("${JSON(raw)}", raw="{nope")


def test_xml_xpath_text_content() -> None:
    text = "${ XML(response).xPath( '//*[local-name()=\\'bezeichnung\\']').element().textContent()}"
    assert ev(text, response=BANK) == "Sparkasse"


def test_s_detects_xml() -> None:
    assert ev('${S(doc).childElement("details").name()}', doc=BANK) == "details"


def test_xml_attribute_value() -> None:
    text = "${XML(doc).xPath('//@kind').attribute().value()}"
    assert ev(text, doc=BANK) == "bank"


def test_xml_with_a_doctype_is_refused() -> None:
    hostile = '<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    with pytest.raises(JuelEvaluationError, match="Unable to parse XML"):
        ev("${XML(doc).toString()}", doc=hostile)


def test_spin_nodes_expose_only_spin_methods() -> None:
    with pytest.raises(JuelEvaluationError, match="Cannot resolve method '_expect'"):
        ev('${S(order)._expect("OBJECT")}', order=ORDER)

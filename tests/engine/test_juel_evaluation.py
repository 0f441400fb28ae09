"""How JUEL expressions evaluate: operators, precedence and EL's coercion rules."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from engine.bpmn.juel import JuelEvaluationError, VariablesContext, parse


def ev(text: str, **variables: Any) -> Any:
    return parse(text).evaluate(VariablesContext(variables))


# Literals


def test_integer_literal_is_an_int() -> None:
    assert ev("${43}") == 43


def test_floating_literal_is_a_float() -> None:
    assert ev("${1.5}") == 1.5
    assert ev("${.5}") == 0.5
    assert ev("${1e3}") == 1000.0


def test_string_literals_take_either_quote() -> None:
    assert ev("${'single'}") == "single"
    assert ev('${"double"}') == "double"


def test_string_literal_escapes_its_own_quote_and_backslash() -> None:
    assert ev(r"${'it\'s'}") == "it's"
    assert ev(r'${"say \"hi\""}') == 'say "hi"'
    assert ev(r"${'a\\b'}") == "a\\b"


def test_the_other_quote_needs_no_escape_inside_a_string() -> None:
    assert ev("""${"it's"}""") == "it's"


def test_boolean_and_null_literals() -> None:
    assert ev("${true}") is True
    assert ev("${false}") is False
    assert ev("${null}") is None


def test_single_eval_returns_the_raw_value_not_a_string() -> None:
    assert ev("${items}", items=[1, 2]) == [1, 2]
    assert ev("${n}", n=None) is None


def test_deferred_syntax_evaluates_like_immediate() -> None:
    assert ev("#{approved}", approved=True) is True
    assert ev("#{ !counterProposal }", counterProposal=False) is True


# Identifiers and access


def test_identifier_resolves_a_variable() -> None:
    assert ev("${approved}", approved=True) is True


def test_not_identifier() -> None:
    assert ev("${!approved}", approved=True) is False


def test_property_path_through_nested_maps() -> None:
    assert ev("${customer.address.city}", customer={"address": {"city": "Bonn"}}) == "Bonn"


def test_missing_map_key_is_null_like_a_java_map() -> None:
    assert ev("${customer.nickname}", customer={}) is None


def test_property_of_null_is_null() -> None:
    assert ev("${customer.address.city}", customer={"address": None}) is None


def test_bracket_access_with_string_key() -> None:
    assert ev("${map['k']}", map={"k": "v"}) == "v"


def test_dot_and_bracket_access_are_the_same_on_maps() -> None:
    assert ev("${m.k == m['k']}", m={"k": 1}) is True


def test_bracket_access_with_computed_key() -> None:
    assert ev("${m[key]}", m={"a": 1}, key="a") == 1


def test_list_index_access() -> None:
    assert ev("${items[1]}", items=["a", "b"]) == "b"


def test_list_index_from_a_numeric_string() -> None:
    assert ev("${items['1']}", items=["a", "b"]) == "b"


def test_list_index_out_of_range_is_null() -> None:
    assert ev("${items[5]}", items=["a"]) is None
    assert ev("${items[-1]}", items=["a"]) is None


# Arithmetic


def test_integer_arithmetic_stays_integral() -> None:
    assert ev("${2 + 3 * 4 - 1}") == 13
    assert isinstance(ev("${2 * 3}"), int)


def test_division_always_gives_a_double() -> None:
    assert ev("${1 / 2}") == 0.5
    assert ev("${4 div 2}") == 2.0
    assert isinstance(ev("${4 / 2}"), float)


def test_one_half_equals_point_five() -> None:
    assert ev("${1 / 2 == 0.5}") is True


def test_modulo_spellings() -> None:
    assert ev("${7 mod 3}") == 1
    assert ev("${7 % 3}") == 1


def test_modulo_keeps_the_sign_of_the_dividend_as_java_does() -> None:
    assert ev("${-7 % 3}") == -1
    assert ev("${7 % -3}") == 1


def test_modulo_of_doubles_is_a_double() -> None:
    assert ev("${7.5 % 2}") == 1.5


def test_integer_modulo_by_zero_is_an_error() -> None:
    with pytest.raises(JuelEvaluationError, match="/ by zero"):
        ev("${7 % 0}")


def test_division_by_zero_is_infinity_as_for_java_doubles() -> None:
    assert ev("${1 / 0}") == math.inf
    assert math.isnan(ev("${0 / 0}"))


def test_mixing_integer_and_floating_gives_a_double() -> None:
    assert ev("${1 + 0.5}") == 1.5


def test_null_counts_as_zero_in_arithmetic() -> None:
    assert ev("${n + 1}", n=None) == 1
    assert ev("${n * n}", n=None) == 0
    assert ev("${-n}", n=None) == 0


def test_plus_is_numeric_only_and_coerces_numeric_strings() -> None:
    assert ev("${'1' + 2}") == 3
    assert ev("${'1.5' + 1}") == 2.5


def test_plus_with_a_non_numeric_string_is_an_error() -> None:
    with pytest.raises(JuelEvaluationError, match="Cannot coerce 'abc'"):
        ev("${'abc' + 1}")


def test_arithmetic_on_a_boolean_is_an_error() -> None:
    with pytest.raises(JuelEvaluationError):
        ev("${true + 1}")


def test_unary_minus() -> None:
    assert ev("${-x}", x=5) == -5
    assert ev("${-'2.5'}") == -2.5


def test_long_arithmetic_wraps_around_like_java() -> None:
    assert ev("${9223372036854775807 + 1}") == -9223372036854775808


def test_decimal_operand_gives_decimal_arithmetic() -> None:
    assert ev("${price * 2}", price=Decimal("1.10")) == Decimal("2.20")


# Relational and equality


def test_relational_operator_spellings() -> None:
    assert ev("${x > 5}", x=6) and ev("${x gt 5}", x=6)
    assert ev("${x < 5}", x=4) and ev("${x lt 5}", x=4)
    assert ev("${x >= 5}", x=5) and ev("${x ge 5}", x=5)
    assert ev("${x <= 5}", x=5) and ev("${x le 5}", x=5)


def test_equality_operator_spellings() -> None:
    assert ev("${x == 5}", x=5) and ev("${x eq 5}", x=5)
    assert ev("${x != 5}", x=4) and ev("${x ne 5}", x=4)


def test_numeric_string_equals_number() -> None:
    assert ev("${'5' == 5}") is True


def test_integer_equals_double_numerically() -> None:
    assert ev("${1 == 1.0}") is True


def test_non_numeric_string_compared_to_number_is_an_error() -> None:
    with pytest.raises(JuelEvaluationError):
        ev("${'abc' == 5}")


def test_string_equals_boolean_by_coercing_the_string() -> None:
    assert ev("${'true' == true}") is True
    assert ev("${flag == 'false'}", flag=False) is True


def test_strings_compare_lexically() -> None:
    assert ev("${'apple' < 'banana'}") is True


def test_string_against_number_compares_numerically() -> None:
    assert ev("${'10' > 9}") is True


def test_null_equals_only_null() -> None:
    assert ev("${x == null}", x=None) is True
    assert ev("${x != null}", x=0) is True
    assert ev("${x == 0}", x=None) is False


def test_ordering_against_null_is_false() -> None:
    assert ev("${x > 1}", x=None) is False
    assert ev("${x < 1}", x=None) is False


def test_booleans_compare_with_equality() -> None:
    assert ev("${approved == true}", approved=True) is True
    assert ev("${approved != true}", approved=False) is True


# Logic


def test_logical_operator_spellings() -> None:
    assert ev("${a && b}", a=True, b=True) and ev("${a and b}", a=True, b=True)
    assert ev("${a || b}", a=False, b=True) and ev("${a or b}", a=False, b=True)
    assert ev("${not a}", a=False) and ev("${!a}", a=False)


def test_and_short_circuits() -> None:
    assert ev("${false && missing.boom()}") is False


def test_or_short_circuits() -> None:
    assert ev("${true || missing}") is True


def test_logic_coerces_strings_to_booleans() -> None:
    assert ev("${!flag}", flag="false") is True
    assert ev("${flag && true}", flag="TRUE") is True


def test_null_is_false_in_logic() -> None:
    assert ev("${!x}", x=None) is True


def test_a_number_is_not_a_boolean() -> None:
    with pytest.raises(JuelEvaluationError, match="Boolean"):
        ev("${!1}")


def test_amount_and_kind_condition() -> None:
    assert ev("${amount > 1000 && kind == 'vip'}", amount=1500, kind="vip") is True
    assert ev("${amount > 1000 && kind == 'vip'}", amount=500, kind="vip") is False


def test_keyword_condition() -> None:
    assert ev("${x gt 5 and not empty list}", x=6, list=[1]) is True
    assert ev("${x gt 5 and not empty list}", x=6, list=[]) is False


# empty


def test_empty_is_true_for_null_empty_string_list_and_map() -> None:
    values: tuple[Any, ...] = (None, "", [], {}, ())
    for value in values:
        assert ev("${empty v}", v=value) is True


def test_empty_is_false_for_values_with_content() -> None:
    for value in ("x", [0], {"k": None}, 0, False):
        assert ev("${empty v}", v=value) is False


def test_empty_string_literal() -> None:
    assert ev("${empty ''}") is True


# Ternary


def test_ternary_picks_a_branch() -> None:
    assert ev("${a ? b : c}", a=True, b=1, c=2) == 1
    assert ev("${a ? b : c}", a=False, b=1, c=2) == 2


def test_ternary_evaluates_only_the_chosen_branch() -> None:
    assert ev("${true ? 1 : missing}") == 1


def test_ternary_is_right_associative() -> None:
    assert ev("${false ? 1 : true ? 2 : 3}") == 2


def test_ternary_with_method_call_condition() -> None:
    text = "${(gender.equals('male')) ? 'Mr.' : 'Mrs.'}"
    assert ev(text, gender="male") == "Mr."


# Precedence


def test_multiplication_binds_tighter_than_addition() -> None:
    assert ev("${1 + 2 * 3}") == 7


def test_parentheses_override_precedence() -> None:
    assert ev("${(1 + 2) * 3}") == 9


def test_subtraction_is_left_associative() -> None:
    assert ev("${10 - 3 - 2}") == 5


def test_comparison_binds_tighter_than_equality() -> None:
    assert ev("${1 < 2 == true}") is True


def test_and_binds_tighter_than_or() -> None:
    assert ev("${true || false && false}") is True


def test_not_binds_tighter_than_and() -> None:
    assert ev("${not false and false}") is False


def test_unary_minus_binds_tighter_than_multiplication() -> None:
    assert ev("${-2 * 3}") == -6


def test_empty_applies_to_the_value_not_the_comparison() -> None:
    assert ev("${empty x == false}", x="a") is True


def test_property_access_binds_tighter_than_not() -> None:
    assert ev("${!application.approved}", application={"approved": False}) is True


# Composite text


def test_composite_text_concatenates_values_as_strings() -> None:
    assert ev("Order ${id} of ${name}", id=7, name="Ann") == "Order 7 of Ann"


def test_null_renders_as_empty_text_in_a_composite() -> None:
    assert ev("Hello ${name}!", name=None) == "Hello !"


def test_composite_renders_values_as_java_would() -> None:
    assert ev("${a}/${b}/${c}", a=True, b=1.0, c=[1, None]) == "true/1.0/[1, null]"


def test_composite_renders_large_doubles_in_java_notation() -> None:
    assert ev("x=${d}", d=1e10) == "x=1.0E10"


def test_literal_text_evaluates_to_itself() -> None:
    assert ev("just text") == "just text"


def test_empty_text_evaluates_to_empty_string() -> None:
    assert ev("") == ""


def test_iso_duration_template() -> None:
    assert ev("PT${expiryDuration}S", expiryDuration=30) == "PT30S"

"""What the JUEL parser accepts and rejects, and what it reports about an expression."""
from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.juel import (
    JuelSyntaxError,
    MethodCall,
    VariablesContext,
    parse,
)
from engine.errors import ExpressionError


def ev(text: str, **variables: Any) -> Any:
    return parse(text).evaluate(VariablesContext(variables))


def syntax_error(text: str) -> JuelSyntaxError:
    with pytest.raises(JuelSyntaxError) as info:
        parse(text)
    return info.value


# The parsed expression


def test_parse_keeps_the_source_text() -> None:
    assert parse("${a > 1}").source == "${a > 1}"


def test_parse_is_cached() -> None:
    assert parse("${cached + 1}") is parse("${cached + 1}")


def test_text_without_eval_is_literal_text() -> None:
    assert parse("PT5M").is_literal_text is True
    assert parse("${x}").is_literal_text is False
    assert parse("a ${x} b").is_literal_text is False


def test_identifiers_are_the_top_level_names() -> None:
    expr = parse("${execution.getVariable('x') + amount.value + f(limit)}")
    assert expr.identifiers() == {"execution", "amount", "limit"}


def test_property_and_method_names_are_not_identifiers() -> None:
    assert parse("${a.b.c()}").identifiers() == {"a"}


def test_method_calls_name_the_receiver_and_the_method() -> None:
    expr = parse('${execution.getVariable("x")} ${myBean.doIt()}')
    assert expr.method_calls() == [
        MethodCall("execution", "getVariable"),
        MethodCall("myBean", "doIt"),
    ]


def test_method_call_target_is_the_dotted_source_of_the_receiver() -> None:
    expr = parse("#{execution.processEngineServices.identityService.getUser(id)}")
    assert expr.method_calls() == [
        MethodCall("execution.processEngineServices.identityService", "getUser")
    ]


def test_chained_method_calls_are_listed_in_source_order() -> None:
    expr = parse("${dateTime().plusDays(2).toDate()}")
    assert expr.method_calls() == [
        MethodCall("dateTime()", "plusDays"),
        MethodCall("dateTime().plusDays(2)", "toDate"),
    ]


def test_function_calls_are_listed_by_name() -> None:
    assert parse("${currentUser() == dateTime()}").function_calls() == ["currentUser", "dateTime"]


def test_prefixed_function_keeps_its_namespace() -> None:
    assert parse("${fn:upper(x)}").function_calls() == ["fn:upper"]


def test_literal_receiver_method_call() -> None:
    assert ev("${'Activiti'.substring(0,3)}") == "Act"


def test_whitespace_is_allowed_around_tokens() -> None:
    assert ev("${  a   ==\n 'x' }", a="x") is True


def test_identifiers_may_contain_dollar_and_underscore() -> None:
    assert ev("${email_to}", email_to="a@b") == "a@b"
    assert ev("${$x}", **{"$x": 1}) == 1


def test_minus_between_identifiers_is_subtraction() -> None:
    assert ev("${this-will-fail}", this=5, will=2, fail=1) == 2


# Composite text and escapes


def test_backslash_escapes_an_eval_start() -> None:
    assert ev(r"cost: \${price}") == "cost: ${price}"
    assert parse(r"\${price}").is_literal_text is True


def test_backslash_escapes_a_deferred_eval_start() -> None:
    assert ev(r"\#{x}") == "#{x}"


def test_backslash_elsewhere_is_kept_literally() -> None:
    assert ev(r"C:\temp\${x}", x=1) == r"C:\temp${x}"
    assert ev(r"a\b") == r"a\b"


def test_dollar_without_brace_is_text() -> None:
    assert ev("costs $5 and #1") == "costs $5 and #1"


def test_closing_brace_inside_a_string_does_not_end_the_eval() -> None:
    assert ev("${'}'}") == "}"


def test_multiline_composite_text() -> None:
    text = "\n  ${employeeName} would like ${numberOfDays} day(s).\n"
    assert ev(text, employeeName="Ann", numberOfDays=2) == "\n  Ann would like 2 day(s).\n"


# Syntax errors


def test_syntax_error_is_an_expression_error() -> None:
    assert isinstance(syntax_error("${a >}"), ExpressionError)


def test_syntax_error_reports_the_position() -> None:
    error = syntax_error("${a >}")
    assert error.position == 5
    assert "position 5" in str(error)


def test_syntax_error_message_names_the_expression() -> None:
    assert "'${a >}'" in str(syntax_error("${a >}"))


def test_empty_eval_is_a_syntax_error() -> None:
    assert syntax_error("${}").position == 2


def test_unclosed_eval_is_a_syntax_error() -> None:
    error = syntax_error("${a")
    assert error.position == 3
    assert "<EOF>" in str(error)


def test_unterminated_string_is_a_syntax_error() -> None:
    assert "unterminated string" in str(syntax_error("${'abc}"))


def test_unknown_string_escape_is_a_syntax_error() -> None:
    assert "invalid escape sequence" in str(syntax_error(r"${'a\nb'}"))


def test_single_equals_is_a_syntax_error() -> None:
    error = syntax_error("${a = b}")
    assert error.position == 4
    assert "invalid character '='" in str(error)


def test_single_ampersand_is_a_syntax_error() -> None:
    assert syntax_error("${a & b}").position == 4


def test_two_values_without_operator_is_a_syntax_error() -> None:
    assert syntax_error("${a b}").position == 4


def test_unbalanced_parenthesis_is_a_syntax_error() -> None:
    assert syntax_error("${(a + b}").position == 8


def test_ternary_without_else_is_a_syntax_error() -> None:
    assert "':'" in str(syntax_error("${a ? b}"))


def test_instanceof_is_reserved() -> None:
    syntax_error("${instanceof}")


def test_keyword_cannot_be_a_property_name() -> None:
    syntax_error("${a.empty}")


def test_mixing_immediate_and_deferred_evals_is_a_syntax_error() -> None:
    assert "cannot be mixed" in str(syntax_error("${a} #{b}"))


def test_very_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    syntax_error("${" + "(" * 5000 + "1" + ")" * 5000 + "}")

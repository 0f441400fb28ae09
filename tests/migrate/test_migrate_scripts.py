from __future__ import annotations

import pytest

from migrate.scripts import OutsideSubset, translate_expression, translate_script


def py(source: str, language: str = "javascript", **kwargs: str) -> str:
    return translate_script(source, language, **kwargs).python


def test_set_variable_becomes_an_assignment() -> None:
    assert py('execution.setVariable("total", 1 + 2 * 3);') == "total = 1 + 2 * 3"


def test_get_variable_keeps_camunda_null_semantics() -> None:
    assert py("execution.setVariable('b', execution.getVariable('a'))") == "b = execution.getVariable('a')"


def test_string_concatenation_converts_the_other_operand_with_str() -> None:
    assert py("execution.setVariable('greeting', 'Hello ' + name + '!')") == \
        "greeting = 'Hello ' + str(name) + '!'"


def test_script_locals_are_deleted_so_they_do_not_become_process_variables() -> None:
    assert py('var total = x + y\nexecution.setVariable("sum", total)', "groovy") == \
        "total = x + y\nsum = total\ndel total"


def test_local_shadowing_a_read_process_variable_is_renamed() -> None:
    assert py("var a = a * 2; execution.setVariable('b', a)") == "_a = a * 2\nb = _a\ndel _a"


def test_last_expression_feeds_the_result_variable() -> None:
    assert py("def s = 2; s * 3", "groovy", result_variable="result") == "s = 2\nresult = s * 3\ndel s"


def test_logic_and_ternary_translate_to_python_operators() -> None:
    source = "execution.setVariable('size', x > 5 && !(y === 'a') ? 'big' : null)"
    assert py(source) == "size = 'big' if x > 5 and not (y == 'a') else None"


def test_comments_and_semicolons_are_ignored() -> None:
    assert py("// set it\nexecution.setVariable('ok', true); /* done */;") == "ok = True"


@pytest.mark.parametrize(
    "source",
    [
        "java.lang.System.out.println(employees);",
        "employee.setScore( employeeScore );",
        "transferService.transfer(amount);",
        "print('x')",
        "for (var i = 0; i < 3; i++) {}",
        "execution.setVariable(name, 1)",
    ],
)
def test_anything_outside_the_subset_is_refused(source: str) -> None:
    with pytest.raises(OutsideSubset):
        translate_script(source, "javascript")


def test_groovy_gstring_interpolation_is_refused() -> None:
    with pytest.raises(OutsideSubset, match="GString"):
        translate_script('execution.setVariable("m", "hi ${name}")', "groovy")


def test_value_script_translates_to_a_juel_expression() -> None:
    assert translate_expression("amount > 100 && approved", "javascript") == "${(amount > 100) && approved}"


def test_value_script_with_statements_is_refused() -> None:
    with pytest.raises(OutsideSubset):
        translate_expression("var x = 1; x", "javascript")


def test_value_script_string_literals_are_juel_escaped() -> None:
    assert translate_expression("kind == \"it's\"", "javascript") == "${kind == 'it\\'s'}"

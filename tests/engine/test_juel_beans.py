"""What an expression can reach: context resolution, beans, functions, the Java methods
whitelisted on plain values, and nothing of Python's internals."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from engine.bpmn.juel import (
    ElContext,
    JuelBean,
    JuelEvaluationError,
    UnknownMember,
    VariablesContext,
    parse,
)
from engine.errors import ExpressionError, NotFound


class ExecutionBean(JuelBean):
    __el_methods__ = frozenset({"getVariable", "setVariable", "getProcessInstanceId"})
    __el_properties__ = frozenset({"processBusinessKey"})

    def __init__(self) -> None:
        self.variables: dict[str, Any] = {"x": 42}
        self.processBusinessKey = "order-7"

    def getVariable(self, name: str) -> Any:
        return self.variables.get(name)

    def setVariable(self, name: str, value: Any) -> None:
        self.variables[name] = value

    def getProcessInstanceId(self) -> str:
        return "pi-1"

    def secret(self) -> str:
        return "not listed"


class SnakeBean(JuelBean):
    __el_methods__ = MappingProxyType({"doIt": "do_it"})

    def do_it(self, n: int) -> int:
        return n * 2


class FailingBean(JuelBean):
    __el_methods__ = frozenset({"boom", "engineError"})

    def boom(self) -> None:
        raise RuntimeError("kaboom")

    def engineError(self) -> None:
        raise NotFound("no such thing")


def ev(text: str, element_id: str | None = None, **variables: Any) -> Any:
    beans = {"execution": ExecutionBean(), "snake": SnakeBean(), "failing": FailingBean()}
    context = VariablesContext(variables, beans=beans, functions={"twice": lambda n: n * 2})
    return parse(text).evaluate(context, element_id=element_id)


def error_of(text: str, element_id: str | None = None, **variables: Any) -> JuelEvaluationError:
    with pytest.raises(JuelEvaluationError) as info:
        ev(text, element_id, **variables)
    return info.value


# Context


def test_variables_context_is_an_el_context() -> None:
    assert isinstance(VariablesContext({}), ElContext)


def test_beans_take_precedence_over_variables() -> None:
    context = VariablesContext({"name": "variable"}, beans={"name": "bean"})
    assert parse("${name}").evaluate(context) == "bean"


def test_a_variable_holding_null_is_known() -> None:
    assert ev("${x}", x=None) is None


def test_unknown_identifier_uses_camundas_wording() -> None:
    error = error_of("${x}")
    assert str(error) == (
        "Unknown property used in expression: ${x}. Cause: Cannot resolve identifier 'x'"
    )


def test_evaluation_error_names_the_element_when_given() -> None:
    error = error_of("${x}", element_id="Gateway_1")
    assert "Gateway_1" in str(error)
    assert error.element_id == "Gateway_1"
    assert error.expression == "${x}"


def test_evaluation_error_is_an_expression_error() -> None:
    assert isinstance(error_of("${x}"), ExpressionError)


def test_custom_context_only_needs_resolve_and_function() -> None:
    class Context:
        def resolve(self, name: str) -> Any:
            if name == "answer":
                return 42
            raise KeyError(name)

        def function(self, name: str) -> None:
            return None

    assert parse("${answer + 1}").evaluate(Context()) == 43


# Beans


def test_bean_method_call() -> None:
    assert ev("${execution.getVariable('x')}") == 42


def test_bean_method_with_double_quoted_argument() -> None:
    assert ev('${execution.getVariable("x")}') == 42


def test_bean_property() -> None:
    assert ev("${execution.processBusinessKey}") == "order-7"


def test_bean_property_falls_back_to_a_listed_getter() -> None:
    assert ev("#{execution.processInstanceId}") == "pi-1"


def test_bean_method_with_side_effect() -> None:
    execution = ExecutionBean()
    context = VariablesContext({}, beans={"execution": execution})
    parse("${execution.setVariable('approved', true)}").evaluate(context)
    assert execution.variables["approved"] is True


def test_any_bean_answers_to_string_and_equals() -> None:
    assert ev("${snake.equals(snake)}") is True
    assert isinstance(ev("${snake.toString()}"), str)


def test_bean_whitelist_may_map_java_names_to_python_names() -> None:
    assert ev("${snake.doIt(4)}") == 8


def test_unlisted_bean_method_cannot_be_called() -> None:
    error = error_of("${execution.secret()}")
    assert "Cannot resolve method 'secret' on bean 'execution'" in str(error)


def test_method_not_found_message_names_method_bean_and_expression() -> None:
    error = error_of("${myBean.doIt()}", element_id="Task_1", myBean={"a": 1})
    assert str(error).startswith(
        "Cannot resolve method 'doIt' on bean 'myBean' in expression ${myBean.doIt()}"
    )
    assert "Task_1" in str(error)


def test_unlisted_bean_property_cannot_be_read() -> None:
    assert "Cannot resolve property 'variables'" in str(error_of("${execution.variables}"))


def test_bean_may_raise_unknown_member_for_dynamic_names() -> None:
    class Dynamic(JuelBean):
        def el_get(self, name: str) -> Any:
            if name == "known":
                return 1
            raise UnknownMember(name)

    context = VariablesContext({}, beans={"d": Dynamic()})
    assert parse("${d.known}").evaluate(context) == 1
    with pytest.raises(JuelEvaluationError, match="Cannot resolve property 'other'"):
        parse("${d.other}").evaluate(context)


def test_method_on_null_reports_the_unreachable_target() -> None:
    error = error_of("${order.total()}", order=None)
    assert "Target unreachable, base expression 'order' resolved to null" in str(error)


def test_exception_inside_a_bean_method_becomes_an_evaluation_error() -> None:
    error = error_of("${failing.boom()}")
    assert "kaboom" in str(error)
    assert isinstance(error.__cause__, RuntimeError)


def test_engine_errors_from_a_bean_pass_through_unchanged() -> None:
    with pytest.raises(NotFound):
        ev("${failing.engineError()}")


# Functions


def test_function_call() -> None:
    assert ev("${twice(21)}") == 42


def test_unknown_function_is_an_evaluation_error() -> None:
    assert "Cannot resolve function 'now'" in str(error_of("${now()}"))


# Java methods on plain values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${s.length()}", 5),
        ("${s.isEmpty()}", False),
        ("${s.contains('ell')}", True),
        ("${s.startsWith('he')}", True),
        ("${s.endsWith('lo')}", True),
        ("${s.equals('hello')}", True),
        ("${s.equalsIgnoreCase('HELLO')}", True),
        ("${s.toUpperCase()}", "HELLO"),
        ("${s.toLowerCase()}", "hello"),
        ("${'  x  '.trim()}", "x"),
        ("${s.substring(1)}", "ello"),
        ("${s.substring(1, 3)}", "el"),
        ("${s.indexOf('l')}", 2),
        ("${s.indexOf('z')}", -1),
        ("${s.replace('l', 'L')}", "heLLo"),
        ("${s.matches('h.*o')}", True),
        ("${s.matches('ell')}", False),
        ("${'a,b,,'.split(',')}", ["a", "b"]),
        ("${s.concat('!')}", "hello!"),
        ("${s.charAt(1)}", "e"),
        ("${s.toString()}", "hello"),
    ],
)
def test_string_methods(text: str, expected: Any) -> None:
    assert ev(text, s="hello") == expected


def test_string_equals_does_not_coerce() -> None:
    assert ev("${s.equals(5)}", s="5") is False


def test_concat_coerces_its_argument_to_string() -> None:
    assert ev("${'/video/'.concat(id).concat('/publish')}", id=7) == "/video/7/publish"


def test_substring_out_of_range_is_an_error() -> None:
    with pytest.raises(JuelEvaluationError):
        ev("${s.substring(9)}", s="abc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${items.size()}", 3),
        ("${items.isEmpty()}", False),
        ("${items.contains('b')}", True),
        ("${items.get(0)}", "a"),
        ("${items.indexOf('c')}", 2),
    ],
)
def test_list_methods(text: str, expected: Any) -> None:
    assert ev(text, items=["a", "b", "c"]) == expected


def test_list_get_out_of_range_is_an_error_unlike_indexing() -> None:
    with pytest.raises(JuelEvaluationError):
        ev("${items.get(5)}", items=[])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${m.get('breakfast')}", True),
        ("${m.get('missing')}", None),
        ("${m.containsKey('breakfast')}", True),
        ("${m.containsValue(true)}", True),
        ("${m.size()}", 1),
        ("${m.isEmpty()}", False),
        ("${m.keySet()}", ["breakfast"]),
        ("${m.values()}", [True]),
    ],
)
def test_map_methods(text: str, expected: Any) -> None:
    assert ev(text, m={"breakfast": True}) == expected


def test_number_methods() -> None:
    assert ev("${n.intValue()}", n=7.9) == 7
    assert ev("${n.longValue()}", n=7) == 7
    assert ev("${n.doubleValue()}", n=7) == 7.0


def test_to_string_on_any_value() -> None:
    assert ev("${b.toString()}", b=True) == "true"
    assert ev("${n.toString()}", n=1.5) == "1.5"


def test_method_called_with_wrong_arity_is_not_found() -> None:
    assert "Cannot resolve method 'length'" in str(error_of("${s.length(1)}", s="x"))


def test_ternary_on_string_equals() -> None:
    assert ev("${!clarified.equals('yes')}", clarified="no") is True


# Python internals stay out of reach


@pytest.mark.parametrize(
    "text",
    [
        "${s.__class__}",
        "${s.__class__.__mro__}",
        "${''.join(items)}",
        "${s.format(1)}",
        "${s.__len__()}",
        "${items.append(1)}",
        "${items.__class__}",
        "${m.items()}",
        "${m.pop('k')}",
        "${execution.__dict__}",
        "${execution.__init__()}",
        "${execution._JuelBean__x}",
        "${execution.el_get('secret')}",
        "${f.__globals__}",
        "${f.__call__()}",
    ],
)
def test_python_internals_are_unreachable(text: str) -> None:
    with pytest.raises(JuelEvaluationError):
        ev(text, s="x", items=[], m={"k": 1}, f=lambda: None)


def test_dunder_keys_on_maps_are_just_missing_entries() -> None:
    assert ev("${m.__class__}", m={}) is None


def test_listing_a_private_name_does_not_expose_it() -> None:
    class Leaky(JuelBean):
        __el_methods__ = frozenset({"__class__", "_hidden"})

    context = VariablesContext({}, beans={"leaky": Leaky()})
    for text in ("${leaky.__class__()}", "${leaky._hidden()}"):
        with pytest.raises(JuelEvaluationError):
            parse(text).evaluate(context)

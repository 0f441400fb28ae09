"""Check JUEL expressions with the engine's own parser: what the engine cannot parse or would
have to hand to a Java bean is reported, everything else is left for the engine to evaluate."""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn import juel

# Functions Camunda 7 provides in every expression (plus Spin's).
CAMUNDA_FUNCTIONS = frozenset({
    "now", "dateTime", "currentUser", "currentUserGroups", "S", "JSON", "XML",
})
# Objects whose methods are Camunda API or ordinary values, not Spring/CDI beans.
CONTEXT_OBJECTS = frozenset({
    "execution", "task", "variables", "authenticatedUserId", "externalTask", "caseExecution",
    "variableScope",
})
# Methods of Java strings, collections, Joda time and Spin that the engine evaluates itself.
VALUE_METHODS = frozenset({
    "equals", "equalsIgnoreCase", "contains", "containsKey", "startsWith", "endsWith", "length",
    "size", "isEmpty", "toString", "toUpperCase", "toLowerCase", "trim", "substring", "concat",
    "get", "indexOf", "matches", "replace", "split", "charAt", "compareTo", "intValue",
    "longValue", "doubleValue", "booleanValue", "keySet", "values",
    "plusSeconds", "plusMinutes", "plusHours", "plusDays", "plusWeeks", "plusMonths", "plusYears",
    "minusSeconds", "minusMinutes", "minusHours", "minusDays", "minusWeeks", "minusMonths",
    "minusYears", "withSecondOfMinute", "withMinuteOfHour", "withHourOfDay", "withMillisOfSecond",
    "withTimeAtStartOfDay", "toDate", "isBefore", "isAfter", "getTime",
    "prop", "hasProp", "stringValue", "numberValue", "boolValue", "isNull", "elements",
    "element", "elementList", "jsonPath", "xPath", "textContent", "attr", "mapTo", "list",
    "getVariable", "getVariableLocal", "setVariable", "setVariableLocal", "hasVariable",
    "getProcessBusinessKey", "getBusinessKey", "getProcessInstanceId", "getId",
    "getActivityId", "getCurrentActivityId", "getCurrentActivityName", "getEventName",
})


@dataclass
class ExpressionCheck:
    text: str
    error: str | None = None
    position: int | None = None
    bean_calls: list[str] = field(default_factory=list)
    unknown_functions: list[str] = field(default_factory=list)
    identifiers: set[str] = field(default_factory=set)
    is_literal_text: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.bean_calls and not self.unknown_functions


def has_expression(text: str | None) -> bool:
    return bool(text) and ("${" in text or "#{" in text)  # type: ignore[operator]


def check(text: str) -> ExpressionCheck:
    """Parse ``text`` (composite JUEL text) and classify what it calls."""
    result = ExpressionCheck(text)
    try:
        expression = juel.parse(text)
    except juel.JuelSyntaxError as exc:
        result.error = getattr(exc, "detail", None) or str(exc)
        result.position = getattr(exc, "position", None)
        return result
    result.is_literal_text = bool(getattr(expression, "is_literal_text", False))
    result.identifiers = set(expression.identifiers())
    for call in expression.method_calls():
        if is_bean_call(call.target, call.method):
            result.bean_calls.append(f"{call.target}.{call.method}")
    result.unknown_functions = [f for f in expression.function_calls() if f not in CAMUNDA_FUNCTIONS]
    return result


def is_bean_call(target: str, method: str) -> bool:
    root = target.split(".", 1)[0].split("(", 1)[0].split("[", 1)[0].strip()
    if root in CONTEXT_OBJECTS or root in CAMUNDA_FUNCTIONS:
        return False
    return method not in VALUE_METHODS

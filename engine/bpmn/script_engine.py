"""Expressions and scripts for SpiffWorkflow, evaluated the way Camunda 7 does.

Every expression Spiff evaluates (sequence-flow conditions, timer text, MI cardinality...)
arrives here and is evaluated as JUEL over the instance's Camunda variables: never with
Python ``eval``. Python script tasks are user code by design and run with ``exec`` over a
copy of the variables (Camunda runs script tasks too); a configuration switch turns inline
scripts off. JavaScript and Groovy raise an error that names the script task.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from engine.bpmn import juel
from engine.errors import ExpressionError, ScriptEvaluationError
from engine.variables import to_python

if TYPE_CHECKING:
    from engine.scope import InstanceVariables

PYTHON_FORMATS = {"python", "py", ""}


def camunda(task_spec: Any) -> dict[str, Any]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return extensions.get("camunda") or {}


def camunda_attribute(task_spec: Any, name: str) -> str | None:
    return camunda(task_spec).get("attributes", {}).get(name)


class ExecutionBean(juel.JuelBean):
    """``execution`` in expressions: Camunda's DelegateExecution, read and write."""

    __el_methods__ = frozenset(
        {
            "getVariable", "getVariableLocal", "getVariables", "getVariablesLocal", "hasVariable",
            "hasVariableLocal", "setVariable", "setVariableLocal", "removeVariable",
            "getProcessBusinessKey", "getBusinessKey", "getProcessInstanceId", "getId",
            "getActivityId", "getCurrentActivityId", "getCurrentActivityName",
            "getProcessDefinitionId", "getTenantId", "getEventName", "getVariableNames",
            "getCurrentTransitionId",
        }
    )
    __el_properties__ = frozenset(
        {
            "processBusinessKey", "businessKey", "processInstanceId", "id", "activityId",
            "currentActivityId", "currentActivityName", "processDefinitionId", "tenantId",
            "eventName", "variables", "variableNames", "currentTransitionId",
        }
    )

    def __init__(self, context: ExpressionContext) -> None:
        self._ctx = context

    # JUEL property access maps onto the getters, as in Java beans.
    def el_get(self, name: str) -> Any:
        if name not in self.__el_properties__:
            return super().el_get(name)
        getter = "get" + name[0].upper() + name[1:]
        return getattr(self, getter)()

    def getVariable(self, name: str) -> Any:  # noqa: N802 (Camunda's names)
        found = self._ctx.lookup(name)
        return None if found is None else to_python(found)

    def getVariableLocal(self, name: str) -> Any:  # noqa: N802
        found = self._ctx.variables.local(self._ctx.local_scope or "").get(name)
        return None if found is None else to_python(found)

    def getVariables(self) -> dict[str, Any]:  # noqa: N802
        return {k: to_python(v) for k, v in self._ctx.visible().items()}

    def getVariablesLocal(self) -> dict[str, Any]:  # noqa: N802
        return {k: to_python(v) for k, v in self._ctx.variables.local(self._ctx.local_scope or "").items()}

    def getVariableNames(self) -> list[str]:  # noqa: N802
        return sorted(self._ctx.visible())

    def hasVariable(self, name: str) -> bool:  # noqa: N802
        return self._ctx.lookup(name) is not None

    def hasVariableLocal(self, name: str) -> bool:  # noqa: N802
        return name in self._ctx.variables.local(self._ctx.local_scope or "")

    def setVariable(self, name: str, value: Any) -> None:  # noqa: N802
        self._ctx.set_variable(str(name), value)

    def setVariableLocal(self, name: str, value: Any) -> None:  # noqa: N802
        if self._ctx.local_scope:
            self._ctx.variables.set_local(str(name), value, self._ctx.local_scope)
        else:
            self._ctx.variables.set(str(name), value)

    def removeVariable(self, name: str) -> None:  # noqa: N802
        self._ctx.variables.remove(str(name), self._ctx.scope_id)

    def getProcessBusinessKey(self) -> str | None:  # noqa: N802
        return self._ctx.business_key

    getBusinessKey = getProcessBusinessKey  # noqa: N815

    def getProcessInstanceId(self) -> str:  # noqa: N802
        return self._ctx.variables.process_instance_id

    def getId(self) -> str:  # noqa: N802
        return self._ctx.variables.process_instance_id

    def getActivityId(self) -> str | None:  # noqa: N802
        return self._ctx.activity_id

    getCurrentActivityId = getActivityId  # noqa: N815

    def getCurrentActivityName(self) -> str | None:  # noqa: N802
        return self._ctx.activity_name

    def getProcessDefinitionId(self) -> str | None:  # noqa: N802
        return self._ctx.process_definition_id

    def getTenantId(self) -> str | None:  # noqa: N802
        return self._ctx.tenant_id

    def getEventName(self) -> str | None:  # noqa: N802
        return self._ctx.event_name

    def getCurrentTransitionId(self) -> str | None:  # noqa: N802
        """The sequence flow being taken, in a ``take`` listener."""
        return self._ctx.transition_id


class ExpressionContext(juel.ElContext):
    """What an expression sees: beans (``execution``), variables, and Camunda's functions."""

    def __init__(
        self,
        variables: InstanceVariables,
        *,
        scope_id: str | None = None,
        activity_id: str | None = None,
        activity_name: str | None = None,
        business_key: str | None = None,
        process_definition_id: str | None = None,
        tenant_id: str | None = None,
        event_name: str | None = None,
        extra_beans: Mapping[str, Any] | None = None,
        extra_values: Mapping[str, Any] | None = None,
        outer_scopes: tuple[str, ...] = (),
    ) -> None:
        self.variables = variables
        self.scope_id = scope_id
        # Enclosing activity scopes (multi-instance body, sub-process...), innermost first.
        self.outer_scopes = tuple(s for s in outer_scopes if s != scope_id)
        self.activity_id = activity_id
        self.activity_name = activity_name
        self.business_key = business_key
        self.process_definition_id = process_definition_id
        self.tenant_id = tenant_id
        self.event_name = event_name
        self.transition_id: str | None = None
        self._beans: dict[str, Any] = {"execution": ExecutionBean(self)}
        if extra_beans:
            self._beans.update(extra_beans)
        self._values = dict(extra_values or {})

    def resolve(self, name: str) -> Any:
        if name in self._beans:
            return self._beans[name]
        if name in self._values:
            return self._values[name]
        found = self.lookup(name)
        if found is None:
            raise KeyError(name)
        return to_python(found)

    def add_bean(self, name: str, bean: Any) -> None:
        """Make ``bean`` resolvable by name (``task`` in a task listener)."""
        self._beans[name] = bean

    @property
    def local_scope(self) -> str | None:
        """The innermost scope: the activity's own (``setVariableLocal`` writes there)."""
        scopes = self.scopes()
        return scopes[0] if scopes else None

    def scopes(self) -> tuple[str, ...]:
        """Local scopes this context sees, innermost first (the process scope not included)."""
        return ((self.scope_id,) if self.scope_id else ()) + self.outer_scopes

    def lookup(self, name: str) -> Any:
        for scope in self.scopes():
            found = self.variables.local(scope).get(name)
            if found is not None:
                return found
        return self.variables.process().get(name)

    def visible(self) -> dict[str, Any]:
        merged = dict(self.variables.process())
        for scope in reversed(self.scopes()):
            merged.update(self.variables.local(scope))
        return merged

    def set_variable(self, name: str, value: Any) -> None:
        """Camunda's ``setVariable``: where the name is visible (innermost scope first), else
        on the process instance."""
        for scope in self.scopes():
            if name in self.variables.local(scope):
                self.variables.set_local(name, value, scope)
                return
        self.variables.set(name, value)

    def function(self, name: str) -> Callable[..., Any] | None:
        return _FUNCTIONS.get(name) or getattr(juel, "SPIN_FUNCTIONS", {}).get(name)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "currentUser": lambda: None,
    "currentUserGroups": lambda: [],
}


def evaluate(text: str, context: ExpressionContext, *, element_id: str | None = None) -> Any:
    """Evaluate a Camunda expression attribute. Text without ``${…}`` is literal text, as in
    Camunda (``camunda:assignee="demo"`` is the user demo)."""
    return juel.parse(text).evaluate(context, element_id=element_id)


def evaluate_condition(text: str, context: ExpressionContext, *, element_id: str | None = None) -> Any:
    """A condition (sequence flow, completion condition...). Camunda requires ``${…}``;
    models written for Spiff use bare expressions, which we read as JUEL too."""
    stripped = text.strip()
    if "${" not in stripped and "#{" not in stripped:
        stripped = "${" + stripped + "}"
    return juel.parse(stripped).evaluate(context, element_id=element_id)


def _is_timer_text(task: Any, expression: str) -> bool:
    from engine.jobs.timers import timer_definition

    definition = timer_definition(task.task_spec)
    return definition is not None and definition.expression == expression


def timer_literal(text: str) -> str:
    """The timer in a timer text: `m8flow migrate convert` quotes ISO literals ('PT5M') for
    engines that evaluate timer text as code; the literal inside is the timer."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def evaluate_timer(task: Any, text: str, context: ExpressionContext) -> str:
    """Timer text is literal (``PT5M``) unless it holds ``${…}``; a JUEL date becomes ISO text,
    and a Quartz cron cycle an ISO cycle from its first fire time (the job layer moves each
    next fire time to the cron's, see ``engine.jobs.timers``)."""
    from engine.jobs import cron
    from engine.jobs.timers import timer_definition

    value = evaluate(text, context, element_id=task.task_spec.bpmn_id)
    if isinstance(value, datetime):
        value = value if value.tzinfo is not None else value.astimezone()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text_value = timer_literal(str(value))
    if isinstance(timer_definition(task.task_spec), CycleTimerEventDefinition) and cron.is_cron(text_value):
        first = cron.next_fire_time(text_value, datetime.now(UTC))
        task._set_internal_data(m8flow_cron=text_value, m8flow_cron_next=first.isoformat())
        return f"R/{first.isoformat()}/P1D"
    return text_value


class CamundaScriptEngine(PythonScriptEngine):
    """One per command: bound to that command's variable scope and instance facts."""

    def __init__(
        self,
        context_factory: Callable[[Any], ExpressionContext],
        *,
        scripts_enabled: bool = True,
    ) -> None:
        super().__init__()
        self._context_factory = context_factory
        self.scripts_enabled = scripts_enabled

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        if not isinstance(expression, str):
            return expression
        context = self._context_factory(task)
        if _is_timer_text(task, expression):
            return evaluate_timer(task, expression, context)
        return evaluate_condition(expression, context, element_id=task.task_spec.bpmn_id)

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        spec = task.task_spec
        element = spec.bpmn_id or spec.name
        script_format = (
            getattr(spec, "script_format", None)
            or (getattr(spec, "extensions", None) or {}).get("scriptFormat")  # bpmn:scriptTask/@scriptFormat
            or camunda_attribute(spec, "scriptFormat")
            or "python"
        ).lower()
        if script_format not in PYTHON_FORMATS:
            raise ScriptEvaluationError(
                f"Script task '{element}' is written in {script_format}; m8flow runs Python scripts only. "
                "Convert it with `m8flow migrate convert` or port it to Python."
            )
        if not self.scripts_enabled:
            raise ScriptEvaluationError(
                f"Script task '{element}': inline scripts are disabled (M8FLOW_SCRIPTS_ENABLED=false)."
            )
        run_python(script, self._context_factory(task), f"script task {element}", element)
        return True

    def context(self, task: Any) -> ExpressionContext:
        """The expression context of a Spiff task (its variables and scopes)."""
        return self._context_factory(task)


def run_python(
    script: str, context: ExpressionContext, label: str, element: str | None,
    extra: Mapping[str, Any] | None = None,
    *, assign_variables: bool = True,
) -> Any:
    """Run a Python script over the visible variables; names it assigns become variables
    (``setVariable``). Returns the value of a final bare expression (a script's result, as
    in Camunda's script value providers), else None."""
    before = {name: to_python(value) for name, value in context.visible().items()}
    namespace: dict[str, Any] = dict(before)
    namespace["execution"] = _PythonExecution(context)
    namespace.update(extra or {})
    tree = ast.parse(script, f"<{label}>", "exec")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    assert last is None or isinstance(last, ast.Expr)
    try:
        exec(compile(tree, f"<{label}>", "exec"), namespace)  # noqa: S102 (user script, by design)
        result = eval(compile(ast.Expression(last.value), f"<{label}>", "eval"), namespace) if last else None  # noqa: S307
    except ExpressionError:
        raise
    except Exception as exc:
        raise ScriptEvaluationError(
            f"Unable to evaluate script while executing activity '{element}': {type(exc).__name__}: {exc}"
        ) from exc
    if not assign_variables:
        return result
    for name, value in namespace.items():
        if name.startswith("__") or name == "execution" or (extra and name in extra) or callable(value) or _is_module(value):
            continue
        if name not in before or before[name] is not value and before[name] != value:
            context.set_variable(name, value)
    return result


def scope_chain(task: Any) -> tuple[str, ...]:
    """The activity scopes around a Spiff task, innermost first: the task itself, the
    multi-instance body holding it, and each enclosing sub-process task, outwards."""
    chain: list[str] = []
    current = task
    while current is not None:
        chain.append(str(current.id))
        parent = current.parent
        if parent is not None and isinstance(parent.task_spec, MultiInstanceTask):
            chain.append(str(parent.id))
        workflow = current.workflow
        parent_id = getattr(workflow, "parent_task_id", None)
        if parent_id is None:
            break
        current = workflow.top_workflow.get_task_from_id(parent_id)
    return tuple(chain)


def _is_module(value: Any) -> bool:
    return type(value).__name__ == "module"


class _PythonExecution:
    """``execution`` inside a Python script: the same bean, called the Python way."""

    def __init__(self, context: ExpressionContext) -> None:
        self._bean = ExecutionBean(context)

    def __getattr__(self, name: str) -> Any:
        if name in ExecutionBean.__el_methods__:
            return getattr(self._bean, name)
        if name in ExecutionBean.__el_properties__:
            return self._bean.el_get(name)
        raise AttributeError(name)

"""``camunda:inputOutput`` on activities and sub-processes.

Input parameters are evaluated when the activity starts, against what the activity sees
from outside, and become local variables of the activity's scope (a user task's local
variables; for a sub-process, variables every element inside it sees). Output parameters are
evaluated when the activity ends, against its scope, and are set outside it (Camunda's
``setVariable`` on the parent: where the name already lives, else on the process instance).

Value providers, as Camunda's: text, JUEL expression, ``camunda:list``, ``camunda:map`` and
``camunda:script`` (Python; its value is the last bare expression).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import UserTask

from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import PYTHON_FORMATS, ExpressionContext, evaluate, run_python
from engine.errors import ScriptEvaluationError

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession


def has_io(spec: Any) -> bool:
    return "inputOutput" in camunda_of(spec)


def apply_inputs(session: ProcessInstanceSession, spiff_task: Any) -> None:
    parameters = camunda_of(spiff_task.task_spec).get("inputOutput", {}).get("inputParameters", [])
    if not parameters:
        return
    scope = str(spiff_task.id)
    context = session.context_for(spiff_task)
    element = spiff_task.task_spec.bpmn_id
    # All values first: each input sees the outside, not the inputs before it.
    values = [(p["name"], value_of(p, context, element, session.engine.settings.scripts_enabled)) for p in parameters]
    task_id = scope if isinstance(spiff_task.task_spec, UserTask) else None
    for name, value in values:
        session.variables.set_local(name, value, scope, task_id=task_id)


def apply_outputs(session: ProcessInstanceSession, spiff_task: Any) -> None:
    parameters = camunda_of(spiff_task.task_spec).get("inputOutput", {}).get("outputParameters", [])
    if not parameters:
        return
    context = session.context_for(spiff_task)
    element = spiff_task.task_spec.bpmn_id
    values = [(p["name"], value_of(p, context, element, session.engine.settings.scripts_enabled)) for p in parameters]
    outside = outer_context(session, spiff_task)
    for name, value in values:
        outside.set_variable(name, value)


def outer_context(session: ProcessInstanceSession, spiff_task: Any) -> ExpressionContext:
    """The context of the activity's parent scope (where its outputs go)."""
    context = session.context_for(spiff_task)
    own = str(spiff_task.id)
    context.outer_scopes = tuple(scope for scope in context.outer_scopes if scope != own)
    return context


def value_of(parameter: dict[str, Any], context: ExpressionContext, element: str | None, scripts_enabled: bool = True) -> Any:
    kind = parameter.get("kind")
    value: Any = parameter.get("value")
    if kind == "text":
        return value
    if kind == "expression":
        return evaluate(value, context, element_id=element)
    if kind == "list":
        return [value_of(item, context, element, scripts_enabled) for item in value]
    if kind == "map":
        return {key: value_of(item, context, element, scripts_enabled) for key, item in value.items()}
    if kind == "script":
        return _script_value(value, context, element, scripts_enabled)
    return None


def _script_value(script: dict[str, Any], context: ExpressionContext, element: str | None, scripts_enabled: bool) -> Any:
    script_format = (script.get("scriptFormat") or "python").lower()
    if script_format not in PYTHON_FORMATS:
        raise ScriptEvaluationError(
            f"Script in the input/output mapping of '{element}' is written in {script_format}; m8flow runs "
            "Python scripts only. Convert it with `m8flow migrate convert` or port it to Python."
        )
    if not scripts_enabled:
        raise ScriptEvaluationError(
            f"Script in the input/output mapping of '{element}': inline scripts are disabled (M8FLOW_SCRIPTS_ENABLED=false)."
        )
    if not script.get("text"):
        raise ScriptEvaluationError(
            f"Script in the input/output mapping of '{element}': external script resources "
            f"({script.get('resource')}) are not supported"
        )
    return run_python(script["text"], context, f"mapping script of {element}", element, assign_variables=False)

"""Java delegates, ported to Python: handlers registered by name.

A Camunda model names Java code: ``camunda:class="com.acme.ChargeCard"``,
``camunda:delegateExpression="${chargeCard}"``, or a bean method in
``camunda:expression="${billing.charge(execution)}"``. m8flow looks the name up in a registry
of Python callables, filled from the ``m8flow.delegates`` entry point group and in code::

    # pyproject.toml of the team's package
    [project.entry-points."m8flow.delegates"]
    "com.acme.ChargeCard" = "acme.delegates:charge_card"
    chargeCard = "acme.delegates:charge_card"

    def charge_card(execution) -> None:          # a JavaDelegate / ExecutionListener
        execution.setVariable("charged", execution.getVariable("amount") > 0)

    engine.delegates.register("com.acme.ChargeCard", charge_card)   # tests, embedding

A handler receives Camunda's ``DelegateExecution`` (``getVariable``, ``setVariable``,
``getBusinessKey``, ``getProcessInstanceId``, ``getCurrentActivityId``...) or, in a task
listener, ``DelegateTask``. A registered object that is not a function can be called from
expressions by its public methods (``${billing.charge(execution)}``).

A handler may be a function, a class, or an object. A class is the closest port of a Java
delegate: like Camunda, m8flow creates a fresh instance for every call and calls its
``execute(execution)`` (service tasks) or ``notify(execution | task)`` (listeners). An object
(a registered bean, ``delegateExpression="${chargeCard}"``) is called the same way, or
directly when it is callable.

Field injection (``camunda:field`` on a class or delegateExpression service task or listener)
works as in Camunda: each field arrives as an ``Expression`` whose ``getValue(execution)``
returns the ``stringValue`` / ``camunda:string`` text, or evaluates the ``expression`` /
``camunda:expression`` (JUEL) at that moment. A class instance (or a copy of a registered
object) gets each field through a Java-bean setter (``setText``) when it has one, else as an
attribute; a function gets the evaluated values as keyword arguments, and a field it does not
accept fails the command, as a field missing on the Java class does::

    # <serviceTask camunda:class="com.acme.Greeter">
    #   <extensionElements><camunda:field name="greeting" stringValue="Hello"/>
    #     <camunda:field name="who"><camunda:expression>${name}</camunda:expression></camunda:field>
    class Greeter:                                # JavaDelegate with two Expression fields
        greeting: Expression
        who: Expression

        def execute(self, execution):
            execution.setVariable("text", f"{self.greeting.getValue(execution)} {self.who.getValue(execution)}")

    def greet(execution, *, greeting, who):       # the same, as a function
        execution.setVariable("text", f"{greeting} {who}")

Service, send and business rule tasks implemented by a delegate run it and complete in the
same command. An unknown name fails the command, as a missing class does in Camunda (the
transaction rolls back; the REST answer is a 500 naming the class).
"""
from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import juel
from engine.bpmn.extensions import camunda_of
from engine.bpmn.script_engine import ExecutionBean, ExpressionContext, evaluate
from engine.bpmn.specs import CamundaCallActivity, CamundaReceiveTask, model_has
from engine.errors import ProcessEngineException

if TYPE_CHECKING:
    from engine.instance import ProcessInstanceSession

ENTRY_POINT_GROUP = "m8flow.delegates"
IMPLEMENTATIONS = ("class", "delegateExpression", "expression")


class ClassLoadingError(ProcessEngineException):
    """No handler under the name a model uses (Camunda's ``ClassLoadingException``)."""

    camunda_type = "ClassLoadingException"


class DelegateRegistry:
    """Names (Java class names, bean names) to Python handlers. Entry points load on first
    lookup; names registered in code win over entry points."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self._group = group
        self._handlers: dict[str, Any] = {}
        self._entry_points: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def register(self, name: str, handler: Any) -> None:
        with self._lock:
            self._handlers[name] = handler

    def unregister(self, name: str) -> None:
        with self._lock:
            self._handlers.pop(name, None)

    @contextmanager
    def registered(self, name: str, handler: Any) -> Iterator[None]:
        self.register(name, handler)
        try:
            yield
        finally:
            self.unregister(name)

    def get(self, name: str) -> Any | None:
        with self._lock:
            if name in self._handlers:
                return self._handlers[name]
            if self._entry_points is None:
                self._entry_points = {ep.name: ep for ep in entry_points(group=self._group)}
            entry_point = self._entry_points.get(name)
        if entry_point is None:
            return None
        handler = entry_point.load()
        with self._lock:
            self._handlers.setdefault(name, handler)
        return handler

    def lookup_class(self, class_name: str) -> Any:
        handler = self.get(class_name)
        if handler is None:
            raise ClassLoadingError(
                f"ENGINE-09008 Exception while instantiating class '{class_name}': ENGINE-09017 Cannot load class "
                f"'{class_name}': no Python handler is registered under this name (entry point group "
                f"'{self._group}', or engine.delegates.register)"
            )
        return handler


REGISTRY = DelegateRegistry()
register = REGISTRY.register
unregister = REGISTRY.unregister
registered = REGISTRY.registered


class _RegisteredBean(juel.JuelBean):
    """A registered object in an expression: its public methods and attributes."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def el_get(self, name: str) -> Any:
        if name.startswith("_") or not hasattr(self._target, name):
            raise juel.UnknownMember(name)
        return getattr(self._target, name)

    def el_invoke(self, name: str, args: list[Any]) -> Any:
        if callable(self._target) and not hasattr(self._target, name) and name in ("execute", "notify"):
            return self._target(*args)
        if name.startswith("_") or not callable(getattr(self._target, name, None)):
            raise juel.UnknownMember(name)
        return getattr(self._target, name)(*args)


def with_registered_beans(context: ExpressionContext, text: str) -> ExpressionContext:
    """Registered names used in the expression become beans, unless a variable shadows them."""
    for name in juel.parse(text).identifiers():
        if name == "execution" or name == "task" or context.lookup(name) is not None:
            continue
        handler = REGISTRY.get(name)
        if handler is not None:
            context.add_bean(name, _RegisteredBean(handler))
    return context


def resolve_delegate(implementation: dict[str, Any], context: ExpressionContext, element: str | None) -> Any:
    """The handler of a ``class`` or ``delegateExpression`` implementation: a function, a
    class or an object (see the module docstring)."""
    if implementation.get("class"):
        return REGISTRY.lookup_class(implementation["class"])
    text = implementation["delegateExpression"]
    parsed = juel.parse(text)
    names = parsed.identifiers()
    if len(names) == 1 and text.strip()[2:-1].strip() in names:
        handler = REGISTRY.get(next(iter(names)))
        if handler is not None:
            return handler
    value = evaluate(text, context, element_id=element)
    if isinstance(value, str):
        return REGISTRY.lookup_class(value)
    if isinstance(value, _RegisteredBean):
        value = value._target
    if not callable(value) and not any(callable(getattr(value, name, None)) for name in _ENTRY_METHODS):
        raise ProcessEngineException(
            f"Delegate expression {text} did not resolve to an implementation of JavaDelegate (activity '{element}')"
        )
    return value


def invoke(
    implementation: dict[str, Any], context: ExpressionContext, element: str | None, argument: Any = None,
    *, fields: list[dict[str, Any]] | None = None, listener: bool = False,
) -> Any:
    """Run a class / delegateExpression / expression implementation in ``context``.
    ``fields`` default to the implementation's own (a listener's ``camunda:field``s)."""
    bean = argument if argument is not None else ExecutionBean(context)
    if implementation.get("class") or implementation.get("delegateExpression"):
        handler = resolve_delegate(implementation, context, element)
        if fields is None:
            fields = implementation.get("fields") or []
        return _call(handler, bean, [Expression(field, context, element) for field in fields], listener)
    text = implementation["expression"]
    return evaluate(text, with_registered_beans(context, text), element_id=element)


# -- calling a handler, with field injection ----------------------------------------------------
_ENTRY_METHODS = ("execute", "notify")


class Expression:
    """A ``camunda:field`` as Camunda injects it (``org.camunda.bpm.engine.delegate.Expression``):
    a fixed string, or JUEL evaluated when ``getValue`` is called."""

    def __init__(self, field: dict[str, Any], context: ExpressionContext, element: str | None) -> None:
        self.name: str = field.get("name") or ""
        self._field = field
        self._context = context
        self._element = element

    def getValue(self, scope: Any = None) -> Any:  # noqa: N802 (Camunda's names)
        """The field's value now; ``scope`` (the execution or task) is the one the handler got."""
        if "stringValue" in self._field:
            return self._field["stringValue"]
        text = self._field.get("expression") or ""
        return evaluate(text, with_registered_beans(self._context, text), element_id=self._element)

    get_value = getValue

    def getExpressionText(self) -> str:  # noqa: N802
        return self._field.get("stringValue", self._field.get("expression")) or ""

    def isLiteralText(self) -> bool:  # noqa: N802
        return "stringValue" in self._field

    def __repr__(self) -> str:
        return f"Expression({self.name}={self.getExpressionText()!r})"


def _call(handler: Any, bean: Any, fields: list[Expression], listener: bool) -> Any:
    """Call a function, a fresh instance of a class, or an object, with ``fields`` injected."""
    target: Any
    if inspect.isclass(handler):
        target = handler()
    elif inspect.isroutine(handler):
        return handler(bean, **_keyword_values(handler, fields, bean)) if fields else handler(bean)
    else:
        target = copy.copy(handler) if fields else handler  # a registered bean stays as it was
    for field in fields:
        _inject(target, field)
    order = ("notify", "execute") if listener else ("execute", "notify")
    for name in order:
        method = getattr(target, name, None)
        if callable(method):
            return method(bean)
    return target(bean)


def _inject(target: Any, field: Expression) -> None:
    setter = getattr(target, "set" + field.name[:1].upper() + field.name[1:], None)
    if callable(setter):
        setter(field)
        return
    try:
        setattr(target, field.name, field)
    except AttributeError as exc:  # __slots__ without the name, or a read-only property
        raise _missing_field(field, target) from exc


def _keyword_values(function: Any, fields: list[Expression], bean: Any) -> dict[str, Any]:
    parameters = inspect.signature(function).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for field in fields:
        if not takes_any and field.name not in parameters:
            raise _missing_field(field, function)
    return {field.name: field.getValue(bean) for field in fields}


def _missing_field(field: Expression, target: Any) -> ProcessEngineException:
    owner = getattr(target, "__qualname__", type(target).__qualname__)
    return ProcessEngineException(f"Field definition uses non-existing field '{field.name}' on handler '{owner}'")


def is_delegate_task(spec: Any) -> bool:
    if not isinstance(spec, ServiceTask) or isinstance(spec, (CamundaCallActivity, CamundaReceiveTask)):
        return False
    attributes = camunda_of(spec)["attributes"]
    return attributes.get("type") != "external" and any(attributes.get(key) for key in IMPLEMENTATIONS)


def _has_delegate_tasks(session: ProcessInstanceSession) -> bool:
    workflow = session.workflow
    assert workflow is not None
    return model_has(workflow.spec, workflow.subprocess_specs, "delegates", is_delegate_task)


def run_delegate_tasks(session: ProcessInstanceSession) -> bool:
    """After-steps hook: service-like tasks implemented by a delegate, parked by Spiff, run
    their handler and complete. Returns whether any did (so the engine runs on)."""
    if not _has_delegate_tasks(session):
        return False
    from engine.instance import behaviours, spiff_errors

    assert session.workflow is not None
    moved = False
    for spiff_task in session.workflow.get_tasks(state=TaskState.STARTED):
        spec = spiff_task.task_spec
        if not is_delegate_task(spec):
            continue
        attributes = camunda_of(spec)["attributes"]
        context = session.context_for(spiff_task)
        result = invoke(attributes, context, spec.bpmn_id, fields=camunda_of(spec).get("fields") or [])
        if attributes.get("expression") and attributes.get("resultVariable"):
            context.set_variable(attributes["resultVariable"], result)
        with spiff_errors():
            spiff_task.complete()
            behaviours().did_complete(session, spiff_task)
        moved = True
    return moved

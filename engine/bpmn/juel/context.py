"""What an expression can see: the context that resolves identifiers and functions, and
``JuelBean``, the only kind of object whose methods and properties an expression may reach.

Nothing here looks up a Python attribute named by expression text unless a bean class
listed that name in ``__el_methods__``/``__el_properties__``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable

from engine.bpmn.juel.errors import UnknownMember

_EMPTY: Mapping[str, Any] = MappingProxyType({})

# A whitelist: Java-style names, or a mapping from Java-style name to Python attribute name.
Members = frozenset[str] | Mapping[str, str]


@runtime_checkable
class ElContext(Protocol):
    def resolve(self, name: str) -> Any:
        """The value of a top-level identifier; raise ``KeyError`` when there is none."""
        ...

    def function(self, name: str) -> Callable[..., Any] | None:
        """The callable for ``name(...)`` or ``ns:name(...)``, or None when unknown."""
        ...


class VariablesContext:
    """Beans first, then variables, as Camunda resolves them. A variable whose value is
    None resolves to null; only an absent name is unknown."""

    def __init__(
        self,
        variables: Mapping[str, Any],
        beans: Mapping[str, Any] = _EMPTY,
        functions: Mapping[str, Callable[..., Any]] = _EMPTY,
    ) -> None:
        self.variables = variables
        self.beans = beans
        self.functions = functions

    def resolve(self, name: str) -> Any:
        if name in self.beans:
            return self.beans[name]
        if name in self.variables:
            return self.variables[name]
        raise KeyError(name)

    def function(self, name: str) -> Callable[..., Any] | None:
        return self.functions.get(name)


def _python_name(members: Members, name: str) -> str | None:
    if name.startswith("_"):
        return None
    if isinstance(members, Mapping):
        return members.get(name)
    return name if name in members else None


class JuelBean:
    """Base for objects expressions may use: ``${execution.getVariable('x')}``.

    Subclasses whitelist Java-style names; the Python attribute has the same name unless
    the whitelist is a mapping (``{"getVariable": "get_variable"}``)::

        class ExecutionBean(JuelBean):
            __el_methods__ = frozenset({"getVariable", "setVariable"})
            __el_properties__ = frozenset({"processBusinessKey"})

    A property not listed falls back to a listed Java getter (``processInstanceId`` ->
    ``getProcessInstanceId()``), as Java beans do. Override ``el_get``/``el_invoke`` for
    dynamic beans; raise ``UnknownMember`` for names the bean does not have.
    """

    __el_methods__: ClassVar[Members] = frozenset()
    __el_properties__: ClassVar[Members] = frozenset()

    def el_get(self, name: str) -> Any:
        attribute = _python_name(self.__el_properties__, name)
        if attribute is not None:
            return getattr(self, attribute)
        if name:
            capitalised = name[0].upper() + name[1:]
            for prefix in ("get", "is"):
                getter = _python_name(self.__el_methods__, prefix + capitalised)
                if getter is not None:
                    return getattr(self, getter)()
        raise UnknownMember(name)

    def el_invoke(self, name: str, args: list[Any]) -> Any:
        attribute = _python_name(self.__el_methods__, name)
        if attribute is None:
            raise UnknownMember(name)
        return getattr(self, attribute)(*args)

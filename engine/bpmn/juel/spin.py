"""Camunda Spin's ``S()``, ``JSON()`` and ``XML()`` for expressions, covering the common
idioms: ``${S(order).prop("total").numberValue() > 100}``, ``${JSON(x).hasProp("id")}``,
``${XML(doc).xPath('/a/b').element().textContent()}``.

Pass ``SPIN_FUNCTIONS`` as (part of) a context's functions. ``jsonPath`` is not supported.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from lxml import etree

from engine.bpmn.juel.context import JuelBean
from engine.bpmn.xml import parse_xml
from engine.errors import ParseError


class SpinError(Exception):
    """A Spin operation failed (wrong node type, missing property, unparsable input)."""


_MISSING = object()


def _json_type(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, (int, float)):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    return "OBJECT"


class SpinJsonNode(JuelBean):
    """A JSON value (object, array, string, number, boolean or null), as Spin's
    ``SpinJsonNode``."""

    __el_methods__ = frozenset(
        {
            "prop", "hasProp", "deleteProp", "fieldNames", "elements",
            "stringValue", "numberValue", "boolValue", "value",
            "isNull", "isObject", "isArray", "isString", "isNumber", "isBoolean", "isValue",
            "toString",
        }
    )  # fmt: skip

    def __init__(self, value: Any) -> None:
        self._value = value

    def __str__(self) -> str:
        return self.toString()

    def __repr__(self) -> str:
        return f"SpinJsonNode({self.toString()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpinJsonNode) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self.toString())

    def _expect(self, *kinds: str) -> Any:
        kind = _json_type(self._value)
        if kind not in kinds:
            raise SpinError(f"Expected '{' or '.join(kinds)}', got '{kind}'")
        return self._value

    def prop(self, name: str, value: Any = _MISSING) -> SpinJsonNode:
        obj = self._expect("OBJECT")
        if value is not _MISSING:
            obj[name] = value._value if isinstance(value, SpinJsonNode) else value
            return self
        if name not in obj:
            raise SpinError(f"Unable to find '{name}'")
        return SpinJsonNode(obj[name])

    def hasProp(self, name: str) -> bool:
        return isinstance(self._value, dict) and name in self._value

    def deleteProp(self, name: str) -> SpinJsonNode:
        obj = self._expect("OBJECT")
        if name not in obj:
            raise SpinError(f"Unable to find '{name}'")
        del obj[name]
        return self

    def fieldNames(self) -> list[str]:
        return list(self._expect("OBJECT"))

    def elements(self) -> list[SpinJsonNode]:
        return [SpinJsonNode(item) for item in self._expect("ARRAY")]

    def stringValue(self) -> str:
        return str(self._expect("STRING"))

    def numberValue(self) -> int | float:
        number: int | float = self._expect("NUMBER")
        return number

    def boolValue(self) -> bool:
        return bool(self._expect("BOOLEAN"))

    def value(self) -> Any:
        return self._expect("STRING", "NUMBER", "BOOLEAN", "NULL")

    def isNull(self) -> bool:
        return self._value is None

    def isObject(self) -> bool:
        return isinstance(self._value, dict)

    def isArray(self) -> bool:
        return isinstance(self._value, list)

    def isString(self) -> bool:
        return isinstance(self._value, str)

    def isNumber(self) -> bool:
        return _json_type(self._value) == "NUMBER"

    def isBoolean(self) -> bool:
        return isinstance(self._value, bool)

    def isValue(self) -> bool:
        return _json_type(self._value) in ("STRING", "NUMBER", "BOOLEAN")

    def toString(self) -> str:
        return json.dumps(self._value, separators=(",", ":"), ensure_ascii=False)


class SpinXmlAttribute(JuelBean):
    __el_methods__ = frozenset({"value", "name", "namespace", "toString"})

    def __init__(self, name: str, value: str) -> None:
        self._qname = etree.QName(name)
        self._value = value

    def __str__(self) -> str:
        return self._value

    def value(self) -> str:
        return self._value

    def name(self) -> str:
        return str(self._qname.localname)

    def namespace(self) -> str | None:
        namespace = self._qname.namespace
        return None if namespace is None else str(namespace)

    def toString(self) -> str:
        return self._value


class SpinXmlElement(JuelBean):
    """An XML element, as Spin's ``SpinXmlElement`` (read-only here)."""

    __el_methods__ = frozenset(
        {
            "attr", "hasAttr", "attrNames", "childElement", "childElements",
            "textContent", "name", "namespace", "xPath", "toString",
        }
    )  # fmt: skip

    def __init__(self, element: etree._Element) -> None:
        self._element = element

    def __str__(self) -> str:
        return self.toString()

    def _attribute_key(self, name: str) -> str | None:
        for key in self._element.attrib:
            if key == name or etree.QName(key).localname == name:
                return str(key)
        return None

    def attr(self, name: str) -> SpinXmlAttribute:
        key = self._attribute_key(name)
        if key is None:
            raise SpinError(f"Unable to find attribute '{name}'")
        return SpinXmlAttribute(key, str(self._element.attrib[key]))

    def hasAttr(self, name: str) -> bool:
        return self._attribute_key(name) is not None

    def attrNames(self) -> list[str]:
        return [str(etree.QName(key).localname) for key in self._element.attrib]

    def childElements(self, name: str | None = None) -> list[SpinXmlElement]:
        return [
            SpinXmlElement(child)
            for child in self._element
            if isinstance(child.tag, str)
            and (name is None or etree.QName(child).localname == name)
        ]

    def childElement(self, name: str) -> SpinXmlElement:
        children = self.childElements(name)
        if len(children) != 1:
            raise SpinError(f"Expected exactly one child element '{name}', found {len(children)}")
        return children[0]

    def textContent(self) -> str:
        return "".join(self._element.itertext())

    def name(self) -> str:
        return str(etree.QName(self._element).localname)

    def namespace(self) -> str | None:
        namespace = etree.QName(self._element).namespace
        return None if namespace is None else str(namespace)

    def xPath(self, expression: str) -> SpinXPathQuery:
        return SpinXPathQuery(self._element, expression)

    def toString(self) -> str:
        return str(etree.tostring(self._element, encoding="unicode"))


class SpinXPathQuery(JuelBean):
    __el_methods__ = frozenset(
        {"element", "elementList", "attribute", "attributeList", "string", "number", "bool"}
    )

    def __init__(self, element: etree._Element, expression: str) -> None:
        try:
            self._result = etree.XPath(expression)(element)
        except etree.XPathError as exc:
            raise SpinError(f"Invalid XPath '{expression}': {exc}") from exc
        self._expression = expression

    def _nodes(self) -> list[Any]:
        return self._result if isinstance(self._result, list) else []

    def elementList(self) -> list[SpinXmlElement]:
        return [SpinXmlElement(n) for n in self._nodes() if isinstance(n, etree._Element)]

    def element(self) -> SpinXmlElement:
        elements = self.elementList()
        if not elements:
            raise SpinError(f"XPath '{self._expression}' matched no element")
        return elements[0]

    def attributeList(self) -> list[SpinXmlAttribute]:
        return [
            SpinXmlAttribute(str(n.attrname), str(n))
            for n in self._nodes()
            if getattr(n, "is_attribute", False)
        ]

    def attribute(self) -> SpinXmlAttribute:
        attributes = self.attributeList()
        if not attributes:
            raise SpinError(f"XPath '{self._expression}' matched no attribute")
        return attributes[0]

    def string(self) -> str:
        result = self._result
        if isinstance(result, list):
            if not result:
                return ""
            first = result[0]
            return "".join(first.itertext()) if isinstance(first, etree._Element) else str(first)
        if isinstance(result, bool):
            return "true" if result else "false"
        return str(result)

    def number(self) -> float:
        try:
            return float(self.string())
        except ValueError:
            return float("nan")

    def bool(self) -> bool:
        result = self._result
        if isinstance(result, list):
            return bool(result)
        return bool(result)


def JSON(value: Any) -> SpinJsonNode:
    if isinstance(value, SpinJsonNode):
        return value
    if isinstance(value, (str, bytes)):
        try:
            return SpinJsonNode(json.loads(value))
        except ValueError as exc:
            raise SpinError(f"Unable to parse JSON: {exc}") from exc
    if value is None:
        raise SpinError("Cannot create a JSON node from null")
    return SpinJsonNode(value)


def XML(value: Any) -> SpinXmlElement:
    if isinstance(value, SpinXmlElement):
        return value
    if isinstance(value, etree._Element):
        return SpinXmlElement(value)
    if isinstance(value, (str, bytes)):
        try:
            return SpinXmlElement(parse_xml(value, "XML()"))
        except ParseError as exc:
            raise SpinError(f"Unable to parse XML: {exc.message}") from exc
    raise SpinError(f"Cannot create an XML element from {type(value).__name__}")


def S(value: Any, data_format: str | None = None) -> SpinJsonNode | SpinXmlElement:
    """Spin's ``S()``: XML when the text starts with '<' (or the format says so), else JSON."""
    if isinstance(value, (SpinJsonNode, SpinXmlElement)):
        return value
    if data_format is not None:
        return XML(value) if "xml" in data_format.lower() else JSON(value)
    if isinstance(value, etree._Element) or (
        isinstance(value, str) and value.lstrip().startswith("<")
    ):
        return XML(value)
    return JSON(value)


SPIN_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {"S": S, "JSON": JSON, "XML": XML}
)

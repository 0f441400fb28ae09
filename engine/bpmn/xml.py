"""One hardened lxml parser for every XML resource m8flow reads (BPMN, DMN, embedded forms).

No DTD loading, no entity expansion, no network: XXE and billion-laughs documents are
refused instead of being resolved. Everything that parses XML goes through ``parse_xml``.
"""
from __future__ import annotations

import re
import threading

from lxml import etree

from engine.errors import ParseError

# ASCII case-insensitive, as bytes.upper() compares: a DOCTYPE anywhere, an ENTITY in the head.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HEAD = 4096
_parsers = threading.local()  # an lxml parser is for one thread at a time


def hardened_parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_blank_text=remove_blank_text,
    )


def parse_xml(data: bytes | str, resource: str = "resource") -> etree._Element:
    """Parse ``data`` and return the root element, or raise ``ParseError`` naming the resource.

    A document type declaration is refused outright: BPMN and DMN never need one, and it is
    the carrier of both entity-expansion and external-entity attacks.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _DOCTYPE.search(raw) or _ENTITY.search(raw, 0, _HEAD):
        raise ParseError.for_resource(
            resource, "DOCTYPE and ENTITY declarations are not allowed in process resources"
        )
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = hardened_parser()
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as exc:
        line, column = (exc.position if exc.position else (None, None))
        raise ParseError.for_resource(resource, str(exc.msg), line=line, column=column) from exc
    if root is None:
        raise ParseError.for_resource(resource, "empty document")
    return root

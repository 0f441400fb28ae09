"""Java `SimpleDateFormat` patterns (Camunda's `datePattern`) in form.io and in Python.

form.io's datetime `format` uses the same letters as Java for the common fields (it converts
them to flatpickr itself), so most patterns carry over verbatim; we tokenise to spot the
letters it does not understand and to build a `strptime` pattern for submissions.
"""
from __future__ import annotations

import re

DEFAULT_GENERATED_PATTERN = "dd/MM/yyyy"  # Camunda's default for generated `date` fields

# Java token -> (form.io token, strptime directive, is a time field)
_TOKENS: dict[str, tuple[str, str, bool]] = {
    "yyyy": ("yyyy", "%Y", False), "yyy": ("yyyy", "%Y", False), "yy": ("yy", "%y", False),
    "MMMM": ("MMMM", "%B", False), "MMM": ("MMM", "%b", False), "MM": ("MM", "%m", False),
    "M": ("M", "%m", False), "dd": ("dd", "%d", False), "d": ("d", "%d", False),
    "EEEE": ("EEEE", "%A", False), "EEE": ("EEE", "%a", False),
    "HH": ("HH", "%H", True), "H": ("H", "%H", True), "hh": ("hh", "%I", True),
    "h": ("h", "%I", True), "mm": ("mm", "%M", True), "m": ("mm", "%M", True),
    "ss": ("ss", "%S", True), "s": ("ss", "%S", True), "a": ("a", "%p", True),
    "SSS": ("", "%f", True), "Z": ("", "%z", True), "X": ("", "%z", True),
    "XXX": ("", "%z", True),
}
_TOKEN_RE = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")


def _tokens(pattern: str) -> list[tuple[str, bool]]:
    """Split a Java pattern into (text, is_field) pieces; quoted text is literal."""
    out: list[tuple[str, bool]] = []
    for match in _TOKEN_RE.finditer(pattern):
        text = match.group(0)
        if text.startswith("'"):
            out.append((text[1:-1] or "'", False))
        else:
            out.append((text, text[0].isalpha()))
    return out


def to_formio(pattern: str) -> tuple[str, bool, list[str]]:
    """Return (form.io format, enableTime, Java letters form.io cannot show)."""
    parts: list[str] = []
    unsupported: list[str] = []
    has_time = False
    for text, is_field in _tokens(pattern):
        if not is_field:
            parts.append(text)
            continue
        mapped = _TOKENS.get(text)
        if mapped is None:
            unsupported.append(text)
            continue
        has_time = has_time or mapped[2]
        parts.append(mapped[0])
    fmt = "".join(parts).strip(" .,:-T")
    return fmt or "yyyy-MM-dd", has_time, unsupported


def to_strptime(pattern: str) -> str | None:
    """A `strptime` pattern equivalent to the Java one, or None when it has unknown letters."""
    parts: list[str] = []
    for text, is_field in _tokens(pattern):
        if not is_field:
            parts.append(text.replace("%", "%%"))
            continue
        mapped = _TOKENS.get(text)
        if mapped is None:
            return None
        parts.append(mapped[1])
    return "".join(parts)


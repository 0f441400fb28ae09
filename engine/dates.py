"""Dates as Camunda 7 puts them on the wire: ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``.

We always emit UTC (``2026-01-25T13:33:42.165+0000``); Camunda emits the server's zone, and
every client we know parses the offset, so UTC is the unambiguous choice. Parsing is lenient
where leniency is harmless: RFC 3339 offsets (``Z``, ``+01:00``), no or any-length fraction,
no offset (taken as UTC), and a space where a query string's ``+`` was decoded.
Camunda keeps millisecond precision, so parsed values are truncated to milliseconds.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from engine.errors import InvalidRequest

__all__ = ["format_date", "parse_date", "now", "truncate_to_millis"]

_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>[zZ]|[+\- ]\d{2}:?\d{2})?"
)


def truncate_to_millis(dt: datetime) -> datetime:
    return dt.replace(microsecond=dt.microsecond - dt.microsecond % 1000)


def now() -> datetime:
    """The current instant, aware UTC, at Camunda's millisecond precision."""
    return truncate_to_millis(datetime.now(UTC))


def format_date(dt: datetime) -> str:
    """``2026-01-25T13:33:42.165+0000``; a naive datetime is taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    utc = dt.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}+0000"
    )


def parse_date(text: str) -> datetime:
    """Parse a Camunda or RFC 3339 date-time into an aware UTC datetime (ms precision).

    Raises InvalidRequest with Camunda's converter message otherwise.
    """
    match = _DATE_TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise _unparsable(text)
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    try:
        offset = _offset(match["offset"])
        naive = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}")
        return truncate_to_millis(naive.replace(tzinfo=offset).astimezone(UTC))
    except (ValueError, OverflowError) as exc:
        raise _unparsable(text) from exc


def _offset(text: str | None) -> timezone:
    if text is None or text in ("z", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1  # " " is a "+" that URL decoding turned into a space
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _unparsable(text: object) -> InvalidRequest:
    # Camunda's DateConverter quotes the value with double quotes.
    return InvalidRequest(f'Cannot convert value "{text}" to java type java.util.Date')

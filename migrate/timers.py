"""Timer definitions: the engine evaluates timer text as JUEL, so an ISO 8601 literal is
quoted (``PT5M`` → ``'PT5M'``), ``${…}`` is kept, and cron expressions are validated."""
from __future__ import annotations

import re
from datetime import datetime

from croniter import croniter
from lxml import etree

from migrate import expressions
from migrate.context import Context, local_name
from migrate.findings import Severity

_DURATION = re.compile(
    r"-?P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+([.,]\d+)?S)?)?"
)
_REPEAT = re.compile(r"R(\d*)")


def is_duration(text: str) -> bool:
    return _DURATION.fullmatch(text) is not None


def is_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return False
    return True


def is_cycle(text: str) -> bool:
    parts = text.split("/")
    if not _REPEAT.fullmatch(parts[0]) or len(parts) not in (2, 3):
        return False
    rest = parts[1:]
    return all(is_duration(p) or is_date(p) for p in rest) and any(is_duration(p) for p in rest)


def is_cron(text: str) -> bool:
    """Camunda's Quartz cron: seconds first, ``?`` for "no value", optional year."""
    fields = text.split()
    if len(fields) == 7 and re.fullmatch(r"\*|\d{4}(-\d{4})?(/\d+)?", fields[6]):
        fields = fields[:6]
    if len(fields) != 6:
        return False
    return bool(croniter.is_valid(" ".join(fields).replace("?", "*"), second_at_beginning=True))


def convert_timer(element: etree._Element, ctx: Context) -> None:
    text = (element.text or "").strip()
    kind = local_name(element)
    if not text or expressions.has_expression(text):
        return  # left to the engine; the expression pass checks it
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        literal = text[1:-1]  # already quoted: converting twice changes nothing
    else:
        literal = text
    valid = {
        "timeDate": is_date,
        "timeDuration": is_duration,
        "timeCycle": lambda t: is_cycle(t) or is_cron(t),
    }[kind](literal)
    if not valid:
        what = "ISO 8601 date" if kind == "timeDate" else "ISO 8601 duration" if kind == "timeDuration" \
            else "ISO 8601 repeating interval or a Quartz cron expression"
        ctx.add(Severity.TASK, "timer-invalid",
                f"{kind} {text!r} is not a valid {what}; the timer would fail at run time.", element)
        return
    if kind == "timeCycle" and " " in literal:
        ctx.add(Severity.INFO, "timer-cron",
                f"Cron cycle {literal!r} is valid; it is kept as a quoted literal.", element)
    if literal is text:
        element.text = "'" + literal + "'"
        ctx.changed = True

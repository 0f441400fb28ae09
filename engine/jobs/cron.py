"""Camunda's cron timer cycles: Quartz syntax (``sec min hour day-of-month month day-of-week
[year]``, ``?`` for "no specific value", day-of-week 1 = Sunday), evaluated with croniter."""
from __future__ import annotations

import re
from datetime import datetime

from croniter import croniter

from engine.errors import ProcessEngineException

_QUARTZ_ONLY = re.compile(r"[LW#]")


def is_cron(text: str) -> bool:
    """ISO 8601 cycles start with ``R``; anything with five or more fields is cron."""
    stripped = text.strip()
    return not stripped.upper().startswith("R") and len(stripped.split()) >= 5


def _day_of_week(field: str) -> str:
    # Quartz numbers days 1 (SUN) to 7 (SAT); croniter 0 (SUN) to 6 (SAT). Names are the same.
    return re.sub(r"\d+", lambda m: str((int(m.group()) - 1) % 7), field)


def to_croniter(text: str) -> str:
    fields = text.split()
    if len(fields) == 5:  # Unix cron, accepted as well
        fields = ["0", *fields]
    if len(fields) not in (6, 7):
        raise ProcessEngineException(f"Invalid cron expression '{text}': expected 6 or 7 fields")
    if len(fields) == 7 and fields[6] not in ("*", "?"):
        raise ProcessEngineException(f"Cron expression '{text}': a year field is not supported")
    seconds, minutes, hours, day_of_month, month, day_of_week = fields[:6]
    if _QUARTZ_ONLY.search(day_of_month + day_of_week):
        raise ProcessEngineException(f"Cron expression '{text}': L, W and # are not supported")
    day_of_month = "*" if day_of_month == "?" else day_of_month
    day_of_week = "*" if day_of_week == "?" else _day_of_week(day_of_week)
    expression = f"{minutes} {hours} {day_of_month} {month} {day_of_week} {seconds}"
    if not croniter.is_valid(expression):
        raise ProcessEngineException(f"Invalid cron expression '{text}'")
    return expression


def next_fire_time(text: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` (an aware datetime) that the cron matches."""
    result: datetime = croniter(to_croniter(text), after).get_next(datetime)
    return result

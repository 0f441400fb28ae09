"""``camunda:failedJobRetryTimeCycle``: how often and when a failed job is tried again.

``R5/PT1M`` retries five times a minute apart; a list (``PT10M,PT17M,PT20M``) gives each wait.
Without it a job has 3 tries and retries at once, as Camunda's default.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.errors import ProcessEngineException


@dataclass(frozen=True)
class RetryCycle:
    retries: int
    intervals: tuple[timedelta, ...]

    def wait_before(self, retries_left: int) -> timedelta:
        """The wait before the next try, when ``retries_left`` tries remain after it."""
        index = max(0, min(len(self.intervals) - 1, self.retries - retries_left - 1))
        return self.intervals[index]


def parse(text: str | None) -> RetryCycle | None:
    if not text or not text.strip():
        return None
    stripped = text.strip()
    try:
        if stripped.upper().startswith("R"):
            count, _, duration = stripped[1:].partition("/")
            return RetryCycle(int(count), (_duration(duration),))
        intervals = tuple(_duration(part.strip()) for part in stripped.split(",") if part.strip())
        return RetryCycle(len(intervals), intervals)
    except (ValueError, ArithmeticError) as exc:
        raise ProcessEngineException(f"Invalid failedJobRetryTimeCycle '{text}'") from exc


def _duration(text: str) -> timedelta:
    try:
        return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(text))
    except Exception as exc:
        raise ValueError(text) from exc

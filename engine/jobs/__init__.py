"""Jobs and timers: the job executor (``executor``), timers (``timers``, ``cron``,
``timer_start``), async continuations (``async_continuations``), retry cycles (``retry``), and
the projection of an instance's jobs into the ``job`` table (``projection``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.behaviours import Behaviours


def register(behaviours: Behaviours) -> None:
    """The instance hooks jobs need: hold tokens at async boundaries, follow cron cycles,
    let a timer start event of a started instance pass."""
    from engine.jobs import async_continuations, timer_start, timers

    behaviours.did_complete_hooks.append(async_continuations.hold_after_completion)
    behaviours.after_steps_hooks.append(timer_start.start_at_once)
    behaviours.after_steps_hooks.append(timers.follow_cron)

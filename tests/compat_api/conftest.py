"""Fixtures shared by the gateway tests: ``recorded``, the events ``com.acme.Recorder`` saw."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine import delegates


@pytest.fixture
def recorded() -> Iterator[list[tuple[str | None, str]]]:
    """Events seen by ``com.acme.Recorder``: (activity, task or sequence flow, event)."""
    events: list[tuple[str | None, str]] = []

    def record(bean):  # type: ignore[no-untyped-def]
        if hasattr(bean, "getTaskDefinitionKey"):
            events.append((bean.getTaskDefinitionKey(), bean.getEventName()))
        else:
            events.append((bean.getCurrentTransitionId() or bean.getCurrentActivityId(), bean.getEventName()))

    with delegates.registered("com.acme.Recorder", record):
        yield events

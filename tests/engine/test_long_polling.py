"""Long-polling settings as Camunda reads its ``fetch-and-lock-*`` init parameters; the
behaviour they switch is specified over HTTP in tests/compat_api/test_external_task_long_polling.py."""
from __future__ import annotations

import pytest

from engine.long_polling import QUEUE_CAPACITY_ENV, UNIQUE_WORKER_REQUEST_ENV, LongPollingSettings


def test_the_settings_default_to_camundas():
    assert LongPollingSettings.from_environment({}) == LongPollingSettings(queue_capacity=200, unique_worker_request=False)


def test_the_settings_are_read_from_the_environment():
    settings = LongPollingSettings.from_environment({QUEUE_CAPACITY_ENV: "5", UNIQUE_WORKER_REQUEST_ENV: "TRUE"})
    assert settings == LongPollingSettings(queue_capacity=5, unique_worker_request=True)


@pytest.mark.parametrize("text", ["", "NaN", "0", "-3"])
def test_a_queue_capacity_that_is_not_a_positive_integer_means_the_default(text):
    assert LongPollingSettings.from_environment({QUEUE_CAPACITY_ENV: text}).queue_capacity == 200

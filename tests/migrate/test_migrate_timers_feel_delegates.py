from __future__ import annotations

import pytest

from engine.errors import InvalidRequest
from migrate.delegates import DelegateMapping, Target, derive_topic
from migrate.feel import is_simple_expression, is_simple_unary_tests
from migrate.timers import is_cron, is_cycle, is_date, is_duration


@pytest.mark.parametrize("text", ["PT5M", "P10D", "PT1.5S", "P1Y2M3DT4H"])
def test_iso_durations_are_recognised(text: str) -> None:
    assert is_duration(text)


@pytest.mark.parametrize("text", ["PT", "P", "5M", "PT10D"])
def test_malformed_durations_are_rejected(text: str) -> None:
    assert not is_duration(text)


def test_iso_dates_and_cycles_are_recognised() -> None:
    assert is_date("2019-10-01T12:00:00Z") and is_cycle("R5/PT5M") and is_cycle("R/PT5S")
    assert is_cycle("R3/2026-01-01T00:00:00/P1D")


def test_quartz_cron_with_question_mark_and_year_is_valid() -> None:
    assert is_cron("0 0/5 * * * ?") and is_cron("0 0/20 * 1/1 * ? *")


def test_five_field_unix_cron_is_not_camunda_cron() -> None:
    assert not is_cron("*/5 * * * *")


@pytest.mark.parametrize("text", ["-", "< 10", "[1..5]", "]1..5[", '"a","b"', 'not("x")',
                                  '>= date and time("2020-01-01T00:00:00")', "", "-5"])
def test_simple_unary_tests_are_supported(text: str) -> None:
    assert is_simple_unary_tests(text) is None


@pytest.mark.parametrize("text", ['contains(x, "a")', "if a then b else c", "[1, 2]"])
def test_complex_feel_is_reported_with_a_reason(text: str) -> None:
    assert is_simple_unary_tests(text) is not None and is_simple_expression(text) is not None


def test_simple_feel_expressions_are_supported() -> None:
    assert is_simple_expression("amount * 1.2 + fee") is None
    assert is_simple_expression("customer.address.city") is None


def test_topic_is_derived_from_the_simple_class_name() -> None:
    assert derive_topic("com.acme.billing.ChargeCardDelegate") == "charge-card-delegate"


def test_topic_is_derived_from_bean_and_method() -> None:
    assert derive_topic("orderService.placeOrder") == "order-service-place-order"


def test_mapping_chooses_topic_or_handler_per_class() -> None:
    mapping = DelegateMapping.from_dict({"com.acme.Charge": {"topic": "charge"},
                                         "mailBean": {"handler": "acme.mail.send"}})
    assert mapping.resolve("com.acme.Charge") == Target("topic", "charge", True)
    assert mapping.resolve("mailBean.send") == Target("handler", "acme.mail.send", True)
    assert mapping.resolve("com.acme.Other") == Target("topic", "other", False)


def test_mapping_entry_with_both_topic_and_handler_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        DelegateMapping.from_dict({"x": {"topic": "a", "handler": "b"}})

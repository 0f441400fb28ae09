from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.dates import format_date, now, parse_date
from engine.errors import InvalidRequest


def test_format_date_uses_camunda_pattern_in_utc():
    dt = datetime(2026, 1, 25, 13, 33, 42, 165_000, tzinfo=UTC)
    assert format_date(dt) == "2026-01-25T13:33:42.165+0000"


def test_format_date_converts_other_zones_to_utc():
    dt = datetime(2026, 1, 25, 14, 33, 42, 165_000, tzinfo=timezone(timedelta(hours=1)))
    assert format_date(dt) == "2026-01-25T13:33:42.165+0000"


def test_format_date_takes_naive_datetimes_as_utc():
    assert format_date(datetime(2026, 1, 25, 13, 33, 42)) == "2026-01-25T13:33:42.000+0000"


def test_format_date_truncates_microseconds_to_milliseconds():
    dt = datetime(2026, 1, 25, 13, 33, 42, 165_999, tzinfo=UTC)
    assert format_date(dt) == "2026-01-25T13:33:42.165+0000"


def test_format_date_pads_small_years():
    assert format_date(datetime(5, 1, 2, tzinfo=UTC)) == "0005-01-02T00:00:00.000+0000"


def test_formatted_dates_parse_with_pycamunda_strptime_pattern():
    text = format_date(datetime(2026, 1, 25, 13, 33, 42, 165_000, tzinfo=UTC))
    assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z") == parse_date(text)


def test_parse_date_reads_camunda_format_with_offset():
    assert parse_date("2026-01-25T13:33:42.165+0100") == datetime(
        2026, 1, 25, 12, 33, 42, 165_000, tzinfo=UTC
    )


def test_parse_date_reads_negative_offset():
    assert parse_date("2026-01-25T13:33:42.165-0230") == datetime(
        2026, 1, 25, 16, 3, 42, 165_000, tzinfo=UTC
    )


def test_parse_date_reads_rfc3339_z():
    assert parse_date("2026-01-25T13:33:42.165Z") == datetime(
        2026, 1, 25, 13, 33, 42, 165_000, tzinfo=UTC
    )


def test_parse_date_reads_rfc3339_colon_offset():
    assert parse_date("2026-01-25T13:33:42+01:00") == datetime(2026, 1, 25, 12, 33, 42, tzinfo=UTC)


def test_parse_date_accepts_missing_milliseconds():
    assert parse_date("2026-01-25T13:33:42+0000") == datetime(2026, 1, 25, 13, 33, 42, tzinfo=UTC)


def test_parse_date_truncates_long_fractions_to_milliseconds():
    assert parse_date("2026-01-25T13:33:42.1659999Z").microsecond == 165_000


def test_parse_date_accepts_short_fractions():
    assert parse_date("2026-01-25T13:33:42.1Z").microsecond == 100_000


def test_parse_date_reads_space_as_url_decoded_plus():
    assert parse_date("2026-01-25T13:33:42.165 0100") == parse_date("2026-01-25T13:33:42.165+0100")


def test_parse_date_takes_value_without_offset_as_utc():
    assert parse_date("2026-01-25T13:33:42") == datetime(2026, 1, 25, 13, 33, 42, tzinfo=UTC)


def test_parse_date_returns_aware_utc():
    assert parse_date("2026-01-25T13:33:42.165+0530").utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    ["anInvalidDate", "2026-01-25", "2026-02-30T00:00:00", "2026-01-25T25:00:00Z",
     "2026-01-25T13:33:42+2500", "2026-01-25T13:33:42.165+01", " 2026-01-25T13:33:42Z", ""],
)
def test_parse_date_rejects_other_text_with_camunda_message(text):
    with pytest.raises(InvalidRequest) as info:
        parse_date(text)
    assert info.value.message == f'Cannot convert value "{text}" to java type java.util.Date'


def test_parse_date_rejects_non_strings():
    with pytest.raises(InvalidRequest):
        parse_date(1234)  # type: ignore[arg-type]


def test_now_is_aware_utc_with_millisecond_precision():
    value = now()
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert value.microsecond % 1000 == 0


def test_format_then_parse_round_trips():
    dt = datetime(1999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
    assert parse_date(format_date(dt)) == dt

"""Date parsing with dayjs 1.10.7 / V8 semantics, and the ``date-like`` format, in ``actions._dates``."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from actions._dates import date_like_string, parse_date
from actions.validation._validator import datetime_value_is_valid as is_date_like
from hypothesis import given
from hypothesis import strategies as st

CONFORMANCE = Path(__file__).resolve().parent.parent / "destinations" / "amplitude" / "tests" / "conformance"


def _helper_cases(*names: str) -> list[dict[str, Any]]:
    text = (CONFORMANCE / "helpers.jsonl").read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    return [case for case in cases if case["fn"] in names]


def _ms(text: str) -> int:
    """Epoch ms of an ISO 8601 UTC string, computed independently with ``datetime``."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


DAYJS_CASES = _helper_cases("dayjsUtc")
DATE_LIKE_CASES = _helper_cases("isDateLike")
USER_AGENTS = json.loads((CONFORMANCE / "user-agents.json").read_text(encoding="utf-8"))


# --- the reference's recorded results ---------------------------------------------------------


@pytest.mark.parametrize("case", DAYJS_CASES, ids=[c["id"] for c in DAYJS_CASES])
def test_parse_date_matches_dayjs_utc(case: dict[str, Any]) -> None:
    result = parse_date(case["args"][0])
    expected = case["output"]["result"]
    assert {"isValid": result is not None, "valueOf": "NaN" if result is None else result} == expected


@pytest.mark.parametrize("case", DATE_LIKE_CASES, ids=[c["id"] for c in DATE_LIKE_CASES])
def test_is_date_like_matches_the_reference_format_check(case: dict[str, Any]) -> None:
    assert is_date_like(case["args"][0]) is case["output"]["result"]


@pytest.mark.parametrize("case", USER_AGENTS["time_cases"], ids=lambda c: repr(c["input"]))
def test_time_case_inputs_pass_the_date_like_check_as_recorded(case: dict[str, Any]) -> None:
    assert is_date_like(case["input"]) is case["passes_schema_date_like"]


@pytest.mark.parametrize(
    "case",
    [c for c in USER_AGENTS["time_cases"] if isinstance(c["time_ms"], int)],
    ids=lambda c: repr(c["input"]),
)
def test_time_case_inputs_parse_to_the_recorded_milliseconds(case: dict[str, Any]) -> None:
    assert parse_date(case["input"]) == case["time_ms"]


# --- dayjs's own pattern ----------------------------------------------------------------------


def test_digit_strings_are_read_as_year_month_day_not_as_epoch() -> None:
    # "1629" is the year, "21" the month (rolling into 1630), "36" the day, "75" the hour.
    assert parse_date("1629213675") == -10705035600000
    assert parse_date("20210817") == _ms("2021-08-17T00:00:00Z")


def test_out_of_range_fields_roll_over_instead_of_failing() -> None:
    assert parse_date("2021-13-45") == _ms("2022-02-14T00:00:00Z")
    assert parse_date("2021-02-30") == _ms("2021-03-02T00:00:00Z")


def test_a_fraction_is_read_as_a_whole_number_of_milliseconds() -> None:
    assert parse_date("2021-08-17T15:21:15.5") == _ms("2021-08-17T15:21:15Z") + 5
    assert parse_date("2021-08-17T15:21:15.449123") == _ms("2021-08-17T15:21:15Z") + 449


def test_years_below_100_are_twentieth_century_in_the_pattern() -> None:
    assert parse_date("0099-01-01") == _ms("1999-01-01T00:00:00Z")


def test_strings_without_zone_are_utc() -> None:
    assert parse_date("2021-08-17 15:21:15") == _ms("2021-08-17T15:21:15Z")
    assert parse_date("2021/06/08") == _ms("2021-06-08T00:00:00Z")


# --- JavaScript's Date parser (V8) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Tue, 17 Aug 2021 15:21:15 GMT", "2021-08-17T15:21:15Z"),
        ("Aug 17 2021 15:21:15 GMT+0200", "2021-08-17T13:21:15Z"),
        ("August 17, 2021", "2021-08-17T00:00:00Z"),
        ("Sat, 01 Jan 2000 00:00:00 +0100 (CET)", "1999-12-31T23:00:00Z"),
        ("2021-08-17T15:21:15.449+02:00", "2021-08-17T13:21:15.449Z"),
        ("2021-08-17T15:21:15+0200", "2021-08-17T13:21:15Z"),
        ("2021-08-17T24:00:00Z", "2021-08-18T00:00:00Z"),
        ("1/2/2021 3:04 pm", "2021-01-02T15:04:00Z"),
        ("-1", "2001-01-01T00:00:00Z"),
        ("0", "2000-01-01T00:00:00Z"),
        ("Aug 17", "2001-08-17T00:00:00Z"),
        ("Jan\u00a02\u00a02021", "2021-01-02T00:00:00Z"),
    ],
)
def test_strings_outside_the_pattern_are_parsed_like_javascript_dates(text: str, iso: str) -> None:
    assert parse_date(text) == _ms(iso)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "15:21:15",
        "2021-W33",
        "2016-12-31T23:59:60Z",
        "2021-13-01T00:00:00Z",
        "2021-08-17T15:21:15,449Z",
        " 2021-08-17T15:21:15Z ",
        "2021-08-17T24:00:01Z",
        "1 pm",
    ],
)
def test_unparseable_strings_are_invalid(text: str) -> None:
    assert parse_date(text) is None


def test_ecmascript_time_range_is_the_limit() -> None:
    assert parse_date("+275760-09-13T00:00:00Z") == 8_640_000_000_000_000
    assert parse_date("+275760-09-13T00:00:00.001Z") is None
    assert parse_date("-271821-04-20T00:00:00Z") == -8_640_000_000_000_000


def test_numbers_are_milliseconds_truncated_toward_zero() -> None:
    assert parse_date(1629213675) == 1629213675
    assert parse_date(1700000000.9) == 1700000000
    assert parse_date(-1.5) == -1
    assert parse_date(True) == 1


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 8_640_000_000_000_001])
def test_non_finite_or_out_of_range_numbers_are_invalid(value: float) -> None:
    assert parse_date(value) is None


@given(
    # Years from 100: below that the dayjs pattern (no zone) reads them as 19xx, tested above.
    st.datetimes(min_value=datetime(100, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.sampled_from([("", 0), ("Z", 0), ("+00:00", 0), ("-0530", -330), ("+14:00", 840)]),
    st.sampled_from([0, 1, 2, 3, 6]),
)
def test_iso_strings_agree_with_an_independent_calendar(
    moment: datetime, zone: tuple[str, int], digits: int
) -> None:
    suffix, offset_minutes = zone
    millisecond = moment.microsecond // 1000
    fraction = "." + f"{millisecond:03d}000000"[:digits] if digits else ""
    text = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}{fraction}{suffix}"
    utc = moment.replace(microsecond=0, tzinfo=UTC) - timedelta(minutes=offset_minutes)
    if not digits:
        fraction_ms = 0
    elif suffix:  # JavaScript's Date: one or two digits are tenths or hundredths ("2" is 200 ms)
        fraction_ms = int(fraction[1:4].ljust(3, "0"))
    else:  # dayjs's own pattern (no zone): the first three digits as a whole number ("2" is 2 ms)
        fraction_ms = int(fraction[1:4])
    expected = round((utc - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000) + fraction_ms
    assert parse_date(text) == expected


# --- the date-like format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1629213675", True),  # canonical number: unix seconds
        ("1629213675449", True),  # 13 digits are still seconds (the milliseconds branch is dead code)
        ("9999999999999", False),  # seconds beyond the time range
        ("1629213675.5", True),
        ("-1", True),
        ("NaN", False),
        ("Infinity", False),
        ("1e+21", False),
        ("0x10", False),  # not canonical: goes to dayjs, which cannot read it
        ("007", True),  # not canonical: dayjs reads it as year 0007
        ("2021-08-17T15:21:15Z", True),
        ("2021-13-45", True),
        ("2021-13-01T00:00:00Z", False),
        ("", False),
        ("abc", False),
    ],
)
def test_date_like_reads_canonical_numbers_as_unix_seconds_and_the_rest_with_dayjs(
    text: str, valid: bool
) -> None:
    assert date_like_string(text) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (0, True),
        (1.5, True),
        (10**20, True),  # numbers are never checked against the format
        (math.inf, False),
        (True, False),  # coerced to "true"
        (None, False),  # coerced to ""
        (["2021-01-01"], False),  # ajv cannot coerce a one-element array to a multi-type field
        ([1629213675], True),  # but the number inside becomes the string "1629213675"
        ({"$date": "2021-08-17"}, False),
    ],
)
def test_is_date_like_coerces_non_strings_like_the_validator(value: Any, valid: bool) -> None:
    assert is_date_like(value) is valid

from __future__ import annotations

import math

import pytest
from actions.js import (
    LINE_TERMINATORS,
    UNDEFINED,
    WHITE_SPACE,
    civil_from_days,
    date_parse,
    date_utc,
    days_from_civil,
    json_stringify,
    number_to_string,
    string_to_number,
    time_clip,
    to_number,
    to_string,
    type_name,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e16, "10000000000000000"),
        (12345678901234567890, "12345678901234567000"),
        (2**53 + 1, "9007199254740992"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (5e-324, "5e-324"),
    ],
)
def test_numbers_print_as_javascript_prints_them(value: float, text: str) -> None:
    assert number_to_string(value) == text


def test_string_conversion_follows_javascript() -> None:
    assert to_string([1, None, "a", [2, 3]]) == "1,,a,2,3"
    assert to_string({"a": 1}) == "[object Object]"
    assert to_string(True) == "true"
    assert to_string(None) == "null"
    assert to_string(UNDEFINED) == "undefined"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("", 0.0),
        ("  \u00a0\ufeff12\n", 12.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("-0", -0.0),
        ("0x1F", 31.0),
        ("0b101", 5.0),
        ("0o17", 8.0 + 7.0),
        ("-Infinity", -math.inf),
    ],
)
def test_number_of_a_string_accepts_what_javascript_accepts(text: str, number: float) -> None:
    assert string_to_number(text) == number


@pytest.mark.parametrize("text", ["inf", "nan", "1_000", "-0x10", "12px", "\x1c12"])
def test_number_of_a_string_rejects_what_only_python_accepts(text: str) -> None:
    assert math.isnan(string_to_number(text))


def test_number_reads_ascii_digits_only() -> None:
    assert math.isnan(string_to_number("\u0661\u0662"))  # Arabic-Indic digits, which Python's float() reads
    assert math.isnan(to_number("\uff11"))
    assert to_number(" 12\u3000") == 12


def test_line_terminators_are_the_white_space_that_ends_a_line() -> None:
    assert set(LINE_TERMINATORS) == {"\n", "\r", "\u2028", "\u2029"}
    assert set(LINE_TERMINATORS) < set(WHITE_SPACE)


def test_json_stringify_drops_undefined_keys_and_nulls_undefined_items() -> None:
    assert (
        json_stringify({"a": UNDEFINED, "b": [UNDEFINED, 1.0], "c": float("inf")})
        == '{"b":[null,1],"c":null}'
    )
    assert json_stringify(UNDEFINED) is None


def test_json_stringify_keeps_non_ascii_and_escapes_lone_surrogates() -> None:
    assert json_stringify("é\u2028") == '"é\u2028"'
    assert json_stringify("a\ud800b") == '"a\\ud800b"'
    assert json_stringify("tab\there\x01") == '"tab\\there\\u0001"'


def test_type_words_match_the_reference_messages() -> None:
    assert [type_name(v) for v in ("", 1, 1.5, True, None, UNDEFINED, [], {})] == [
        "string",
        "number",
        "number",
        "boolean",
        "null",
        "undefined",
        "array",
        "object",
    ]


# --- dates ---------------------------------------------------------------------------------------


def test_date_arithmetic_is_ecmascripts_on_any_year() -> None:
    assert days_from_civil(1970, 1, 1) == 0
    assert civil_from_days(-1) == (1969, 12, 31)
    assert civil_from_days(days_from_civil(-271821, 4, 20)) == (-271821, 4, 20)
    assert date_utc(2021, 13, 1) == date_utc(2022, 1, 1) == days_from_civil(2022, 2, 1) * 86_400_000
    assert date_utc(1970, 0, 2, -1) == 82_800_000  # every field may overflow or be negative
    assert date_utc(99) == date_utc(1999)
    assert date_utc(100) == -59011459200000.0
    assert date_utc(-271821, 3, 20) == -8.64e15
    assert math.isnan(date_utc(-271821, 3, 19, 23, 59, 59, 999))
    assert time_clip(8.64e15) == 8.64e15
    assert math.isnan(time_clip(8.64e15 + 1))
    assert math.copysign(1, time_clip(-0.5)) == 1  # truncated toward zero, and never -0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:20:30.123Z", 1709634030123.0),
        ("2024-03-05", 1709596800000.0),
        ("2024-03-05 10:20:30 GMT+2", 1709626830000.0),
        ("5-Mar-2024", 1709596800000.0),
        ("March 7", 983923200000.0),
    ],
)
def test_date_parse_gives_the_time_values_the_reference_gives(text: str, expected: float) -> None:
    assert date_parse(text) == expected


@pytest.mark.parametrize("text", ["12:00", "2024-13-01", "+08:00", "2024-03-05T25:00:00Z", ""])
def test_date_parse_of_what_javascript_cannot_parse_is_nan(text: str) -> None:
    assert date_parse(text) != date_parse(text)  # NaN


def test_date_parse_ends_the_input_at_a_nul() -> None:
    # V8's date reader returns 0 past the end of the string and takes a NUL for the same.
    assert date_parse("2021-08-17\0junk") == date_parse("2021-08-17") == 1629158400000.0


def test_date_parse_reads_line_separators_as_part_of_a_word() -> None:
    # A word is a run of characters at or above 'A' that are not WhiteSpace. U+2028/U+2029 are
    # line terminators, not WhiteSpace: "2021\u2028" is a number followed by an unknown word.
    assert date_parse("Aug 17 2021\n10:00") == 1629194400000.0
    assert math.isnan(date_parse("Aug 17 2021\u202810:00"))
    assert math.isnan(date_parse("Aug 17 2021\u2029"))


def test_date_parse_separates_parts_with_any_other_javascript_white_space() -> None:
    for space in set(WHITE_SPACE) - {"\u2028", "\u2029"}:
        assert date_parse(f"Aug{space}17{space}2021") == 1629158400000.0, repr(space)


def test_date_parse_computes_zone_offsets_in_unsigned_32_bits() -> None:
    # V8 adds hours * 3600 + minutes * 60 as unsigned 32-bit numbers and rejects only a total
    # past Smi::kMaxValue, 2**31 - 1 on Node's 64-bit V8 (not 2**30 - 1).
    assert date_parse("Aug 17 2021 10:00 +300000:00") == 549194400000.0
    assert date_parse("Aug 17 2021 10:00 +1193047:00") == 1629192496000.0  # wraps to 1904 seconds
    assert math.isnan(date_parse("Aug 17 2021 10:00 +596524:00"))  # 2,147,486,400 seconds

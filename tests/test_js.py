from __future__ import annotations

import math
import re

import pytest
from actions.js import (
    LINE_TERMINATORS,
    UNDEFINED,
    WHITE_SPACE,
    WHITE_SPACE_CLASS,
    Undefined,
    array_index,
    civil_from_days,
    date_parse,
    date_utc,
    days_from_civil,
    from_utf16_units,
    has_surrogate,
    json_stringify,
    member,
    number_to_string,
    object_keys,
    spread,
    string_to_number,
    time_clip,
    to_number,
    to_primitive,
    to_string,
    to_utf16_units,
    to_well_formed,
    trim,
    truthy,
    type_name,
    typeof,
    utf16_len,
    utf16_slice,
)
from hypothesis import given, settings
from hypothesis import strategies as st


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, False),
        (0.0, False),
        (float("nan"), False),
        ("", False),
        (None, False),
        (False, False),
        (UNDEFINED, False),
        ("0", True),
        (" ", True),
        ({}, True),
        ([], True),
        (-1, True),
    ],
)
def test_truthiness_follows_javascript(value: object, expected: bool) -> None:
    assert truthy(value) is expected


def test_an_undefined_kind_of_its_own_is_undefined_and_a_singleton() -> None:
    class Absent(Undefined):
        pass

    assert Absent() is Absent() and Absent() is not UNDEFINED and Undefined() is UNDEFINED
    assert typeof(Absent()) == "undefined" and not truthy(Absent())


def test_typeof_calls_arrays_and_null_objects() -> None:
    assert [typeof(v) for v in ("", 1, True, None, UNDEFINED, [], {})] == [
        "string",
        "number",
        "boolean",
        "object",
        "undefined",
        "object",
        "object",
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        (" 12 ", 12),
        ("\ufeff\u30001e3\u2028", 1000),
        (".5", 0.5),
        ("0x1F", 31),
        ("0X1F", 31),  # the mapping language's own copy used to read this as NaN
        ("0b101", 5),
        ("0o17", 15),
        ("-Infinity", float("-inf")),
        ("", 0),
        ("\t", 0),
    ],
)
def test_number_reads_strings_as_javascript_does(text: str, number: float) -> None:
    assert to_number(text) == number
    assert string_to_number(text) == number


@pytest.mark.parametrize("text", ["inf", "nan", "1_000", "-0x10", "0x", "1e", "12px", "\x1c1"])
def test_number_refuses_what_only_python_accepts(text: str) -> None:
    assert math.isnan(string_to_number(text))


def test_number_of_other_values() -> None:
    assert to_number(True) == 1 and to_number(None) == 0 and math.isnan(to_number(UNDEFINED))
    assert to_number([]) == 0 and to_number(["7"]) == 7 and math.isnan(to_number([1, 2]))
    assert math.isnan(to_number({}))
    assert to_number(2**53 + 1) == 2.0**53 and to_number(10**400) == math.inf
    assert math.copysign(1, to_number("-0")) < 0  # -0 stays a (negative) double


def test_to_primitive_prints_containers() -> None:
    assert to_primitive([1, [2]]) == "1,2" and to_primitive({"a": 1}) == "[object Object]"
    assert to_primitive(5) == 5


def test_json_stringify_writes_keys_in_javascript_property_order() -> None:
    assert json_stringify({"b": 1, "2": 2, "a": 3, "10": 4, "01": 5}) == '{"2":2,"10":4,"b":1,"a":3,"01":5}'
    assert object_keys({"x": 1, "4294967295": 2, "3": 3}) == ["3", "x", "4294967295"]


def test_strings_measure_and_trim_as_javascript_does() -> None:
    assert trim("\u00a0\ufeff a \u3000\u2029") == "a"
    assert trim("\x1c a \x85") == "\x1c a \x85"  # Python's isspace() characters JavaScript keeps
    assert utf16_len("a😀") == 3
    assert to_utf16_units("😀") == "\ud83d\ude00" and from_utf16_units("\ud83d\ude00") == "😀"
    assert has_surrogate("a\ud800") and not has_surrogate("a😀")
    assert all(c in WHITE_SPACE for c in "\u2000\u200a") and "\u200b" not in WHITE_SPACE
    assert re.fullmatch(f"[{WHITE_SPACE_CLASS}]+", WHITE_SPACE)
    assert "\u2028" in LINE_TERMINATORS and "\t" not in LINE_TERMINATORS


def test_member_access_is_target_and_target_key() -> None:
    assert member({"a": 1}, "a") == 1 and member({"a": 1}, "b") is UNDEFINED
    assert member(0, "x") == 0 and member("", "length") == "" and member(None, "x") is None
    assert member([5, 6], "1") == 6 and member([5, 6], "length") == 2 and member([5], "01") is UNDEFINED
    assert member("a😀", "length") == 3 and member("a😀", "1") == "\ud83d"
    assert member(True, "x") is UNDEFINED
    assert array_index("7") == 7 and array_index("-1") == -1 and array_index("1.0") == -1


def test_spread_copies_entries_items_and_code_units() -> None:
    assert spread({"a": 1}) == {"a": 1} and spread([7, 8]) == {"0": 7, "1": 8}
    assert spread("😀") == {"0": "\ud83d", "1": "\ude00"} and spread(5) == {} and spread(None) == {}


def test_well_formed_joins_pairs_and_replaces_lone_surrogates() -> None:
    assert to_well_formed("a\ud83d\ude00b") == "a😀b"
    assert to_well_formed("\ud800x\udfff") == "\ufffdx\ufffd"
    assert to_well_formed("plain é") == "plain é"


def test_utf16_slice_cuts_code_units() -> None:
    assert utf16_slice("a😀b", 0, 2) == "a\ud83d" and utf16_slice("a😀b", 1, 3) == "😀"
    assert utf16_slice("abc", 1) == "bc"


def _exact_json(value: object) -> str | None:
    """JSON.stringify by the exact writer alone (what json_stringify does when orjson is not used)."""
    from actions.js import _json

    return _json._exact_json(value)


_JSON_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 100.0, 1e-5, 1e-7, 1e16, 1e16 - 2, 1e21, 123.456, 2.0**53, 5e-324]),
)
_JSON_INTEGERS = st.one_of(st.integers(), st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 2**63, 10**21]))
_JSON_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=12),  # lone surrogates included
    st.sampled_from(["\b\f\n\r\t\x00\x1f\x7f", "\u2028\u2029", "1.0, ", "2e5", '"0":', "</script>", "😀"]),
)
_JSON_KEYS = st.one_of(_JSON_TEXT, st.sampled_from(["0", "1", "10", "01", "4294967295", "a1"]), st.integers())
_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), _JSON_INTEGERS, _JSON_FLOATS, _JSON_TEXT, st.just(UNDEFINED)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(_JSON_KEYS, children, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(_JSON_VALUES)
def test_json_stringify_writes_what_the_exact_writer_writes(value: object) -> None:
    assert json_stringify(value) == _exact_json(value)


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


def test_white_space_class_matches_exactly_the_white_space() -> None:
    matches = re.compile(f"[{WHITE_SPACE_CLASS}]").fullmatch
    assert {chr(c) for c in range(0x10000) if matches(chr(c))} == set(WHITE_SPACE)


def test_line_terminators_are_javascripts_not_pythons_splitlines() -> None:
    assert set(LINE_TERMINATORS) == {"\n", "\r", "\u2028", "\u2029"}
    # Python also ends lines at vertical tab, form feed, U+001C..U+001E and U+0085; JavaScript does not.
    assert "a\x0bb\x85c".splitlines() == ["a", "b", "c"]
    assert re.split(f"[{LINE_TERMINATORS}]", "a\x0bb\x85c\u2028d") == ["a\x0bb\x85c", "d"]


def test_json_stringify_indents_as_v8_does() -> None:
    value = {"b": [1, {}], "1": "x", "e": []}
    assert json_stringify(value, 2) == '{\n  "1": "x",\n  "b": [\n    1,\n    {}\n  ],\n  "e": []\n}'
    assert json_stringify([1], "\t") == "[\n\t1\n]"
    assert json_stringify([1], 20) == "[\n" + " " * 10 + "1\n]"  # at most 10 spaces
    assert json_stringify([1], "abcdefghijkl") == "[\nabcdefghij1\n]"  # at most 10 units
    assert json_stringify([1], 0) == json_stringify([1], "") == json_stringify([1], True) == "[1]"
    assert json_stringify({"a": UNDEFINED}, 2) == "{}" and json_stringify(UNDEFINED, 2) is None


def test_json_stringify_reads_a_surrogate_pair_as_its_character() -> None:
    assert json_stringify("\ud83d\ude00 and \ud800") == '"😀 and \\ud800"'
    assert json_stringify({"k": "\ud83d\ude00"}, 1) == '{\n "k": "😀"\n}'


def test_integers_beyond_the_double_range_are_an_infinity_as_in_javascript() -> None:
    assert to_string(10**400) == "Infinity" and to_string(-(10**400)) == "-Infinity"
    assert json_stringify(10**400) == "null" and json_stringify({"a": [-(10**400), 2**53 + 1]}) == (
        '{"a":[null,9007199254740992]}'
    )
    assert json_stringify([10**400], 1) == "[\n null\n]"

from __future__ import annotations

import re

import pytest
from actions.js import (
    LINE_TERMINATORS,
    UNDEFINED,
    WHITE_SPACE,
    WHITE_SPACE_CLASS,
    json_stringify,
    number_to_string,
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


def test_white_space_class_matches_exactly_the_white_space() -> None:
    matches = re.compile(f"[{WHITE_SPACE_CLASS}]").fullmatch
    assert {chr(c) for c in range(0x10000) if matches(chr(c))} == set(WHITE_SPACE)


def test_line_terminators_are_javascripts_not_pythons() -> None:
    assert set(LINE_TERMINATORS) == {"\n", "\r", "\u2028", "\u2029"}
    # Python also ends lines at vertical tab, form feed, U+001C..U+001E and U+0085; JavaScript does not.
    assert "a\x0bb\x85c".splitlines() == ["a", "b", "c"]
    assert re.split(f"[{LINE_TERMINATORS}]", "a\x0bb\x85c\u2028d") == ["a\x0bb\x85c", "d"]

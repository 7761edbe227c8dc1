"""Subscription filters: lexing, parsing, precedence, evaluation, errors, printing and presets."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions._errors import ConfigurationError, SubscriptionError
from actions._subscriptions import (
    Condition,
    ConditionKind,
    ConditionOperator,
    Filter,
    FilterNode,
    Group,
    _parse_cached,
    parse_filter,
    to_fql,
)
from actions.js import number_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CONFORMANCE = Path(__file__).resolve().parent.parent / "destinations" / "amplitude" / "tests" / "conformance"


def ast_of(text: str) -> dict[str, Any]:
    return parse_filter(text).ast.to_dict()


def condition_of(text: str) -> dict[str, Any]:
    """The one condition a single-condition filter holds, as the reference's JSON node."""
    tree = ast_of(text)
    assert tree["type"] == "group"
    assert tree["operator"] == "and"
    assert len(tree["children"]) == 1
    child: dict[str, Any] = tree["children"][0]
    return child


def matches(text: str, event: Any) -> bool:
    return parse_filter(text).matches(event)


def error_of(text: str) -> str:
    with pytest.raises(SubscriptionError) as caught:
        parse_filter(text)
    return str(caught.value)


def cond(kind: str, operator: str, value: Any = None, name: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": kind, "operator": operator}
    if name is not None:
        node["name"] = name
    if value is not None:
        node["value"] = value
    return node


def group(operator: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"type": "group", "operator": operator, "children": list(children)}


# --- lexing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "properties.price >= 100",
        "properties.price>=100",
        "properties.price >=100",
        "properties.price>= 100",
        "properties.price\t>=\n100",
        "properties.price\r\n>=\r\n100",
        "  properties.price >= 100  ",
    ],
)
def test_whitespace_around_operators_is_optional(text: str) -> None:
    assert condition_of(text) == cond("event-property", ">=", 100, "price")


def test_single_and_double_quoted_strings_are_the_same_string() -> None:
    assert ast_of("type = 'track'") == ast_of('type = "track"')
    assert condition_of("type = 'track'") == cond("event-type", "=", "track")


def test_strings_have_no_escape_sequences() -> None:
    assert condition_of(r'event = "C:\new\path"') == cond("event", "=", "C:\\new\\path")


def test_a_string_may_hold_the_other_quote_and_filter_syntax() -> None:
    assert condition_of("event = 'say \"hi\"'") == cond("event", "=", 'say "hi"')
    assert condition_of('event = "it\'s"') == cond("event", "=", "it's")
    assert condition_of('event = "a and (b or c)"') == cond("event", "=", "a and (b or c)")


def test_strings_may_span_lines_and_hold_any_character() -> None:
    assert condition_of('event = "line1\nline2\u2028é😀"') == cond("event", "=", "line1\nline2\u2028é😀")


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("100", 100),
        ("-5", -5),
        ("+5", 5),
        ("2.5", 2.5),
        ("-0.25", -0.25),
        ("5.0", 5),
        ("1e3", 1000),
        ("1.5e-7", 1.5e-7),
        ("-2E+2", -200),
        ("9007199254740993", 9007199254740992.0),
    ],
)
def test_number_literals_read_as_javascript_numbers(literal: str, expected: float) -> None:
    value = condition_of(f"properties.n > {literal}")["value"]
    assert value == expected
    assert not isinstance(value, bool)


def test_integral_number_literals_stay_integers() -> None:
    assert type(condition_of("properties.n > 5")["value"]) is int
    assert type(condition_of("properties.n > 5.0")["value"]) is int
    assert type(condition_of("properties.n > 5.5")["value"]) is float


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (r"properties.product\ 1 != null", "product 1"),
        (r"properties.\$set != null", "$set"),
        ("properties.$set != null", "$set"),
        ("properties.first-name != null", "first-name"),
        ("properties.snake_case != null", "snake_case"),
        ("properties.café != null", "café"),
        ("properties.2fa != null", "2fa"),
        ("properties.items.0.id != null", "items.0.id"),
        ("properties.items[0].id != null", "items[0].id"),
        (r"properties.a\.b != null", "a.b"),
        (r"properties.\(x\) != null", "(x)"),
    ],
)
def test_field_paths_accept_escapes_digits_dashes_and_brackets(text: str, name: str) -> None:
    assert condition_of(text) == cond("event-property", "exists", name=name)


def test_and_or_are_lowercase_keywords_only() -> None:
    assert "found 'AND'" in error_of('type = "a" AND type = "b"')
    assert ast_of('type = "a" and type = "b"')["operator"] == "and"


def test_a_bare_word_value_is_a_string_as_in_the_reference() -> None:
    assert condition_of("type = track") == cond("event-type", "=", "track")
    assert condition_of("properties.plan = pro") == cond("event-property", "=", "pro", "plan")


def test_escaped_true_false_and_null_are_still_those_values() -> None:
    # The reference classifies values by their unescaped text, so a backslash changes nothing there.
    assert condition_of(r"event = \true") == cond("event", "=", "true")
    assert condition_of(r"properties.flag = \true") == cond("event-property", "is_true", name="flag")
    assert condition_of(r"properties.flag = tru\e") == cond("event-property", "is_true", name="flag")
    assert condition_of(r"traits.flag = \false") == cond("event-trait", "is_false", name="flag")
    assert condition_of(r"properties.x != nul\l") == cond("event-property", "exists", name="x")
    assert condition_of(r"userId = \null") == cond("userId", "not_exists")
    assert condition_of(r"properties.n < \5") == cond("event-property", "<", "5", "n")


def test_escaped_and_or_are_plain_words() -> None:
    assert condition_of(r"type = \and") == cond("event-type", "=", "and")
    assert condition_of(r"event = o\r") == cond("event", "=", "or")


def test_an_escaped_dot_after_the_field_still_separates_the_path() -> None:
    assert condition_of(r"properties\.price = 1") == cond("event-property", "number_equals", 1, "price")
    assert condition_of(r"traits\.plan.tier != null") == cond("event-trait", "exists", name="plan.tier")
    assert "'type' has no sub-fields" in error_of(r"type\.foo = 1")


# --- parsing: the reference's own AST expectations --------------------------------------------

#: Queries with the AST the reference produces for them, and which its printer reproduces.
REFERENCE_ROUND_TRIPS: list[tuple[str, dict[str, Any]]] = [
    ('type = "track"', group("and", cond("event-type", "=", "track"))),
    (
        'type = "track" or type = "identify"',
        group("or", cond("event-type", "=", "track"), cond("event-type", "=", "identify")),
    ),
    ('event = "Product Added"', group("and", cond("event", "=", "Product Added"))),
    ("userId != null", group("and", cond("userId", "exists"))),
    ('name = "Home"', group("and", cond("name", "=", "Home"))),
    (
        'event = "Product Added" or event = "Order Completed"',
        group("or", cond("event", "=", "Product Added"), cond("event", "=", "Order Completed")),
    ),
    (
        'type = "track" and event = "Product Added"',
        group("and", cond("event-type", "=", "track"), cond("event", "=", "Product Added")),
    ),
    (
        'type = "track" and (event = "Product Added" or event = "Order Completed")',
        group(
            "and",
            cond("event-type", "=", "track"),
            group("or", cond("event", "=", "Product Added"), cond("event", "=", "Order Completed")),
        ),
    ),
    (
        'event = "Product Added" and properties.price >= 100',
        group("and", cond("event", "=", "Product Added"), cond("event-property", ">=", 100, "price")),
    ),
    (
        'event = "identify" and traits.logins >= 10',
        group("and", cond("event", "=", "identify"), cond("event-trait", ">=", 10, "logins")),
    ),
    (
        'event = "Product Added" and properties.price >= 100 and properties.premium = "true"',
        group(
            "and",
            cond("event", "=", "Product Added"),
            cond("event-property", ">=", 100, "price"),
            cond("event-property", "=", "true", "premium"),
        ),
    ),
    (
        '(event = "Product Added" and properties.price >= 100) or '
        '(event = "Order Completed" and properties.total >= 500)',
        group(
            "or",
            group("and", cond("event", "=", "Product Added"), cond("event-property", ">=", 100, "price")),
            group("and", cond("event", "=", "Order Completed"), cond("event-property", ">=", 500, "total")),
        ),
    ),
    ('contains(event, "Nike")', group("and", cond("event", "contains", "Nike"))),
    (
        'event = "Product Added" and contains(properties.name, "Nike")',
        group("and", cond("event", "=", "Product Added"), cond("event-property", "contains", "Nike", "name")),
    ),
    ('!contains(event, "Nike")', group("and", cond("event", "not_contains", "Nike"))),
    (
        'event = "Product Added" and !contains(traits.name, "Nike")',
        group(
            "and", cond("event", "=", "Product Added"), cond("event-trait", "not_contains", "Nike", "name")
        ),
    ),
    ('match(event, "X*")', group("and", cond("event", "starts_with", "X"))),
    ('!match(event, "X*")', group("and", cond("event", "not_starts_with", "X"))),
    ('match(event, "*X")', group("and", cond("event", "ends_with", "X"))),
    ('!match(event, "*X")', group("and", cond("event", "not_ends_with", "X"))),
    (
        'event = "Product Added" and match(traits.name, "*X")',
        group("and", cond("event", "=", "Product Added"), cond("event-trait", "ends_with", "X", "name")),
    ),
    (
        'event = "Product Added" and properties.name != null',
        group("and", cond("event", "=", "Product Added"), cond("event-property", "exists", name="name")),
    ),
    (
        'event = "Product Added" and traits.name = null',
        group("and", cond("event", "=", "Product Added"), cond("event-trait", "not_exists", name="name")),
    ),
    ('context.ip = "1.1.1.1"', group("and", cond("event-context", "=", "1.1.1.1", "ip"))),
    (r"properties.property\ 1 = 5", group("and", cond("event-property", "number_equals", 5, "property 1"))),
]


@pytest.mark.parametrize(
    ("text", "expected"), REFERENCE_ROUND_TRIPS, ids=[t for t, _ in REFERENCE_ROUND_TRIPS]
)
def test_parser_builds_the_reference_ast_and_printer_reproduces_the_text(
    text: str, expected: dict[str, Any]
) -> None:
    parsed = parse_filter(text)
    assert parsed.ast.to_dict() == expected
    assert to_fql(parsed) == text


# --- classification of `field OP value` (framework.md §3.3) ------------------------------------

CLASSIFICATION: list[tuple[str, dict[str, Any]]] = [
    # type and event take every value literally, as a string
    ("type = null", cond("event-type", "=", "null")),
    ("type != null", cond("event-type", "!=", "null")),
    ("type = 5", cond("event-type", "=", "5")),
    ("type = 5.50", cond("event-type", "=", "5.5")),
    ("type = true", cond("event-type", "=", "true")),
    ("event = null", cond("event", "=", "null")),
    ("event != null", cond("event", "!=", "null")),
    ("event = false", cond("event", "=", "false")),
    ("event > 5", cond("event", ">", "5")),
    ('event < "5"', cond("event", "<", "5")),
    # name: null means exists / not_exists; booleans stay strings
    ("name != null", cond("name", "exists")),
    ("name = null", cond("name", "not_exists")),
    ("name = true", cond("name", "=", "true")),
    ("name != 7", cond("name", "!=", "7")),
    # userId: null and booleans are special
    ("userId != null", cond("userId", "exists")),
    ("userId = null", cond("userId", "not_exists")),
    ("userId = true", cond("userId", "is_true")),
    ("userId = false", cond("userId", "is_false")),
    ("userId != true", cond("userId", "!=", "true")),
    ('userId = "true"', cond("userId", "=", "true")),
    ("userId = 42", cond("userId", "=", "42")),
    # the fields we added behave like userId
    ("anonymousId != null", cond("anonymousId", "exists")),
    ("messageId = null", cond("messageId", "not_exists")),
    ('groupId = "g1"', cond("groupId", "=", "g1")),
    ("previousId = true", cond("previousId", "is_true")),
    ('channel = "server"', cond("channel", "=", "server")),
    ('category = "Docs"', cond("category", "=", "Docs")),
    ('match(timestamp, "2024-*")', cond("timestamp", "starts_with", "2024-")),
    ("originalTimestamp != null", cond("originalTimestamp", "exists")),
    ("sentAt != null", cond("sentAt", "exists")),
    ("receivedAt = null", cond("receivedAt", "not_exists")),
    # paths keep typed values and have number and boolean special cases
    ("properties.p != null", cond("event-property", "exists", name="p")),
    ("properties.p = null", cond("event-property", "not_exists", name="p")),
    ("properties.p = true", cond("event-property", "is_true", name="p")),
    ("properties.p = false", cond("event-property", "is_false", name="p")),
    ("properties.p != true", cond("event-property", "!=", True, "p")),
    ("properties.p != false", cond("event-property", "!=", False, "p")),
    ("properties.p = 5", cond("event-property", "number_equals", 5, "p")),
    ("properties.p != 5", cond("event-property", "number_not_equals", 5, "p")),
    ('properties.p = "5"', cond("event-property", "=", "5", "p")),
    ('properties.p != "5"', cond("event-property", "!=", "5", "p")),
    ('properties.p = "true"', cond("event-property", "=", "true", "p")),
    ("properties.p >= 100", cond("event-property", ">=", 100, "p")),
    ('properties.p < "10"', cond("event-property", "<", "10", "p")),
    ("traits.t = 1.5", cond("event-trait", "number_equals", 1.5, "t")),
    ("context.c.d = false", cond("event-context", "is_false", name="c.d")),
    ("integrations.Amplitude = false", cond("event-integration", "is_false", name="Amplitude")),
    ("integrations.All != null", cond("event-integration", "exists", name="All")),
    # functions stringify their value
    ("contains(event, 5)", cond("event", "contains", "5")),
    ("contains(properties.p, true)", cond("event-property", "contains", "true", "p")),
    ("contains(userId, null)", cond("userId", "contains", "null")),
    ("contains(type, 'ack')", cond("event-type", "contains", "ack")),
    (
        'match(properties.email, "*@example.com")',
        cond("event-property", "ends_with", "@example.com", "email"),
    ),
    ('match(context.page.url, "https://*")', cond("event-context", "starts_with", "https://", "page.url")),
    ('match(event, "*")', cond("event", "starts_with", "")),
    ('match(event, "*abc*")', cond("event", "starts_with", "*abc")),
    ('match(event, "a*c*")', cond("event", "starts_with", "a*c")),
    ('match(event, "*a*c")', cond("event", "ends_with", "a*c")),
    ("!match(name, 'Home*')", cond("name", "not_starts_with", "Home")),
    ("!match(userId, '*-test')", cond("userId", "not_ends_with", "-test")),
]


@pytest.mark.parametrize(("text", "expected"), CLASSIFICATION, ids=[t for t, _ in CLASSIFICATION])
def test_conditions_are_classified_as_the_reference_classifies_them(
    text: str, expected: dict[str, Any]
) -> None:
    assert condition_of(text) == expected


def test_every_operator_symbol_is_kept_on_paths() -> None:
    for symbol in ("=", "!=", "<", "<=", ">", ">="):
        assert condition_of(f'properties.p {symbol} "7"')["operator"] == symbol


# --- precedence and grouping -------------------------------------------------------------------

A, B, C, D = (f'event = "{letter}"' for letter in "abcd")
NODE = {letter: cond("event", "=", letter) for letter in "abcd"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{A} or {B} and {C}", group("or", NODE["a"], group("and", NODE["b"], NODE["c"]))),
        (f"{A} and {B} or {C}", group("or", group("and", NODE["a"], NODE["b"]), NODE["c"])),
        (
            f"{A} and {B} or {C} and {D}",
            group("or", group("and", NODE["a"], NODE["b"]), group("and", NODE["c"], NODE["d"])),
        ),
        (f"{A} or {B} or {C}", group("or", NODE["a"], NODE["b"], NODE["c"])),
        (f"{A} and {B} and {C}", group("and", NODE["a"], NODE["b"], NODE["c"])),
        (f"({A} or {B}) and {C}", group("and", group("or", NODE["a"], NODE["b"]), NODE["c"])),
        (
            f"{A} and ({B} or ({C} and {D}))",
            group("and", NODE["a"], group("or", NODE["b"], group("and", NODE["c"], NODE["d"]))),
        ),
        (f"({A} and {B}) and {C}", group("and", group("and", NODE["a"], NODE["b"]), NODE["c"])),
        (f"(({A}))", group("and", NODE["a"])),
        (f"({A} or {B})", group("or", NODE["a"], NODE["b"])),
        (f"{A} and ({B}) and {C}", group("and", NODE["a"], NODE["b"], NODE["c"])),
    ],
)
def test_and_binds_tighter_than_or_and_parentheses_nest(text: str, expected: dict[str, Any]) -> None:
    assert ast_of(text) == expected


def test_precedence_decides_which_events_match() -> None:
    # The reference would read this as "all three" (the last conditional wins); we read a or (b and c).
    text = 'type = "identify" or type = "track" and event = "Signed Up"'
    assert matches(text, {"type": "identify"})
    assert matches(text, {"type": "track", "event": "Signed Up"})
    assert not matches(text, {"type": "track", "event": "Other"})


def test_nesting_is_limited_to_keep_parsing_bounded() -> None:
    assert parse_filter("(" * 64 + A + ")" * 64).ast.to_dict() == group("and", NODE["a"])
    assert error_of("(" * 65 + A + ")" * 65).endswith("parentheses nested deeper than 64 levels at column 65")


def test_a_long_flat_chain_parses_and_evaluates() -> None:
    text = " or ".join(f'event = "e{i}"' for i in range(5000))
    parsed = parse_filter(text)
    assert len(parsed.ast.children) == 5000
    assert parsed.matches({"event": "e4999"})
    assert not parsed.matches({"event": "e5000"})


# --- errors ------------------------------------------------------------------------------------


#: Invalid filters and what follows "Invalid subscription '<text>': " in their error message.
ERRORS: list[tuple[str, str]] = [
    ("type = ", "expected a value after '=' at column 8"),
    ("", "the filter is empty at column 1"),
    ("   ", "the filter is empty at column 1"),
    ("type", "expected an operator (=, !=, <, <=, >, >=) after 'type' at column 5"),
    ('type "track"', "expected an operator (=, !=, <, <=, >, >=) after 'type', found \"track\" at column 6"),
    ("typo", "unknown field 'typo' (did you mean 'type'?) at column 1"),
    ('usrId = "x"', "unknown field 'usrId' (did you mean 'userId'?) at column 1"),
    ('type == "x"', "'==' is not an operator, use '=' at column 6"),
    ('type * "x"', "unexpected character '*' at column 6"),
    ('type = "a" && event = "b"', "unexpected character '&' (use 'and') at column 12"),
    ('type = "a" || event = "b"', "unexpected character '|' (use 'or') at column 12"),
    ('type = "a" and', "expected a condition after 'and' at column 15"),
    ('type = "a" event = "b"', "expected 'and', 'or' or the end of the filter, found 'event' at column 12"),
    ('(type = "a"', "unclosed '(' at column 1"),
    ('(type = "a" event = "b")', "expected 'and', 'or' or ')', found 'event' at column 13"),
    ('type = "a")', "unexpected ')' without a matching '(' at column 11"),
    ("()", "expected a condition after '(', found ')' at column 2"),
    ('type = "abc', 'unterminated string (no closing ") at column 8'),
    ("type = 'abc", "unterminated string (no closing ') at column 8"),
    ('!type = "x"', "'!' can only negate contains() or match() at column 1"),
    ('!(type = "x")', "'!' can only negate contains() or match() at column 1"),
    ("properties = 5", "'properties' needs a path, such as 'properties.price' at column 1"),
    ('type.foo = "x"', "'type' has no sub-fields (found 'type.foo') at column 1"),
    ("properties. = 1", "expected a field name, found ' ' at column 12"),
    ("properties.a[0 = 1", "unclosed '[' at column 13"),
    ("properties.a\\", "'\\' at the end of the filter escapes nothing at column 13"),
    ("properties.\\. = 1", "'properties.\\.' names no key below 'properties' at column 1"),
    ("traits.\\[\\] != null", "'traits.\\[\\]' names no key below 'traits' at column 1"),
    ("properties\\. = 1", "'properties\\.' names no key below 'properties' at column 1"),
    ("properties.x = 5abc", "invalid number '5abc' at column 16"),
    ("properties.x = 1.", "invalid number '1.' at column 16"),
    ("properties.x = 1.2.3", "invalid number '1.2.3' at column 16"),
    ("properties.x = -", "unexpected character '-' at column 16"),
    ('properties.x < "abc"', "'<' compares numbers; expected a number, found \"abc\" at column 16"),
    ("properties.x >= null", "'>=' compares numbers; expected a number, found 'null' at column 17"),
    ("properties.x > true", "'>' compares numbers; expected a number, found 'true' at column 16"),
    ('properties.x > ""', "'>' compares numbers; expected a number, found \"\" at column 16"),
    ('properties.x > "Infinity"', "'>' compares numbers; expected a number, found \"Infinity\" at column 16"),
    # JavaScript's Number() reads no sign, separator or space after a radix prefix
    ('properties.x > "0x-7"', "'>' compares numbers; expected a number, found \"0x-7\" at column 16"),
    ('properties.x > "0x1_0"', "'>' compares numbers; expected a number, found \"0x1_0\" at column 16"),
    ('properties.x > "0b 1"', "'>' compares numbers; expected a number, found \"0b 1\" at column 16"),
    (
        'match(event, "abc")',
        "match() pattern must start with '*' (ends with) or end with '*' (starts with) at column 14",
    ),
    ("match(event, abc)", 'match() needs a quoted pattern, such as "abc*" or "*abc" at column 14'),
    ('contains(event "x")', "expected ',' after the first argument of contains(), found \"x\" at column 16"),
    (
        'contains("x", event)',
        'expected a field name as the first argument of contains(), found "x" at column 10',
    ),
    ("contains(event, )", "expected a value as the second argument of contains(), found ')' at column 17"),
    ('contains(event, "x"', "expected ')' to close contains() at column 20"),
    ('Contains(event, "x")', "unknown function 'Contains' (use contains() or match()) at column 1"),
    ('type = "a" and = "b"', "expected a condition after 'and', found '=' at column 16"),
    ("type = and", "expected a value after '=', found 'and' at column 8"),
    ("properties.items[0] = 1 and [", "unexpected character '[' at column 29"),
    ("type = °", "unexpected character '°' at column 8"),
    ("type = \x00", "unexpected character '\\x00' at column 8"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS, ids=[text for text, _ in ERRORS])
def test_invalid_filters_raise_one_line_errors_with_a_column(text: str, reason: str) -> None:
    message = error_of(text)
    assert message == f"Invalid subscription '{text}': {reason}"
    assert "\n" not in message


def test_errors_in_multi_line_filters_report_line_and_column() -> None:
    message = error_of('type = "track"\n  and foo = 1')
    assert message.startswith(
        "Invalid subscription 'type = \"track\"\\n  and foo = 1': unknown field 'foo' ("
    )
    assert message.endswith(") at line 2, column 7")
    assert "\n" not in message


def test_unknown_fields_are_errors_instead_of_being_dropped() -> None:
    # The reference silently drops `foo = "x"` and keeps only the type test.
    assert "unknown field 'foo'" in error_of('foo = "x" and type = "track"')
    assert "unknown field 'version'" in error_of("version = 2")


def test_subscription_errors_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        parse_filter("type = ")


@pytest.mark.parametrize("value", [None, 5, b'type = "track"', ['type = "track"']])
def test_non_string_subscriptions_are_rejected(value: Any) -> None:
    with pytest.raises(SubscriptionError, match=r"^Invalid subscription: expected a string, got "):
        parse_filter(value)


# --- evaluation (framework.md §3.4) ------------------------------------------------------------

EVALUATION: list[tuple[str, Any, bool]] = [
    # `=` is strict string equality
    ('type = "track"', {"type": "track"}, True),
    ('type = "track"', {"type": "Track"}, False),
    ('type = "track"', {}, False),
    ('properties.price = "100"', {"properties": {"price": 100}}, False),
    ('properties.price = "100"', {"properties": {"price": "100"}}, True),
    ("properties.price = 100", {"properties": {"price": 100}}, True),
    ("properties.price = 100", {"properties": {"price": 100.0}}, True),
    ("properties.price = 100", {"properties": {"price": "100"}}, False),
    ('properties.flag = "true"', {"properties": {"flag": True}}, False),
    ("type = 5", {"type": 5}, False),
    ("type = 5", {"type": "5"}, True),
    ("type = null", {"type": None}, False),
    ("type = null", {"type": "null"}, True),
    ("event = null", {}, False),
    # `!=` is the negation of strict string equality: true when missing
    ('event != "Order Completed"', {"event": "Order Completed"}, False),
    ('event != "Order Completed"', {"event": "Signed Up"}, True),
    ('event != "Order Completed"', {}, True),
    ("event != null", {}, True),
    ("event != null", {"event": None}, True),
    ("event != null", {"event": "null"}, False),
    ('properties.p != "5"', {"properties": {"p": 5}}, True),
    (
        "properties.flag != true",
        {"properties": {"flag": True}},
        True,
    ),  # true !== "true" (kept from the reference)
    ("properties.flag != true", {"properties": {"flag": "true"}}, False),
    # number_equals / number_not_equals need a number
    ("properties.n = 5", {"properties": {"n": 5}}, True),
    ("properties.n = 5", {"properties": {"n": True}}, False),
    ("properties.n = 1", {"properties": {"n": True}}, False),
    ("properties.n != 5", {"properties": {"n": 6}}, True),
    ("properties.n != 5", {"properties": {"n": 5}}, False),
    ("properties.n != 5", {"properties": {}}, False),
    ("properties.n != 5", {"properties": {"n": "6"}}, False),
    # comparisons need a number
    ("properties.n < 10", {"properties": {"n": 5}}, True),
    ("properties.n < 10", {"properties": {"n": 10}}, False),
    ("properties.n <= 10", {"properties": {"n": 10}}, True),
    ("properties.n > 10", {"properties": {"n": 10.5}}, True),
    ("properties.n >= 10", {"properties": {"n": 10}}, True),
    ("properties.n >= 10", {"properties": {"n": 9.99}}, False),
    ("properties.n > 10", {"properties": {"n": "11"}}, False),
    ("properties.n > 0", {"properties": {"n": True}}, False),
    ("properties.n > 0", {"properties": {}}, False),
    ("properties.n > -1", {"properties": {"n": None}}, False),
    ('traits.n < "10"', {"traits": {"n": 5}}, True),
    ('traits.n < " 0x10 "', {"traits": {"n": 15}}, True),
    ("properties.n < 1e21", {"properties": {"n": 10**20}}, True),
    ("event > 5", {"event": 6}, True),
    ("event > 5", {"event": "6"}, False),
    # string functions need a string and are case-sensitive
    ('contains(event, "Nike")', {"event": "Buy Nike Air"}, True),
    ('contains(event, "nike")', {"event": "Buy Nike Air"}, False),
    ('contains(event, "Nike")', {}, False),
    ("contains(properties.n, 12)", {"properties": {"n": 123}}, False),
    ("contains(properties.n, 12)", {"properties": {"n": "123"}}, True),
    ('!contains(event, "Nike")', {"event": "Adidas"}, True),
    ('!contains(event, "Nike")', {"event": "Nike"}, False),
    ('!contains(event, "Nike")', {}, False),
    ('!contains(properties.tags, "x")', {"properties": {"tags": ["y"]}}, False),
    ('match(event, "Order*")', {"event": "Order Completed"}, True),
    ('match(event, "Order*")', {"event": "Big Order"}, False),
    ('!match(event, "Order*")', {"event": "Big Order"}, True),
    ('!match(event, "Order*")', {}, False),
    ('match(properties.email, "*@acme.com")', {"properties": {"email": "jo@acme.com"}}, True),
    ('match(properties.email, "*@acme.com")', {"properties": {"email": "jo@acme.org"}}, False),
    ('!match(properties.email, "*@acme.com")', {"properties": {"email": "jo@acme.org"}}, True),
    ('!match(properties.email, "*@acme.com")', {"properties": {"email": None}}, False),
    ('match(event, "*")', {"event": ""}, True),
    ('match(event, "*")', {"event": 5}, False),
    ('match(event, "*abc*")', {"event": "xabcx"}, False),
    ('match(event, "*abc*")', {"event": "*abcx"}, True),
    # exists / not_exists treat null as missing
    ("userId != null", {"userId": "u1"}, True),
    ("userId != null", {"userId": ""}, True),
    ("userId != null", {"userId": None}, False),
    ("userId != null", {}, False),
    ("userId = null", {"userId": None}, True),
    ("userId = null", {}, True),
    ("userId = null", {"userId": 0}, False),
    ("properties.x != null", {"properties": {"x": False}}, True),
    ("properties.x = null", {"properties": None}, True),
    # is_true / is_false need a boolean
    ("properties.flag = true", {"properties": {"flag": True}}, True),
    ("properties.flag = true", {"properties": {"flag": "true"}}, False),
    ("properties.flag = true", {"properties": {"flag": 1}}, False),
    ("properties.flag = false", {"properties": {"flag": False}}, True),
    ("properties.flag = false", {"properties": {"flag": 0}}, False),
    ("properties.flag = false", {"properties": {}}, False),
    ("userId = true", {"userId": True}, True),
    ("userId = true", {"userId": "true"}, False),
    ("name = true", {"name": "true"}, True),
    ("name = true", {"name": True}, False),
    # the added top-level fields
    ("anonymousId != null", {"anonymousId": "a1"}, True),
    ('groupId = "g1"', {"groupId": "g1"}, True),
    ('previousId = "p"', {"previousId": "q"}, False),
    ('match(messageId, "ajs-*")', {"messageId": "ajs-123"}, True),
    ('channel = "server"', {"channel": "server"}, True),
    ('match(receivedAt, "2024-*")', {"receivedAt": "2024-01-15T12:00:00.000Z"}, True),
    ("integrations.Amplitude = false", {"integrations": {"Amplitude": False}}, True),
    ("integrations.Amplitude = false", {"integrations": {}}, False),
    ("integrations.Amplitude.session_id > 0", {"integrations": {"Amplitude": {"session_id": 17}}}, True),
    # traits are the top-level traits only; context is event.context
    ('traits.plan = "pro"', {"traits": {"plan": "pro"}}, True),
    ('traits.plan = "pro"', {"context": {"traits": {"plan": "pro"}}}, False),
    ('context.traits.plan = "pro"', {"context": {"traits": {"plan": "pro"}}}, True),
    ('properties.name = "Jane"', {"type": "identify", "traits": {"name": "Jane"}}, False),
    ('context.ip = "1.1.1.1"', {"context": {"ip": "1.1.1.1"}}, True),
]


@pytest.mark.parametrize(
    ("text", "event", "expected"), EVALUATION, ids=[f"{t} | {json.dumps(e)}" for t, e, _ in EVALUATION]
)
def test_operators_evaluate_as_in_the_reference(text: str, event: dict[str, Any], expected: bool) -> None:
    assert matches(text, event) is expected


PATHS: list[tuple[str, Any, Any]] = [
    ("a.b.c", {"a": {"b": {"c": 1}}}, 1),
    ("a.b.c", {"a": {"b": None}}, None),
    ("a.b.c", {"a": {}}, None),
    ("items.0.id", {"items": [{"id": 7}, {"id": 8}]}, 7),
    ("items[1].id", {"items": [{"id": 7}, {"id": 8}]}, 8),
    ("items.2.id", {"items": [{"id": 7}]}, None),
    ("items.01", {"items": ["x", "y"]}, None),
    ("items.length", {"items": [1, 2, 3]}, 3),
    ("word.length", {"word": "héllo"}, 5),
    ("word.length", {"word": "😀"}, 2),  # UTF-16 code units, as in JavaScript
    ("word.1", {"word": "abc"}, "b"),
    ("word.x", {"word": "abc"}, None),
    ("zero.x", {"zero": 0}, 0),  # a falsy intermediate is returned as is (JavaScript's &&)
    ("empty.x", {"empty": ""}, ""),
    ("no.x", {"no": False}, False),
    ("yes.x", {"yes": True}, None),
    ("seven.x", {"seven": 7}, None),
    ("a.b", {"a.b": 1}, None),  # dots always separate segments
    ("obj.length", {"obj": {"length": 4}}, 4),
]


@pytest.mark.parametrize(
    ("name", "properties", "value"), PATHS, ids=[f"{n} in {json.dumps(p)}" for n, p, _ in PATHS]
)
def test_paths_are_looked_up_like_the_reference_get(
    name: str, properties: dict[str, Any], value: Any
) -> None:
    escaped = re.sub(r"[^a-zA-Z0-9._\[\]-]", lambda m: "\\" + m.group(), name)
    found = Filter.from_ast(Condition("event-property", "exists", name=name)).matches(
        {"properties": properties}
    )
    assert found is (value is not None)
    if isinstance(value, bool):
        assert matches(f"properties.{escaped} = {'true' if value else 'false'}", {"properties": properties})
    elif isinstance(value, int | float):
        assert matches(f"properties.{escaped} = {value}", {"properties": properties})
    elif isinstance(value, str):
        assert matches(f"properties.{escaped} = {json.dumps(value)}", {"properties": properties})


def test_a_nan_reached_through_a_path_is_a_number_that_equals_nothing() -> None:
    event = {"properties": {"n": math.nan}}
    assert matches("properties.n.x != 5", event)  # NaN && ... is NaN, and NaN != 5
    assert not matches("properties.n.x = 5", event)


@pytest.mark.parametrize("event", [None, "track", 5, ["type", "track"], ("type",)])
def test_an_event_that_is_not_a_mapping_matches_nothing(event: Any) -> None:
    assert matches('type != "track"', event) is False
    assert matches("userId = null", event) is False


def test_mappings_other_than_dict_are_events_too() -> None:
    from types import MappingProxyType

    event = MappingProxyType({"type": "track", "properties": MappingProxyType({"price": 5})})
    assert matches('type = "track" and properties.price < 10', event)


# --- agreement with the reference, found by differential testing ------------------------------

BIG = "1" + "0" * 400  # beyond the double range: JavaScript reads it as Infinity

#: (filter, event, what the reference's validate() returned), recorded by running the reference
#: (@segment/destination-subscriptions 3.37.0) on each pair.
REFERENCE_MATCHES: list[tuple[str, Any, bool]] = [
    # escaped true/false/null are the same values as the plain words
    (r"properties.flag = \true", {"properties": {"flag": True}}, True),
    (r"properties.flag = tru\e", {"properties": {"flag": True}}, True),
    (r"properties.flag = \true", {"properties": {"flag": "true"}}, False),
    (r"properties.flag = \false", {"properties": {"flag": False}}, True),
    (r"properties.x = nul\l", {"properties": {}}, True),
    (r"properties.x != \null", {"properties": {"x": 0}}, True),
    (r"properties.x != \null", {"properties": {}}, False),
    (r"userId = \true", {"userId": True}, True),
    (r"name = \null", {}, True),
    (r"type = \null", {"type": "null"}, True),
    (r"type = \and", {"type": "and"}, True),
    # an escaped dot right after the field name is still a path separator
    (r"properties\.price = 1", {"properties": {"price": 1}}, True),
    (r"traits\.plan.tier = 2", {"traits": {"plan": {"tier": 2}}}, True),
    # integers beyond 2**53 are doubles in JavaScript, and beyond the double range infinite
    ("properties.n = 9007199254740993", {"properties": {"n": 9007199254740993}}, True),
    ("properties.n = 9007199254740992", {"properties": {"n": 9007199254740993}}, True),
    ("properties.n > 9007199254740992", {"properties": {"n": 9007199254740993}}, False),
    ("properties.n != 9007199254740992", {"properties": {"n": 9007199254740993}}, False),
    ("properties.n >= 12345678901234567000", {"properties": {"n": 12345678901234567890}}, True),
    ("properties.n < 12345678901234567890", {"properties": {"n": 12345678901234567000}}, False),
    ("type > 9007199254740992", {"type": 9007199254740993}, False),
    (f"properties.n < {BIG}", {"properties": {"n": 10**400}}, False),
    (f"properties.n >= {BIG}", {"properties": {"n": 10**400}}, True),
    ("properties.n > 1.7976931348623157", {"properties": {"n": -(10**400)}}, False),
    ("properties.n < 0", {"properties": {"n": -(10**400)}}, True),
    # strings compare as UTF-16 code units: a lone surrogate matches half of an emoji
    ('contains(event, "\ud83d")', {"event": "I \U0001f600 it"}, True),
    ('contains(event, "\ude00")', {"event": "\U0001f600"}, True),
    ('match(event, "\ud83d*")', {"event": "\U0001f600 smile"}, True),
    ('match(event, "*\ude00")', {"event": "smile \U0001f600"}, True),
    ('!contains(event, "\ud83d")', {"event": "\U0001f600"}, False),
    ('!match(event, "*\ude00")', {"event": "plain"}, True),
    ('!match(event, "\ud83d*")', {"event": "\U0001f600"}, False),
    ('event = "\ud83d"', {"event": "\ud83d"}, True),
    ('event = "\ud83d"', {"event": "\U0001f600"}, False),
    ('event != "\ud83d"', {"event": "\U0001f600"}, True),
    ('contains(properties.s, "\U0001f600")', {"properties": {"s": "a\U0001f600b"}}, True),
    ("properties.s.length = 2", {"properties": {"s": "\U0001f600"}}, True),
    ('properties.s.\\0 = "\ud83d"', {"properties": {"s": "\U0001f600"}}, True),
    # lookups through falsy and other odd intermediates
    ("properties.a.b = 0", {"properties": {"a": 0}}, True),
    ('properties.a.b = ""', {"properties": {"a": ""}}, True),
    ("properties.a.b = false", {"properties": {"a": False}}, True),
    ("properties.a.b = null", {"properties": {"a": True}}, True),
    ("properties.a.b = null", {"properties": {"a": 5}}, True),
    (r'properties.a.\1 = "b"', {"properties": {"a": "abc"}}, True),
    (r"properties.a\[1\].id = 8", {"properties": {"a": [{"id": 7}, {"id": 8}]}}, True),
    ("properties.a.length = 3", {"properties": {"a": [1, 2, 3]}}, True),
    ("properties.length != null", {"properties": "abc"}, True),
    (r'properties.\0 = "a"', {"properties": "abc"}, True),
    ("properties.x = null", {"properties": 0}, False),
    ("properties.x != 5", {"properties": 0}, True),
    ("traits.x = false", {"traits": False}, True),
    # numbers as the reference lexes them and Number() reads them
    ("properties.n = 007", {"properties": {"n": 7}}, True),
    ("properties.n = -0", {"properties": {"n": 0}}, True),
    ("properties.n = +3", {"properties": {"n": 3}}, True),
    ("properties.n = 1.50", {"properties": {"n": 1.5}}, True),
    ('properties.n < " 0x10 "', {"properties": {"n": 15}}, True),
    ('properties.n < "0b11"', {"properties": {"n": 2}}, True),
    ('properties.n >= "\u00a010"', {"properties": {"n": 10}}, True),
    ("type = 007", {"type": "7"}, True),
    ("contains(event, 1.50)", {"event": "v1.5"}, True),
    ("userId = 1.0", {"userId": "1"}, True),
    # bare words are strings
    (r"event = hello\ world", {"event": "hello world"}, True),
    ("event = a.b", {"event": "a.b"}, True),
    (r"properties.p = \5", {"properties": {"p": "5"}}, True),
    (r"properties.p = \5", {"properties": {"p": 5}}, False),
    # match() star rules
    ('match(event, "**")', {"event": "*x"}, True),
    ('match(event, "*a*")', {"event": "*ab"}, True),
    ('match(event, "a*b*")', {"event": "a*bc"}, True),
    ('match(event, "*")', {"event": ""}, True),
    ('!match(event, "*")', {"event": "x"}, False),
]


@pytest.mark.parametrize(
    ("text", "event", "expected"),
    REFERENCE_MATCHES,
    ids=[ascii(f"{t} | {e}")[1:-1][:120] for t, e, _ in REFERENCE_MATCHES],
)
def test_filters_match_what_the_reference_matched(text: str, event: Any, expected: bool) -> None:
    assert matches(text, event) is expected


def test_integers_beyond_the_double_range_compare_as_infinity() -> None:
    huge = {"properties": {"n": 10**400}}
    assert matches("properties.n > 1e308", huge)
    assert matches(f"properties.n = {BIG}", huge)  # Infinity === Infinity
    assert matches("properties.n != 5", {"properties": {"n": -(10**400)}})
    infinite = Condition("event-property", "number_equals", 10**400, "n")
    assert Filter("properties.n = Infinity", Group("and", (infinite,))).matches(huge)
    with pytest.raises(SubscriptionError, match="as an FQL number"):
        to_fql(infinite)


def test_a_surrogate_pair_written_as_two_code_points_is_the_character_it_encodes() -> None:
    pair = "\ud83d\ude00"  # two code points in Python, one emoji in JavaScript
    assert Filter.from_ast(Condition("event", "=", pair)).matches({"event": "\U0001f600"})
    assert not Filter.from_ast(Condition("event", "!=", pair)).matches({"event": "\U0001f600"})
    assert Filter.from_ast(Condition("event", "contains", pair)).matches({"event": "a\U0001f600"})
    assert Filter.from_ast(Condition("event", "!=", pair)).matches({})


# Filters the reference reads differently because of lexer and parser accidents (documented differences)


def test_a_function_call_inside_parentheses_does_not_end_the_group() -> None:
    # The reference closes the group at contains()'s ')' and reads all three conditions with `and`.
    text = 'type = "identify" or (contains(event, "Sign") and name = "web")'
    assert ast_of(text) == group(
        "or",
        cond("event-type", "=", "identify"),
        group("and", cond("event", "contains", "Sign"), cond("name", "=", "web")),
    )
    assert matches(text, {"type": "identify"})


def test_or_and_and_directly_before_a_parenthesis_are_conditionals() -> None:
    # The reference lexes `or(` as an unknown word and drops it, which turns the filter into `and`.
    assert ast_of('type = "a" or(event = "b")')["operator"] == "or"
    assert matches('type = "a" or(event = "b")', {"type": "a"})
    assert ast_of('(type = "a")and(event = "b")')["operator"] == "and"


@pytest.mark.parametrize("key", ["and", "or", "null"])
def test_and_or_null_are_keys_at_the_end_of_a_path(key: str) -> None:
    # The reference's lexer makes them keywords there, so `properties.or = 1` compares garbage.
    assert condition_of(f"properties.{key} = 1") == cond("event-property", "number_equals", 1, key)
    assert condition_of(f'contains(traits.a.{key}, "x")') == cond("event-trait", "contains", "x", f"a.{key}")


@pytest.mark.parametrize("word", ["ab", "an", "nu", "nul", "nx"])
def test_a_short_word_at_the_very_end_keeps_all_its_letters(word: str) -> None:
    # The reference's lexer drops what follows a final `a` or `n` when the text ends within 2-3 characters.
    assert condition_of(f"type = {word}") == cond("event-type", "=", word)
    assert condition_of("properties.n=1") == cond("event-property", "number_equals", 1, "n")


def test_a_quoted_string_may_be_followed_directly_by_the_next_token() -> None:
    # The reference's lexer reopens a string at a closing quote that is not followed by a space, `,` or `)`.
    assert ast_of('type="a"and event="b"') == group(
        "and", cond("event-type", "=", "a"), cond("event", "=", "b")
    )
    assert ast_of('type = "a"or type = "b"')["operator"] == "or"


@pytest.mark.parametrize(
    "text",
    [
        'type = "a" event = "b"',  # the reference joins the two with `and`
        'type = "a" and',  # ... ignores a dangling conditional
        'and type = "a"',
        'type = "a" or or event = "b"',
        'type = "a")',  # ... skips a stray ')' or ','
        'type = "a", event = "b"',
        'type "a"',  # ... takes the next two tokens as operator and value
        "type = and",
        "properties.n = -",  # ... reads a lone sign as NaN
        "properties.n = 5abc",  # ... reads 5 and drops `abc`
        'Contains(event, "x")',  # ... skips unknown functions
        'contains(event "x")',  # ... reads function arguments by position
        'type = "a" and ()',  # ... fails when it evaluates the empty group
    ],
)
def test_malformed_filters_the_reference_reads_anyway_are_errors(text: str) -> None:
    assert error_of(text).startswith(f"Invalid subscription '{text}': ")


# --- the printer -------------------------------------------------------------------------------


def test_printer_escapes_path_characters_like_the_reference() -> None:
    condition = Condition("event-property", "=", "x", r"a b$c(d)é\e")
    assert to_fql(condition) == r'properties.a\ b\$c\(d\)\é\\e = "x"'
    assert parse_filter(to_fql(condition)).ast.children == (condition,)


def test_printer_prefers_double_quotes_and_falls_back_to_single_quotes() -> None:
    assert to_fql(Condition("event", "=", "plain")) == 'event = "plain"'
    assert to_fql(Condition("event", "=", 'say "hi"')) == "event = 'say \"hi\"'"
    with pytest.raises(SubscriptionError, match="both kinds of quote"):
        to_fql(Condition("event", "=", 'it\'s "x"'))


def test_printer_writes_numbers_as_javascript_does() -> None:
    assert to_fql(Condition("event-property", ">", 100.0, "n")) == "properties.n > 100"
    assert to_fql(Condition("event-property", "<", "10", "n")) == "properties.n < 10"
    assert to_fql(Condition("event-property", "number_equals", 1e21, "n")) == "properties.n = 1e+21"
    assert to_fql(Condition("event-property", "number_not_equals", 1.5e-7, "n")) == "properties.n != 1.5e-7"
    assert to_fql(Condition("event-property", "!=", True, "n")) == "properties.n != true"
    assert to_fql(Condition("event-property", "=", 5, "n")) == "properties.n = 5"
    with pytest.raises(SubscriptionError, match="as an FQL number"):
        to_fql(Condition("event-property", ">", math.inf, "n"))


def test_printer_refuses_an_ends_with_value_that_ends_with_a_star() -> None:
    with pytest.raises(SubscriptionError, match="ends with '\\*'"):
        to_fql(Condition("event", "ends_with", "ab*"))


def test_printer_parenthesises_nested_groups_and_unwraps_a_lone_top_group() -> None:
    a, b, c = (Condition("event", "=", x) for x in "abc")
    assert to_fql(Group("and", (Group("or", (a, b)),))) == 'event = "a" or event = "b"'
    assert to_fql(Group("or", (a, Group("and", (b, c))))) == 'event = "a" or (event = "b" and event = "c")'
    assert to_fql(Group("and", (Group("or", (a, Group("and", (b, c)))),))) == (
        'event = "a" or (event = "b" and event = "c")'
    )


def test_printed_text_reads_back_with_the_same_meaning_under_either_precedence() -> None:
    # Every nested group is parenthesised, so the reference's flat parser reads our output the same way.
    text = to_fql(parse_filter(f"{A} or {B} and {C}"))
    assert text == f"{A} or ({B} and {C})"


# --- the AST -----------------------------------------------------------------------------------


def test_ast_nodes_are_frozen_and_hashable() -> None:
    node = parse_filter('type = "track"').ast
    with pytest.raises(AttributeError):
        node.operator = "or"  # type: ignore[misc]
    assert hash(node) == hash(parse_filter("type = 'track'").ast)


def test_conditions_with_true_and_one_are_different() -> None:
    assert Condition("event-property", "!=", True, "p") != Condition("event-property", "!=", 1, "p")
    assert Condition("event-property", ">", 1, "p") == Condition("event-property", ">", 1.0, "p")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Condition("event-property", "exists"), "needs a field name"),
        (lambda: Condition("event-property", "exists", name="."), "needs a field name"),
        (lambda: Condition("event", "=", "x", name="n"), "takes no field name"),
        (lambda: Condition("event", "="), "needs a value"),
        (lambda: Condition("nope", "=", "x"), "unknown condition kind"),  # type: ignore[arg-type]
        (lambda: Condition("event", "~", "x"), "unknown condition operator"),  # type: ignore[arg-type]
        (lambda: Group("and", ()), "at least one child"),
        (lambda: Group("xor", (Condition("event", "=", "x"),)), "unknown group operator"),  # type: ignore[arg-type]
    ],
)
def test_malformed_nodes_are_rejected_when_built(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_groups_accept_a_list_of_children() -> None:
    built = Group("or", [Condition("event", "=", "a")])  # type: ignore[arg-type]
    assert built.children == (Condition("event", "=", "a"),)


def test_filter_from_ast_prints_its_text_and_evaluates() -> None:
    built = Filter.from_ast(Condition("event-property", ">=", 10, "n"))
    assert built.text == "properties.n >= 10"
    assert built == parse_filter("properties.n >= 10")
    assert built.matches({"properties": {"n": 12}})
    assert repr(built) == "Filter('properties.n >= 10')"


def test_parsing_the_same_text_returns_the_cached_filter() -> None:
    _parse_cached.cache_clear()
    first = parse_filter('type = "track" and event = "Cached"')
    assert parse_filter('type = "track" and event = "Cached"') is first
    assert _parse_cached.cache_info().hits == 1


def test_filter_text_is_the_subscription_as_written() -> None:
    assert parse_filter("  type='track'  ").text == "  type='track'  "


# --- Amplitude presets -------------------------------------------------------------------------

TRACK_PRESET = 'type = "track" and event != "Order Completed"'
ORDER_PRESET = 'type = "track" and event = "Order Completed"'
DEFAULT_SUBSCRIPTION = (
    'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"'
)
EVENTS: dict[str, dict[str, Any]] = {
    "track": {"type": "track", "event": "Product Viewed"},
    "order": {"type": "track", "event": "Order Completed"},
    "page": {"type": "page", "name": "Home"},
    "screen": {"type": "screen", "name": "Home"},
    "identify": {"type": "identify", "traits": {}},
    "group": {"type": "group", "groupId": "g"},
    "alias": {"type": "alias", "previousId": "p"},
}


@pytest.mark.parametrize(
    ("subscription", "matching"),
    [
        (TRACK_PRESET, {"track"}),
        (ORDER_PRESET, {"order"}),
        ('type = "page"', {"page"}),
        ('type = "screen"', {"screen"}),
        ('type = "identify"', {"identify"}),
        (DEFAULT_SUBSCRIPTION, {"track", "order", "identify", "group", "page", "alias"}),
    ],
)
def test_amplitude_preset_filters_select_their_events(subscription: str, matching: set[str]) -> None:
    parsed = parse_filter(subscription)
    assert {label for label, event in EVENTS.items() if parsed.matches(event)} == matching
    assert to_fql(parsed) == subscription


def _conformance_event_cases() -> list[dict[str, Any]]:
    text = (CONFORMANCE / "cases.jsonl").read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    return [case for case in cases if case["kind"] == "event" and "results" in case["output"]]


def _subscribed(results: list[dict[str, Any]], count: int) -> list[bool]:
    """Split the reference's concatenated results into one matched/not-matched flag per subscription."""
    flags, index = [], 0
    for _ in range(count):
        if results[index].get("output") == "not subscribed":
            flags.append(False)
            index += 1
            continue
        flags.append(True)
        while results[index].get("output") != "Action Executed":
            index += 1
        index += 1
    assert index == len(results)
    return flags


@pytest.mark.parametrize("case", _conformance_event_cases(), ids=lambda case: case["id"])
def test_conformance_event_cases_subscribe_the_same_events(case: dict[str, Any]) -> None:
    output = case["output"]
    subscriptions = [item["subscribe"] for item in output["effective_subscriptions"]]
    expected = _subscribed(output["results"], len(subscriptions))
    events = output.get("effective_events") or [output["effective_event"]]
    for subscription, subscribed in zip(subscriptions, expected, strict=True):
        if subscription == "type = ":
            # The reference reads this as `type = "eos"` and subscribes nothing; we refuse it at load time.
            assert not subscribed
            with pytest.raises(SubscriptionError):
                parse_filter(subscription)
            continue
        assert any(parse_filter(subscription).matches(event) for event in events) is subscribed


# --- properties --------------------------------------------------------------------------------

FQL_PIECES = [
    "type",
    "event",
    "name",
    "userId",
    "properties.a",
    "traits.b.c",
    "context.ip",
    "integrations.X",
    "foo",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "!",
    "==",
    "and",
    "or",
    "(",
    ")",
    ",",
    "[",
    "]",
    ".",
    "contains",
    "match",
    '"x"',
    "'y'",
    '"*z"',
    '"z*"',
    "5",
    "-1.5",
    "1e3",
    "null",
    "true",
    "false",
    '"',
    "'",
    "\\",
    "*",
    "&",
    "é",
    " ",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.sampled_from(FQL_PIECES), max_size=14).map(" ".join),
        st.lists(st.sampled_from(FQL_PIECES), max_size=14).map("".join),
    )
)
def test_parse_filter_returns_a_filter_or_raises_subscription_error(text: str) -> None:
    message = None
    try:
        parsed = parse_filter(text)
    except SubscriptionError as error:
        message = str(error)
    if message is not None:
        assert message.startswith("Invalid subscription '")
        assert "\n" not in message
        return
    assert isinstance(parsed, Filter)
    assert parse_filter(to_fql(parsed)).ast == parsed.ast


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["track", "true", "null", "100", "Order Completed", "x", ""]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "0", "length"]), inner, max_size=3)
    ),
    max_leaves=12,
)
EVENT_KEYS = [
    "type",
    "event",
    "name",
    "userId",
    "anonymousId",
    "properties",
    "traits",
    "context",
    "integrations",
]
JSON_EVENTS = st.dictionaries(st.sampled_from(EVENT_KEYS) | st.text(max_size=4), JSON_VALUES, max_size=6)

SAMPLE_FILTERS = [
    parse_filter(text)
    for text in [
        TRACK_PRESET,
        DEFAULT_SUBSCRIPTION,
        "userId != null and anonymousId = null",
        "userId = true or userId = false or name = null",
        "properties.a = 5 or properties.a != 5 or properties.a.b < 1 or properties.a.0 >= -2",
        'properties.a = "x" or properties.a != true or traits.b = true or traits.b.c = false',
        'contains(properties.a, "x") or !contains(traits.b, "1") or match(context.a, "x*")',
        '!match(context.a.b, "*y") or match(event, "*") or integrations.a.length > 1',
        'contains(type, "a") and (event > 1 or event <= "2")',
    ]
]


@settings(max_examples=300)
@given(JSON_EVENTS | JSON_VALUES)
def test_matches_never_raises_on_arbitrary_json(event: Any) -> None:
    for parsed in SAMPLE_FILTERS:
        assert parsed.matches(event) in (True, False)


# Random ASTs in the image of the parser: printing and re-parsing them must give the same tree.

SCALAR_KINDS: list[ConditionKind] = ["event-type", "event", "name", "userId", "anonymousId", "channel"]
PATH_KINDS: list[ConditionKind] = ["event-property", "event-trait", "event-context", "event-integration"]
SEGMENTS = st.text(alphabet="ab0_-$ é()*\\'\"", min_size=1, max_size=4)
NAMES = st.lists(SEGMENTS, min_size=1, max_size=3).map(".".join)
STRINGS = st.text(max_size=6).filter(lambda s: not ('"' in s and "'" in s))
NUMBERS = st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False))


VALUELESS_BY_KIND: dict[str, list[ConditionOperator]] = {
    "event-type": [],
    "event": [],
    "name": ["exists", "not_exists"],
}
ALL_VALUELESS: list[ConditionOperator] = ["exists", "not_exists", "is_true", "is_false"]
TEXT_OPERATORS: list[ConditionOperator] = [
    "=",
    "!=",
    "contains",
    "not_contains",
    "starts_with",
    "not_starts_with",
]
WITH_VALUES: list[ConditionOperator] = [*TEXT_OPERATORS, "<", "<=", ">", ">=", "ends_with", "not_ends_with"]


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    """A condition the parser can produce, with any operator its kind allows."""
    path = draw(st.booleans())
    kind = draw(st.sampled_from(PATH_KINDS if path else SCALAR_KINDS))
    name = draw(NAMES) if path else None
    valueless = ALL_VALUELESS if path else VALUELESS_BY_KIND.get(kind, ALL_VALUELESS)
    numeric: list[ConditionOperator] = ["number_equals", "number_not_equals"] if path else []
    operator = draw(st.sampled_from(WITH_VALUES + valueless + numeric))
    value: Any
    if operator in ALL_VALUELESS:
        value = None
    elif operator in ("<", "<=", ">", ">=", "number_equals", "number_not_equals"):
        number = draw(NUMBERS)
        # scalar fields hold String(number), paths the number itself
        value = number if path else number_to_string(number)
    elif operator in ("ends_with", "not_ends_with"):
        value = draw(STRINGS.filter(lambda s: s != "" and not s.endswith("*")))
    elif operator == "!=" and path:
        value = draw(st.one_of(STRINGS, st.booleans()))
    else:
        value = draw(STRINGS)
    return Condition(kind, operator, value, name)


def groups(children: st.SearchStrategy[FilterNode]) -> st.SearchStrategy[Group]:
    return st.builds(
        Group, st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=4).map(tuple)
    )


TREES = st.recursive(conditions(), groups, max_leaves=8)


@st.composite
def top_level_trees(draw: st.DrawFn) -> Group:
    tree = draw(TREES)
    return tree if isinstance(tree, Group) else Group("and", (tree,))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(top_level_trees())
def test_printing_and_parsing_round_trips_the_tree(tree: Group) -> None:
    assert parse_filter(to_fql(tree)).ast == tree


def _spec_value(kind: str, name: str | None, event: dict[str, Any]) -> Any:
    """The looked-up value as framework.md §3.4 describes it, written independently of the module."""
    field = {
        "event-property": "properties",
        "event-trait": "traits",
        "event-context": "context",
        "event-integration": "integrations",
        "event-type": "type",
    }.get(kind, kind)
    value = event.get(field)
    if name is None:
        return value
    for key in re.findall(r"[^.\[\]]+", name):
        index = int(key) if key.isdigit() and str(int(key)) == key else None
        if (
            value is None
            or value is False
            or value == ""
            or (isinstance(value, int | float) and (value == 0 or value != value))
        ):
            return value
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list | str) and key == "length":
            value = (
                len(value.encode("utf-16-le", "surrogatepass")) // 2 if isinstance(value, str) else len(value)
            )
        elif isinstance(value, list | str) and index is not None and index < len(value):
            value = value[index]  # the generated strings are ASCII, so code points are UTF-16 units
        else:
            value = None
    return value


def _js_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _spec_matches(node: FilterNode, event: dict[str, Any]) -> bool:
    if isinstance(node, Group):
        results = [_spec_matches(child, event) for child in node.children]
        return all(results) if node.operator == "and" else any(results)
    actual = _spec_value(node.kind, node.name, event)
    expected = node.value
    is_number = isinstance(actual, int | float) and not isinstance(actual, bool)
    is_string = isinstance(actual, str)
    try:
        numeric = math.nan if isinstance(expected, bool) else float(expected)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        numeric = math.nan
    checks: dict[str, Callable[[], bool]] = {
        "=": lambda: is_string and actual == _js_str(expected),
        "!=": lambda: not (is_string and actual == _js_str(expected)),
        "number_equals": lambda: is_number and actual == numeric,
        "number_not_equals": lambda: is_number and actual != numeric,
        "<": lambda: is_number and actual < numeric,
        "<=": lambda: is_number and actual <= numeric,
        ">": lambda: is_number and actual > numeric,
        ">=": lambda: is_number and actual >= numeric,
        "contains": lambda: is_string and _js_str(expected) in actual,
        "not_contains": lambda: is_string and _js_str(expected) not in actual,
        "starts_with": lambda: is_string and actual.startswith(_js_str(expected)),
        "not_starts_with": lambda: is_string and not actual.startswith(_js_str(expected)),
        "ends_with": lambda: is_string and actual.endswith(_js_str(expected)),
        "not_ends_with": lambda: is_string and not actual.endswith(_js_str(expected)),
        "exists": lambda: actual is not None,
        "not_exists": lambda: actual is None,
        "is_true": lambda: actual is True,
        "is_false": lambda: actual is False,
    }
    return checks[node.operator]()


ASCII_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-3, 3),
    st.sampled_from(["", "a", "ab", "b*", "5", "true"]),
)
SMALL_VALUES = st.recursive(
    ASCII_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(st.sampled_from(["a", "b", "0", "length"]), inner, max_size=3)
    ),
    max_leaves=8,
)
SMALL_EVENTS = st.dictionaries(
    st.sampled_from(
        [
            "type",
            "event",
            "name",
            "userId",
            "anonymousId",
            "channel",
            *["properties", "traits", "context", "integrations"],
        ]
    ),
    SMALL_VALUES,
    max_size=6,
)
SMALL_NAMES = st.lists(st.sampled_from(["a", "b", "0", "length"]), min_size=1, max_size=3).map(".".join)


@st.composite
def small_conditions(draw: st.DrawFn) -> Condition:
    condition = draw(conditions())
    value = condition.value
    if isinstance(value, str) and condition.operator in TEXT_OPERATORS:
        value = draw(st.sampled_from(["", "a", "b", "5", "true"]))
    name = draw(SMALL_NAMES) if condition.name is not None else None
    return Condition(condition.kind, condition.operator, value, name)


@settings(max_examples=500)
@given(st.recursive(small_conditions(), groups, max_leaves=6), SMALL_EVENTS)
def test_compiled_filters_agree_with_a_direct_reading_of_the_spec(
    tree: FilterNode, event: dict[str, Any]
) -> None:
    assert Filter.from_ast(tree).matches(event) is _spec_matches(tree, event)

"""The keywords that check one value without descending into it, one validator each.

Each builder takes the schema holding the keyword and returns a node ``(data, pointer, errors) ->
data`` that appends a raw error when the keyword fails. ``const`` and ``enum`` see any value;
the others only values of their type (the compiler routes them there, after coercion).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from actions.js import number_to_string, to_string

from ._formats import FORMATS
from ._messages import RawError
from ._regex import translate_js_regex
from ._types import TYPE_TESTS, js_equal, schema_types

__all__ = [
    "Node",
    "const_step",
    "enum_step",
    "length_steps",
    "number_steps",
    "string_steps",
    "unique_step",
]

Node = Callable[[Any, str, list[RawError]], Any]


def const_step(schema: Mapping[str, Any]) -> Node:
    expected = schema["const"]

    def const_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        if not js_equal(data, expected):
            errs.append(("const", ptr, schema, expected, data))
        return data

    return const_step


def enum_step(schema: Mapping[str, Any]) -> Node:
    allowed = list(schema["enum"])
    primitive = {v for v in allowed if isinstance(v, str)}
    others = [v for v in allowed if not isinstance(v, str)]

    def enum_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        if isinstance(data, str) and data in primitive:
            return data
        if not any(js_equal(data, v) for v in others):
            errs.append(("enum", ptr, schema, allowed, data))
        return data

    return enum_step


def _format_step(schema: Mapping[str, Any], applies_to: str) -> Node | None:
    name = schema.get("format")
    if name is None:
        return None
    spec = FORMATS.get(name)
    if spec is None:
        raise ValueError(f'unknown format "{name}"')
    kind, check = spec
    if kind != applies_to:
        return None

    def format_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        if not check(data):
            errs.append(("format", ptr, schema, name, data))
        return data

    return format_step

def number_steps(schema: Mapping[str, Any]) -> list[Node]:
    steps: list[Node] = []
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "maximum": lambda d, lim: d <= lim,
        "minimum": lambda d, lim: d >= lim,
        "exclusiveMaximum": lambda d, lim: d < lim,
        "exclusiveMinimum": lambda d, lim: d > lim,
    }
    for keyword, holds in comparisons.items():
        if keyword in schema:
            steps.append(_limit_step(schema, keyword, schema[keyword], holds))
    if "multipleOf" in schema:
        divisor = schema["multipleOf"]

        def multiple_of_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            if not _is_multiple(data, divisor):
                errs.append(("multipleOf", ptr, schema, divisor, data))
            return data

        steps.append(multiple_of_step)
    fmt = _format_step(schema, "number")
    if fmt is not None:
        steps.append(fmt)
    return steps

def _limit_step(
    schema: Mapping[str, Any], keyword: str, limit: Any, holds: Callable[[Any, Any], bool]
) -> Node:
    def limit_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        if not holds(data, limit):
            errs.append((keyword, ptr, schema, limit, data))
        return data

    return limit_step

def length_steps(schema: Mapping[str, Any], longest: str, shortest: str) -> list[Node]:
    """The ``longest``/``shortest`` keywords bounding ``len(data)``, in that order."""
    steps: list[Node] = []
    if longest in schema:
        steps.append(_limit_step(schema, longest, schema[longest], lambda d, lim: len(d) <= lim))
    if shortest in schema:
        steps.append(_limit_step(schema, shortest, schema[shortest], lambda d, lim: len(d) >= lim))
    return steps

def string_steps(schema: Mapping[str, Any]) -> list[Node]:
    # Lengths count code points (ajv's ucs2length), not UTF-16 units.
    steps = length_steps(schema, "maxLength", "minLength")
    if "pattern" in schema:
        source = schema["pattern"]
        regex = re.compile(translate_js_regex(source))

        def pattern_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            if regex.search(data) is None:
                errs.append(("pattern", ptr, schema, source, data))
            return data

        steps.append(pattern_step)
    fmt = _format_step(schema, "string")
    if fmt is not None:
        steps.append(fmt)
    return steps


def unique_step(schema: Mapping[str, Any]) -> Node:
    items = schema.get("items")
    item_types = schema_types(items) if isinstance(items, Mapping) else []
    by_key = bool(item_types) and not any(t in ("object", "array") for t in item_types)
    item_tests = [TYPE_TESTS[t] for t in item_types]
    mark_strings = len(item_types) > 1

    def duplicate(data: Any) -> tuple[int, int] | None:
        if len(data) <= 1:
            return None
        if by_key:
            # ajv indexes scalar items by their string form, scanning from the end.
            seen: dict[str, int] = {}
            for i in range(len(data) - 1, -1, -1):
                item = data[i]
                if not any(test(item) for test in item_tests):
                    continue
                key = to_string(item) + ("_" if mark_strings and isinstance(item, str) else "")
                if key in seen:
                    return i, seen[key]
                seen[key] = i
            return None
        for i in range(len(data) - 1, 0, -1):
            for j in range(i - 1, -1, -1):
                if js_equal(data[i], data[j]):
                    return i, j
        return None

    def unique_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        found = duplicate(data)
        if found is not None:
            errs.append(("uniqueItems", ptr, schema, found, data))
        return data

    return unique_step


def _is_multiple(data: Any, divisor: Any) -> bool:
    # ajv: `res = data / divisor; res === parseInt(res)` (parseInt reads the printed number).
    try:
        quotient = data / divisor
    except ZeroDivisionError:
        return False
    text = number_to_string(quotient)
    match = re.match(r"[+-]?\d+", text)
    return match is not None and float(int(match.group())) == quotient

"""The fast input parser gives exactly what json.loads gives, for every input."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from actions.delivery._loads import loads
from hypothesis import given, settings
from hypothesis import strategies as st

_NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.1, 1e-7, 5e-324, 1.7976931348623157e308, 2.0**63, -0.0, 9007199254740993.0]),
)
_TEXT = st.text(alphabet=st.characters(codec=None), max_size=10)  # lone surrogates included
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_TEXT, children, max_size=4)),
    max_leaves=25,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0; -0.0 is not 0.0; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _outcome(parse: Any, text: bytes | str) -> Any:
    try:
        return ("value", parse(text))
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=800, deadline=None)
@given(_VALUES, st.booleans(), st.booleans())
def test_every_document_parses_as_json_loads_parses_it(value: Any, ascii_only: bool, as_bytes: bool) -> None:
    text: bytes | str = json.dumps(value, ensure_ascii=ascii_only)
    if as_bytes:
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate kept raw cannot be UTF-8
            text = text.encode("utf-8", "surrogatepass")
    fast, slow = _outcome(loads, text), _outcome(json.loads, text)
    assert fast[0] == slow[0]
    if fast[0] == "value":
        assert _same(fast[1], slow[1])
    else:
        assert fast == slow


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_any_bytes_parse_or_fail_as_json_loads_does(data: bytes) -> None:
    fast, slow = _outcome(loads, data), _outcome(json.loads, data)
    assert fast[0] == slow[0] and (fast[0] == "error" or _same(fast[1], slow[1]))


@pytest.mark.parametrize(
    "text",
    [
        b"123456789012345678901234567890",  # orjson alone would round it to a float
        b"-9223372036854775809",
        b'{"n": 18446744073709551616}',
        b"NaN",
        b"[Infinity, -Infinity]",
        b"1e400",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        '{"a": "\ud800"}'.encode("utf-8", "surrogatepass"),
        b"[" * 2000 + b"]" * 2000,
        b'{"a": 1, "a": 2}',
    ],
)
def test_where_orjson_would_differ_json_loads_decides(text: bytes) -> None:
    fast, slow = _outcome(loads, text), _outcome(json.loads, text)
    assert fast[0] == slow[0] and (fast[0] == "error" or _same(fast[1], slow[1]))

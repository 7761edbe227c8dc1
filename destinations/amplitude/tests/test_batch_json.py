"""The JSON text of batched events and identifications is exactly ``JSON.stringify``'s."""

from __future__ import annotations

from typing import Any

from actions.js import UNDEFINED, json_stringify
from actions_amplitude._batch import sized_json
from hypothesis import given, settings
from hypothesis import strategies as st

_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 100.0, 0.5, 1e-4, 9.99e-5, 1e16, 1e16 - 2, 1e21, 123.456, 2.0**53]),
)
_INTEGERS = st.one_of(st.integers(), st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 10**21]))
_TEXT = st.text(alphabet=st.characters(codec=None), max_size=12)  # lone surrogates included
_SCALARS = st.one_of(st.none(), st.booleans(), _INTEGERS, _FLOATS, _TEXT, st.just(UNDEFINED))
_KEYS = st.one_of(
    _TEXT, st.sampled_from(["user_id", "event_type", "time"]), st.integers(), st.floats(), st.booleans()
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(_KEYS, children, max_size=5),
    )


_VALUES = st.recursive(_SCALARS, _containers, max_leaves=20)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_object_json_is_json_stringify_and_measures_utf8_bytes(value: dict[Any, Any]) -> None:
    text, size = sized_json(value)
    assert text == json_stringify(value)
    assert size == len(text.encode("utf-8"))


def test_numbers_are_written_as_javascript_writes_them() -> None:
    event = {"a": 1.0, "b": -0.0, "c": 1e-7, "d": 2**53 + 1, "e": 0.1, "f": float("nan"), "g": True, "h": 5}
    assert (
        sized_json(event)[0] == '{"a":1,"b":0,"c":1e-7,"d":9007199254740992,"e":0.1,"f":null,"g":true,"h":5}'
    )


def test_undefined_values_are_left_out_and_lone_surrogates_escaped() -> None:
    text, size = sized_json({"gone": UNDEFINED, "s": "a\ud800b", "list": [UNDEFINED]})
    assert text == '{"s":"a\\ud800b","list":[null]}'
    assert size == len(text)

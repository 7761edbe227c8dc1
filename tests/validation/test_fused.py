"""The fast paths of ``clean`` against the generic code they bypass, which is their specification.

The fast paths: the one-walk root (``_fused``) and the one-scan object nodes (the compiler's
``_quiet_object_node``). The reference validator is built without the latter and run through
the three generic passes (``_clean``).
"""

from __future__ import annotations

import copy
import math
from typing import Any
from unittest import mock

import pytest
from actions._errors import SchemaValidationError
from actions._fields import Field
from actions.js import UNDEFINED
from actions.validation import PayloadValidator, _compiler
from hypothesis import given, settings
from hypothesis import strategies as st
from validation_helpers import RICH

KEYS = ("a", "b", "c", "d")
TYPES = ("string", "number", "integer", "boolean", "object", "datetime")
SCALARS = st.sampled_from(
    ["", "x", "3", "2.5", "true", "2024-01-15T12:00:00.000Z", None, UNDEFINED, 0, 1, -2, 2.5, True, False]
) | st.floats(allow_nan=False) | st.integers()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from((*KEYS, "z")), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def a_field(draw: st.DrawFn, depth: int = 0) -> Field:
    kind = draw(st.sampled_from(TYPES))
    extra: dict[str, Any] = {}
    if kind == "object" and depth == 0 and draw(st.booleans()):
        extra["properties"] = draw(st.dictionaries(st.sampled_from(KEYS), a_field(depth + 1), max_size=3))
        extra["additional_properties"] = draw(st.booleans())
    if kind == "string" and draw(st.booleans()):
        extra["choices"] = ("x", "3")
    return Field(
        label="L",
        type=kind,
        required=draw(st.booleans()),
        allow_null=draw(st.booleans()),
        multiple=draw(st.booleans()),
        **extra,
    )


FIELD_SETS = st.dictionaries(st.sampled_from(KEYS), a_field(), min_size=1, max_size=4)
PAYLOADS = st.dictionaries(st.sampled_from((*KEYS, "z")), VALUES, max_size=5)


def outcome(clean: Any, payload: dict[str, Any], is_root: bool) -> Any:
    try:
        return "ok", repr(clean(payload, is_root))  # repr: key order and types count
    except SchemaValidationError as exc:
        return "error", [(error.path, error.message) for error in exc.errors]


def generic(definitions: Any) -> PayloadValidator:
    with mock.patch.object(_compiler, "quiet_object_tables", return_value=None):
        return PayloadValidator(definitions)


def assert_agrees(
    validator: PayloadValidator, reference: PayloadValidator, payload: dict[str, Any], is_root: bool
) -> None:
    original = copy.deepcopy(payload)
    assert outcome(validator.clean, payload, is_root) == outcome(reference._clean, payload, is_root)
    assert payload == original


@settings(max_examples=1500, deadline=None)
@given(FIELD_SETS, PAYLOADS, st.booleans())
def test_the_fused_clean_agrees_with_the_three_passes(
    definitions: dict[str, Field], payload: dict[str, Any], is_root: bool
) -> None:
    validator = PayloadValidator(definitions)
    assert validator._fused is not None  # every field set has the plain root shape
    assert_agrees(validator, generic(definitions), payload, is_root)


with mock.patch.object(_compiler, "quiet_object_tables", return_value=None):
    RICH_GENERIC = PayloadValidator.from_schema(RICH.schema)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from([*RICH.schema["properties"], "z"]), VALUES, max_size=8), st.booleans())
def test_the_fused_clean_agrees_on_a_rich_field_set(payload: dict[str, Any], is_root: bool) -> None:
    assert_agrees(RICH, RICH_GENERIC, payload, is_root)


def test_the_fused_clean_does_the_work_of_all_three_passes() -> None:
    validator = PayloadValidator(
        {
            "n": Field(label="N", type="integer", required=True),
            "tags": Field(label="Tags", type="string", multiple=True),
            "s": Field(label="S", type="string"),
        }
    )
    payload = {"junk": 1, "tags": "a", "n": "3", "s": "", "extra": None}
    assert validator._fused is not None
    assert validator._fused(payload, True) == {"tags": ["a"], "n": 3}
    assert repr(validator.clean(payload)) == repr(validator._clean(payload, True))


@pytest.mark.parametrize(
    "payload",
    [{"n": "x"}, {}, {"n": 1, "s": 5}, {"n": math.inf}],
    ids=["type error", "missing required", "wrong type", "infinite"],
)
def test_errors_come_from_the_generic_passes(payload: dict[str, Any]) -> None:
    validator = PayloadValidator(
        {"n": Field(label="N", type="integer", required=True), "s": Field(label="S", type="boolean")}
    )
    assert validator._fused is not None
    assert validator._fused(payload, True) is None
    with pytest.raises(SchemaValidationError):
        validator.clean(payload)


def test_a_root_with_other_keywords_uses_the_generic_passes() -> None:
    validator = PayloadValidator.from_schema(
        {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 1}
    )
    assert validator._fused is None
    with pytest.raises(SchemaValidationError):
        validator.clean({})


NESTED = {
    "o": Field(
        label="O",
        type="object",
        properties={
            "b": Field(label="B", type="string", required=True),
            "n": Field(label="N", type="number"),
            "c": Field(label="C", type="string", choices=("x", "y")),
        },
    )
}


@pytest.mark.parametrize(
    "value",
    [
        {"b": "x"},
        {"b": "x", "z": 1},
        {"b": "x", "n": "2"},
        {"n": 1.5},
        {"b": "x", "n": UNDEFINED},
        {"b": 3},
        {"b": "x", "c": "y"},
        {"b": "x", "c": "q"},
        {"b": "x", "c": 1},
    ],
    ids=[
        "as it is",
        "unknown key",
        "coercion",
        "missing required",
        "undefined",
        "wrong type",
        "a choice",
        "not a choice",
        "a choice to coerce",
    ],
)
def test_nested_objects_agree_with_the_generic_node(value: dict[str, Any]) -> None:
    assert_agrees(PayloadValidator(NESTED), generic(NESTED), {"o": value}, True)
    validate = PayloadValidator(NESTED).validate
    assert outcome(lambda p, _: validate(p), {"o": value}, True) == outcome(
        lambda p, _: generic(NESTED).validate(p), {"o": value}, True
    )

"""Property-based checks: any JSON mapping and payload gives a result or a MappingError, nothing else."""

from __future__ import annotations

from typing import Any

from actions import mapping as mapping_kit
from actions._errors import MappingError
from actions.js import UNDEFINED, json_stringify
from actions.mapping import transform, transform_batch, validate
from actions.mapping._compile import build_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DIRECTIVES = [
    "@if",
    "@case",
    "@replace",
    "@arrayPath",
    "@path",
    "@template",
    "@literal",
    "@flatten",
    "@json",
    "@merge",
    "@transform",
    "@excludeWhenNull",
    "@liquid",
    "@oops",
]
OPTION_KEYS = [
    "exists",
    "blank",
    "then",
    "else",
    "operator",
    "value",
    "pattern",
    "replacement",
    "pattern2",
    "replacement2",
    "ignorecase",
    "global",
    "mode",
    "separator",
    "omitArrays",
    "objects",
    "direction",
    "apply",
    "mapping",
    "_metadata",
    "__segment_internal_directive",
]
WORDS = ["lower", "upper", "encode", "decode", "left", "right", "$.a", "$.a.b", "a[0]", "", ".", "$.", "x"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(WORDS),
    st.sampled_from(["{{a}}", "{{{a.b}}}", "{{ a | upcase }}", "{% if a %}y{% endif %}", "{% for %}"]),
)
keys = st.one_of(st.text(max_size=6), st.sampled_from(OPTION_KEYS), st.sampled_from(DIRECTIVES))


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.builds(lambda name, value: {name: value}, st.sampled_from(DIRECTIVES), children),
        st.builds(
            lambda name, options: {name: options},
            st.sampled_from(DIRECTIVES),
            st.dictionaries(st.sampled_from(OPTION_KEYS), children, max_size=5),
        ),
    )


mappings = st.recursive(scalars, extend, max_leaves=25)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "x", "0"]), children, max_size=4),
    ),
    max_leaves=20,
)
payloads = st.dictionaries(st.sampled_from(["a", "b", "x", "properties", "0"]), json_values, max_size=5)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def attempt(function: Any, *args: Any) -> tuple[Any, MappingError | None]:
    """Run ``function``; only MappingError may escape it (anything else fails the test)."""
    try:
        return function(*args), None
    except MappingError as error:
        return None, error


@SETTINGS
@given(mappings, payloads)
def test_transform_returns_a_value_or_raises_mapping_error(mapping: Any, payload: dict[str, Any]) -> None:
    result, error = attempt(transform, mapping, payload)
    if error is not None:
        assert error.messages
        assert all(isinstance(message, str) for message in error.messages)
    else:
        # Whatever comes back can be serialised the way request bodies are.
        assert result is UNDEFINED or json_stringify(result) is not None


@SETTINGS
@given(mappings)
def test_validate_returns_or_raises_mapping_error(mapping: Any) -> None:
    _, error = attempt(validate, mapping)
    if error is not None:
        assert error.kind in ("ValidationError", "AggregateError")
        assert all(message.startswith("/") and message.endswith(".") for message in error.messages)


@SETTINGS
@given(mappings, st.lists(json_values, max_size=3))
def test_transform_batch_returns_a_list_or_raises_mapping_error(mapping: Any, batch: list[Any]) -> None:
    try:
        results = transform_batch(mapping, batch)
    except MappingError:
        return
    assert len(results) == len(batch)


@SETTINGS
@given(mappings, payloads)
def test_generated_code_agrees_with_generic_closures(mapping: Any, payload: dict[str, Any]) -> None:
    def outcome(codegen: bool) -> Any:
        try:
            result = build_program(mapping, codegen=codegen).run(payload)
        except MappingError as error:
            return ("error", error.kind, error.messages)
        return ("ok", json_stringify(result) if result is not UNDEFINED else "undefined")

    assert outcome(True) == outcome(False)


@SETTINGS
@given(mappings, payloads)
def test_compiled_function_and_transform_agree(mapping: Any, payload: dict[str, Any]) -> None:
    expected: tuple[Any, ...]
    got: tuple[Any, ...]
    try:
        expected = ("ok", json_stringify(transform(mapping, payload)))
    except MappingError as error:
        expected = ("error", error.kind, error.messages)
    try:
        got = ("ok", json_stringify(mapping_kit.compile(mapping)(payload)))
    except MappingError as error:
        got = ("error", error.kind, error.messages)
    assert got == expected


def test_pathologically_deep_mappings_raise_mapping_error() -> None:
    mapping: Any = {"@path": "$.a"}
    for _ in range(5000):
        mapping = {"k": mapping}
    _, error = attempt(transform, mapping, {})
    assert error is None or error.kind == "RangeError"


def test_pathologically_deep_payloads_do_not_crash() -> None:
    payload: Any = {"a": 1}
    for _ in range(5000):
        payload = {"a": payload}
    for mapping in ({"v": {"@path": "$.a"}}, {"v": {"@json": {"mode": "encode", "value": {"@path": "$.a"}}}}):
        _, error = attempt(transform, mapping, payload)
        assert error is None or error.kind == "RangeError"

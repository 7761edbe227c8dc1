"""``compile`` and the compiled-mapping cache: fast paths that must not change any result."""

from __future__ import annotations

import json
from typing import Any

import pytest
from actions import mapping
from actions._errors import MappingError
from actions.js import UNDEFINED
from actions.mapping import transform
from actions.mapping._compile import _program_from_key, build_program, cached_program, clear_cache
from actions.mapping._nodes import detach
from hypothesis import given
from hypothesis import strategies as st

from .test_cases import CASES, as_json


def test_compile_validates_once_and_returns_a_reusable_function() -> None:
    mapped = mapping.compile({"id": {"@path": "$.userId"}, "kind": "user"})
    assert mapped({"userId": "a"}) == {"id": "a", "kind": "user"}
    assert mapped({"userId": "b"}) == {"id": "b", "kind": "user"}
    assert mapped({}) == {"kind": "user"}


def test_compile_reports_mapping_problems_immediately() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.compile({"a": {"@oops": 1}})
    assert caught.value.kind == "AggregateError"


def test_compiled_function_checks_the_payload() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.compile({"a": 1})([1])
    assert caught.value.messages == ["data must be an object, got array"]


def test_equal_mappings_share_one_compiled_program() -> None:
    clear_cache()
    first = cached_program({"a": {"@path": "$.x"}, "b": [1, 2]})
    second = cached_program(json.loads('{"a": {"@path": "$.x"}, "b": [1, 2]}'))
    assert first is second or _program_from_key.cache_info().currsize <= 2


@pytest.mark.parametrize(("one", "other"), [(1, True), (1, 1.0), (0, False), ("1", 1)])
def test_values_that_python_calls_equal_are_cached_apart(one: Any, other: Any) -> None:
    assert transform({"v": one}) == {"v": one}
    result = transform({"v": other})["v"]
    assert result == other and type(result) is type(other)


def test_key_order_is_part_of_the_cache_key() -> None:
    assert list(transform({"a": 1, "b": 2})) == ["a", "b"]
    assert list(transform({"b": 2, "a": 1})) == ["b", "a"]


def test_changing_a_mapping_after_use_changes_the_result() -> None:
    source: dict[str, Any] = {"v": {"@path": "$.a"}}
    assert transform(source, {"a": 1, "b": 2}) == {"v": 1}
    source["v"]["@path"] = "$.b"
    assert transform(source, {"a": 1, "b": 2}) == {"v": 2}


def test_a_compiled_function_keeps_the_mapping_it_was_given() -> None:
    source: dict[str, Any] = {"v": {"@path": "$.a"}}
    mapped = mapping.compile(source)
    source["v"]["@path"] = "$.b"
    assert mapped({"a": 1, "b": 2}) == {"v": 1}


def test_mappings_holding_non_json_values_still_work_uncached() -> None:
    marker = object()
    assert transform({"v": marker, "u": {"@path": "$.x"}}, {"x": 1}) == {"v": marker, "u": 1}


def test_null_and_nan_are_cached_apart() -> None:
    # orjson writes NaN as null: such mappings are keyed with marshal instead.
    assert transform({"v": None}) == {"v": None}
    result = transform({"v": float("nan")})["v"]
    assert result != result
    assert transform({"v": None}) == {"v": None}


def test_a_mapping_alternating_with_another_keeps_its_own_program() -> None:
    first, second = {"v": {"@path": "$.a"}}, {"v": {"@path": "$.b"}}
    for _ in range(3):
        assert transform(first, {"a": 1, "b": 2}) == {"v": 1}
        assert transform(second, {"a": 1, "b": 2}) == {"v": 2}


def test_tuples_in_a_mapping_resolve_as_lists_do() -> None:
    as_list = {"v": {"@arrayPath": ["$.items", {"n": {"@path": "$.id"}}]}, "w": [1, {"@path": "$.x"}]}
    as_tuple = {"v": {"@arrayPath": ("$.items", {"n": {"@path": "$.id"}})}, "w": (1, {"@path": "$.x"})}
    payload = {"items": [{"id": 1}, {"id": 2}], "x": "y"}
    assert transform(as_tuple, payload) == transform(as_list, payload) == build_program(as_tuple).run(payload)


def test_the_cache_is_bounded() -> None:
    clear_cache()
    for index in range(600):
        transform({"v": index})
    assert _program_from_key.cache_info().currsize <= 512


def _mapping_of(case: dict[str, Any]) -> Any:
    return case["output"].get("effective_mapping", case.get("mapping"))


CASE_INPUTS = [case for case in CASES if case.get("op") is None and isinstance(_mapping_of(case), dict)]


def run_program(codegen: bool, case: dict[str, Any]) -> Any:
    payload = case["output"].get("effective_payload", case.get("payload")) or {}
    if not isinstance(payload, dict):
        return "non-object payload"
    try:
        result = build_program(_mapping_of(case), codegen=codegen).run(payload)
    except MappingError as error:
        return (error.kind, error.messages)
    return "undefined" if result is UNDEFINED else as_json(result)


@pytest.mark.parametrize("case", CASE_INPUTS, ids=[case["id"] for case in CASE_INPUTS])
def test_generated_code_and_generic_closures_agree(case: dict[str, Any]) -> None:
    assert run_program(True, case) == run_program(False, case)


def _reference_detach(value: Any) -> Any:
    """detach() as the reference's removeUndefined plus a deep copy, written plainly."""
    if type(value) is dict:
        return {key: _reference_detach(item) for key, item in value.items() if item is not UNDEFINED}
    if type(value) in (list, tuple):
        return [_reference_detach(item) for item in value]
    return value


_DETACHABLE = st.recursive(
    st.sampled_from([None, UNDEFINED, "", "x", 0, 1.5, True]),
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=10,
)


def _containers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [id(value), *(i for item in value.values() for i in _containers(item))]
    if isinstance(value, list | tuple):
        return [id(value), *(i for item in value for i in _containers(item))]
    return []


@given(_DETACHABLE)
def test_detach_is_a_deep_copy_without_undefined_object_values(value: Any) -> None:
    copied = detach(value)
    assert repr(copied) == repr(_reference_detach(value))
    if type(value) is not tuple:
        assert not set(_containers(copied)) & set(_containers(value))

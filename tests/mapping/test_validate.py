"""Static validation reports every problem with the reference's messages and error kinds."""

from __future__ import annotations

from typing import Any

import pytest
from actions._errors import MappingError
from actions.mapping import validate


def problems(mapping: Any) -> tuple[str, list[str]]:
    with pytest.raises(MappingError) as caught:
        validate(mapping)
    return caught.value.kind, caught.value.messages


@pytest.mark.parametrize("mapping", [None, "text", 5, True, [], [{"@oops": 1}], {}, {"a": [{"@nope": {}}]}])
def test_raw_values_and_raw_arrays_are_valid(mapping: Any) -> None:
    validate(mapping)


def test_one_problem_in_a_top_level_directive_is_a_validation_error() -> None:
    assert problems({"@if": 5}) == ("ValidationError", ["/@if should be an object but it is a number."])


def test_problems_found_while_walking_objects_are_aggregated_even_when_single() -> None:
    assert problems({"v": {"@if": 5}}) == (
        "AggregateError",
        ["/v/@if should be an object but it is a number."],
    )


def test_every_problem_is_reported_in_mapping_order() -> None:
    mapping = {
        "a": {"@path": 1},
        "b": {"c": {"@template": None}, "d": {"@oops": 1}},
        "e": {"@json": {"mode": "x"}},
    }
    assert problems(mapping) == (
        "AggregateError",
        [
            "/a/@path should be a string or a mapping directive but it is a number.",
            "/b/c/@template should be a string or a mapping directive but it is a null.",
            "/b/d has an invalid directive: @oops.",
            '/e/@json should have field "value" but it doesn\'t.',
            '/e/@json/mode should be one of encode, decode but it is "x".',
        ],
    )


def test_mixed_keys_count_every_key() -> None:
    assert problems({"@path": "x", "a": 1, "b": 2}) == (
        "ValidationError",
        ["/ should only have one @-prefixed key but it has 3 keys."],
    )


def test_an_object_with_a_directive_key_is_called_a_directive() -> None:
    assert problems({"@case": {"@path": "$.x"}}) == (
        "ValidationError",
        ["/@case should be an object but it is a directive."],
    )


def test_unknown_keys_inside_directive_options_are_validated_as_mappings() -> None:
    assert problems({"@if": {"exists": 1, "extra": {"@bad": 1}}}) == (
        "AggregateError",
        ["/@if/extra has an invalid directive: @bad."],
    )


def test_option_values_are_checked_as_mappings_before_their_own_rules() -> None:
    # The nested problem stops the walk: the pattern's own rule is not reported as well.
    mapping = {"@replace": {"pattern": "a", "value": {"x": {"@nope": 1}}}}
    assert problems(mapping) == ("AggregateError", ["/@replace/value/x has an invalid directive: @nope."])


def test_merge_entries_are_reported_without_their_path() -> None:
    assert problems({"m": {"@merge": {"direction": "left", "objects": [{"a": {"@oops": 1}}, 1]}}}) == (
        "AggregateError",
        ["/a has an invalid directive: @oops."],
    )


def test_array_path_item_shape_is_validated_under_the_directive() -> None:
    assert problems({"@arrayPath": ["$.x", {"a": {"@oops": 1}}]}) == (
        "AggregateError",
        ["/@arrayPath/a has an invalid directive: @oops."],
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"@liquid": 1}, "/@liquid should be a string but it is a number."),
        (
            {"@replace": {"pattern": "", "value": "x"}},
            "/@replace/pattern should be a string of length 1 or greater.",
        ),
        (
            {"@replace": {"pattern": "x", "value": "x", "global": 1}},
            "/@replace/global should be a boolean but it is a number.",
        ),
        (
            {"@merge": {"objects": [], "direction": 1}},
            "/@merge/direction should be a string but it is a number.",
        ),
        (
            {"@flatten": {"value": 1, "separator": 1}},
            "/@flatten/separator should be a string but it is a number.",
        ),
        (
            {"@transform": {"apply": {}, "mapping": 1}},
            "/@transform/mapping should be a object or a mapping directive but it is a number.",
        ),
        ({"@case": {"operator": 1}}, "/@case/operator should be a string but it is a number."),
        ({"@literal": {"@x": 1}}, "/@literal has an invalid directive: @x."),
    ],
)
def test_directive_argument_rules(mapping: dict[str, Any], message: str) -> None:
    assert problems(mapping)[1] == [message]


def test_case_insensitive_enums_pass_validation() -> None:
    validate({"@json": {"mode": "DECODE", "value": "x"}})
    validate({"@merge": {"direction": "Right", "objects": []}})


def test_metadata_may_sit_next_to_a_directive() -> None:
    validate({"v": {"@path": "$.x", "_metadata": {"label": "X", "type": "string"}}})


def test_integer_like_keys_are_reported_first_as_javascript_walks_them() -> None:
    with pytest.raises(MappingError) as caught:
        validate({"b": {"@nope": 1}, "1": {"@nope": 2}})
    assert caught.value.messages == [
        "/1 has an invalid directive: @nope.",
        "/b has an invalid directive: @nope.",
    ]

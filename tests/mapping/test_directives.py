"""Each directive's edge cases, beyond the golden corpus, as the reference behaves."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from actions._errors import MappingError
from actions.js import UNDEFINED, json_stringify
from actions.mapping import transform, transform_batch


def error_of(mapping: Any, payload: Any = UNDEFINED) -> MappingError:
    with pytest.raises(MappingError) as caught:
        transform(mapping, payload)
    return caught.value


# --- @path -----------------------------------------------------------------------------------


@pytest.mark.parametrize("falsy", [0, "", False, None])
def test_path_returns_a_falsy_intermediate_instead_of_undefined(falsy: Any) -> None:
    assert transform({"v": {"@path": "$.a.b.c"}}, {"a": falsy}) == {"v": falsy}


def test_path_reads_array_and_string_length_like_javascript() -> None:
    payload = {"list": [1, 2, 3], "word": "héllo😀"}
    result = transform({"n": {"@path": "$.list.length"}, "m": {"@path": "$.word.length"}}, payload)
    assert result == {"n": 3, "m": 7}  # the emoji is two UTF-16 code units


def test_path_does_not_treat_padded_numbers_as_indexes() -> None:
    assert transform({"v": {"@path": "$.list.01"}, "w": {"@path": "$.list.-1"}}, {"list": ["a", "b"]}) == {}


def test_path_indexes_strings_by_utf16_code_unit() -> None:
    assert transform({"v": {"@path": "$.s.1"}}, {"s": "😀x"}) == {"v": "\ude00"}


def test_path_removes_only_the_first_dollar_dot() -> None:
    payload = {"a": {"$": {"b": 1}, "b": 2}}
    assert transform({"v": {"@path": "a.$.b"}, "w": {"@path": "$.a.$.b"}}, payload) == {"v": 2, "w": 1}


def test_path_supports_quoted_brackets_and_keys_with_spaces_and_brackets() -> None:
    payload = {"a b": {"c": 1}, "[txt] non": 2, "arr": [{"x": 3}]}
    mapping = {
        "one": {"@path": "['a b'].c"},
        "two": {"@path": "$.[txt] non"},
        "three": {"@path": '$.arr[0]["x"]'},
    }
    assert transform(mapping, payload) == {"one": 1, "two": 2, "three": 3}


def test_path_from_a_directive_must_resolve_to_a_string() -> None:
    error = error_of({"v": {"@path": {"@path": "$.n"}}}, {"n": [1]})
    assert (error.kind, error.messages) == ("Error", ["@path: expected string, got array"])


def test_top_level_path_to_a_missing_key_is_undefined() -> None:
    assert transform({"@path": "$.nope"}, {}) is UNDEFINED


def test_path_result_is_a_copy_of_the_payload_value() -> None:
    payload = {"props": {"tags": ["a"]}}
    result = transform({"p": {"@path": "$.props"}}, payload)
    result["p"]["tags"].append("b")
    assert payload == {"props": {"tags": ["a"]}}


# --- @template -------------------------------------------------------------------------------


def test_template_rescans_text_inserted_by_triple_braces() -> None:
    assert transform({"@template": "{{{a}}}"}, {"a": "{{b}}", "b": "B"}) == "B"


def test_template_prints_values_the_javascript_way() -> None:
    payload = {"f": 0.1 + 0.2, "big": 1e21, "tiny": 1.5e-7, "objs": [{"a": 1}, None, [2, [3]]], "t": True}
    text = transform({"@template": "{{f}}|{{big}}|{{tiny}}|{{objs}}|{{t}}"}, payload)
    assert text == "0.30000000000000004|1e+21|1.5e-7|[object Object],,2,3|true"


def test_template_trims_keys_with_javascript_whitespace() -> None:
    assert transform({"@template": "{{\u00a0name\ufeff}}"}, {"name": "Ada"}) == "Ada"


def test_template_value_from_a_directive_must_be_a_string() -> None:
    error = error_of({"@template": {"@path": "$.n"}}, {"n": 3})
    assert error.messages == ["@template: expected string, got number"]


# --- @if -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "T"),
        (" ", "T"),
        ([0], "T"),
        ({}, "T"),
        (1, "T"),
        ([], "E"),
        ([""], "E"),
        ([None], "E"),
        (0, "E"),
    ],
)
def test_if_blank_uses_javascript_loose_inequality_with_the_empty_string(value: Any, expected: str) -> None:
    mapping = {"v": {"@if": {"blank": {"@path": "$.x"}, "then": "T", "else": "E"}}}
    assert transform(mapping, {"x": value}) == {"v": expected}


def test_if_with_a_falsy_literal_exists_and_a_blank_still_tests_exists() -> None:
    mapping = {"v": {"@if": {"exists": 0, "blank": {"@path": "$.nope"}, "then": "T", "else": "E"}}}
    assert transform(mapping, {}) == {"v": "T"}


@pytest.mark.parametrize("falsy_else", [0, False, "", None])
def test_if_ignores_a_falsy_else(falsy_else: Any) -> None:
    mapping = {"v": {"@if": {"exists": {"@path": "$.nope"}, "then": "T", "else": falsy_else}}}
    assert transform(mapping, {}) == {}


def test_if_then_path_to_a_missing_key_drops_the_field() -> None:
    mapping = {"v": {"@if": {"exists": {"@path": "$.a"}, "then": {"@path": "$.b"}}}}
    assert transform(mapping, {"a": 1}) == {}


def test_if_reuses_the_tested_path_and_falls_back_to_else() -> None:
    test = {"@path": "$.context.device.id"}
    mapping = {"v": {"@if": {"exists": test, "then": test, "else": {"@path": "$.anonymousId"}}}}
    assert transform(mapping, {"context": {"device": {"id": None}}, "anonymousId": "anon"}) == {"v": "anon"}
    assert transform(mapping, {"context": {"device": {"id": 0}}, "anonymousId": "anon"}) == {"v": 0}


def test_if_inside_a_raw_array_is_checked_only_when_resolved() -> None:
    error = error_of({"list": [{"@if": "nope"}]})
    assert (error.kind, error.messages) == ("Error", ['@if requires an object with an "exists" key'])


# --- @case -----------------------------------------------------------------------------------


def test_case_with_an_unknown_operator_fails_only_for_strings() -> None:
    assert transform({"v": {"@case": {"operator": "title", "value": {"@path": "$.n"}}}}, {"n": 5}) == {"v": 5}
    error = error_of({"v": {"@case": {"operator": "title", "value": "x"}}})
    assert error.messages == ['operator key should have a value of "lower" or "upper"']


def test_case_without_operator_fails_at_run_time() -> None:
    error = error_of({"v": {"@case": {"value": "x"}}})
    assert (error.kind, error.messages) == ("Error", ['@case requires a "operator" key'])


def test_case_lowercases_final_sigma_like_javascript() -> None:
    assert transform({"@case": {"operator": "lower", "value": "ΟΔΟΣ"}}) == "οδος"


# --- @replace --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        ("$&$&", "abbc"),
        ("[$`]", "a[a]c"),
        ("[$']", "a[c]c"),
        ("$$", "a$c"),
        ("$1$<x>", "a$1$<x>c"),
        ("$", "a$c"),
    ],
)
def test_replace_interprets_javascript_replacement_patterns(replacement: str, expected: str) -> None:
    mapping = {"@replace": {"value": "abc", "pattern": "b", "replacement": replacement}}
    assert transform(mapping) == expected


def test_replace_applies_pattern2_to_the_first_result() -> None:
    mapping = {
        "@replace": {"value": "ab", "pattern": "a", "replacement": "b", "pattern2": "b", "replacement2": "c"}
    }
    assert transform(mapping) == "cc"


def test_replace_without_replacement2_deletes_pattern2() -> None:
    assert transform({"@replace": {"value": "a-b_c", "pattern": "-", "pattern2": "_"}}) == "abc"


def test_replace_stringifies_numbers_and_booleans() -> None:
    mapping = {"v": {"@replace": {"value": {"@path": "$.n"}, "pattern": ".", "replacement": ","}}}
    assert transform(mapping, {"n": 1.5}) == {"v": "1,5"}


def test_replace_ignorecase_uses_javascript_simple_case_folding() -> None:
    # Non-unicode JavaScript regexes do not fold the long s or the Kelvin sign onto ASCII letters.
    mapping = {"@replace": {"value": "ſsSK\u212ak", "pattern": "s", "replacement": "_", "ignorecase": True}}
    assert transform(mapping) == "ſ__K\u212ak"
    kelvin = {"@replace": {"value": "K\u212ak", "pattern": "k", "replacement": "_", "ignorecase": True}}
    assert transform(kelvin) == "_\u212a_"


def test_replace_of_a_missing_value_is_an_empty_string_but_an_empty_literal_is_undefined() -> None:
    assert transform({"v": {"@replace": {"value": {"@path": "$.x"}, "pattern": "a"}}}) == {"v": ""}
    assert transform({"v": {"@replace": {"value": "", "pattern": "a"}}}) == {}


def test_replace_length_limits_count_utf16_code_units() -> None:
    five_emoji = "😀" * 5
    assert transform({"@replace": {"value": five_emoji, "pattern": five_emoji, "replacement": "x"}}) == "x"
    error = error_of({"@replace": {"value": "x", "pattern": "😀" * 6}})
    assert error.messages == ["/@replace/pattern should be a string of length 10 or less."]


def test_replace_replacement2_too_long_fails_at_run_time() -> None:
    mapping = {"v": {"@replace": {"value": "a", "pattern": "a", "pattern2": "b", "replacement2": "x" * 11}}}
    assert error_of(mapping).messages == ['@replace requires a "replacement" less than 10 characters']


# --- @arrayPath ------------------------------------------------------------------------------


def test_array_path_shape_may_be_a_directive() -> None:
    mapping = {"ids": {"@arrayPath": ["$.items", {"@path": "$.id"}]}}
    assert transform(mapping, {"items": [{"id": 1}, {"id": 2}, {}]}) == {"ids": [1, 2, UNDEFINED]}


def test_array_path_root_may_be_a_directive_yielding_a_raw_array() -> None:
    mapping = {"v": {"@arrayPath": [{"@literal": [{"n": 1}, {"n": 2}]}, {"m": {"@path": "$.n"}}]}}
    assert transform(mapping) == {"v": [{"m": 1}, {"m": 2}]}


def test_array_path_on_an_empty_array_is_empty() -> None:
    assert transform({"v": {"@arrayPath": ["$.items", {"a": {"@path": "$.a"}}]}}, {"items": []}) == {"v": []}


def test_array_path_in_a_raw_array_must_be_an_array() -> None:
    assert error_of({"v": [{"@arrayPath": "$.x"}]}).messages == ["@arrayPath expected array, got string"]


# --- @json -----------------------------------------------------------------------------------


def test_json_encode_of_undefined_drops_the_field() -> None:
    assert transform({"v": {"@json": {"mode": "encode", "value": {"@path": "$.nope"}}}}) == {}


def test_json_encode_keeps_line_separators_raw_and_escapes_lone_surrogates() -> None:
    mapping = {"v": {"@json": {"mode": "encode", "value": {"@path": "$.s"}}}}
    assert transform(mapping, {"s": "a\u2028b\ud800"}) == {"v": '"a\u2028b\\ud800"'}


def test_json_decode_reads_javascript_numbers() -> None:
    mapping = {"v": {"@json": {"mode": "decode", "value": {"@path": "$.s"}}}}
    assert transform(mapping, {"s": "[1e400, -0, 9007199254740993]"}) == {
        "v": [float("inf"), 0, 9007199254740992]
    }


@pytest.mark.parametrize("text", ["NaN", "Infinity", "{'a': 1}", "[1,]", "\ufeff1", ""])
def test_json_decode_of_invalid_json_returns_the_text(text: str) -> None:
    mapping = {"v": {"@json": {"mode": "decode", "value": {"@path": "$.s"}}}}
    assert transform(mapping, {"s": text}) == {"v": text}


def test_json_decode_passes_non_strings_through() -> None:
    mapping = {"v": {"@json": {"mode": "decode", "value": {"@path": "$.o"}}}}
    assert transform(mapping, {"o": {"a": [1]}}) == {"v": {"a": [1]}}


def test_json_mode_is_case_sensitive_at_run_time() -> None:
    assert transform({"v": {"@json": {"mode": "Encode", "value": "x"}}}) == {}


def test_json_with_a_falsy_value_fails_at_run_time() -> None:
    assert error_of({"v": {"@json": {"mode": "encode", "value": 0}}}).messages == [
        '@json requires a "value" key'
    ]


# --- @flatten --------------------------------------------------------------------------------


def test_flatten_with_an_empty_separator_fails_at_run_time() -> None:
    error = error_of({"v": {"@flatten": {"value": {"a": {"b": 1}}, "separator": ""}}})
    assert error.messages == ['@flatten requires a "separator" key']


def test_flatten_separator_from_a_directive_must_be_a_string() -> None:
    # The validator wants a string, so only an unvalidated position (a raw array) reaches run time.
    error = error_of({"v": [{"@flatten": {"value": {"a": 1}, "separator": {"@path": "$.n"}}}]}, {"n": 1})
    assert error.messages == ["@flatten requires a string separator"]


def test_flatten_never_prefixes_an_empty_key_with_the_separator() -> None:
    assert transform({"v": {"@flatten": {"value": {"": {"a": 1}}, "separator": "."}}}) == {"v": {"a": 1}}


def test_flatten_later_keys_overwrite_earlier_ones() -> None:
    mapping = {"v": {"@flatten": {"value": {"a.b": 1, "a": {"b": 2}}, "separator": "."}}}
    assert transform(mapping) == {"v": {"a.b": 2}}


def test_flatten_overwriting_with_undefined_removes_the_key() -> None:
    mapping = {"v": {"@flatten": {"value": {"a.b": 1, "a": {"b": {"@path": "$.nope"}}}, "separator": "."}}}
    assert transform(mapping) == {"v": {}}


# --- @merge ----------------------------------------------------------------------------------


def test_merge_skips_null_and_numbers_and_spreads_utf16_units() -> None:
    # Entries resolve to these values at run time; the validator only sees the directives.
    objects = [{"@path": f"$.{key}"} for key in ("n", "five", "t", "emoji", "obj")]
    payload = {"n": None, "five": 5, "t": True, "emoji": "😀", "obj": {"a": 1}}
    mapping = {"@merge": {"direction": "right", "objects": objects}}
    assert transform(mapping, payload) == {"0": "\ud83d", "1": "\ude00", "a": 1}


def test_merge_direction_may_come_from_a_directive_in_an_unvalidated_position() -> None:
    mapping = {"v": [{"@merge": {"direction": {"@path": "$.d"}, "objects": [{"a": 1}, {"a": 2}]}}]}
    assert transform(mapping, {"d": "left"}) == {"v": [{"a": 1}]}


def test_merge_overwriting_with_undefined_removes_the_key() -> None:
    mapping = {"@merge": {"direction": "right", "objects": [{"a": 1, "b": 2}, {"a": {"@path": "$.nope"}}]}}
    assert transform(mapping) == {"b": 2}


def test_merge_in_a_raw_array_without_objects_fails_at_run_time() -> None:
    error = error_of({"v": [{"@merge": {"direction": "left", "objects": {"a": 1}}}]})
    assert error.messages == ["@merge: expected opts.array, got object"]


# --- @transform ------------------------------------------------------------------------------


def test_transform_inside_array_items_needs_an_object_payload() -> None:
    mapping = {
        "v": {"@arrayPath": ["$.nums", {"x": {"@transform": {"apply": {"a": 1}, "mapping": {"@path": "a"}}}}]}
    }
    error = error_of(mapping, {"nums": [1]})
    assert error.messages == ["data must be an object, got number"]


def test_transform_apply_is_validated_when_it_runs_if_the_validator_could_not_see_it() -> None:
    mapping = {"v": [{"@transform": {"apply": {"a": {"@oops": 1}}, "mapping": {}}}]}
    error = error_of(mapping)
    assert (error.kind, error.messages) == ("AggregateError", ["/a has an invalid directive: @oops."])


def test_transform_chains_see_only_the_applied_payload() -> None:
    mapping = {
        "@transform": {
            "apply": {"n": {"@path": "$.x"}},
            "mapping": {"n": {"@path": "$.n"}, "x": {"@path": "$.x"}},
        }
    }
    assert transform(mapping, {"x": 1}) == {"n": 1}


# --- @excludeWhenNull, @literal --------------------------------------------------------------


def test_exclude_when_null_does_not_modify_the_payload() -> None:
    payload = {"o": {"a": None, "b": {"c": None}}}
    before = copy.deepcopy(payload)
    assert transform({"v": {"@excludeWhenNull": {"@path": "$.o"}}}, payload) == {"v": {"b": {}}}
    assert payload == before


def test_literal_resolves_directives_nested_anywhere_inside() -> None:
    mapping = {"v": {"@literal": {"@literal": {"a": [{"@path": "$.x"}]}}}}
    assert transform(mapping, {"x": 1}) == {"v": {"a": [1]}}


# --- mappings, payloads, undefined -----------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "word"), [([], "array"), ("x", "string"), (5, "number"), (True, "boolean")]
)
def test_a_payload_that_is_not_an_object_is_rejected(payload: Any, word: str) -> None:
    error = error_of({"a": 1}, payload)
    assert (error.kind, error.messages) == ("Error", [f"data must be an object, got {word}"])


def test_the_payload_check_comes_before_mapping_validation() -> None:
    assert error_of({"@oops": 1}, []).messages == ["data must be an object, got array"]


def test_undefined_array_items_are_kept_and_serialise_as_null() -> None:
    result = transform({"list": [{"@path": "$.nope"}, 1]})
    assert result == {"list": [UNDEFINED, 1]}
    assert json_stringify(result) == '{"list":[null,1]}'


def test_null_values_are_kept_and_undefined_removed_at_every_depth() -> None:
    mapping = {"a": None, "b": {"c": {"@path": "$.nope"}, "d": {"e": {"@path": "$.nope"}, "f": None}}}
    assert transform(mapping) == {"a": None, "b": {"d": {"f": None}}}


def test_metadata_next_to_a_directive_is_ignored() -> None:
    assert transform({"v": {"@path": "$.x", "_metadata": {"label": "X"}}}, {"x": 1}) == {"v": 1}


def test_transform_does_not_modify_the_mapping_or_the_payload() -> None:
    mapping = {
        "__segment_internal_directive": {"@transform": {"apply": {"p": {"@path": "$.properties"}}}},
        "out": {"@merge": {"direction": "right", "objects": [{"@path": "$.p"}, {"extra": 1}]}},
        "r": {"@replace": {"value": {"@path": "$.p.name"}, "pattern": "a"}},
    }
    payload = {"properties": {"name": "banana", "n": [1]}}
    before = (copy.deepcopy(mapping), copy.deepcopy(payload))
    assert transform(mapping, payload) == {"out": {"name": "banana", "n": [1], "extra": 1}, "r": "bnn"}
    assert (mapping, payload) == before


# --- root directive --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("root", "kind", "message"),
    [
        (None, "TypeError", "Cannot convert undefined or null to object"),
        ({}, "Error", "The root directive must be an object"),
        ("x", "Error", "The root directive must be an object"),
        ("xy", "Error", "The root mapping must only have a single directive object"),
        ({"@path": "$.x"}, "Error", "The root directive must be an object"),
        ({"@a": {}, "@b": {}}, "Error", "The root mapping must only have a single directive object"),
    ],
)
def test_root_directive_shape_errors(root: Any, kind: str, message: str) -> None:
    error = error_of({"__segment_internal_directive": root, "field": 1})
    assert (error.kind, error.messages) == (kind, [message])


def test_root_directive_mapping_replaces_any_mapping_it_had() -> None:
    mapping = {
        "__segment_internal_directive": {
            "@transform": {"apply": {"n": {"@path": "$.x"}}, "mapping": {"old": 1}}
        },
        "n": {"@path": "$.n"},
    }
    assert transform(mapping, {"x": 7}) == {"n": 7}


# --- transform_batch -------------------------------------------------------------------------


def test_batch_items_need_not_be_objects() -> None:
    results = transform_batch({"a": {"@path": "$.x"}}, [None, 5, {"x": 1}])
    assert results == [{"a": None}, {}, {"a": 1}]


def test_batch_keeps_undefined_results() -> None:
    assert transform_batch({"@path": "$.x"}, [{"x": 1}, {}]) == [1, UNDEFINED]


def test_batch_requires_an_array() -> None:
    with pytest.raises(MappingError) as caught:
        transform_batch({"a": 1}, {"x": 1})
    assert caught.value.messages == ["data must be an array, got object"]
    assert transform_batch({"a": 1}) == []


def test_a_null_batch_is_rejected() -> None:
    with pytest.raises(MappingError) as caught:
        transform_batch({"a": 1}, None)
    assert caught.value.messages == ["data must be an array, got null"]


def test_a_null_payload_is_rejected_like_any_other_non_object() -> None:
    assert transform({"a": 1}) == {"a": 1}
    assert error_of({"a": 1}, None).messages == ["data must be an object, got null"]


# --- JavaScript property order -----------------------------------------------------------------


def test_objects_built_by_a_mapping_list_integer_like_keys_first() -> None:
    assert list(transform({"b": 1, "1": 2, "a": {"c": 1, "0": 0}})) == ["1", "b", "a"]
    encoded = transform({"@json": {"mode": "encode", "value": {"b": 1, "1": 2, "a": {"c": 1, "0": 0}}}})
    assert encoded == '{"1":2,"b":1,"a":{"0":0,"c":1}}'


def test_flatten_and_merge_follow_javascript_property_order() -> None:
    flatten = {"@flatten": {"value": {"@path": "$.o"}, "separator": "."}}
    payload = {"o": {"b": 1, "a": {"2": 1, "x": 2}, "1": 0}}
    assert (
        transform({"@json": {"mode": "encode", "value": flatten}}, payload) == '{"1":0,"b":1,"a.2":1,"a.x":2}'
    )
    merge = {"@merge": {"objects": [{"b": 1}, {"2": 2, "a": 3}], "direction": "right"}}
    assert transform({"@json": {"mode": "encode", "value": merge}}) == '{"2":2,"b":1,"a":3}'


def test_fields_resolve_in_javascript_order_so_the_first_failure_matches() -> None:
    mapping = {"b": {"@path": {"@literal": 5}}, "1": {"@template": {"@literal": 5}}}
    assert error_of(mapping, {}).messages == ["@template: expected string, got number"]

"""The compiled validator: pruning, compile-time errors, and ajv's quirks with the reference's outputs.

The messages, coercions and their order are the reference's (ajv 8 with ``coerceTypes: "array"``,
``removeAdditional``, ``allErrors``, and ajv-human-errors), so each test states one of them.
"""

from __future__ import annotations

import copy

import pytest
from actions._errors import ConfigurationError
from actions.validation import PayloadValidator
from validation_helpers import RICH, fields, messages, only_message

# --- pruning ----------------------------------------------------------------------------------


def test_unknown_top_level_keys_are_dropped_silently() -> None:
    assert RICH.validate({"event_type": "x", "extra": 1, "another": {"a": 1}}) == {"event_type": "x"}


def test_unknown_keys_of_objects_with_properties_are_dropped_unless_allowed() -> None:
    validator = PayloadValidator(
        fields(
            strict={
                "label": "Strict",
                "type": "object",
                "properties": {"a": {"label": "A", "type": "string"}},
            },
            open={
                "label": "Open",
                "type": "object",
                "additionalProperties": True,
                "properties": {"a": {"label": "A", "type": "string"}},
            },
        )
    )
    result = validator.validate({"strict": {"a": 1, "junk": 1}, "open": {"a": 1, "kept": {"x": None}}})
    assert result == {"strict": {"a": "1"}, "open": {"a": "1", "kept": {"x": None}}}


def test_free_form_objects_are_passed_through_untouched() -> None:
    props = {"nested": {"deep": [None, "", {"x": None}]}, "n": None}
    result = RICH.clean({"event_type": "x", "props": props})
    assert result["props"] is props
    assert props == {"nested": {"deep": [None, "", {"x": None}]}, "n": None}


def test_the_callers_payload_is_not_modified() -> None:
    payload = {
        "event_type": 5,
        "extra": 1,
        "address": {"city": 3, "junk": True},
        "items": [{"id": 1, "more": "x"}],
        "region": "",
        "level": None,
    }
    original = copy.deepcopy(payload)
    result = RICH.clean(payload)
    assert payload == original
    assert result == {"event_type": "5", "address": {"city": "3"}, "items": [{"id": "1"}], "level": None}


# --- compiling --------------------------------------------------------------------------------


def test_an_unknown_format_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown format"):
        PayloadValidator(fields(x={"label": "X", "type": "string", "format": "telephone"}))


def test_unsupported_keywords_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="patternProperties"):
        PayloadValidator.from_schema({"type": "object", "patternProperties": {"^a": {"type": "string"}}})


def test_errors_lists_the_problems_without_raising() -> None:
    assert [e.message for e in RICH.errors({"event_type": "x", "flag": "z"})] == [
        "Flag must be a boolean but it was a string."
    ]
    assert RICH.errors({"event_type": "x"}) == []


# --- ajv quirks, with the outputs the reference produced for these inputs ---------------------


def test_a_condition_on_an_unset_value_treats_zero_as_null_and_may_rewrite_it() -> None:
    # The condition "a has no value" is compiled as "absent, or of type null"; ajv coerces 0 to
    # null while testing it, so 0 makes b required, and a nullable a keeps the null.
    definitions = {
        "b": {
            "label": "B",
            "type": "string",
            "required": {"conditions": [{"fieldKey": "a", "operator": "is"}]},
        },
    }
    strict = PayloadValidator(fields(a={"label": "A", "type": "integer"}, **definitions))
    assert messages(strict, {"a": 0}) == [
        "The root value is missing the required field 'b'.",
        'The root value must match "then" schema.',
    ]
    nullable = PayloadValidator(fields(a={"label": "A", "type": "integer", "allowNull": True}, **definitions))
    assert nullable.validate({"a": 0, "b": "x"}) == {"a": None, "b": "x"}


def test_an_element_unwrapped_by_a_failed_coercion_is_what_sibling_schemas_see() -> None:
    validator = PayloadValidator.from_schema(
        {
            "type": "object",
            "properties": {
                "d": {
                    "type": "array",
                    "title": "D",
                    "oneOf": [{"type": ["string", "null"]}, {"type": ["array", "integer"]}],
                }
            },
        }
    )
    assert messages(validator, {"d": [{"b": 1}]}) == [
        "The value at /d must be a string or null but it was an object.",
        "The value at /d must be an array or integer but it was an object.",
        "D must match exactly one schema in oneOf.",
    ]


def test_an_unwrapped_element_pruned_in_place_stays_inside_its_array() -> None:
    validator = PayloadValidator.from_schema(
        {
            "type": "object",
            "properties": {
                "c": {
                    "type": "array",
                    "anyOf": [{"type": "string"}, {"additionalProperties": False, "properties": {"a": {}}}],
                }
            },
        }
    )
    assert validator.validate({"c": {"a": 1, "z": 2}}) == {"c": [{"a": 1}]}


def test_nullable_adds_null_to_a_type_list_in_messages() -> None:
    validator = PayloadValidator.from_schema(
        {"type": "object", "properties": {"v": {"type": ["string", "array"], "nullable": True}}}
    )
    assert (
        only_message(validator, {"v": {}})
        == "The value at /v must be a string, array, or null but it was an object."
    )


def test_unique_items_are_compared_after_the_items_are_coerced() -> None:
    validator = PayloadValidator.from_schema(
        {
            "type": "object",
            "properties": {"v": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}},
        }
    )
    assert (
        only_message(validator, {"v": [True, "1"]})
        == "The value at /v must be unique but elements 1 and 0 are the same."
    )


def test_property_counts_in_messages_are_taken_after_pruning() -> None:
    validator = PayloadValidator.from_schema(
        {"type": "object", "maxProperties": 1, "additionalProperties": False, "properties": {"a": {}}}
    )
    assert only_message(validator, {"a": 1, "b": 2, "c": 3}) == (
        "The root value must have 1 or fewer properties but it has 1."
    )


def test_inside_not_a_type_error_stops_the_other_keywords_and_their_coercions() -> None:
    validator = PayloadValidator.from_schema(
        {
            "type": "object",
            "not": {"type": "array", "additionalProperties": {"type": "string"}},
            "properties": {"c": {"type": "object", "title": "T"}},
        }
    )
    assert only_message(validator, {"c": 0}) == "T must be an object but it was a number."


def test_reference_shaped_fields_with_ui_hints_load() -> None:
    from actions import Field

    field = Field.model_validate(
        {"label": "Library", "type": "object", "defaultObjectUI": "keyvalue:only", "unsafe_hidden": True}
    )
    assert (field.default_object_ui, field.unsafe_hidden) == ("keyvalue:only", True)

"""Payload validation in ``actions._payload``: the reference's recorded results, then each behaviour.

The messages, coercions and their order are the reference's (ajv 8 with ``coerceTypes: "array"``,
``removeAdditional``, ``allErrors``, and ajv-human-errors), so each test states one of them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from actions._errors import ConfigurationError, FieldError, SchemaValidationError, SettingsValidationError
from actions._fields import Field
from actions._payload import PayloadValidator, fields_to_json_schema, remove_empty_values, validate_settings
from actions.js import UNDEFINED
from hypothesis import given, settings
from hypothesis import strategies as st

CONFORMANCE = Path(__file__).resolve().parent.parent / "destinations" / "amplitude" / "tests" / "conformance"


def _helper_cases(*names: str) -> list[dict[str, Any]]:
    text = (CONFORMANCE / "helpers.jsonl").read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    return [case for case in cases if case["fn"] in names]


def fields(**definitions: dict[str, Any]) -> dict[str, Field]:
    """Fields written the way the reference writes them (camelCase keys accepted)."""
    return {key: Field.model_validate(definition) for key, definition in definitions.items()}


def messages(validator: PayloadValidator, payload: dict[str, Any], clean: bool = False) -> list[str]:
    with pytest.raises(SchemaValidationError) as caught:
        validator.clean(payload) if clean else validator.validate(payload)
    return [error.message for error in caught.value.errors]


def only_message(validator: PayloadValidator, payload: dict[str, Any]) -> str:
    (message,) = messages(validator, payload)
    return message


# --- the reference's recorded results ---------------------------------------------------------

HELPER_CASES = _helper_cases(
    "validateSchemaWithFields", "removeEmptyValues", "fieldsToJsonSchema", "removeUndefined"
)


@pytest.mark.parametrize("case", HELPER_CASES, ids=[c["id"] for c in HELPER_CASES])
def test_helper_matches_reference_result(case: dict[str, Any]) -> None:
    args = case.get("output", {}).get("effective_args", case["args"])
    expected = case["output"]
    if case["fn"] == "validateSchemaWithFields":
        payload, definitions = args
        validator = PayloadValidator(fields(**definitions))
        try:
            got: dict[str, Any] = {"result": validator.validate(payload)}
        except SchemaValidationError as error:
            got = {
                "error": {
                    "name": "AggregateAjvError",
                    "message": str(error),
                    "errors": [
                        {"path": e.path, "pointer": e.pointer, "message": e.message} for e in error.errors
                    ],
                }
            }
        assert got == expected
    elif case["fn"] == "removeEmptyValues":
        result = remove_empty_values(*args)
        assert ({"undefined": True} if result is UNDEFINED else {"result": result}) == expected
    elif case["fn"] == "fieldsToJsonSchema":
        assert fields_to_json_schema(fields(**args[0])) == expected["result"]
    else:  # removeUndefined belongs to the mapping runtime; checked here with the other families
        from actions.mapping._nodes import detach

        assert detach(args[0]) == expected["result"]


def test_golden_validation_errors_of_the_action_cases_are_reproduced() -> None:
    """Every AggregateAjvError message in the recorded action cases is one of ours, in order.

    (The full pipeline is run by the Amplitude conformance suite; this checks that the messages
    for the same field shapes come out of the validator verbatim.)
    """
    text = (CONFORMANCE / "cases.jsonl").read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    recorded = {
        error["message"]
        for case in cases
        if (case["output"].get("error") or {}).get("name") == "AggregateAjvError"
        for error in case["output"]["error"]["errors"]
    }
    validator = PayloadValidator(
        fields(
            event_type={"label": "Event Type", "type": "string", "required": True},
            event_id={"label": "Event ID", "type": "integer"},
            time={"label": "Timestamp", "type": "datetime"},
            min_id_length={"label": "Minimum ID Length", "type": "integer", "allowNull": True},
            setAlways={
                "label": "Set Always",
                "type": "object",
                "additionalProperties": True,
                "properties": {},
            },
            library2={
                "label": "Library Settings",
                "type": "object",
                "properties": {
                    "behavior": {"label": "Behavior", "type": "string", "choices": ["auto", "use_mapping"]}
                },
            },
        )
    )
    produced = {
        *messages(validator, {"event_type": ""}, clean=True),
        *messages(validator, {"event_type": {"a": 1}}),
        *messages(validator, {"event_type": "x", "event_id": 1.5}),
        *messages(validator, {"event_type": "x", "time": "abc"}),
        *messages(validator, {"event_type": "x", "time": {}}),
        *messages(validator, {"event_type": "x", "min_id_length": 2.5}),
        *messages(validator, {"event_type": "x", "min_id_length": "abc"}),
        *messages(validator, {"event_type": "x", "setAlways": "s"}),
        *messages(validator, {"event_type": "x", "library2": {"behavior": "x"}}),
    }
    assert produced <= recorded


# --- schema derivation ------------------------------------------------------------------------


def test_schema_has_the_reference_shape_for_plain_fields() -> None:
    schema = fields_to_json_schema(
        fields(
            name={"label": "Name", "type": "string", "required": True, "description": "Who"},
            secret={"label": "Secret", "type": "password"},
            note={"label": "Note", "type": "text", "default": {"@path": "$.note"}},
            when={"label": "When", "type": "datetime"},
        )
    )
    assert schema == {
        "$schema": "http://json-schema.org/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"title": "Name", "description": "Who", "type": "string"},
            "secret": {"title": "Secret", "type": "string", "format": "password"},
            "note": {"title": "Note", "type": "string", "format": "text", "default": {"@path": "$.note"}},
            "when": {"title": "When", "type": ["string", "number"], "format": "date-like"},
        },
        "required": ["name"],
    }


def test_multiple_moves_choices_to_the_items_and_allow_null_stays_on_the_array() -> None:
    schema = fields_to_json_schema(
        fields(
            tags={
                "label": "Tags",
                "type": "string",
                "multiple": True,
                "allowNull": True,
                "choices": ["a", "b"],
            }
        )
    )
    assert schema["properties"]["tags"] == {
        "title": "Tags",
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b", None]},
    }


def test_bounds_apply_to_numbers_and_string_lengths_but_not_integers_or_zero() -> None:
    props = fields_to_json_schema(
        fields(
            n={"label": "N", "type": "number", "minimum": 1, "maximum": 10},
            s={"label": "S", "type": "string", "minimum": 2, "maximum": 5},
            i={"label": "I", "type": "integer", "minimum": 1, "maximum": 10},
            z={"label": "Z", "type": "number", "minimum": 0, "maximum": 3},
        )
    )["properties"]
    assert (props["n"]["minimum"], props["n"]["maximum"]) == (1, 10)
    assert (props["s"]["minLength"], props["s"]["maxLength"]) == (2, 5)
    assert "minimum" not in props["i"] and "maximum" not in props["i"]
    assert "minimum" not in props["z"] and props["z"]["maximum"] == 3


def test_object_properties_nest_with_their_own_additional_properties_flag() -> None:
    schema = fields_to_json_schema(
        fields(
            lib={
                "label": "Lib",
                "type": "object",
                "properties": {"m": {"label": "M", "type": "string", "required": True}},
            },
            items={
                "label": "Items",
                "type": "object",
                "multiple": True,
                "additionalProperties": True,
                "properties": {"p": {"label": "P", "type": "number"}},
            },
        )
    )
    lib, items = schema["properties"]["lib"], schema["properties"]["items"]
    assert (lib["type"], lib["additionalProperties"], lib["required"]) == ("object", False, ["m"])
    assert items["type"] == "array"
    assert (items["items"]["additionalProperties"], items["items"]["required"]) == (True, [])


# A field required when another has a value, and an object property required likewise.
NAME_OF_A_PERSON = fields(
    kind={"label": "Kind", "type": "string"},
    name={
        "label": "Name",
        "type": "string",
        "required": {"conditions": [{"fieldKey": "kind", "operator": "is", "value": "person"}]},
    },
)
ZIP_FOR_MAIL = fields(
    mode={"label": "Mode", "type": "string"},
    addr={
        "label": "Address",
        "type": "object",
        "properties": {
            "city": {"label": "City", "type": "string", "required": True},
            "zip": {
                "label": "Zip",
                "type": "string",
                "required": {"conditions": [{"fieldKey": "mode", "operator": "is", "value": "mail"}]},
            },
        },
    },
)


def test_conditional_requirement_on_a_value_becomes_if_then() -> None:
    schema = fields_to_json_schema(NAME_OF_A_PERSON)
    assert schema["required"] == []
    assert schema["allOf"] == [
        {
            "if": {"required": ["kind"], "properties": {"kind": {"const": "person"}}},
            "then": {"required": ["name"]},
        }
    ]


def test_conditional_requirement_without_value_tests_presence_and_null() -> None:
    allof = fields_to_json_schema(
        fields(
            a={"label": "A", "type": "string"},
            b={
                "label": "B",
                "type": "string",
                "required": {"conditions": [{"fieldKey": "a", "operator": "is"}]},
            },
            c={
                "label": "C",
                "type": "string",
                "required": {"conditions": [{"fieldKey": "a", "operator": "is_not"}]},
            },
        )
    )["allOf"]
    assert allof[0]["if"] == {
        "anyOf": [{"not": {"required": ["a"]}}, {"properties": {"a": {"type": "null"}}}]
    }
    assert allof[1]["if"] == {
        "allOf": [{"required": ["a"]}, {"not": {"properties": {"a": {"type": "null"}}}}]
    }


def test_several_conditions_combine_with_any_or_all() -> None:
    condition = {
        "match": "any",
        "conditions": [
            {"fieldKey": "a", "operator": "is", "value": 1},
            {"fieldKey": "obj.p", "operator": "is_not", "value": "x"},
        ],
    }
    schema = fields_to_json_schema(
        fields(a={"label": "A", "type": "integer"}, b={"label": "B", "type": "string", "required": condition})
    )
    assert schema["allOf"] == [
        {
            "if": {
                "anyOf": [
                    {"properties": {"a": {"const": 1}}, "required": ["a"]},
                    {
                        "properties": {
                            "obj": {"properties": {"p": {"not": {"const": "x"}}}, "required": ["p"]}
                        },
                        "required": ["obj"],
                    },
                ]
            },
            "then": {"required": ["b"]},
        }
    ]


def test_conditional_property_of_an_object_is_required_from_the_root() -> None:
    schema = fields_to_json_schema(ZIP_FOR_MAIL)
    # With a conditional property, the object leaves all its requirements to the root.
    assert "required" not in schema["properties"]["addr"]
    assert schema["allOf"][0]["then"] == {"required": ["addr"], "properties": {"addr": {"required": ["zip"]}}}


# --- messages ---------------------------------------------------------------------------------

RICH = PayloadValidator(
    fields(
        event_type={"label": "Event Type", "type": "string", "required": True},
        count={"label": "Count", "type": "integer"},
        price={"label": "Price", "type": "number", "minimum": 1, "maximum": 100},
        flag={"label": "Flag", "type": "boolean"},
        code={"label": "Code", "type": "string", "minimum": 2, "maximum": 3},
        region={"label": "Region", "type": "string", "choices": ["eu", "us"]},
        size={"label": "Size", "type": "string", "choices": ["s", "m", "l"]},
        level={"label": "Level", "type": "integer", "allowNull": True},
        email={"label": "Email", "type": "string", "format": "email"},
        id={"label": "Id", "type": "string", "format": "uuid"},
        when={"label": "When", "type": "datetime"},
        address={
            "label": "Address",
            "type": "object",
            "properties": {"city": {"label": "City", "type": "string", "required": True}},
        },
        items={
            "label": "Items",
            "type": "object",
            "multiple": True,
            "properties": {"id": {"label": "Item ID", "type": "string", "required": True}},
        },
        props={"label": "Props", "type": "object"},
    )
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"address": {}}, "Address is missing the required field 'city'."),
        ({"items": [{"x": 1}]}, "The value at /items/0 is missing the required field 'id'."),
        ({"flag": "yes"}, "Flag must be a boolean but it was a string."),
        ({"count": 1.5}, "Count must be an integer but it was a number."),
        ({"level": "abc"}, "Level must be an integer or null but it was a string."),
        ({"when": {}}, "When must be a string or number but it was an object."),
        ({"props": [1]}, "Props must be an object but it was an array."),
        ({"address": None}, "Address must be an object but it was null."),
        ({"region": "asia"}, 'Region must be one of: "eu" or "us".'),
        ({"size": "xl"}, 'Size must be one of: "s", "m", or "l".'),
        ({"email": "nope"}, "Email must be a valid email address string but it was not."),
        ({"id": "nope"}, "Id must be a valid uuid string but it was not."),
        ({"when": "abc"}, "When must be a valid date-like string but it was not."),
        ({"code": "a"}, "Code must be 2 characters or more but it was 1 character."),
        ({"code": "abcd"}, "Code must be 3 characters or fewer but it was 4 characters."),
        ({"price": 0.5}, "Price must be equal to or greater than 1."),
        ({"price": 101}, "Price must be equal to or less than 100."),
    ],
)
def test_each_problem_has_the_reference_message(payload: dict[str, Any], expected: str) -> None:
    assert only_message(RICH, {"event_type": "x", **payload}) == expected


def test_a_missing_required_field_is_reported_on_the_root() -> None:
    assert only_message(RICH, {}) == "The root value is missing the required field 'event_type'."


def test_a_conditional_requirement_adds_the_then_message() -> None:
    validator = PayloadValidator(NAME_OF_A_PERSON)
    assert messages(validator, {"kind": "person"}) == [
        "The root value is missing the required field 'name'.",
        'The root value must match "then" schema.',
    ]
    assert validator.validate({"kind": "robot"}) == {"kind": "robot"}


def test_a_missing_conditional_object_property_names_its_object() -> None:
    validator = PayloadValidator(ZIP_FOR_MAIL)
    assert messages(validator, {"mode": "mail", "addr": {}}) == [
        "The value at /addr is missing the required field 'zip'.",
        'The root value must match "then" schema.',
    ]


@pytest.mark.parametrize(
    ("schema", "payload", "expected"),
    [
        ({"minItems": 2, "title": "Tags"}, ["a"], "Tags must have 2 or more items but it has 1."),
        ({"maxItems": 1, "title": "Tags"}, ["a", "b"], "Tags must have 1 or fewer items but it has 2."),
        (
            {"uniqueItems": True},
            [1, 2, 1],
            "The value at /v must be unique but elements 0 and 2 are the same.",
        ),
        ({"const": "x"}, "y", "The value at /v must be equal to constant."),
        ({"not": {"type": "string"}}, "y", "The value at /v must NOT be valid."),
        (
            {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
            "y",
            "The value at /v must match a schema in anyOf.",
        ),
        ({"multipleOf": 3}, 4, "The value at /v must be a multiple of 3."),
        ({"exclusiveMinimum": 4}, 4, "The value at /v must be greater than 4."),
        ({"pattern": "^a"}, "b", "The value at /v is an invalid string."),
        ({"minProperties": 1}, {}, "The value at /v must have 1 or more properties but it has 0."),
        (
            {"type": "string", "errorMessage": "is not a nice string"},
            {},
            "The value at /v is not a nice string.",
        ),
    ],
)
def test_keywords_only_hand_written_schemas_use_have_their_messages(
    schema: dict[str, Any], payload: Any, expected: str
) -> None:
    validator = PayloadValidator.from_schema({"type": "object", "properties": {"v": schema}})
    assert messages(validator, {"v": payload})[-1] == expected


def test_a_failed_any_of_keeps_the_errors_of_its_branches() -> None:
    validator = PayloadValidator.from_schema(
        {"type": "object", "properties": {"v": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}}}
    )
    assert messages(validator, {"v": "y"}) == [
        "The value at /v must be an integer but it was a string.",
        "The value at /v must be a boolean but it was a string.",
        "The value at /v must match a schema in anyOf.",
    ]
    assert validator.validate({"v": "true"}) == {"v": True}  # the second branch coerced it


def test_errors_come_in_field_order_not_payload_order() -> None:
    assert messages(RICH, {"flag": "z", "price": "y", "event_type": "x", "count": "x"}) == [
        "Count must be an integer but it was a string.",
        "Price must be a number but it was a string.",
        "Flag must be a boolean but it was a string.",
    ]


def test_conditional_errors_come_before_plain_requirements() -> None:
    validator = PayloadValidator(
        fields(
            a={"label": "A", "type": "string", "required": True},
            b={
                "label": "B",
                "type": "string",
                "required": {"conditions": [{"fieldKey": "c", "operator": "is"}]},
            },
            c={"label": "C", "type": "string"},
        )
    )
    assert messages(validator, {}) == [
        "The root value is missing the required field 'b'.",
        'The root value must match "then" schema.',
        "The root value is missing the required field 'a'.",
    ]


def test_error_locations_are_json_path_and_pointer() -> None:
    with pytest.raises(SchemaValidationError) as caught:
        RICH.validate({"event_type": "x", "items": [{"id": "1"}, {"id": {}}]})
    (error,) = caught.value.errors
    assert (error.path, error.pointer) == ("$.items[1].id", "/items/1/id")
    assert str(caught.value) == "Item ID must be a string but it was an object."


def test_the_error_message_joins_every_problem() -> None:
    with pytest.raises(SchemaValidationError) as caught:
        RICH.validate({"flag": "z"})
    assert str(caught.value) == (
        "The root value is missing the required field 'event_type'. "
        "Flag must be a boolean but it was a string."
    )


# --- coercion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "coerced"),
    [
        ("event_type", 123, "123"),
        ("event_type", 1.5, "1.5"),
        ("event_type", True, "true"),
        ("event_type", None, ""),
        ("count", "42", 42),
        ("count", True, 1),
        ("count", None, 0),
        ("price", "1.5", 1.5),
        ("price", " 7 ", 7),
        ("flag", "true", True),
        ("flag", "false", False),
        ("flag", 1, True),
        ("flag", 0, False),
        ("flag", None, False),
        ("level", "", None),
        ("event_type", ["one"], "one"),
        ("count", ["3"], 3),
        ("when", [5], "5"),
    ],
)
def test_scalars_are_coerced_to_the_field_type(field: str, value: Any, coerced: Any) -> None:
    result = RICH.validate({"event_type": "x", field: value})
    assert result[field] == coerced
    assert type(result[field]) is type(coerced)


def test_a_boolean_timestamp_becomes_a_string_that_is_no_date() -> None:
    assert only_message(RICH, {"event_type": "x", "when": True}) == (
        "When must be a valid date-like string but it was not."
    )


def test_a_one_element_array_in_a_multi_type_field_is_never_unwrapped_into_a_string() -> None:
    # ajv unwraps it but then finds no coercion from a string to "string or number".
    assert only_message(RICH, {"event_type": "x", "when": ["2021-01-01"]}) == (
        "When must be a string or number but it was a string."
    )


def test_scalars_are_wrapped_into_arrays_and_objects_too_at_the_top_level() -> None:
    validator = PayloadValidator(
        fields(
            tags={"label": "Tags", "type": "string", "multiple": True},
            items={
                "label": "Items",
                "type": "object",
                "multiple": True,
                "properties": {"id": {"label": "Id", "type": "string"}},
            },
        )
    )
    assert validator.validate({"tags": "one", "items": {"id": 5}}) == {
        "tags": ["one"],
        "items": [{"id": "5"}],
    }
    assert validator.validate({"tags": [1, 2]}) == {"tags": ["1", "2"]}


def test_a_nested_object_is_not_wrapped_into_an_array() -> None:
    validator = PayloadValidator.from_schema(
        {
            "type": "object",
            "properties": {
                "o": {"type": "object", "properties": {"list": {"title": "List", "type": "array"}}}
            },
        }
    )
    assert validator.validate({"o": {"list": "x"}}) == {"o": {"list": ["x"]}}
    assert only_message(validator, {"o": {"list": {"a": 1}}}) == "List must be an array but it was an object."


def test_non_integral_numbers_are_not_integers() -> None:
    assert (
        only_message(RICH, {"event_type": "x", "count": "1.5"})
        == "Count must be an integer but it was a string."
    )


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


# --- empty values -----------------------------------------------------------------------------


def test_top_level_empty_strings_go_before_validation() -> None:
    assert messages(RICH, {"event_type": ""}, clean=True) == [
        "The root value is missing the required field 'event_type'."
    ]


def test_top_level_empty_strings_stay_when_not_at_the_root() -> None:
    assert RICH.clean({"event_type": ""}, is_root=False) == {"event_type": ""}


def test_nested_empty_strings_stay_and_nulls_go_unless_allowed() -> None:
    validator = PayloadValidator(
        fields(
            o={
                "label": "O",
                "type": "object",
                "properties": {"s": {"label": "S", "type": "string"}, "n": {"label": "N", "type": "number"}},
            },
            maybe={"label": "Maybe", "type": "string", "allowNull": True},
            never={"label": "Never", "type": "string"},
        )
    )
    assert validator.clean({"o": {"s": "", "n": ""}, "maybe": None, "never": None}) == {
        "o": {"s": ""},
        "maybe": None,
    }


def test_empty_items_leave_arrays_but_array_items_are_not_cleaned_inside() -> None:
    validator = PayloadValidator(
        fields(
            tags={"label": "Tags", "type": "string", "multiple": True},
            products={
                "label": "Products",
                "type": "object",
                "multiple": True,
                "properties": {
                    "price": {"label": "Price", "type": "number"},
                    "id": {"label": "Id", "type": "string"},
                },
            },
        )
    )
    result = validator.clean(
        {"tags": ["a", "", None, UNDEFINED], "products": [{"price": None, "id": None}, None]}
    )
    # The product's nulls survive removal, so validation coerces them.
    assert result == {"tags": ["a", ""], "products": [{"price": 0, "id": ""}]}


def test_remove_empty_values_ignores_values_without_a_schema_type() -> None:
    assert remove_empty_values({"a": "", "b": None}, {}, True) == {"a": "", "b": None}
    assert remove_empty_values({"a": "", "b": None}, {"type": "object", "properties": {}}, True) == {
        "b": None
    }
    assert remove_empty_values(None, {"type": "string"}) is UNDEFINED


# --- settings ---------------------------------------------------------------------------------

SETTINGS = fields(
    apiKey={"label": "API Key", "type": "password", "required": True},
    retries={"label": "Retries", "type": "number"},
    endpoint={"label": "Endpoint", "type": "string", "choices": ["north_america", "europe"]},
)


def test_settings_are_coerced_and_unknown_ones_dropped() -> None:
    assert validate_settings(SETTINGS, {"apiKey": "k", "retries": "3", "subscription": {}}) == {
        "apiKey": "k",
        "retries": 3,
    }


def test_dynamic_auth_settings_pass_through_validation() -> None:
    raw = {"apiKey": "k", "dynamicAuthSettings": {"token": "t"}}
    assert validate_settings(SETTINGS, raw) == raw


def test_invalid_settings_raise_settings_validation_error() -> None:
    with pytest.raises(SettingsValidationError) as caught:
        validate_settings(SETTINGS, {"endpoint": "asia"})
    assert str(caught.value) == (
        "The root value is missing the required field 'apiKey'. "
        'Endpoint must be one of: "north_america" or "europe".'
    )


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


# --- properties -------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "true", "1.5", "2021-01-01", "42", "eu", "a@b.co"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "city", "x", "p"]), inner, max_size=3)
    ),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(
    st.sampled_from([*RICH.schema["properties"], "unknown"]), JSON, max_size=len(RICH.schema["properties"])
)


@settings(max_examples=400, deadline=None)
@given(PAYLOADS, st.booleans())
def test_any_json_payload_either_validates_or_raises_schema_validation_error(
    payload: dict[str, Any], clean: bool
) -> None:
    original = copy.deepcopy(payload)
    problems: list[FieldError] = []
    try:
        result = RICH.clean(payload) if clean else RICH.validate(payload)
    except SchemaValidationError as error:
        problems = error.errors
        result = None
    if result is None:
        assert problems
        assert all(p.message.endswith(".") and p.path.startswith("$") for p in problems)
    else:
        assert set(result) <= set(RICH.schema["properties"])
        assert RICH.validate(result) == result  # a validated payload is a fixed point
    assert payload == original


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

"""Fields to JSON Schema (``fieldsToJsonSchema``): the shape the reference derives."""

from __future__ import annotations

from actions.validation import fields_to_json_schema
from validation_helpers import NAME_OF_A_PERSON, ZIP_FOR_MAIL, fields

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

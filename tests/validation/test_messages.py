"""Each problem worded as ajv-human-errors words it, in the reference's order."""

from __future__ import annotations

from typing import Any

import pytest
from actions._errors import SchemaValidationError
from actions.validation import PayloadValidator
from validation_helpers import NAME_OF_A_PERSON, RICH, ZIP_FOR_MAIL, fields, messages, only_message


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

"""ajv's type coercion (``coerceTypes: "array"``) as the reference applies it to fields."""

from __future__ import annotations

from typing import Any

import pytest
from actions.validation import PayloadValidator
from validation_helpers import RICH, fields, only_message

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

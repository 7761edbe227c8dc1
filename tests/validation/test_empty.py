"""Empty-value removal (``removeEmptyValues``) before validation."""

from __future__ import annotations

from actions.js import UNDEFINED
from actions.validation import PayloadValidator
from actions.validation._empty import remove_empty_values
from validation_helpers import RICH, fields, messages

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

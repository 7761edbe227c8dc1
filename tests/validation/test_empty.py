"""Empty-value removal (``removeEmptyValues``) before validation."""

from __future__ import annotations

import copy
from typing import Any

from actions.js import UNDEFINED
from actions.validation import PayloadValidator
from actions.validation._empty import compile_remover, remove_empty_values
from hypothesis import given, settings
from hypothesis import strategies as st
from validation_helpers import RICH, fields, messages


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


def test_undefined_values_go_inside_objects_too() -> None:
    # removeEmptyValues drops `undefined` at every level; the compiled remover used to keep it
    # below the root when nothing else in the object changed.
    validator = PayloadValidator(
        fields(
            o={
                "label": "O",
                "type": "object",
                "properties": {"s": {"label": "S", "type": "string"}, "n": {"label": "N", "type": "number"}},
            }
        )
    )
    assert validator.clean({"o": {"s": UNDEFINED, "n": 1}}) == {"o": {"n": 1}}


def test_remove_empty_values_ignores_values_without_a_schema_type() -> None:
    assert remove_empty_values({"a": "", "b": None}, {}, True) == {"a": "", "b": None}
    assert remove_empty_values({"a": "", "b": None}, {"type": "object", "properties": {}}, True) == {
        "b": None
    }
    assert remove_empty_values(None, {"type": "string"}) is UNDEFINED



# --- the compiled remover against its specification -------------------------------------------

KEYS = ("a", "b", "c")
TYPES = ("string", "number", "integer", "boolean", "null", "object", "array")
SCHEMAS = st.recursive(
    st.booleans()
    | st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=3),
            "enum": st.sampled_from([[], ["x"], [None]]),
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=3),
            "enum": st.sampled_from([[], ["x"]]),
            "items": inner,
            "properties": st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
        },
    )
    # and often the shape fields give: a typed object with properties
    | st.fixed_dictionaries(
        {
            "type": st.sampled_from(TYPES),
            "properties": st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
        }
    ),
    max_leaves=6,
)
EMPTY = st.sampled_from(["", None, UNDEFINED])
VALUES = st.recursive(
    st.sampled_from(["", "x", None, UNDEFINED, 0, True]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=12,
)


def shaped_like(schema: Any) -> st.SearchStrategy[Any]:
    """Any value, or one with the schema's shape (so that the schema's rules come into play)."""
    shapes = [EMPTY | VALUES]
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if properties is not None:
            declared = {key: shaped_like(sub) for key, sub in properties.items()}
            shapes.append(st.fixed_dictionaries(declared, optional={"undeclared": EMPTY | VALUES}))
        if schema.get("items") is not None:
            shapes.append(st.lists(shaped_like(schema["items"]), max_size=3))
    return st.one_of(*reversed(shapes))


@settings(max_examples=2000, deadline=None)
@given(st.data(), SCHEMAS, st.booleans())
def test_the_compiled_remover_agrees_with_the_generic_one(
    data: st.DataObject, schema: Any, is_root: bool
) -> None:
    payload = data.draw(shaped_like(schema))
    original = copy.deepcopy(payload)
    expected = remove_empty_values(payload, schema, is_root)
    assert compile_remover(schema)(payload, is_root) == expected
    assert payload == original

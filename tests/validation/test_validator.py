"""``PayloadValidator`` and ``validate_settings`` as a whole: settings, and any payload's fate."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from actions._errors import FieldError, SchemaValidationError, SettingsValidationError
from actions.validation import validate_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from validation_helpers import RICH, fields

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

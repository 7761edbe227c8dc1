"""Shared by the validation tests: fields written the reference's way, message capture, a rich field set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from actions._errors import SchemaValidationError
from actions._fields import Field
from actions.validation import PayloadValidator

CONFORMANCE = Path(__file__).resolve().parents[2] / "destinations" / "amplitude" / "tests" / "conformance"


def helper_cases(*names: str) -> list[dict[str, Any]]:
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

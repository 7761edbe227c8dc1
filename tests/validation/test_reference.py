"""The reference's recorded results for the validation helpers, reproduced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from actions._errors import SchemaValidationError
from actions.js import UNDEFINED
from actions.validation import PayloadValidator, fields_to_json_schema
from actions.validation._empty import compile_remover, remove_empty_values
from validation_helpers import CONFORMANCE, fields, helper_cases, messages

# --- the reference's recorded results ---------------------------------------------------------

HELPER_CASES = helper_cases(
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
        payload, schema, *is_root = args
        generic = remove_empty_values(payload, schema, *is_root)
        compiled = compile_remover(schema)(payload, bool(is_root and is_root[0]))
        for result in (generic, compiled):
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

"""The standard suite: the factory, each check catching the mistake it is for, and golden cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from actions import (
    Action,
    Destination,
    Divergence,
    ExecuteInput,
    Field,
    Preset,
    RequestClient,
    SchemaValidationError,
    Settings,
    SubscriptionError,
    setting,
)
from actions.testing import DestinationSuite, destination_test_class, registry_for, schema_problems
from actions_webhook import destination as webhook


class KeySettings(Settings):
    api_key: str = setting(label="API Key")
    region: str = setting("us", label="Region")


async def perform(request: RequestClient, data: ExecuteInput[Any]) -> httpx.Response:
    return await request("https://api.example.com/track", method="POST", json=data.payload)


def make_destination(**changes: Any) -> Destination:
    track = Action(
        key="track",
        title="Track",
        description="Send an event.",
        fields={"name": Field(label="Name", required=True, default={"@path": "$.event"})},
        perform=perform,
        default_subscription=changes.pop("default_subscription", 'type = "track"'),
    )
    values: dict[str, Any] = {
        "name": "Acme",
        "slug": "acme-analytics",
        "settings": KeySettings,
        "actions": [track],
    }
    values.update(changes)
    return Destination(**values)


def suite_for(destination: Destination, **options: Any) -> DestinationSuite:
    return destination_test_class(destination, **options)()


def test_the_class_is_named_after_the_slug_and_keeps_its_configuration(tmp_path: Path) -> None:
    cls = destination_test_class(make_destination(), settings={"api_key": "k"}, cases=tmp_path / "c.jsonl")
    assert cls.__name__ == "TestAcmeAnalytics"
    assert issubclass(cls, DestinationSuite)
    assert cls.settings == {"api_key": "k"}
    assert cls.cases == (tmp_path / "c.jsonl",)
    assert cls.__module__ == __name__
    assert destination_test_class(webhook, name="TestHooks").__name__ == "TestHooks"


def test_a_credential_like_setting_that_is_not_secret_fails() -> None:
    with pytest.raises(AssertionError, match="api_key"):
        suite_for(make_destination()).test_credential_like_settings_are_secret()


def test_not_secret_exempts_a_setting_from_the_credential_check() -> None:
    suite_for(make_destination(), not_secret=["api_key"]).test_credential_like_settings_are_secret()


def test_secret_settings_of_the_webhook_are_redacted(request: pytest.FixtureRequest) -> None:
    suite_for(webhook).test_secret_settings_are_redacted(request)


def test_a_preset_mapping_a_key_that_is_not_a_field_fails() -> None:
    preset = Preset(
        name="All", subscribe='type = "track"', action="track", mapping={"nmae": {"@path": "$.event"}}
    )
    with pytest.raises(AssertionError, match="nmae"):
        suite_for(make_destination(presets=[preset])).test_presets_use_existing_actions_and_fields()


def test_a_preset_with_an_invalid_subscription_fails() -> None:
    preset = Preset(name="All", subscribe='type = "track" and', action="track")
    with pytest.raises(SubscriptionError):
        suite_for(make_destination(presets=[preset])).test_presets_use_existing_actions_and_fields()


def test_an_invalid_default_subscription_fails() -> None:
    suite = suite_for(make_destination(default_subscription="type ="))
    with pytest.raises(SubscriptionError):
        suite.test_default_subscription_parses("track")


def test_an_invalid_default_mapping_fails() -> None:
    broken = make_destination()
    action = broken.actions["track"]
    fields = {"name": action.fields["name"].model_copy(update={"default": {"@path": 42}})}
    broken = make_destination(actions=[action.model_copy(update={"fields": fields})])
    with pytest.raises(Exception, match="@path"):
        suite_for(broken).test_default_mapping_is_valid("track")


def test_webhook_passes_the_schema_subscription_and_describe_checks() -> None:
    suite = suite_for(webhook)
    for key in webhook.actions:
        suite.test_fields_give_a_valid_json_schema(key)
        suite.test_default_mapping_is_valid(key)
        suite.test_default_subscription_parses(key)
    for fmt in ("text", "json", "markdown"):
        suite.test_describe_renders(fmt)
    suite.test_presets_use_existing_actions_and_fields()


def test_a_sample_that_fails_validation_fails_the_snapshot_test(request: pytest.FixtureRequest) -> None:
    class BrokenSamples(destination_test_class(make_destination(), not_secret=["api_key"])):  # type: ignore[misc]
        def sample_payload(self, action_key: str, sample: str) -> dict[str, Any]:
            return {}

    with pytest.raises(SchemaValidationError):
        BrokenSamples().test_request_snapshot("track", "all", object(), request)


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "strng"}, "unknown type"),
        ({"type": "object", "properties": {"a": {}}, "required": ["b"]}, "undeclared properties ['b']"),
        ({"properties": []}, "properties: must be an object"),
        ({"properties": {"a": {"type": ["string", "float"]}}}, "$.properties.a.type"),
        ({"enum": "a"}, "enum: must be a list"),
        ({"items": {"maximum": "9"}}, "$.items.maximum"),
        ({"allOf": [{"if": {"type": "nope"}}]}, "$.allOf[0].if.type"),
        ("string", "a schema must be an object"),
    ],
)
def test_schema_problems_are_found(schema: Any, problem: str) -> None:
    problems = schema_problems(schema)
    assert any(problem in p for p in problems), problems


def test_a_sound_schema_has_no_problems() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": ["string", "number"], "format": "date-like"}, "b": {"enum": [1, 2]}},
        "required": ["a"],
        "allOf": [{"if": {"required": ["b"]}, "then": {"required": ["a"]}}],
    }
    assert schema_problems(schema) == []


def test_registry_for_holds_only_the_given_destinations() -> None:
    registry = registry_for(webhook, make_destination())
    assert list(registry.destinations()) == ["acme-analytics", "webhook"]


# --- golden cases ---------------------------------------------------------------------------------

CASE = {
    "id": "acme/track",
    "kind": "action",
    "destination": "acme-analytics",
    "action": "track",
    "useDefaultMappings": True,
    "event": {"event": "Signed Up"},
    "output": {
        "payloads": [{"name": "Signed Up"}],
        "requests": [
            {
                "method": "POST",
                "url": "https://api.example.com/track",
                "headers": {"content-type": "application/json", "user-agent": "Segment (Actions)"},
                "body": {"name": "Signed Up"},
            }
        ],
    },
}


def test_a_matching_golden_case_passes() -> None:
    suite_for(make_destination()).test_conformance_case(CASE)


def test_a_differing_golden_case_fails_with_the_differences() -> None:
    case = json.loads(json.dumps(CASE))
    case["output"]["requests"][0]["body"] = {"name": "Other"}
    with pytest.raises(AssertionError, match=r"requests\[0\]\.body\.name"):
        suite_for(make_destination()).test_conformance_case(case)


def test_a_documented_divergence_is_an_expected_failure() -> None:
    case = json.loads(json.dumps(CASE))
    case["output"]["requests"] = []
    divergence = Divergence(name="fewer-requests", reason="we send more", cases=("acme/*",))
    diverging = make_destination(known_divergences=(divergence,))
    with pytest.raises(pytest.xfail.Exception, match="we send more"):
        suite_for(diverging).test_conformance_case(case)


def test_a_kind_the_runner_does_not_run_is_skipped() -> None:
    with pytest.raises(pytest.skip.Exception):
        suite_for(make_destination()).test_conformance_case({"id": "h", "kind": "helper", "fn": "x"})


def test_each_action_sample_and_case_becomes_its_own_test(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(CASE) + "\n" + json.dumps({**CASE, "id": "acme/second"}) + "\n")
    (tmp_path / "test_generated.py").write_text(
        "from actions.testing import destination_test_class\n"
        "from actions_webhook import destination\n"
        f"TestWebhook = destination_test_class(destination, cases={str(cases)!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = {line.split("::", 2)[-1] for line in done.stdout.splitlines() if "::" in line}
    assert {
        "test_request_snapshot[send-required]",
        "test_request_snapshot[send-all]",
        "test_request_snapshot[sendBatch-required]",
        "test_request_snapshot[sendBatch-all]",
        "test_batch_request_snapshot[sendBatch]",
        "test_conformance_case[acme/track]",
        "test_conformance_case[acme/second]",
        "test_describe_renders[markdown]",
        "test_credential_like_settings_are_secret",
    } <= ids, done.stdout

"""The destination definition: settings, fields as the reference defines them, presets, the
credentials check and user deletion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from actions import AuthenticationFailed, SettingsValidationError
from actions.runtime import Registry
from actions.testing import Reply, check_authentication, run_delete
from actions_amplitude import AmplitudeSettings, destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
BASIC = "Basic dGVzdC1hcGkta2V5OnRlc3Qtc2VjcmV0LWtleQ=="  # base64("test-api-key:test-secret-key")
REFERENCE_FIELDS: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "reference_fields.json").read_text(encoding="utf-8")
)
#: Deliberate difference: insert_id defaults to the messageId in the event-sending actions.
INSERT_ID_DEFAULT = {"@path": "$.messageId"}


def test_destination_is_registered_under_its_slug_and_name() -> None:
    found = Registry(entry_points=True).destination("amplitude")
    assert found.name == "Actions Amplitude"
    assert list(found.actions) == [
        "logEvent",
        "identifyUser",
        "mapUser",
        "groupIdentifyUser",
        "logPurchase",
        "logEventV2",
    ]


def test_settings_keys_secrets_and_region_choices() -> None:
    fields = destination.settings_fields
    assert list(fields) == ["apiKey", "secretKey", "endpoint"]
    assert fields["apiKey"].is_secret and fields["apiKey"].required is True
    assert fields["secretKey"].is_secret and fields["secretKey"].required is True
    assert fields["endpoint"].default == "north_america"
    assert [(c.value, c.label) for c in fields["endpoint"].choices or ()] == [
        ("north_america", "North America"),
        ("europe", "Europe"),
    ]


def test_settings_validation_rejects_unknown_region_and_missing_secret() -> None:
    validated = destination.validate_settings({**SETTINGS, "endpoint": "europe"})
    assert isinstance(validated, AmplitudeSettings) and validated.endpoint == "europe"
    with pytest.raises(SettingsValidationError):
        destination.validate_settings({**SETTINGS, "endpoint": "asia"})
    with pytest.raises(SettingsValidationError, match="secretKey"):
        destination.validate_settings({"apiKey": "only"})


def test_settings_repr_hides_secrets() -> None:
    text = repr(AmplitudeSettings(apiKey="key-123", secretKey="secret-456"))
    assert "key-123" not in text and "secret-456" not in text


@pytest.mark.parametrize("action", sorted(REFERENCE_FIELDS))
def test_fields_match_the_reference_definitions(action: str) -> None:
    got = [
        {
            "key": key,
            "label": field.label,
            "type": field.type,
            "required": field.required is True,
            "multiple": field.multiple,
            "allow_null": field.allow_null,
            "default": field.default,
        }
        for key, field in destination.action(action).fields.items()
    ]
    expected = [
        {**row, "default": INSERT_ID_DEFAULT}
        if row["key"] == "insert_id" and action in ("logEvent", "logEventV2", "logPurchase")
        else row
        for row in REFERENCE_FIELDS[action]
    ]
    assert got == expected


def test_object_fields_declare_their_properties_and_extras() -> None:
    purchase = destination.action("logPurchase").fields
    products = purchase["products"]
    assert products.additional_properties
    assert products.properties is not None
    assert {k: f.type for k, f in products.properties.items()} == {
        "price": "number",
        "quantity": "integer",
        "revenue": "number",
        "productId": "string",
        "revenueType": "string",
    }
    assert products.properties["revenue"].depends_on is not None
    library2 = purchase["library2"]
    assert library2.properties is not None
    assert library2.properties["behavior"].choice_values == ["auto", "use_mapping"]
    assert library2.default_object_ui == "keyvalue"
    assert purchase["library"].hidden
    assert not purchase["utm_properties"].additional_properties
    v2 = destination.action("logEventV2").fields
    for key in ("setOnce", "setAlways", "add"):
        assert v2[key].additional_properties
    assert v2["setOnce"].properties is not None
    assert list(v2["setOnce"].properties) == [
        "initial_referrer",
        "initial_utm_source",
        "initial_utm_medium",
        "initial_utm_campaign",
        "initial_utm_term",
        "initial_utm_content",
    ]


def test_default_subscriptions() -> None:
    subscriptions = {key: action.default_subscription for key, action in destination.actions.items()}
    assert subscriptions == {
        "logEvent": 'type = "track"',
        "identifyUser": 'type = "identify"',
        "mapUser": 'type = "alias"',
        "groupIdentifyUser": 'type = "group"',
        "logPurchase": 'type = "track"',
        "logEventV2": 'type = "track"',
    }


def test_presets_are_the_reference_quick_setup_with_the_browser_session_plugin_listed_only() -> None:
    presets = [(p.name, p.subscribe, p.action, p.platform) for p in destination.presets]
    assert presets == [
        ("Track Calls", 'type = "track" and event != "Order Completed"', "logEventV2", "cloud"),
        ("Order Completed Calls", 'type = "track" and event = "Order Completed"', "logPurchase", "cloud"),
        ("Page Calls", 'type = "page"', "logEventV2", "cloud"),
        ("Screen Calls", 'type = "screen"', "logEventV2", "cloud"),
        ("Identify Calls", 'type = "identify"', "identifyUser", "cloud"),
        (
            "Browser Session Tracking",
            'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
            "sessionId",
            "web",
        ),
    ]
    # Only the presets that run here become actions run's default subscriptions.
    assert [s.name for s in destination.default_subscriptions()] == [p[0] for p in presets[:5]]
    page = destination.preset_mapping(destination.preset("Page Calls"))
    assert page == {
        **destination.action("logEventV2").default_mapping,
        "event_type": {"@template": "Viewed {{name}}"},
    }
    track = destination.preset_mapping(destination.preset("Track Calls"))
    assert track == destination.action("logEventV2").default_mapping


@pytest.mark.parametrize(
    ("region", "url"),
    [
        (None, "https://amplitude.com/api/2/usersearch?user=testUser@example.com"),
        ("europe", "https://analytics.eu.amplitude.com/api/2/usersearch?user=testUser@example.com"),
    ],
)
def test_credentials_check_searches_a_user_with_basic_auth(region: str | None, url: str) -> None:
    settings = {**SETTINGS, **({"endpoint": region} if region else {})}
    run = check_authentication(destination, settings)
    request = run.request
    assert (request.method, request.url) == ("GET", url)
    assert request.headers["authorization"] == BASIC
    assert request.body_raw is None


def test_rejected_credentials_fail_the_check_with_the_status() -> None:
    run = check_authentication(
        destination, SETTINGS, responses=[Reply(401, {"error": "x"})], raise_errors=False
    )
    assert isinstance(run.error, AuthenticationFailed)
    assert str(run.error) == "Credentials are invalid: 401 Unauthorized"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        (None, "https://amplitude.com/api/2/deletions/users"),
        ("europe", "https://analytics.eu.amplitude.com/api/2/deletions/users"),
    ],
)
def test_deletion_posts_the_user_id_with_basic_auth(region: str | None, url: str) -> None:
    settings = {**SETTINGS, **({"endpoint": region} if region else {})}
    run = run_delete(destination, event={"type": "track", "userId": "sloth@segment.com"}, settings=settings)
    request = run.request
    assert (request.method, request.url) == ("POST", url)
    assert request.headers["authorization"] == BASIC
    assert request.headers["content-type"] == "application/json"
    assert request.body_raw == '{"user_ids":["sloth@segment.com"],"requester":"segment"}'


def test_deletion_without_user_id_sends_null() -> None:
    run = run_delete(destination, event={"type": "track", "anonymousId": "anon"}, settings=SETTINGS)
    assert run.request.body == {"user_ids": [None], "requester": "segment"}


def test_the_browser_session_preset_runs_nothing_here_as_in_the_reference() -> None:
    from actions.runtime import Registry
    from actions.testing.conformance import run_case

    case = {
        "id": "event/browser-session",
        "kind": "event",
        "destination": "amplitude",
        "settings": {"apiKey": "k-12345", "secretKey": "s-12345"},
        "subscriptions": [{"preset": "Browser Session Tracking"}, {"preset": "Identify Calls"}],
        "event": {"type": "track", "event": "E"},
    }
    out = run_case(case, Registry(entry_points=True))
    assert out is not None
    assert (out["results"], out["requests"]) == ([{"output": "not subscribed"}], [])


def test_deletion_without_a_user_id_sends_null_as_the_reference_does() -> None:
    from actions.runtime import Registry
    from actions.testing.conformance import run_case

    case = {
        "id": "delete/no-user",
        "kind": "delete",
        "settings": {"apiKey": "k", "secretKey": "s"},
        "event": {},
    }
    out = run_case({**case, "destination": "amplitude"}, Registry(entry_points=True))
    assert out is not None
    assert out["requests"][0]["body"] == {"user_ids": [None], "requester": "segment"}

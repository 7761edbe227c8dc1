"""logEventV2: Set Once / Set Always / Add user-property operations, and what it shares with logEvent."""

from __future__ import annotations

from typing import Any

from actions import use_clock
from actions.testing import make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
CAMPAIGN = {"source": "news", "medium": "email", "name": "spring", "term": "shoes", "content": "banner"}


def event_of(event: dict[str, Any], mapping: dict[str, Any] | None = None) -> dict[str, Any]:
    with use_clock("2024-01-15T12:00:00.000Z"):
        run = run_action(
            destination,
            "logEventV2",
            event=make_event(event),
            mapping=mapping,
            settings=SETTINGS,
            use_default_mappings=True,
        )
    assert run.request.url == "https://api2.amplitude.com/2/httpapi"
    events = run.request.body["events"]
    assert len(events) == 1
    result: dict[str, Any] = events[0]
    return result


def test_campaign_and_referrer_fill_set_once_and_set_by_default() -> None:
    event = event_of(
        {"traits": {"plan": "pro"}, "context": {"campaign": CAMPAIGN, "page": {"referrer": "r.example"}}}
    )
    assert event["user_properties"] == {
        "plan": "pro",
        "$setOnce": {
            "initial_referrer": "r.example",
            "initial_utm_source": "news",
            "initial_utm_medium": "email",
            "initial_utm_campaign": "spring",
            "initial_utm_term": "shoes",
            "initial_utm_content": "banner",
        },
        "$set": {
            "referrer": "r.example",
            "utm_source": "news",
            "utm_medium": "email",
            "utm_campaign": "spring",
            "utm_term": "shoes",
            "utm_content": "banner",
        },
    }


def test_operations_holding_only_empty_strings_are_not_sent() -> None:
    # The default test event has an empty referrer and no campaign.
    assert event_of({"traits": {"plan": "pro"}})["user_properties"] == {"plan": "pro"}


def test_operation_with_one_value_is_sent_whole_including_empty_strings() -> None:
    event = event_of({"context": {"campaign": {"source": "news"}, "page": {"referrer": ""}}})
    assert event["user_properties"]["$setOnce"] == {"initial_referrer": "", "initial_utm_source": "news"}


def test_operation_fields_replace_operations_found_in_traits() -> None:
    event = event_of(
        {"traits": {"$set": {"old": 1}, "$add": {"visits": 5}}},
        {"setAlways": {"tier": "gold"}, "add": {"logins": 1}},
    )
    assert event["user_properties"] == {"$set": {"tier": "gold"}, "$add": {"logins": 1}}


def test_add_creates_user_properties_when_none_are_mapped() -> None:
    event = event_of({}, {"user_properties": {"@path": "$.nowhere"}, "add": {"logins": 1}})
    assert event["user_properties"] == {"$add": {"logins": 1}}


def test_products_and_revenue_fields_are_not_sent() -> None:
    event = event_of({"properties": {"products": [{"productId": "a"}], "revenue": 5}})
    assert "products" not in event
    assert "revenue" not in event
    assert event["event_properties"] == {"products": [{"productId": "a"}], "revenue": 5}


def test_page_preset_names_the_event_after_the_page() -> None:
    preset = destination.preset("Page Calls")
    with use_clock("2024-01-15T12:00:00.000Z"):
        named = run_action(
            destination, preset.action, event=make_event(type="page", name="Pricing"),
            mapping=destination.preset_mapping(preset), settings=SETTINGS,
        )  # fmt: skip
        unnamed = run_action(
            destination, preset.action, event=make_event(type="page"),
            mapping=destination.preset_mapping(preset), settings=SETTINGS,
        )  # fmt: skip
    assert named.request.body["events"][0]["event_type"] == "Viewed Pricing"
    assert unnamed.request.body["events"][0]["event_type"] == "Viewed "

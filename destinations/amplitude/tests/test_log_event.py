"""logEvent: the request one event becomes (URL, headers, JSON body) and the transformations on the way."""

from __future__ import annotations

from typing import Any

import pytest
from actions import HTTPError, use_clock
from actions.testing import Reply, make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
PIXEL_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.43 Mobile Safari/537.36"
)


def send(event: dict[str, Any], mapping: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_action(
            destination,
            "logEvent",
            event=make_event(event),
            mapping=mapping,
            settings=kwargs.pop("settings", SETTINGS),
            use_default_mappings=True,
            **kwargs,
        )


def only_event(run: Any) -> dict[str, Any]:
    body = run.request.body
    assert len(body["events"]) == 1
    event: dict[str, Any] = body["events"][0]
    return event


def test_default_mapping_posts_one_event_as_json_to_http_api() -> None:
    run = send({"event": "Signed Up", "timestamp": "2021-08-17T15:21:15.449Z", "messageId": "msg-1"})
    request = run.request
    assert request.method == "POST"
    assert request.url == "https://api2.amplitude.com/2/httpapi"
    assert request.headers == {"content-type": "application/json", "user-agent": "Segment (Actions)"}
    assert request.body["api_key"] == "test-api-key"
    assert "options" not in request.body
    assert only_event(run) == {
        "os_name": "iOS",
        "os_version": "9",
        "device_manufacturer": "Apple",
        "device_model": "iPhone",
        "user_id": "user1234",
        "device_id": "anonId1234",
        "event_type": "Signed Up",
        "event_properties": {},
        "user_properties": {},
        "country": "United States",
        "city": "San Francisco",
        "language": "en-US",
        "location_lat": 40.2964197,
        "location_lng": -76.9411617,
        "ip": "8.8.8.8",
        "insert_id": "msg-1",
        "platform": "Web",
        "time": 1629213675449,
        "library": "analytics.js",
    }


def test_event_keys_are_only_amplitude_fields() -> None:
    run = send({"properties": {"products": [{"productId": "a", "price": 1}]}})
    event = only_event(run)
    assert "use_batch_endpoint" not in event
    assert "products" not in event
    assert "device_type" not in event


def test_revenue_fields_are_never_sent_by_log_event() -> None:
    event = only_event(send({"properties": {"revenue": 10, "price": 5, "quantity": 2, "productId": "p"}}))
    assert not {"revenue", "price", "quantity", "productId", "revenueType"} & event.keys()


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("europe", "https://api.eu.amplitude.com/2/httpapi"),
        ("north_america", "https://api2.amplitude.com/2/httpapi"),
        ("atlantis", "https://api2.amplitude.com/2/httpapi"),
    ],
)
def test_endpoint_region_selects_the_host(region: str, url: str) -> None:
    run = send({}, settings={**SETTINGS, "endpoint": region})
    assert run.request.url == url


@pytest.mark.parametrize(
    ("region", "url"),
    [("europe", "https://api.eu.amplitude.com/batch"), ("north_america", "https://api2.amplitude.com/batch")],
)
def test_use_batch_endpoint_posts_to_the_batch_api(region: str, url: str) -> None:
    run = send({}, {"use_batch_endpoint": True}, settings={**SETTINGS, "endpoint": region})
    assert run.request.url == url


def test_positive_min_id_length_becomes_request_options() -> None:
    assert send({}, {"min_id_length": 3}).request.body["options"] == {"min_id_length": 3}
    assert "options" not in send({}, {"min_id_length": 0}).request.body
    assert "options" not in send({}, {"min_id_length": None}).request.body


def test_missing_api_key_leaves_api_key_out_of_the_body() -> None:
    assert "api_key" not in send({}, settings={}).request.body


def test_numeric_string_timestamp_is_epoch_milliseconds() -> None:
    event = only_event(send({"timestamp": "1629213675449"}))
    assert event["time"] == 1629213675449


def test_session_id_comes_from_the_integrations_object() -> None:
    event = only_event(send({"integrations": {"Actions Amplitude": {"session_id": "1629213600000"}}}))
    assert event["session_id"] == 1629213600000


def test_zero_time_sends_no_time() -> None:
    assert "time" not in only_event(send({}, {"time": 0}))


def test_user_agent_fills_device_fields_and_raw_user_agent_on_request() -> None:
    context = {"userAgent": PIXEL_UA}
    parsed = only_event(send({"context": context}, {"includeRawUserAgent": True}))
    assert parsed["os_name"] == "Android"
    assert parsed["device_model"] == "Pixel 8 Pro"
    assert parsed["user_agent"] == PIXEL_UA
    unparsed = only_event(send({"context": context}, {"userAgentParsing": False}))
    assert "os_name" not in unparsed
    assert "user_agent" not in unparsed


def test_mapped_os_fields_override_the_user_agent() -> None:
    event = only_event(
        send({"context": {"userAgent": PIXEL_UA, "os": {"name": "Custom OS", "version": "7"}}})
    )
    assert event["os_name"] == "Custom OS"
    assert event["os_version"] == "7"


def test_mapped_device_field_takes_the_place_the_user_agent_reserves_for_it() -> None:
    # Windows Chrome gives no device vendor, yet the mapped manufacturer sits between os_version and
    # device_model, where the reference's parsed-properties object has its (undefined) key.
    windows = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Safari/537.36"
    )
    event = only_event(send({"context": {"userAgent": windows, "device": {"manufacturer": "Acme"}}}))
    assert list(event)[:4] == ["os_name", "os_version", "device_manufacturer", "device_model"]
    assert event["device_manufacturer"] == "Acme"
    unmapped = only_event(send({"context": {"userAgent": windows}}))
    assert "device_manufacturer" not in unmapped


def test_user_agent_data_model_and_platform_version_win() -> None:
    context = {"userAgent": PIXEL_UA, "userAgentData": {"model": "SM-J710FN", "platformVersion": "12.6.1"}}
    event = only_event(send({"context": context}))
    assert event["device_model"] == "SM-J710FN"
    assert event["os_version"] == "12.6.1"


@pytest.mark.parametrize(
    ("device_type", "platform"), [("ios", "iOS"), ("android", "Android"), ("Bios", "Bios")]
)
def test_platform_is_capitalised_as_whole_words(device_type: str, platform: str) -> None:
    event = only_event(send({"context": {"device": {"id": "device-1", "type": device_type}}}))
    assert event["platform"] == platform


def test_library_settings_choose_the_library_sent() -> None:
    assert only_event(send({}))["library"] == "analytics.js"
    assert only_event(send({}, {"library2": {"behavior": "auto"}}))["library"] == "segment"
    assert only_event(send({}, {"library2": {}}))["library"] == "segment"


def test_utm_and_referrer_are_merged_with_traits_winning() -> None:
    event = {
        "traits": {"plan": "pro", "$set": {"utm_source": "from-traits"}},
        "context": {
            "page": {"referrer": "https://ref.example"},
            "campaign": {"source": "news", "name": "spring"},
        },
    }
    user_properties = only_event(send(event))["user_properties"]
    assert user_properties == {
        "$set": {"utm_source": "from-traits", "utm_campaign": "spring", "referrer": "https://ref.example"},
        "$setOnce": {
            "initial_utm_source": "news",
            "initial_utm_campaign": "spring",
            "initial_referrer": "https://ref.example",
        },
        "plan": "pro",
    }


def test_insert_id_defaults_to_message_id_and_can_be_mapped() -> None:
    assert only_event(send({"messageId": "abc-123"}))["insert_id"] == "abc-123"
    assert only_event(send({"messageId": "abc-123"}, {"insert_id": "mine"}))["insert_id"] == "mine"


def test_http_error_status_raises_like_the_reference() -> None:
    run = send({}, responses=[Reply(503, {"code": 503})], raise_errors=False)
    assert isinstance(run.error, HTTPError)
    assert run.error.status == 503
    assert len(run.requests) == 1


def test_no_basic_auth_on_event_uploads() -> None:
    assert "authorization" not in send({}).request.headers

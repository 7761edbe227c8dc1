"""identifyUser: the Identify API form (api_key, identification, options) and the identification object."""

from __future__ import annotations

from typing import Any

from actions import use_clock
from actions.testing import make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
FORM_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"


def identify(event: dict[str, Any], mapping: dict[str, Any] | None = None, settings: Any = SETTINGS) -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_action(
            destination,
            "identifyUser",
            event=make_event({"type": "identify", **event}),
            mapping=mapping,
            settings=settings,
            use_default_mappings=True,
        )


def test_identify_posts_a_form_with_one_identification_object() -> None:
    run = identify({"userId": "user-12345", "traits": {"plan": "pro"}})
    request = run.request
    assert request.method == "POST"
    assert request.url == "https://api2.amplitude.com/identify"
    assert request.headers == {"content-type": FORM_TYPE, "user-agent": "Segment (Actions)"}
    assert request.form is not None and request.form_decoded is not None
    assert list(request.form) == ["api_key", "identification"]
    assert request.form["api_key"] == "test-api-key"
    assert request.form_decoded["identification"] == {
        "os_name": "iOS",
        "os_version": "9",
        "device_manufacturer": "Apple",
        "device_model": "iPhone",
        "user_id": "user-12345",
        "device_id": "anonId1234",
        "user_properties": {"plan": "pro"},
        "country": "United States",
        "city": "San Francisco",
        "language": "en-US",
        "platform": "Web",
        "library": "segment",
    }


def test_form_never_carries_the_text_undefined() -> None:
    run = identify({}, settings={})
    assert run.request.body_raw is not None
    assert "undefined" not in run.request.body_raw
    assert run.request.form is not None and "api_key" not in run.request.form


def test_min_id_length_becomes_the_options_field() -> None:
    run = identify({}, {"min_id_length": 3})
    assert run.request.form_decoded is not None
    assert run.request.form_decoded["options"] == {"min_id_length": 3}


def test_utm_and_referrer_win_over_traits() -> None:
    event = {
        "traits": {"plan": "pro", "$set": {"utm_source": "from-traits"}},
        "context": {"campaign": {"source": "news"}, "page": {"referrer": "r.example"}},
    }
    form = identify(event).request.form_decoded
    assert form["identification"]["user_properties"] == {
        "plan": "pro",
        "$set": {"utm_source": "news", "referrer": "r.example"},
        "$setOnce": {"initial_utm_source": "news", "initial_referrer": "r.example"},
    }


def test_device_type_and_library_mapping_are_not_sent() -> None:
    identification = identify({}).request.form_decoded["identification"]
    assert "device_type" not in identification
    assert identification["library"] == "segment"


def test_paying_and_start_version_are_identification_fields() -> None:
    identification = identify({}, {"paying": "true", "start_version": "1.0"}).request.form_decoded[
        "identification"
    ]
    assert identification["paying"] is True
    assert identification["start_version"] == "1.0"


def test_android_device_type_becomes_android_platform() -> None:
    run = identify({"context": {"device": {"id": "device-1", "type": "android"}}})
    assert run.request.form_decoded["identification"]["platform"] == "Android"


def test_form_values_are_url_encoded_like_url_search_params() -> None:
    raw = identify({"traits": {"name": "Zoë *~"}}).request.body_raw
    assert "Zo%C3%AB+*%7E" in raw

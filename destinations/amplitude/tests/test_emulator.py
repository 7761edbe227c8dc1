"""The Amplitude emulator's ingestion APIs (/2/httpapi, /batch): bodies, limits, dedup, throttling."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, Reply
from pydantic import ValidationError

NOW = 1_700_000_000_000
DAY_MS = 24 * 3600 * 1000
JSON_HEADERS = {"Content-Type": "application/json", "Host": "api2.amplitude.com"}


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make(clock: Clock | None = None, **config: Any) -> Emulator:
    return Emulator(EmulatorConfig(**config), clock=clock or Clock())


def event(number: int = 0, **fields: object) -> dict[str, object]:
    return {"event_type": "Order Completed", "user_id": f"user-{number:04d}", **fields}


def upload(
    emulator: Emulator,
    events: Sequence[object],
    *,
    path: str = "/2/httpapi",
    api_key: str = "project-key",
    options: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    envelope: dict[str, object] = {"api_key": api_key, "events": events}
    if options is not None:
        envelope["options"] = options
    return emulator.handle("POST", path, headers or JSON_HEADERS, json.dumps(envelope).encode())


def raw(
    emulator: Emulator, body: bytes, headers: dict[str, str] | None = None, path: str = "/2/httpapi"
) -> Reply:
    return emulator.handle("POST", path, headers or JSON_HEADERS, body)


# -- success -----------------------------------------------------------------------------------


def test_accepted_upload_reports_ingested_count_body_size_and_upload_time() -> None:
    emulator = make()
    body = json.dumps({"api_key": "project-key", "events": [event(1), event(2)]}).encode()
    reply = raw(emulator, body)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {
        "code": 200,
        "events_ingested": 2,
        "payload_size_bytes": len(body),
        "server_upload_time": NOW,
    }


def test_accepted_events_are_stored_in_order_with_key_endpoint_and_region() -> None:
    emulator = make()
    upload(emulator, [event(1)], path="/batch")
    upload(emulator, [event(2)], headers={"Content-Type": "application/json", "Host": "api.eu.amplitude.com"})
    stored = emulator.events
    assert [s.event["user_id"] for s in stored] == ["user-0001", "user-0002"]
    assert [(s.api_key, s.endpoint, s.region) for s in stored] == [
        ("project-key", "/batch", "us"),
        ("project-key", "/2/httpapi", "eu"),
    ]
    assert [s.request_number for s in stored] == [1, 2]


def test_empty_events_array_is_accepted_with_nothing_ingested() -> None:
    emulator = make()
    reply = upload(emulator, [])
    assert (reply.status, reply.json()["events_ingested"]) == (200, 0)
    assert emulator.events == []


def test_unknown_top_level_keys_and_null_ids_are_ignored() -> None:
    emulator = make()
    reply = upload(emulator, [event(1, device_id=None, use_batch_endpoint=False, products=[])])
    assert reply.status == 200


def test_json_content_type_with_charset_is_accepted() -> None:
    emulator = make()
    body = json.dumps({"api_key": "k", "events": [event()]}).encode()
    assert raw(emulator, body, {"content-type": "application/json; charset=UTF-8"}).status == 200


def test_route_ignores_host_and_trailing_slash() -> None:
    emulator = make()
    body = json.dumps({"api_key": "k", "events": [event()]}).encode()
    headers = {"Content-Type": "application/json", "Host": "localhost:1234"}
    assert emulator.handle("POST", "/2/httpapi/", headers, body).status == 200
    assert emulator.events[0].region is None


# -- envelope errors ---------------------------------------------------------------------------


def test_body_over_the_httpapi_limit_is_payload_too_large_but_batch_takes_it() -> None:
    emulator = make(max_body_bytes=300, max_batch_body_bytes=3000)
    events = [event(n) for n in range(6)]
    reply = upload(emulator, events)
    assert (reply.status, reply.json()) == (413, {"code": 413, "error": "Payload too large"})
    assert emulator.events == []
    assert upload(emulator, events, path="/batch").status == 200


def test_more_events_than_the_limit_is_payload_too_large() -> None:
    emulator = make(max_events_per_request=3)
    assert upload(emulator, [event(n) for n in range(3)]).status == 200
    reply = upload(emulator, [event(n) for n in range(4)], path="/batch")
    assert (reply.status, reply.json()) == (413, {"code": 413, "error": "Payload too large"})


def test_default_limits_are_amplitudes() -> None:
    config = EmulatorConfig()
    assert (config.max_events_per_request, config.max_body_bytes, config.max_batch_body_bytes) == (
        2000,
        1_000_000,
        20_000_000,
    )
    assert (config.min_id_length, config.dedup_window_s) == (5, 7 * 24 * 3600)


def test_empty_body_is_missing_request_body() -> None:
    reply = raw(make(), b"")
    assert (reply.status, reply.json()) == (400, {"code": 400, "error": "Missing request body"})


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'["api_key"]', b'{"api_key": "k", "events": [NaN]}', b"\xff\xfe{}", b"null"],
)
def test_malformed_body_is_invalid_json_request_body(body: bytes) -> None:
    reply = raw(make(), body)
    assert (reply.status, reply.json()) == (400, {"code": 400, "error": "Invalid JSON request body"})


def test_non_json_content_type_is_invalid_json_request_body_unless_switched_off() -> None:
    body = json.dumps({"api_key": "k", "events": [event()]}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert raw(make(), body, form).json() == {"code": 400, "error": "Invalid JSON request body"}
    assert raw(make(require_json_content_type=False), body, form).status == 200


def test_missing_api_key_names_the_missing_field() -> None:
    reply = raw(make(), b'{"events": []}')
    assert reply.json() == {
        "code": 400,
        "error": "Request missing required field",
        "missing_field": "api_key",
    }


@pytest.mark.parametrize(
    "envelope", [{"api_key": "k"}, {"api_key": "k", "event": []}, {"api_key": "k", "events": {}}]
)
def test_missing_or_misspelled_events_names_the_missing_field(envelope: dict[str, object]) -> None:
    reply = raw(make(), json.dumps(envelope).encode())
    assert reply.json() == {"code": 400, "error": "Request missing required field", "missing_field": "events"}


def test_unknown_api_key_is_named_in_the_error() -> None:
    emulator = make(api_keys={"good-key": "secret"})
    assert upload(emulator, [event()], api_key="good-key").status == 200
    reply = upload(emulator, [event()], api_key="bad-key")
    assert (reply.status, reply.json()) == (400, {"code": 400, "error": "Invalid API key: bad-key"})


def test_key_of_the_other_region_is_invalid_on_an_amplitude_host_only() -> None:
    emulator = make(api_key_regions={"eu-key": "eu"})
    us_host = {"Content-Type": "application/json", "Host": "api2.amplitude.com"}
    eu_host = {"Content-Type": "application/json", "Host": "api.eu.amplitude.com"}
    local = {"Content-Type": "application/json", "Host": "127.0.0.1:8080"}
    assert upload(emulator, [event()], api_key="eu-key", headers=us_host).json() == {
        "code": 400,
        "error": "Invalid API key: eu-key",
    }
    assert upload(emulator, [event()], api_key="eu-key", headers=eu_host).status == 200
    assert upload(emulator, [event()], api_key="eu-key", headers=local).status == 200


def test_non_object_event_is_invalid_event_json() -> None:
    reply = upload(make(), [event(), "not an event"])
    assert reply.json() == {"code": 400, "error": "Invalid event JSON"}


# -- per-event errors --------------------------------------------------------------------------


def test_events_missing_event_type_or_both_ids_are_listed_by_index() -> None:
    emulator = make()
    reply = upload(
        emulator, [event(0), {"user_id": "user-0001"}, {"event_type": "x"}, event(3, event_type=None)]
    )
    assert reply.status == 400
    assert reply.json() == {
        "code": 400,
        "error": "Request missing required field",
        "events_with_missing_fields": {"event_type": [1, 3], "device_id": [2]},
    }
    assert emulator.events == []


def test_short_id_is_rejected_even_when_the_other_id_is_valid() -> None:
    reply = upload(make(), [event(0), {"event_type": "x", "user_id": "abc", "device_id": "device-1"}])
    assert reply.json() == {
        "code": 400,
        "error": "Invalid id length for user_id or device_id",
        "events_with_invalid_id_lengths": {"user_id": [1]},
    }


def test_options_min_id_length_overrides_the_default() -> None:
    emulator = make()
    short = [{"event_type": "x", "user_id": "abc"}]
    assert upload(emulator, short, options={"min_id_length": 3}).status == 200
    assert upload(emulator, short, options={"min_id_length": 4}).status == 400


def test_drop_mode_removes_short_ids_instead_of_rejecting() -> None:
    emulator = make(short_id_mode="drop")
    reply = upload(emulator, [{"event_type": "x", "user_id": "abc", "device_id": "device-1"}])
    assert reply.status == 200
    assert emulator.events[0].event == {"event_type": "x", "device_id": "device-1"}
    only_short = upload(emulator, [{"event_type": "x", "device_id": "abc"}])
    assert only_short.json()["events_with_missing_fields"] == {"device_id": [0]}


@pytest.mark.parametrize(
    "value", ["null", "Anonymous", "00000000-0000-0000-0000-000000000000", "", "-1", "N/A"]
)
def test_blocklisted_id_values_are_invalid_fields(value: str) -> None:
    reply = upload(make(), [event(0, device_id=value)])
    assert reply.json() == {
        "code": 400,
        "error": "Invalid field values on some events",
        "events_with_invalid_fields": {"device_id": [0]},
    }


def test_blocklist_can_be_switched_off() -> None:
    assert upload(make(reject_blocklisted_ids=False), [event(0, device_id="unknown")]).status == 200


@pytest.mark.parametrize("time", ["2021-08-17T15:21:15.449Z", 1629213675449.5, True])
def test_time_that_is_not_an_integer_is_an_invalid_field(time: object) -> None:
    reply = upload(make(), [event(0, time=1629213675449), event(1, time=time)])
    assert reply.json() == {
        "code": 400,
        "error": "Invalid field values on some events",
        "events_with_invalid_fields": {"time": [1]},
    }


def test_wrongly_typed_fields_are_reported_unless_types_are_lax() -> None:
    bad = event(0, session_id="123", event_properties=[], price="9.99", platform=7)
    reply = upload(make(), [bad])
    assert reply.json()["events_with_invalid_fields"] == {
        "session_id": [0],
        "price": [0],
        "event_properties": [0],
        "platform": [0],
    }
    assert upload(make(strict_types=False), [bad]).status == 200


def test_all_problem_categories_come_in_one_body_named_by_the_first_stage() -> None:
    events = [
        event(0, time="soon"),
        {"event_type": "x", "user_id": "abc"},
        {"user_id": "user-0002"},
        event(3, device_id="null"),
    ]
    assert upload(make(), events).json() == {
        "code": 400,
        "error": "Request missing required field",
        "events_with_missing_fields": {"event_type": [2]},
        "events_with_invalid_fields": {"time": [0], "device_id": [3]},
        "events_with_invalid_id_lengths": {"user_id": [1]},
    }
    short_and_bad_time = upload(make(), events[:2]).json()
    assert short_and_bad_time["error"] == "Invalid id length for user_id or device_id"
    blocklisted_and_short = upload(make(), [events[1], events[3]]).json()
    assert blocklisted_and_short["error"] == "Invalid field values on some events"


def test_silenced_device_rejects_the_request_with_its_indexes() -> None:
    emulator = make(silenced_devices=frozenset({"device-spam"}))
    reply = upload(emulator, [event(0, device_id="device-ok1"), event(1, device_id="device-spam")])
    assert reply.json() == {
        "code": 400,
        "error": "Events silenced for device_id",
        "eps_threshold": 30,
        "exceeded_daily_quota_devices": {},
        "silenced_devices": ["device-spam"],
        "silenced_events": [1],
        "throttled_devices": {},
        "throttled_events": [],
    }
    assert emulator.events == []


def test_rejected_requests_store_nothing_and_are_counted() -> None:
    emulator = make()
    upload(emulator, [event(0), {"event_type": "x"}])
    stats = emulator.stats
    assert emulator.events == []
    assert (stats.events_stored, stats.events_rejected, stats.count("/2/httpapi", 400)) == (0, 2, 1)


def test_unknown_path_is_404_and_wrong_method_405() -> None:
    emulator = make()
    assert emulator.handle("POST", "/3/httpapi", JSON_HEADERS, b"{}").json() == {
        "code": 404,
        "error": "Invalid request path",
    }
    reply = emulator.handle("GET", "/2/httpapi", {}, b"")
    assert (reply.status, reply.headers["Allow"]) == (405, "POST")
    assert emulator.stats.requests == {"<unknown>": {404: 1}, "/2/httpapi": {405: 1}}


# -- de-duplication ----------------------------------------------------------------------------


def test_duplicate_insert_id_is_dropped_silently_and_counted() -> None:
    emulator = make()
    first = upload(emulator, [event(0, device_id="device-1", insert_id="abc-1")])
    again = upload(emulator, [event(0, device_id="device-1", insert_id="abc-1"), event(1, insert_id="abc-2")])
    assert (first.status, again.status) == (200, 200)
    assert again.json()["events_ingested"] == 2
    assert [s.event["insert_id"] for s in emulator.events] == ["abc-1", "abc-2"]
    stats = emulator.stats
    assert (stats.events_received, stats.events_stored, stats.duplicates_dropped) == (3, 2, 1)
    assert max(emulator.insert_ids().values()) == 1


def test_duplicates_within_one_request_are_dropped() -> None:
    emulator = make()
    upload(emulator, [event(0, insert_id="same-id"), event(0, insert_id="same-id")])
    assert len(emulator.events) == 1


def test_same_insert_id_on_another_device_is_not_a_duplicate() -> None:
    emulator = make()
    upload(
        emulator,
        [
            event(0, device_id="device-1", insert_id="abc-1"),
            event(0, device_id="device-2", insert_id="abc-1"),
        ],
    )
    assert emulator.insert_ids()["abc-1"] == 2


def test_events_without_insert_id_are_never_deduplicated() -> None:
    emulator = make()
    upload(emulator, [event(0), event(0)])
    assert len(emulator.events) == 2


def test_insert_id_is_forgotten_after_seven_days() -> None:
    clock = Clock()
    emulator = make(clock)
    upload(emulator, [event(0, insert_id="abc-1")])
    clock.now += 7 * DAY_MS - 1
    upload(emulator, [event(0, insert_id="abc-1")])
    assert len(emulator.events) == 1
    clock.now += 1
    upload(emulator, [event(0, insert_id="abc-1")])
    assert len(emulator.events) == 2


# -- throttling --------------------------------------------------------------------------------


def test_device_over_the_eps_threshold_gets_429_naming_it_and_its_events() -> None:
    clock = Clock()
    emulator = make(clock, eps_threshold=2, eps_window_s=1, retry_after_s=3)
    assert (
        upload(emulator, [event(0, device_id="device-busy"), event(1, device_id="device-busy")]).status == 200
    )
    reply = upload(emulator, [event(2, device_id="device-calm"), event(3, device_id="device-busy")])
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "3"
    assert reply.json() == {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": 2,
        "throttled_devices": {"device-busy": 3},
        "throttled_users": {},
        "throttled_events": [1],
    }
    assert len(emulator.events) == 2
    clock.now += 1000
    assert upload(emulator, [event(3, device_id="device-busy")]).status == 200


def test_batch_endpoint_uses_its_own_threshold() -> None:
    emulator = make(eps_threshold=1, batch_eps_threshold=10, eps_window_s=1)
    events = [event(0) for _ in range(5)]
    assert upload(emulator, events, path="/batch").status == 200
    assert upload(make(eps_threshold=1, eps_window_s=1), events).status == 429


def test_daily_quota_names_exceeded_users_and_devices() -> None:
    clock = Clock()
    emulator = make(clock, daily_quota=3)
    assert upload(emulator, [event(0), event(0), event(0)]).status == 200
    reply = upload(emulator, [event(0), event(1)])
    assert reply.json() == {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": 30,
        "throttled_devices": {},
        "throttled_users": {},
        "exceeded_daily_quota_users": {"user-0000": 4},
        "exceeded_daily_quota_devices": {},
        "throttled_events": [0],
    }
    clock.now += DAY_MS + 3_600_000
    assert upload(emulator, [event(0)]).status == 200


def test_throttling_is_off_by_default() -> None:
    emulator = make()
    assert upload(emulator, [event(0) for _ in range(2000)]).status == 200


def test_config_rejects_fault_rates_adding_up_to_more_than_one() -> None:
    with pytest.raises(ValidationError, match="must not exceed 1"):
        EmulatorConfig(error_rate=0.6, throttle_rate=0.5)
    with pytest.raises(ValidationError):
        EmulatorConfig(drop_rate=1.5)

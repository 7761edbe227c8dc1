"""groupIdentifyUser: the user-to-group Identify call (when there is an id) and the Group Identify call."""

from __future__ import annotations

from typing import Any

from actions import HTTPError, use_clock
from actions.testing import Reply, make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
GROUP = {"group_type": "org", "group_value": {"@path": "$.groupId"}}
NOW_MS = 1705320000000


def group(event: dict[str, Any], mapping: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_action(
            destination,
            "groupIdentifyUser",
            event=make_event({"type": "group", "groupId": "acme", "traits": {"name": "Acme"}, **event}),
            mapping={**GROUP, **(mapping or {})},
            settings=SETTINGS,
            use_default_mappings=True,
            **kwargs,
        )


def test_user_is_associated_then_group_properties_are_set() -> None:
    run = group({"timestamp": "2021-04-12T16:32:37.710Z"}, {"insert_id": "ins-1"})
    identify, group_identify = run.requests
    assert identify.url == "https://api2.amplitude.com/identify"
    assert group_identify.url == "https://api2.amplitude.com/groupidentify"
    assert identify.form_decoded == {
        "api_key": "test-api-key",
        "identification": [
            {
                "device_id": "anonId1234",
                "groups": {"org": "acme"},
                "insert_id": "ins-1",
                "library": "segment",
                "time": 1618245157710,
                "user_id": "user1234",
                "user_properties": {"org": "acme"},
            }
        ],
    }
    assert group_identify.form_decoded == {
        "api_key": "test-api-key",
        "identification": [
            {
                "group_properties": {"name": "Acme"},
                "group_value": "acme",
                "group_type": "org",
                "library": "segment",
            }
        ],
    }


def test_without_user_or_device_id_only_group_properties_are_set() -> None:
    run = group({}, {"user_id": None, "device_id": None})
    assert [r.url for r in run.requests] == ["https://api2.amplitude.com/groupidentify"]


def test_association_time_defaults_to_now_and_reads_numeric_strings_as_milliseconds() -> None:
    unset = group({}, {"time": None}).requests[0].form_decoded["identification"][0]
    assert unset["time"] == NOW_MS
    numeric = group({"timestamp": 1629213675449}).requests[0].form_decoded["identification"][0]
    assert numeric["time"] == 1629213675449
    invalid = group({}, {"time": "not a date"}).requests[0].form_decoded["identification"][0]
    assert invalid["time"] is None


def test_association_time_validated_into_an_empty_string_is_null() -> None:
    # [null] is coerced to "" by validation and so reaches the action, where it is no date.
    empty = group({}, {"time": [None]}).requests[0].form_decoded["identification"][0]
    assert empty["time"] is None


def test_failed_association_stops_before_the_group_call() -> None:
    run = group({}, responses=[Reply(500, {})], raise_errors=False)
    assert isinstance(run.error, HTTPError)
    assert [r.url for r in run.requests] == ["https://api2.amplitude.com/identify"]


def test_group_call_failure_is_the_action_error() -> None:
    run = group({}, responses=[Reply(200, "success"), Reply(429, {})], raise_errors=False)
    assert isinstance(run.error, HTTPError)
    assert run.error.status == 429
    assert len(run.requests) == 2


def test_options_only_when_min_id_length_is_positive() -> None:
    with_options = group({}, {"min_id_length": 2})
    assert [r.form_decoded["options"] for r in with_options.requests] == [{"min_id_length": 2}] * 2
    assert all("options" not in r.form_decoded for r in group({}).requests)


def test_europe_uses_european_hosts() -> None:
    with use_clock("2024-01-15T12:00:00.000Z"):
        run = run_action(
            destination, "groupIdentifyUser", event=make_event(type="group", groupId="acme"), mapping=GROUP,
            settings={**SETTINGS, "endpoint": "europe"}, use_default_mappings=True,
        )  # fmt: skip
    assert [r.url for r in run.requests] == [
        "https://api.eu.amplitude.com/identify",
        "https://api.eu.amplitude.com/groupidentify",
    ]

"""Batches of identifyUser and mapUser: one JSON array per request, and failures found item by item.

The Identify and User Mapping APIs answer in plain text that names no item, so a rejected request
is halved until the bad items stand alone; everything else fails a request's items together.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from actions import (
    Delivered,
    Failed,
    IntegrationError,
    InvalidAuthenticationError,
    NetworkError,
    RetryableError,
    encode_form,
    use_clock,
)
from actions.delivery import BatchOptions, Engine
from actions.js import json_stringify
from actions.testing import Reply, make_event, run_action, run_batch
from actions_amplitude import destination
from actions_amplitude._batch import (
    DEFAULT_THROTTLE_RETRY_S,
    FORM_MAX_BYTES,
    IDENTIFY_MAX_ITEMS,
    USERMAP_MAX_ITEMS,
    form_quote,
)
from actions_amplitude.emulator import Emulator, EmulatorConfig

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
FORM_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"
IDENTIFY_URL = "https://api2.amplitude.com/identify"
USERMAP_URL = "https://api.amplitude.com/usermap"


def identify_event(user: str, **fields: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": {"plan": "pro"}, **fields}


def alias_event(user: str, previous: str) -> dict[str, Any]:
    return {"type": "alias", "userId": user, "previousId": previous}


def batch(
    action: str,
    events: Sequence[dict[str, Any]],
    responses: Any = None,
    mapping: dict[str, Any] | None = None,
    settings: Any = SETTINGS,
) -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_batch(
            destination,
            action,
            events=[make_event(e) for e in events],
            mapping=mapping,
            settings=settings,
            use_default_mappings=True,
            # The form APIs' own success answer (anything else is not a success).
            responses=[Reply(200, "success")] if responses is None else responses,
        )


def items_of(request: Any, parameter: str = "identification") -> list[dict[str, Any]]:
    items = request.form_decoded[parameter]
    assert isinstance(items, list)
    return items


def error_of(result: Any) -> IntegrationError:
    assert isinstance(result, Failed), result
    return result.error


def rejecting(is_bad: Callable[[dict[str, Any]], bool], answer: str = "invalid_id_length") -> Any:
    """An Identify API that refuses a whole request (400, plain text) when any item in it is bad."""
    sent: list[list[dict[str, Any]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        items = json.loads(form["identification"])
        sent.append(items)
        if any(is_bad(item) for item in items):
            return httpx.Response(400, text=answer)
        return httpx.Response(200, text="success")

    handler.sent = sent  # type: ignore[attr-defined]
    return handler


# --- requests -----------------------------------------------------------------------------------


def test_identify_batch_sends_every_identification_in_one_form_request() -> None:
    run = batch(
        "identifyUser", [identify_event(u) for u in ("user-1", "user-2", "user-3")], [Reply(200, "success")]
    )
    request = run.request
    assert (request.method, request.url, request.headers["content-type"]) == ("POST", IDENTIFY_URL, FORM_TYPE)
    assert [item["user_id"] for item in items_of(request)] == ["user-1", "user-2", "user-3"]
    assert all(item["user_properties"] == {"plan": "pro"} for item in items_of(request))
    assert set(request.form) == {"api_key", "identification"}  # no min_id_length, no options
    assert request.form["api_key"] == "test-api-key"
    assert run.results == [Delivered(200, "success")] * 3


def test_batch_identifications_are_the_single_event_identifications() -> None:
    events = [identify_event("user-1", traits={"plan": "pro", "seats": 3}), identify_event("user-2")]
    run = batch("identifyUser", events)
    singles = []
    for event in events:
        with use_clock("2024-01-15T12:00:00.000Z"):
            single = run_action(
                destination,
                "identifyUser",
                event=make_event(event),
                settings=SETTINGS,
                use_default_mappings=True,
            )
        assert single.request.form is not None
        singles.append(json.loads(single.request.form["identification"]))
    assert items_of(run.request) == singles


def test_batch_body_is_encoded_exactly_like_a_form_of_the_whole_array() -> None:
    tricky = {"plan": "a~b*c d+e&f=g", "name": "Zoë 🎉", "line": "x\u2028y", "quote": '"\\'}
    events = [identify_event("user-1", traits=tricky), identify_event("user-2")]
    run = batch("identifyUser", events, mapping={"min_id_length": 3})
    request = run.request
    identifications = items_of(request)
    expected = encode_form(
        {
            "api_key": "test-api-key",
            "identification": json_stringify(identifications),
            "options": json_stringify({"min_id_length": 3}),
        }
    )
    assert request.body_raw == expected
    assert identifications[0]["user_properties"] == tricky


def test_form_quote_agrees_with_encode_form() -> None:
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + "é\u2028😀"
    assert "x=" + form_quote(text) == encode_form({"x": text})


def test_payloads_with_different_min_id_length_go_in_separate_requests() -> None:
    events = [identify_event("user-1"), identify_event("user-2"), identify_event("user-3")]
    mapping = {
        "min_id_length": {"@if": {"exists": {"@path": "$.traits.short"}, "then": 2, "else": None}},
    }
    events[1]["traits"] = {"short": True}
    run = batch("identifyUser", events, mapping=mapping)
    assert len(run.requests) == 2
    first, second = run.requests
    assert [i["user_id"] for i in items_of(first)] == ["user-1", "user-3"] and "options" not in first.form
    assert [i["user_id"] for i in items_of(second)] == ["user-2"]
    assert second.form_decoded["options"] == {"min_id_length": 2}
    assert all(isinstance(result, Delivered) for result in run.results)


def test_identifications_are_packed_within_the_count_limit() -> None:
    count = IDENTIFY_MAX_ITEMS * 2 + 5
    run = batch("identifyUser", [identify_event(f"user-{i:05d}") for i in range(count)])
    assert [len(items_of(r)) for r in run.requests] == [IDENTIFY_MAX_ITEMS, IDENTIFY_MAX_ITEMS, 5]
    sent = [item["user_id"] for r in run.requests for item in items_of(r)]
    assert sent == [f"user-{i:05d}" for i in range(count)]


def test_identifications_are_packed_within_the_size_limit() -> None:
    # 300 KB each once URL-encoded (a quote is %5C%22): three fit in a request, a fourth would not.
    big = {"notes": '"' * 50_000}
    run = batch("identifyUser", [identify_event(f"user-{i}", traits=big) for i in range(7)])
    sizes = [len(r.body_raw) for r in run.requests]
    assert all(size <= FORM_MAX_BYTES for size in sizes)
    assert [len(items_of(r)) for r in run.requests] == [3, 3, 1]
    assert all(isinstance(result, Delivered) for result in run.results)


def test_identification_too_large_for_any_request_fails_without_being_sent() -> None:
    huge = {"notes": '"' * (FORM_MAX_BYTES // 3 + 1)}  # each quote is %5C%22 encoded: 6 bytes
    run = batch("identifyUser", [identify_event("user-1"), identify_event("user-2", traits=huge)])
    assert [i["user_id"] for i in items_of(run.request)] == ["user-1"]
    error = error_of(run.results[1])
    assert (error.code, error.status, error.retryable) == ("PAYLOAD_TOO_LARGE", 413, False)
    assert isinstance(run.results[0], Delivered)


def test_map_user_batch_sends_every_mapping_in_one_form_request() -> None:
    events = [alias_event("user-1", "prev-1"), alias_event("user-2", "prev-2")]
    run = batch("mapUser", events, mapping={"min_id_length": 4})
    request = run.request
    assert (request.url, request.headers["content-type"]) == (USERMAP_URL, FORM_TYPE)
    assert items_of(request, "mapping") == [
        {"user_id": "prev-1", "global_user_id": "user-1"},
        {"user_id": "prev-2", "global_user_id": "user-2"},
    ]
    assert request.form_decoded["options"] == {"min_id_length": 4}
    assert all(isinstance(result, Delivered) for result in run.results)


def test_europe_batches_go_to_the_european_endpoints() -> None:
    settings = {**SETTINGS, "endpoint": "europe"}
    identify = batch("identifyUser", [identify_event("user-1")], settings=settings)
    mapping = batch("mapUser", [alias_event("user-1", "prev-1")], settings=settings)
    assert identify.request.url == "https://api.eu.amplitude.com/identify"
    assert mapping.request.url == "https://api.eu.amplitude.com/usermap"


def test_without_an_api_key_the_body_has_no_api_key_field() -> None:
    run = batch("identifyUser", [identify_event("user-1")], settings={"secretKey": "s"})
    assert set(run.request.form) == {"identification"}


# --- answers ------------------------------------------------------------------------------------


def test_rejected_request_is_halved_until_the_bad_identification_is_alone() -> None:
    amplitude = rejecting(lambda item: len(item["user_id"]) < 5)
    users = ["user-1", "user-2", "abc", "user-4", "user-5", "user-6", "user-7", "user-8"]
    run = batch("identifyUser", [identify_event(u) for u in users], amplitude)
    failed = [users[i] for i, result in enumerate(run.results) if isinstance(result, Failed)]
    assert failed == ["abc"]
    error = error_of(run.results[2])
    assert (error.code, error.status, error.retryable) == ("INVALID_ID_LENGTH", 400, False)
    assert "invalid_id_length" in error.message
    # All 8, the first half (bad), its halves (good, bad), the bad one's halves, the second half.
    assert [len(items) for items in amplitude.sent] == [8, 4, 2, 2, 1, 1, 4]


def test_every_bad_identification_fails_on_its_own_answer() -> None:
    amplitude = rejecting(lambda item: item["user_id"].startswith("bad"), answer="invalid_id")
    users = ["bad-1", "user-2", "user-3", "bad-4", "user-5"]
    run = batch("identifyUser", [identify_event(u) for u in users], amplitude)
    assert [isinstance(r, Delivered) for r in run.results] == [False, True, True, False, True]
    assert error_of(run.results[0]) is not error_of(run.results[3])
    assert error_of(run.results[3]).code == "INVALID_ID"


def test_answer_that_is_not_a_code_gives_the_status_as_code() -> None:
    run = batch(
        "mapUser", [alias_event("user-1", "prev-1")], [Reply(400, "Mapping refused: try again later")]
    )
    error = error_of(run.results[0])
    assert (error.code, error.status, error.retryable) == ("BAD_REQUEST", 400, False)
    assert "Mapping refused: try again later" in error.message


def test_too_large_answer_halves_the_request_and_fails_a_single_identification() -> None:
    def amplitude(request: httpx.Request) -> httpx.Response:
        items = json.loads(dict(httpx.QueryParams(request.content.decode()))["identification"])
        if len(items) > 1 or items[0]["user_id"] == "user-2":
            return httpx.Response(413, text="")
        return httpx.Response(200, text="success")

    run = batch("identifyUser", [identify_event(u) for u in ("user-1", "user-2", "user-3")], amplitude)
    assert [isinstance(r, Delivered) for r in run.results] == [True, False, True]
    error = error_of(run.results[1])
    assert (error.code, error.status, error.retryable) == ("PAYLOAD_TOO_LARGE", 413, False)


def test_throttled_request_fails_every_identification_with_the_same_retryable_error() -> None:
    body = {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "throttled_users": {"user-1": 31},
    }
    run = batch(
        "identifyUser",
        [identify_event("user-1"), identify_event("user-2")],
        [Reply(429, body, {"retry-after": "7"})],
    )
    first, second = (error_of(result) for result in run.results)
    assert first is second
    assert isinstance(first, RetryableError) and (first.status, first.retry_after) == (429, 7.0)
    assert "Too many requests" in first.message
    assert len(run.requests) == 1  # a throttled request is not halved


def test_throttled_request_without_retry_after_waits_as_amplitude_asks_of_throttled_users() -> None:
    run = batch("mapUser", [alias_event("user-1", "prev-1")], [Reply(429, "too_many_requests")])
    error = error_of(run.results[0])
    assert isinstance(error, RetryableError) and error.retry_after == DEFAULT_THROTTLE_RETRY_S


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_fail_the_request_retryably(status: int) -> None:
    run = batch("identifyUser", [identify_event("user-1"), identify_event("user-2")], [Reply(status, "oops")])
    first, second = (error_of(result) for result in run.results)
    assert first is second and first.retryable and first.status == status
    assert len(run.requests) == 1


def test_network_failure_fails_the_request_retryably() -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    run = batch("identifyUser", [identify_event("user-1"), identify_event("user-2")], drop)
    first, second = (error_of(result) for result in run.results)
    assert first is second and isinstance(first, NetworkError) and first.retryable


def test_other_client_errors_fail_the_whole_request_permanently_without_halving() -> None:
    run = batch(
        "identifyUser", [identify_event("user-1"), identify_event("user-2")], [Reply(404, "not_found")]
    )
    first, second = (error_of(result) for result in run.results)
    assert first is second and (first.status, first.retryable) == (404, False)
    assert len(run.requests) == 1


def test_unknown_api_key_fails_everything_as_an_authentication_error_and_stops_sending() -> None:
    events = [identify_event("user-1"), identify_event("user-2"), identify_event("user-3")]
    mapping = {"min_id_length": {"@if": {"exists": {"@path": "$.traits.short"}, "then": 2, "else": None}}}
    events[2]["traits"] = {"short": True}  # a second request, which is never sent
    run = batch("identifyUser", events, [Reply(400, "invalid_api_key")], mapping=mapping)
    assert len(run.requests) == 1
    errors = [error_of(result) for result in run.results]
    assert all(isinstance(error, InvalidAuthenticationError) for error in errors)
    assert "test-api-key" not in errors[0].message


def test_requests_already_delivered_stay_delivered_when_a_later_one_hits_a_bad_key() -> None:
    count = IDENTIFY_MAX_ITEMS + 1
    run = batch(
        "identifyUser",
        [identify_event(f"user-{i:05d}") for i in range(count)],
        [Reply(200, "success"), Reply(400, "invalid_api_key")],
    )
    assert all(isinstance(result, Delivered) for result in run.results[:IDENTIFY_MAX_ITEMS])
    assert isinstance(error_of(run.results[-1]), InvalidAuthenticationError)


# --- declarations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "limit"), [("identifyUser", IDENTIFY_MAX_ITEMS), ("mapUser", USERMAP_MAX_ITEMS)]
)
def test_form_actions_batch_grouped_by_min_id_length(action: str, limit: int) -> None:
    definition = destination.action(action)
    assert definition.perform_batch is not None and definition.batching is not None
    assert definition.batching.keys == ("min_id_length",)
    assert definition.batching.max_events == limit
    assert definition.batching.max_bytes == FORM_MAX_BYTES


# --- against the emulator -----------------------------------------------------------------------


def test_emulator_stores_every_good_identification_and_refuses_the_short_id() -> None:
    emulator = Emulator(EmulatorConfig(), clock=lambda: 1705320000000)
    users = ["user-1", "abc", "user-3", "user-4"]
    run = batch("identifyUser", [identify_event(u) for u in users], emulator.transport())
    assert [isinstance(r, Delivered) for r in run.results] == [True, False, True, True]
    assert error_of(run.results[1]).code == "INVALID_ID_LENGTH"
    assert sorted(str(record.identification["user_id"]) for record in emulator.identifies) == [
        "user-1",
        "user-3",
        "user-4",
    ]
    assert emulator.user_properties("user-3") == {"plan": "pro"}


def test_emulator_applies_every_mapping_of_a_batch() -> None:
    emulator = Emulator(EmulatorConfig(), clock=lambda: 1705320000000)
    events = [alias_event("user-1", "prev-1"), alias_event("user-2", "prev-2")]
    run = batch("mapUser", events, emulator.transport())
    assert all(isinstance(result, Delivered) for result in run.results)
    assert emulator.global_user_id("prev-1") == "user-1"
    assert emulator.global_user_id("prev-2") == "user-2"
    assert emulator.stats.requests["/usermap"] == {200: 1}


def test_emulator_refuses_an_unknown_key_as_invalid_authentication() -> None:
    emulator = Emulator(EmulatorConfig(api_keys={"other-key": "other-secret"}))
    run = batch("mapUser", [alias_event("user-1", "prev-1")], emulator.transport())
    assert isinstance(error_of(run.results[0]), InvalidAuthenticationError)


def test_engine_delivers_identify_calls_in_batches_and_dead_letters_only_the_bad_one() -> None:
    emulator = Emulator(EmulatorConfig(), clock=lambda: 1705320000000)
    events = [identify_event(f"user-{i:03d}", messageId=f"m-{i}") for i in range(200)]
    events[57]["userId"] = "abc"
    engine = Engine(
        destination, SETTINGS, transport=emulator.transport(), batching=BatchOptions(linger_s=0.01)
    )
    report = asyncio.run(engine.run(events))
    assert (report.delivered, report.dead_lettered) == (199, 1)
    (dead,) = engine.dead_letters
    assert (dead["action"], dead["code"], dead["event"]["userId"]) == (
        "identifyUser",
        "INVALID_ID_LENGTH",
        "abc",
    )
    assert len(emulator.identifies) == 199
    assert report.requests < 30  # one batch, halved down to the bad call: not one request per call

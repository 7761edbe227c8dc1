"""Batched delivery: packing events into requests, and reading Amplitude's answers event by event.

Error bodies are the ones Amplitude documents (see spec/amplitude-api.md section 4.2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from actions import Delivered, Failed, IntegrationError, InvalidAuthenticationError, RetryableError, use_clock
from actions.testing import make_event, run_batch
from actions_amplitude import destination
from actions_amplitude._batch import DEFAULT_THROTTLE_RETRY_S, HTTPAPI_MAX_BYTES

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
Handler = Callable[[httpx.Request], httpx.Response]


class Amplitude:
    """A scripted Amplitude: answers each upload with the next reply (a body or a function of the events)."""

    def __init__(self, *replies: tuple[int, Any] | Callable[[list[dict[str, Any]]], tuple[int, Any]]) -> None:
        self.replies = list(replies)
        self.uploads: list[dict[str, Any]] = []
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.uploads.append(body)
        self.urls.append(str(request.url))
        reply = self.replies.pop(0) if self.replies else (200, {"code": 200})
        status, answer = reply(body["events"]) if callable(reply) else reply
        headers = {}
        if isinstance(answer, tuple):
            answer, headers = answer
        return httpx.Response(status, json=answer, headers=headers)

    def user_ids(self, upload: int) -> list[str]:
        return [e.get("user_id") for e in self.uploads[upload]["events"]]


def track(user: str, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": "Played", "userId": user, "messageId": f"m-{user}", **fields}


def batch(
    events: list[dict[str, Any]],
    amplitude: Handler,
    action: str = "logEventV2",
    mapping: dict[str, Any] | None = None,
) -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_batch(
            destination,
            action,
            events=[make_event(e) for e in events],
            mapping=mapping,
            settings=SETTINGS,
            use_default_mappings=True,
            responses=amplitude,
        )


def error_of(result: Any) -> IntegrationError:
    assert isinstance(result, Failed), result
    return result.error


def test_batch_of_events_is_one_request_and_every_payload_is_delivered() -> None:
    amplitude = Amplitude()
    run = batch([track("user-1"), track("user-2"), track("user-3")], amplitude)
    assert amplitude.urls == ["https://api2.amplitude.com/2/httpapi"]
    assert amplitude.uploads[0]["api_key"] == "test-api-key"
    assert amplitude.user_ids(0) == ["user-1", "user-2", "user-3"]
    assert [e["insert_id"] for e in amplitude.uploads[0]["events"]] == ["m-user-1", "m-user-2", "m-user-3"]
    assert all(isinstance(r, Delivered) and r.status == 200 for r in run.results)


def test_payloads_with_different_endpoint_or_options_go_in_separate_requests() -> None:
    amplitude = Amplitude()
    events = [track("user-1"), track("user-2"), track("user-3"), track("user-4")]
    mapping = {
        "use_batch_endpoint": {"@path": "$.properties.batch"},
        "min_id_length": {"@path": "$.properties.min"},
    }
    events[1]["properties"] = {"batch": True}
    events[2]["properties"] = {"min": 2}
    run = batch(events, amplitude, mapping=mapping)
    assert amplitude.urls == [
        "https://api2.amplitude.com/2/httpapi",
        "https://api2.amplitude.com/batch",
        "https://api2.amplitude.com/2/httpapi",
    ]
    assert [amplitude.user_ids(i) for i in range(3)] == [["user-1", "user-4"], ["user-2"], ["user-3"]]
    assert amplitude.uploads[2]["options"] == {"min_id_length": 2}
    assert "options" not in amplitude.uploads[0]
    assert all(isinstance(r, Delivered) for r in run.results)


def test_requests_stay_under_amplitude_size_limit() -> None:
    amplitude = Amplitude()
    big = "x" * 400_000
    run = batch([track(f"user-{i}", properties={"blob": big}) for i in range(3)], amplitude)
    assert [len(upload["events"]) for upload in amplitude.uploads] == [2, 1]
    assert all(isinstance(r, Delivered) for r in run.results)


def test_event_too_large_for_one_request_fails_without_being_sent() -> None:
    amplitude = Amplitude()
    run = batch([track("user-1", properties={"blob": "x" * HTTPAPI_MAX_BYTES}), track("user-2")], amplitude)
    assert amplitude.user_ids(0) == ["user-2"]
    error = error_of(run.results[0])
    assert error.status == 413 and not error.retryable
    assert isinstance(run.results[1], Delivered)


def test_invalid_fields_fail_those_events_and_the_rest_is_resent() -> None:
    amplitude = Amplitude(
        (
            400,
            {
                "code": 400,
                "error": "Invalid field values on some events",
                "events_with_invalid_fields": {"time": [1]},
            },
        )
    )
    run = batch([track("user-1"), track("user-2"), track("user-3")], amplitude)
    assert amplitude.user_ids(1) == ["user-1", "user-3"]
    error = error_of(run.results[1])
    assert not error.retryable
    assert "'time'" in error.message
    assert isinstance(run.results[0], Delivered) and isinstance(run.results[2], Delivered)


def test_indexes_of_a_resent_request_refer_to_its_own_positions() -> None:
    def reject_short_ids(events: list[dict[str, Any]]) -> tuple[int, Any]:
        short = [i for i, e in enumerate(events) if len(e["user_id"]) < 5]
        if not short:
            return 200, {"code": 200}
        return 400, {
            "code": 400,
            "error": "Invalid id length for user_id or device_id",
            "events_with_invalid_id_lengths": {"user_id": short[:1]},
        }

    amplitude = Amplitude(reject_short_ids, reject_short_ids, reject_short_ids)
    run = batch([track("ab"), track("user-2"), track("cd"), track("user-4")], amplitude)
    assert [amplitude.user_ids(i) for i in range(3)] == [
        ["ab", "user-2", "cd", "user-4"],
        ["user-2", "cd", "user-4"],
        ["user-2", "user-4"],
    ]
    assert [type(r) for r in run.results] == [Failed, Delivered, Failed, Delivered]
    assert "minimum ID length" in error_of(run.results[0]).message


def test_missing_fields_and_silenced_devices_fail_permanently() -> None:
    body = {
        "code": 400,
        "error": "Request missing required field",
        "events_with_missing_fields": {"event_type": [0]},
        "silenced_devices": ["device-3"],
        "silenced_events": [2],
    }
    amplitude = Amplitude((400, body))
    events = [track(f"user-{i}", context={"device": {"id": f"device-{i}"}}) for i in (1, 2, 3)]
    run = batch(events, amplitude)
    assert "event_type" in error_of(run.results[0]).message
    assert "silenced" in error_of(run.results[2]).message
    assert not error_of(run.results[2]).retryable
    assert amplitude.user_ids(1) == ["user-2"]
    assert isinstance(run.results[1], Delivered)


def test_silenced_answer_also_holds_back_the_throttled_events_it_lists() -> None:
    body = {
        "code": 400,
        "error": "Events silenced for device_id",
        "eps_threshold": 100,
        "exceeded_daily_quota_devices": {},
        "silenced_devices": ["d1"],
        "silenced_events": [0],
        "throttled_devices": {"d3": 0},
        "throttled_events": [2],
    }
    amplitude = Amplitude((400, body))
    events = [track(f"user-{i}", context={"device": {"id": f"d{i}"}}) for i in (1, 2, 3)]
    run = batch(events, amplitude)
    assert not error_of(run.results[0]).retryable
    throttled = error_of(run.results[2])
    assert isinstance(throttled, RetryableError) and throttled.status == 429
    assert isinstance(run.results[1], Delivered)


def test_throttling_holds_back_throttled_users_and_fails_daily_quota_users_permanently() -> None:
    body = {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": 30,
        "throttled_users": {"user-1": 31, "user-2": 40},
        "throttled_devices": {},
        "exceeded_daily_quota_users": {"user-2": 500200},
        "throttled_events": [0, 1],
    }
    amplitude = Amplitude((429, body))
    run = batch([track("user-1"), track("user-2"), track("user-3")], amplitude)
    throttled = error_of(run.results[0])
    assert isinstance(throttled, RetryableError)
    assert throttled.status == 429 and throttled.retryable
    assert throttled.retry_after == DEFAULT_THROTTLE_RETRY_S
    over_quota = error_of(run.results[1])
    assert over_quota.status == 429 and not over_quota.retryable
    assert amplitude.user_ids(1) == ["user-3"]
    assert isinstance(run.results[2], Delivered)


def test_throttled_users_are_held_back_even_when_not_listed_by_index() -> None:
    body = {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "throttled_users": {"user-1": 31},
    }
    amplitude = Amplitude((429, (body, {"Retry-After": "12"})))
    run = batch([track("user-1"), track("user-2"), track("user-1")], amplitude)
    assert amplitude.user_ids(1) == ["user-2"]
    for index in (0, 2):
        error = error_of(run.results[index])
        assert isinstance(error, RetryableError) and error.retry_after == 12


def test_throttling_without_details_retries_the_whole_request_later() -> None:
    amplitude = Amplitude((429, {"code": 429, "error": "Too many requests"}))
    run = batch([track("user-1"), track("user-2")], amplitude)
    assert len(amplitude.uploads) == 1
    assert all(isinstance(error_of(r), RetryableError) for r in run.results)


def test_unknown_api_key_fails_everything_without_retrying() -> None:
    amplitude = Amplitude((400, {"code": 400, "error": "Invalid API key: test-api-key"}))
    run = batch([track("user-1"), track("user-2")], amplitude)
    assert len(amplitude.uploads) == 1
    for result in run.results:
        error = error_of(result)
        assert isinstance(error, InvalidAuthenticationError)
        assert not error.retryable
        assert "test-api-key" not in error.message


def test_bad_request_without_event_details_fails_the_request_permanently() -> None:
    amplitude = Amplitude((400, {"code": 400, "error": "Invalid JSON request body"}))
    run = batch([track("user-1"), track("user-2")], amplitude)
    assert len(amplitude.uploads) == 1
    for result in run.results:
        error = error_of(result)
        assert not error.retryable and "Invalid JSON request body" in error.message


def test_too_large_answer_splits_the_request_in_halves() -> None:
    amplitude = Amplitude((413, {"code": 413, "error": "Payload too large"}))
    run = batch([track(f"user-{i}") for i in range(5)], amplitude)
    assert [len(upload["events"]) for upload in amplitude.uploads] == [5, 2, 3]
    assert all(isinstance(r, Delivered) for r in run.results)


def test_too_large_answer_for_a_single_event_fails_it() -> None:
    amplitude = Amplitude(*[(413, {"code": 413, "error": "Payload too large"})] * 3)
    run = batch([track("user-1"), track("user-2")], amplitude)
    assert [len(upload["events"]) for upload in amplitude.uploads] == [2, 1, 1]
    assert [error_of(r).status for r in run.results] == [413, 413]
    assert not any(error_of(r).retryable for r in run.results)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_fail_the_request_retryably(status: int) -> None:
    amplitude = Amplitude((status, {"code": status}))
    run = batch([track("user-1"), track("user-2")], amplitude)
    assert len(amplitude.uploads) == 1
    assert all(error_of(r).retryable and error_of(r).status == status for r in run.results)


def test_network_failure_fails_the_request_retryably() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    run = batch([track("user-1")], unreachable)
    error = error_of(run.results[0])
    assert error.retryable and error.status is None


def test_purchase_is_delivered_only_when_all_its_events_are() -> None:
    def reject_product_b(events: list[dict[str, Any]]) -> tuple[int, Any]:
        bad = [i for i, e in enumerate(events) if e["event_properties"].get("productId") == "b"]
        if not bad:
            return 200, {"code": 200}
        return 400, {
            "code": 400,
            "error": "Invalid field values on some events",
            "events_with_invalid_fields": {"productId": bad},
        }

    amplitude = Amplitude(reject_product_b, reject_product_b)
    orders = [
        {
            "type": "track",
            "event": "Order Completed",
            "messageId": "o1",
            "properties": {"products": [{"productId": "a"}]},
        },
        {
            "type": "track",
            "event": "Order Completed",
            "messageId": "o2",
            "properties": {"products": [{"productId": "b"}]},
        },
    ]
    run = batch(orders, amplitude, action="logPurchase")
    assert [e["insert_id"] for e in amplitude.uploads[0]["events"]] == ["o1", "o1-2", "o2", "o2-2"]
    assert [e["insert_id"] for e in amplitude.uploads[1]["events"]] == ["o1", "o1-2", "o2"]
    assert isinstance(run.results[0], Delivered)
    assert "'productId'" in error_of(run.results[1]).message


def test_purchase_with_a_throttled_event_is_retried_as_a_whole() -> None:
    body = {"code": 429, "error": "Too many requests for some devices and users", "throttled_events": [1]}
    amplitude = Amplitude((429, body))
    order = {"type": "track", "event": "Order Completed", "properties": {"products": [{"productId": "a"}]}}
    run = batch([order], amplitude, action="logPurchase")
    assert len(amplitude.uploads[1]["events"]) == 1  # the order event is delivered on the resend
    assert isinstance(error_of(run.results[0]), RetryableError)


@pytest.mark.parametrize("action", ["logEvent", "logEventV2", "logPurchase"])
def test_event_actions_declare_batching_grouped_by_request_options(action: str) -> None:
    definition = destination.action(action)
    assert definition.perform_batch is not None
    assert definition.batching is not None
    assert set(definition.batching.keys) == {"use_batch_endpoint", "min_id_length"}


def test_group_identify_does_not_batch() -> None:
    assert destination.action("groupIdentifyUser").perform_batch is None

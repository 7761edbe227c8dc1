"""The engine: outcomes, per-event batch results, retries, splitting, auth stops, backpressure, stopping."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from actions import (
    Batching,
    ConfigurationError,
    Delivered,
    Failed,
    IntegrationError,
    InvalidAuthenticationError,
    ItemResult,
    MappingError,
    PayloadValidationError,
    Preset,
    RetryableError,
    SubscriptionError,
)
from actions.delivery import (
    INTERRUPTED,
    NO_SUBSCRIPTION,
    BatchOptions,
    Engine,
    Limits,
    Record,
    RetryPolicy,
    RunOptions,
    iter_dead_letters,
)
from delivery_fakes import SETTINGS, Calls, endless_tracks, make_destination, track

FAST = RetryPolicy(max_attempts=4, initial_delay_s=0.001, max_delay_s=0.005, max_elapsed_s=None)
TRACK_TO_BATCHED = [{"subscribe": 'type = "track"', "action": "batched"}]
TRACK_TO_SINGLE = [{"subscribe": 'type = "track"', "action": "single"}]


def deliver(engine: Engine, events: Any) -> Any:
    return asyncio.run(engine.run(events))


def assert_accounted(engine: Engine) -> None:
    report = engine.report
    assert report.events_in == report.delivered + report.filtered + report.dead_lettered


# --- outcomes ---------------------------------------------------------------------------------


def test_every_event_ends_delivered_filtered_or_dead_lettered(calls: Calls) -> None:
    destination = make_destination(calls)
    events = [track(1), {"type": "page", "name": "Home"}, track(2, event=None), {"no": "type"}]
    engine = Engine(destination, SETTINGS, TRACK_TO_BATCHED, retry=FAST)
    report = deliver(engine, events)
    assert (report.events_in, report.delivered, report.filtered, report.dead_lettered) == (4, 1, 1, 2)
    codes = sorted(record["code"] for record in engine.dead_letters)
    assert codes == ["NOT_AN_EVENT", "PAYLOAD_VALIDATION_FAILED"]
    invalid = next(r for r in engine.dead_letters if r["code"] == "PAYLOAD_VALIDATION_FAILED")
    assert invalid["action"] == "batched"
    assert invalid["attempts"] == 0
    assert "name" in invalid["message"]  # the missing required field is named
    assert invalid["event"]["messageId"] == "m2"
    assert calls.payloads == [{"name": "Event 1", "user": "user1", "n": 1}]


def test_fan_out_event_is_dead_lettered_if_any_action_fails_with_one_record_per_failed_action(
    calls: Calls,
) -> None:
    def batch_results(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        return [Failed(PayloadValidationError("rejected")) if p["n"] == 2 else Delivered() for p in payloads]

    destination = make_destination(calls, perform_batch=batch_results)
    subscriptions = [
        {"subscribe": 'type = "track"', "action": "batched", "name": "to batched"},
        {"subscribe": 'type = "track"', "action": "single", "name": "to single"},
    ]
    engine = Engine(destination, SETTINGS, subscriptions, retry=FAST)
    report = deliver(engine, [track(1), track(2)])
    assert (report.delivered, report.dead_lettered) == (1, 1)
    assert report.actions["batched"].delivered == 1
    assert report.actions["batched"].dead_lettered == 1
    assert report.actions["single"].delivered == 2
    (record,) = engine.dead_letters
    assert (record["action"], record["subscription"], record["code"]) == (
        "batched",
        "to batched",
        "PAYLOAD_VALIDATION_FAILED",
    )


def test_default_subscriptions_are_the_destinations_automatic_presets(calls: Calls) -> None:
    presets = [Preset(name="Tracks", subscribe='type = "track"', action="single")]
    engine = Engine(make_destination(calls, presets=presets), SETTINGS)
    report = deliver(engine, [track(1), {"type": "identify", "userId": "u"}])
    assert (report.delivered, report.filtered) == (1, 1)


def test_only_failed_events_of_a_batch_are_retried_and_only_permanent_ones_dead_lettered(
    calls: Calls,
) -> None:
    attempts: dict[int, int] = {}

    def batch_results(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        results: list[ItemResult] = []
        for payload in payloads:
            n = payload["n"]
            attempts[n] = attempts.get(n, 0) + 1
            if n == 3:
                results.append(Failed(IntegrationError("invalid field", "BAD_REQUEST", 400)))
            elif n == 5 and attempts[n] < 3:
                results.append(Failed(RetryableError("busy", 503)))
            else:
                results.append(Delivered())
        return results

    engine = Engine(
        make_destination(calls, perform_batch=batch_results), SETTINGS, TRACK_TO_BATCHED, retry=FAST
    )
    report = deliver(engine, [track(i) for i in range(8)])
    assert attempts == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 3, 6: 1, 7: 1}
    assert (report.delivered, report.dead_lettered, report.retries) == (7, 1, 2)
    (record,) = engine.dead_letters
    assert (record["event"]["messageId"], record["status"], record["retryable"], record["attempts"]) == (
        "m3",
        400,
        False,
        1,
    )
    assert record["reason"] == "permanent error"


def test_retryable_failure_is_dead_lettered_after_max_attempts_with_the_reason(calls: Calls) -> None:
    def always_busy(payload: dict[str, Any]) -> None:
        raise RetryableError("busy", 503)

    engine = Engine(make_destination(calls, perform=always_busy), SETTINGS, TRACK_TO_SINGLE, retry=FAST)
    report = deliver(engine, [track(1)])
    assert len(calls.singles) == 4
    assert (report.dead_lettered, report.retries) == (1, 3)
    (record,) = engine.dead_letters
    assert (record["code"], record["status"], record["retryable"], record["attempts"]) == (
        "RETRYABLE_ERROR",
        503,
        True,
        4,
    )
    assert record["reason"] == "gave up after 4 attempts"


def test_retry_after_from_the_destination_delays_the_next_attempt(calls: Calls) -> None:
    loop_times: list[float] = []

    def throttled_once(payload: dict[str, Any]) -> None:
        loop_times.append(asyncio.get_running_loop().time())
        if len(loop_times) == 1:
            raise RetryableError("slow down", 429, retry_after=0.3)

    engine = Engine(make_destination(calls, perform=throttled_once), SETTINGS, TRACK_TO_SINGLE, retry=FAST)
    report = deliver(engine, [track(1)])
    assert report.delivered == 1
    assert loop_times[1] - loop_times[0] >= 0.3  # the backoff alone would be under 5 ms


def test_http_errors_are_retried_by_status_through_a_real_request_client(calls: Calls) -> None:
    from actions_webhook import destination as webhook

    statuses = iter([503, 429, 200, 404])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), headers={"retry-after": "0"})

    engine = Engine(
        webhook,
        {"url": "https://hooks.test/in"},
        [{"subscribe": 'type = "track"', "action": "send"}],
        transport=httpx.MockTransport(handler),
        retry=FAST,
        limits=Limits(concurrency=1),
    )
    report = deliver(engine, [track(1), track(2)])
    assert (report.delivered, report.dead_lettered, report.requests, report.retries) == (1, 1, 4, 2)
    assert engine.dead_letters[0]["code"] == "NOT_FOUND"
    assert report.actions["send"].requests == 4


def test_batch_rejected_as_a_whole_is_resent_one_event_at_a_time(calls: Calls) -> None:
    def reject_if_bad_inside(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        if any(p["n"] == 4 for p in payloads):
            error = IntegrationError("Bad Request", "BAD_REQUEST", 400)
            return [Failed(error) for _ in payloads]  # the same error for all: the API said no to the batch
        return [Delivered() for _ in payloads]

    engine = Engine(
        make_destination(calls, perform_batch=reject_if_bad_inside), SETTINGS, TRACK_TO_BATCHED, retry=FAST
    )
    report = deliver(engine, [track(i) for i in range(6)])
    assert (report.delivered, report.dead_lettered) == (5, 1)
    assert [len(batch) for batch in calls.batches] == [6, 1, 1, 1, 1, 1, 1]
    assert engine.dead_letters[0]["event"]["messageId"] == "m4"


def test_batch_too_large_is_split_in_halves_until_it_fits(calls: Calls) -> None:
    def at_most_two(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        if len(payloads) > 2:
            error = IntegrationError("Payload Too Large", "PAYLOAD_TOO_LARGE", 413)
            return [Failed(error)] * len(payloads)
        return [Delivered() for _ in payloads]

    engine = Engine(
        make_destination(calls, perform_batch=at_most_two), SETTINGS, TRACK_TO_BATCHED, retry=FAST
    )
    report = deliver(engine, [track(i) for i in range(8)])
    assert report.delivered == 8
    assert sorted(len(batch) for batch in calls.batches) == [2, 2, 2, 2, 4, 4, 8]


def test_batches_respect_declared_size_and_operator_lowered_size(calls: Calls) -> None:
    engine = Engine(make_destination(calls), SETTINGS, TRACK_TO_BATCHED, batching=BatchOptions(max_events=3))
    deliver(engine, [track(i) for i in range(7)])
    assert sorted(len(batch) for batch in calls.batches) == [1, 3, 3]


def test_batch_keys_keep_payloads_with_different_values_apart(calls: Calls) -> None:
    destination = make_destination(calls, batching=Batching(max_events=10, keys=("user",), linger_s=0.01))
    events = [track(i, userId="a" if i % 2 else "b") for i in range(6)]
    deliver(Engine(destination, SETTINGS, TRACK_TO_BATCHED), events)
    assert all(len({p["user"] for p in batch}) == 1 for batch in calls.batches)
    assert sorted(len(batch) for batch in calls.batches) == [3, 3]


def test_without_batching_a_batching_action_is_performed_per_event(calls: Calls) -> None:
    report = deliver(
        Engine(make_destination(calls), SETTINGS, TRACK_TO_BATCHED, batching=BatchOptions(enabled=False)),
        [track(1), track(2)],
    )
    assert report.delivered == 2
    assert calls.batches == []
    assert len(calls.singles) == 2


def test_unexpected_exception_in_an_action_dead_letters_the_event_not_the_run(calls: Calls) -> None:
    def broken(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            raise KeyError("oops")

    engine = Engine(make_destination(calls, perform=broken), SETTINGS, TRACK_TO_SINGLE, retry=FAST)
    report = deliver(engine, [track(1), track(2)])
    assert (report.delivered, report.dead_lettered) == (1, 1)
    record = engine.dead_letters[0]
    assert (record["code"], record["retryable"], record["attempts"]) == ("UNEXPECTED_ERROR", False, 1)
    assert record["message"] == "KeyError: 'oops'"


# --- authentication -----------------------------------------------------------------------------


def test_rejected_credentials_stop_all_sending_and_dead_letter_the_rest_with_that_reason(
    calls: Calls,
) -> None:
    def reject(payload: dict[str, Any]) -> None:
        raise InvalidAuthenticationError("Invalid API key: tok-SECRET-123")

    engine = Engine(
        make_destination(calls, perform=reject),
        SETTINGS,
        TRACK_TO_SINGLE,
        retry=FAST,
        limits=Limits(concurrency=1),
    )
    report = deliver(engine, [track(i) for i in range(50)])
    assert len(calls.singles) == 1  # one rejection, then nothing more was sent
    assert report.dead_lettered == 50
    assert report.authentication_error == "Invalid API key: <redacted:token>"
    assert {r["code"] for r in engine.dead_letters} == {"INVALID_AUTHENTICATION"}
    assert all("tok-SECRET-123" not in json.dumps(r) for r in engine.dead_letters)
    assert sum(r["attempts"] for r in engine.dead_letters) == 1


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subscriptions", "error", "message"),
    [
        ([{"subscribe": 'type = "track"', "action": "nope"}], ConfigurationError, "has no action 'nope'"),
        ([{"subscribe": "type = ", "action": "single"}], SubscriptionError, "subscription 1"),
        (
            [{"subscribe": 'type = "track"', "action": "single", "mapping": {"bogus": 1}}],
            ConfigurationError,
            "'bogus' is not a field",
        ),
        (
            [{"subscribe": 'type = "track"', "action": "single", "mapping": {"name": {"@path": 3}}}],
            MappingError,
            "subscription 1",
        ),
        ([{"action": "single"}], ConfigurationError, "subscribe"),
    ],
)
def test_bad_subscriptions_are_configuration_errors_before_any_event(
    calls: Calls, subscriptions: list[dict[str, Any]], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Engine(make_destination(calls), SETTINGS, subscriptions)


def test_partner_action_is_accepted_as_the_action_key(calls: Calls) -> None:
    engine = Engine(
        make_destination(calls), SETTINGS, [{"subscribe": 'type = "track"', "partnerAction": "single"}]
    )
    assert deliver(engine, [track(1)]).delivered == 1


def test_invalid_settings_are_a_configuration_error(calls: Calls) -> None:
    with pytest.raises(ConfigurationError, match="token"):
        Engine(make_destination(calls), {}, TRACK_TO_SINGLE)


def test_a_destination_without_presets_needs_subscriptions(calls: Calls) -> None:
    with pytest.raises(ConfigurationError, match="no automatic presets"):
        Engine(make_destination(calls), SETTINGS)


# --- bounds --------------------------------------------------------------------------------------


def test_concurrency_bounds_simultaneous_sends(calls: Calls) -> None:
    async def slow(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)

    engine = Engine(
        make_destination(calls, perform=slow), SETTINGS, TRACK_TO_SINGLE, limits=Limits(concurrency=3)
    )
    assert deliver(engine, [track(i) for i in range(30)]).delivered == 30
    assert calls.most_in_flight == 3


def test_buffer_bounds_events_in_the_pipeline_so_reading_waits_for_delivery(calls: Calls) -> None:
    taken_in: list[int] = []
    engine: Engine

    async def slow(payload: dict[str, Any]) -> None:
        taken_in.append(engine.report.in_flight)
        await asyncio.sleep(0.002)

    engine = Engine(
        make_destination(calls, perform=slow),
        SETTINGS,
        TRACK_TO_SINGLE,
        options=RunOptions(buffer=5),
        limits=Limits(concurrency=2),
    )
    assert deliver(engine, (track(i) for i in range(60))).delivered == 60
    assert max(taken_in) <= 5


def test_rate_limit_spaces_requests(calls: Calls) -> None:
    from actions_webhook import destination as webhook

    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(asyncio.get_event_loop().time())
        return httpx.Response(200)

    engine = Engine(
        webhook,
        {"url": "https://hooks.test/in"},
        [{"subscribe": 'type = "track"', "action": "send"}],
        transport=httpx.MockTransport(handler),
        limits=Limits(rate_limit=20),
    )
    deliver(engine, [track(i) for i in range(5)])
    assert times[-1] - times[0] >= 4 / 20 - 0.01


# --- dry run, replay, dead-letter files ---------------------------------------------------------


def test_dry_run_sends_nothing_and_shows_every_request(calls: Calls) -> None:
    from actions_webhook import destination as webhook

    def must_not_be_called(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a dry run sent a request")

    seen: list[tuple[str, str | None]] = []
    engine = Engine(
        webhook,
        {"url": "https://hooks.test/in"},
        [{"subscribe": 'type = "track"', "action": "sendBatch"}],
        transport=httpx.MockTransport(must_not_be_called),
        dry_run=True,
        on_exchange=lambda exchange, action: seen.append((str(exchange.request.url), action)),
    )
    report = deliver(engine, [track(1), track(2)])
    assert report.dry_run and report.delivered == 2
    assert seen == [("https://hooks.test/in", "sendBatch")]


def test_replay_records_go_only_to_their_recorded_action_and_subscription(calls: Calls) -> None:
    subscriptions = [
        {"subscribe": 'type = "track"', "action": "single", "name": "A"},
        {"subscribe": 'type = "track"', "action": "single", "name": "B", "mapping": {"name": "from B"}},
        {"subscribe": 'type = "track"', "action": "batched"},
    ]
    engine = Engine(make_destination(calls), SETTINGS, subscriptions)
    records = [
        Record(track(1), 1, action="single", subscription="B"),
        Record(track(2), 2, action="batched"),
        Record(track(3), 3, action="gone"),
    ]
    report = deliver(engine, records)
    assert [p["name"] for p in calls.singles] == ["from B"]
    assert [p.get("n") for p in calls.payloads] == [2, None]
    assert (report.delivered, report.dead_lettered) == (2, 1)
    (record,) = engine.dead_letters
    assert (record["code"], record["action"], record["line"]) == (NO_SUBSCRIPTION, "gone", 3)
    assert "failed_at" in record  # like every dead letter (docs/running.md)


def test_dead_letters_go_to_a_file_with_everything_needed_to_replay(calls: Calls, tmp_path: Path) -> None:
    path = tmp_path / "dl.ndjson"

    def reject(payload: dict[str, Any]) -> None:
        raise IntegrationError("no such user: tok-SECRET-123", "NOT_FOUND", 404)

    engine = Engine(
        make_destination(calls, perform=reject), SETTINGS, TRACK_TO_SINGLE, dead_letter=path, run_id="r1"
    )
    report = deliver(engine, [Record(track(1), 41)])
    (record,) = iter_dead_letters(path)
    assert record == {
        "destination": "fake",
        "run_id": "r1",
        "line": 41,
        "action": "single",
        "subscription": 'type = "track"',
        "code": "NOT_FOUND",
        "status": 404,
        "retryable": False,
        "message": "no such user: <redacted:token>",
        "reason": "permanent error",
        "attempts": 1,
        "failed_at": record["failed_at"],
        "event": track(1),
    }
    assert report.dead_letter_file == str(path)
    assert report.dead_letter_codes == {"NOT_FOUND": 1}


# --- stopping -----------------------------------------------------------------------------------


def test_stop_finishes_in_flight_work_takes_nothing_more_in_and_accounts_for_everything(calls: Calls) -> None:
    engine: Engine

    async def slowish(payload: dict[str, Any]) -> None:
        if payload["n"] == 20:
            engine.stop()
        await asyncio.sleep(0.005)

    engine = Engine(
        make_destination(calls, perform=slowish),
        SETTINGS,
        TRACK_TO_SINGLE,
        limits=Limits(concurrency=4),
        options=RunOptions(buffer=8),
    )
    report = deliver(engine, endless_tracks())
    assert report.stopped == "signal"
    assert report.events_in < 40
    assert report.delivered == report.events_in  # in-flight work was finished, not dropped
    assert_accounted(engine)


def test_stop_dead_letters_what_cannot_finish_before_the_shutdown_deadline(calls: Calls) -> None:
    engine: Engine

    async def hang(payload: dict[str, Any]) -> None:
        if payload["n"] == 0:
            await asyncio.sleep(60)

    def stop_soon() -> None:
        asyncio.get_running_loop().call_later(0.05, engine.stop)

    async def events() -> Any:
        stop_soon()
        for i in range(3):
            yield track(i)
        await asyncio.sleep(60)  # input that never ends

    engine = Engine(
        make_destination(calls, perform=hang),
        SETTINGS,
        TRACK_TO_SINGLE,
        options=RunOptions(shutdown_timeout_s=0.1),
    )
    report = deliver(engine, events())
    assert (report.events_in, report.delivered, report.dead_lettered) == (3, 2, 1)
    (record,) = engine.dead_letters
    assert (record["code"], record["retryable"]) == (INTERRUPTED, True)


def test_stop_dead_letters_retries_that_would_come_due_after_the_deadline(calls: Calls) -> None:
    engine: Engine

    def throttled(payload: dict[str, Any]) -> None:
        asyncio.get_running_loop().call_later(0.01, engine.stop)
        raise RetryableError("slow down", 429, retry_after=30)

    engine = Engine(
        make_destination(calls, perform=throttled),
        SETTINGS,
        TRACK_TO_SINGLE,
        options=RunOptions(shutdown_timeout_s=1),
    )
    report = deliver(engine, [track(1)])
    assert report.elapsed_s < 10  # did not wait the 30 s the destination asked for
    (record,) = engine.dead_letters
    assert record["code"] == INTERRUPTED
    assert "slow down" in record["message"]
    assert record["status"] == 429


def test_an_engine_runs_once(calls: Calls) -> None:
    engine = Engine(make_destination(calls), SETTINGS, TRACK_TO_SINGLE)
    deliver(engine, [])
    with pytest.raises(RuntimeError):
        deliver(engine, [])


def test_a_dead_letter_file_that_cannot_be_written_stops_the_run_and_says_how_many_were_lost(
    calls: Calls,
) -> None:
    def full_disk(record: dict[str, Any]) -> None:
        raise OSError(28, "No space left on device")

    def reject(payload: dict[str, Any]) -> None:
        raise IntegrationError("nope", "BAD_REQUEST", 400)

    engine = Engine(
        make_destination(calls, perform=reject),
        SETTINGS,
        TRACK_TO_SINGLE,
        dead_letter=full_disk,
        options=RunOptions(buffer=5),
    )
    report = deliver(engine, (track(i) for i in range(100)))
    assert report.stopped == "error"
    assert report.error == "dead letters cannot be written: No space left on device"
    assert report.events_in < 100  # it stopped taking events in
    # Written nowhere, so not dead-lettered: counted apart, as unrecorded.
    assert report.dead_letters_unwritten == report.unrecorded == report.events_in > 0
    assert report.dead_letter_records == report.dead_lettered == 0
    assert report.destinations[engine.report.destination].unrecorded == report.unrecorded
    assert report.in_flight == 0


def test_a_retry_that_would_fall_after_the_shutdown_deadline_is_interrupted_at_once(calls: Calls) -> None:
    engine: Engine

    async def stopped_while_sending(payload: dict[str, Any]) -> None:
        engine.stop()  # the run stops while this request is in flight...
        raise RetryableError("slow down", 429, retry_after=30)  # ...and it asks to come back later

    engine = Engine(
        make_destination(calls, perform=stopped_while_sending),
        SETTINGS,
        TRACK_TO_SINGLE,
        options=RunOptions(shutdown_timeout_s=5),
    )
    report = deliver(engine, [track(1)])
    assert report.elapsed_s < 5
    (record,) = engine.dead_letters
    assert (record["code"], record["status"], record["reason"]) == (
        INTERRUPTED,
        429,
        "the run was stopped before the next attempt was due",
    )

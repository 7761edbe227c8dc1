"""Destination lanes: one that hangs never holds back another, and per-user order within a lane."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from actions import Delivered, Failed, ItemResult, RetryableError
from actions.delivery import BatchOptions, Engine, Lane, Limits, RetryPolicy, RunOptions
from delivery_fakes import SETTINGS, Calls, http_destination, make_destination, track
from http_fakes import local_server


@contextlib.contextmanager
def server_that_never_answers() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections, reads what comes, and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)  # kept open, never read from or written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


EVENTS = 1000
TIMEOUT_S = 3.0  # the healthy lane needs ~0.5 s; under heavy load it took up to 1.6 s


@pytest.mark.slow
def test_a_destination_that_never_answers_does_not_hold_back_a_healthy_one() -> None:
    destination = http_destination()
    subscriptions = [{"subscribe": 'type = "track"', "action": "sendBatch"}]
    events = [track(i) for i in range(EVENTS)]
    with local_server() as healthy, server_that_never_answers() as hung_url:
        arrived: list[float] = []
        respond_ok = healthy.respond

        def timed(request: Any) -> tuple[int, dict[str, str]]:
            arrived.append(time.monotonic())
            return respond_ok(request)

        healthy.respond = timed
        lanes = [
            Lane(destination, SETTINGS, subscriptions, name="hung", base_url=hung_url,
                 retry=RetryPolicy(max_attempts=1), limits=Limits(concurrency=100, timeout_s=TIMEOUT_S)),
            Lane(destination, SETTINGS, subscriptions, name="healthy", base_url=healthy.url,
                 batching=BatchOptions(linger_s=0.001)),
        ]  # fmt: skip
        # A buffer smaller than the input: the hung lane's backlog must go to disk, not stop reading.
        engine = Engine(lanes, options=RunOptions(buffer=500))
        started = time.monotonic()
        report = asyncio.run(engine.run(events))
        elapsed = time.monotonic() - started

    delivered = [payload["n"] for batch in healthy.bodies() for payload in batch]
    assert sorted(delivered) == list(range(EVENTS))
    # The healthy lane was done before the first request to the other one had even timed out.
    assert arrived[-1] - started < TIMEOUT_S, (arrived[-1] - started, elapsed)

    hung, ok = report.destinations["hung"], report.destinations["healthy"]
    assert (ok.delivered, ok.dead_lettered) == (EVENTS, 0)
    assert (hung.delivered, hung.dead_lettered) == (0, EVENTS)
    assert hung.spilled > 0  # its backlog waited on disk
    assert elapsed >= TIMEOUT_S
    assert report.events_in == EVENTS and report.dead_lettered == EVENTS and report.left == 0
    assert {record["destination"] for record in engine.dead_letters} == {"hung"}
    assert {record["code"] for record in engine.dead_letters} == {"ETIMEDOUT"}


def ordered_run(ordered: bool) -> list[tuple[str, int]]:
    """Users a and b; a's first event fails once and waits 0.2 s for its retry. Returns what was sent."""
    calls = Calls()
    sent: list[tuple[str, int]] = []
    failed_once: set[int] = set()

    def perform(payload: dict[str, Any]) -> Any:
        if payload["n"] == 0 and 0 not in failed_once:
            failed_once.add(0)
            raise RetryableError("busy, try again")
        sent.append((payload["user"], payload["n"]))
        return None

    destination = make_destination(calls, perform=perform).model_copy(update={"ordered": ordered})
    events = [track(n, userId="user-a" if n % 2 == 0 else "user-b") for n in range(10)]
    retry = RetryPolicy(initial_delay_s=0.2, jitter=0, max_elapsed_s=None)
    engine = Engine(destination, SETTINGS, [{"subscribe": 'type = "track"', "action": "single"}], retry=retry)
    report = asyncio.run(engine.run(events))
    assert (report.delivered, report.retries) == (10, 1)
    return sent


def test_a_users_later_events_wait_for_an_earlier_one_being_retried() -> None:
    sent = ordered_run(ordered=True)
    assert [n for user, n in sent if user == "user-a"] == [0, 2, 4, 6, 8]
    # The other user was not held back: all of b's events went before a's retry came due.
    assert [n for _, n in sent[:5]] == [1, 3, 5, 7, 9]


def test_a_destination_that_says_order_does_not_matter_lets_later_events_go_first() -> None:
    sent = ordered_run(ordered=False)
    a = [n for user, n in sent if user == "user-a"]
    assert a[-1] == 0 and sorted(a) == [0, 2, 4, 6, 8]


def test_order_is_kept_per_user_across_a_retried_batch() -> None:
    calls = Calls()
    first_try: set[int] = set()

    def perform_batch(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        results: list[ItemResult] = []
        for payload in payloads:
            if payload["n"] % 10 == 3 and payload["n"] not in first_try:
                first_try.add(payload["n"])
                results.append(Failed(RetryableError("busy")))
            else:
                results.append(Delivered())
        return results

    destination = make_destination(calls, perform_batch=perform_batch)
    users = [f"user-{k}" for k in range(5)]
    events = [track(n, userId=users[n % 5]) for n in range(200)]
    retry = RetryPolicy(initial_delay_s=0.05, jitter=0, max_elapsed_s=None)
    subscriptions = [{"subscribe": 'type = "track"', "action": "batched"}]
    engine = Engine(destination, SETTINGS, subscriptions, retry=retry)
    report = asyncio.run(engine.run(events))
    assert report.delivered == 200 and report.retries == 20

    # Between an event's failed try and its retry, no later event of its user was sent: they
    # waited. (Events sent in the same request as the failed one were already on their way.)
    sent_at: dict[int, list[int]] = {}
    for position, batch in enumerate(calls.batches):
        for payload in batch:
            sent_at.setdefault(payload["n"], []).append(position)
    retried = [n for n, positions in sent_at.items() if len(positions) == 2]
    assert sorted(retried) == sorted(first_try)
    for n in retried:
        failed_in, retried_in = sent_at[n]
        for between in calls.batches[failed_in + 1 : retried_in]:
            overtaking = [p["n"] for p in between if p["user"] == users[n % 5] and p["n"] > n]
            assert not overtaking, (n, overtaking)
    assert any(retried_in - failed_in > 1 for failed_in, retried_in in (sent_at[n] for n in retried))

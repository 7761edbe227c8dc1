"""Sources: each record taken in is settled exactly once, whatever its outcome, however many destinations."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from actions import Delivered, Failed, IntegrationError, ItemResult, RetryableError
from actions.delivery import (
    INTERRUPTED,
    Engine,
    Lane,
    NdjsonSource,
    Outcome,
    Record,
    RetryPolicy,
    RunOptions,
)
from delivery_fakes import SETTINGS, Calls, http_destination, make_destination, track

FAST = RetryPolicy(max_attempts=3, initial_delay_s=0.001, max_delay_s=0.002, max_elapsed_s=None)
TRACK_TO_BATCHED = [{"subscribe": 'type = "track"', "action": "batched"}]


class CountingSource:
    """A source of given records that remembers every settle callback and when it was closed."""

    name = "counting"

    def __init__(
        self, records: Sequence[Record], *, redelivers: bool = False, pause_after: int | None = None
    ) -> None:
        self._records = list(records)
        self._redelivers = redelivers
        self._pause_after = pause_after
        self.settled_calls: list[tuple[Any, Outcome]] = []
        self.closed = 0
        self.settled_after_close = 0
        self.paused = asyncio.Event()

    @property
    def redelivers(self) -> bool:
        return self._redelivers

    async def batches(self) -> AsyncIterator[list[Record]]:
        for start in range(0, len(self._records), 7):  # odd batch sizes on purpose
            if self._pause_after is not None and start >= self._pause_after:
                self.paused.set()
                await asyncio.sleep(3600)  # a live source with nothing more to give (yet)
            yield self._records[start : start + 7]

    def settled(self, record: Record, outcome: Outcome) -> None:
        if self.closed:
            self.settled_after_close += 1
        self.settled_calls.append((record.origin, outcome))

    def close(self) -> None:
        self.closed += 1

    def outcome_by_origin(self) -> dict[Any, Outcome]:
        return dict(self.settled_calls)

    def assert_each_settled_once(self, origins: Sequence[Any]) -> None:
        counts = Counter(origin for origin, _ in self.settled_calls)
        assert sorted(counts, key=str) == sorted(origins, key=str)
        assert set(counts.values()) == {1}
        assert self.closed == 1
        assert self.settled_after_close == 0


def records(events: Sequence[dict[str, Any] | str]) -> list[Record]:
    """Records with origin = their index; a string is unreadable input."""
    out = []
    for i, item in enumerate(events):
        if isinstance(item, str):
            out.append(Record(None, line=i + 1, code="INVALID_JSON", reason="bad", raw=item, origin=i))
        else:
            out.append(Record(item, line=i + 1, origin=i))
    return out


def test_every_record_is_settled_once_whatever_its_outcome(calls: Calls) -> None:
    attempts: Counter[int] = Counter()

    def perform_batch(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        results: list[ItemResult] = []
        for payload in payloads:
            n = payload["n"]
            attempts[n] += 1
            if n % 6 == 1:
                results.append(Failed(IntegrationError("refused", "BAD_EVENT", 400)))
            elif n % 6 == 2:
                results.append(Failed(RetryableError("always busy")))  # retries run out
            elif n % 6 == 3 and attempts[n] == 1:
                results.append(Failed(RetryableError("busy once")))  # delivered on its retry
            else:
                results.append(Delivered())
        return results

    destination = make_destination(calls, perform_batch=perform_batch)
    events: list[dict[str, Any] | str] = []
    for i in range(60):
        if i % 10 == 4:
            events.append({"type": "identify", "userId": f"user{i}", "messageId": f"m{i}"})  # no subscription
        elif i % 10 == 5:
            events.append({"type": "track", "userId": f"user{i}", "properties": {"n": i}})  # no name: invalid
        elif i % 10 == 9:
            events.append('{"type": "track", oops')
        else:
            events.append(track(i))
    source = CountingSource(records(events))
    engine = Engine(destination, SETTINGS, TRACK_TO_BATCHED, retry=FAST)
    report = asyncio.run(engine.run(source))

    source.assert_each_settled_once(range(60))
    outcomes = source.outcome_by_origin()
    statuses = Counter(outcome.status for outcome in outcomes.values())
    assert statuses == {
        "delivered": report.delivered,
        "filtered": report.filtered,
        "dead_lettered": report.dead_lettered,
    }
    assert report.filtered == 6 and report.left == 0
    for i, item in enumerate(events):
        outcome = outcomes[i]
        if isinstance(item, str):
            assert outcome == Outcome("dead_lettered", {})  # unreadable: no destination saw it
        elif i % 10 == 4:
            assert outcome == Outcome("filtered", {"fake": "filtered"})
        elif i % 10 == 5 or i % 6 in (1, 2):
            assert outcome == Outcome("dead_lettered", {"fake": "dead_lettered"}), i
        else:
            assert outcome == Outcome("delivered", {"fake": "delivered"}), i
    assert attempts[3] == 2  # the event that failed once was retried, and settled once


def test_with_several_destinations_a_record_settles_once_when_all_have_settled_it() -> None:
    slow_calls, fast_calls = Calls(), Calls()

    async def slow_batch(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        await asyncio.sleep(0.05)
        return [
            Failed(IntegrationError("no", "REFUSED", 400)) if p["n"] % 3 == 0 else Delivered()
            for p in payloads
        ]

    slow = make_destination(slow_calls, perform_batch=slow_batch)
    fast = make_destination(fast_calls)
    lanes = [
        Lane(slow, SETTINGS, TRACK_TO_BATCHED, name="slow", retry=FAST),
        # The fast lane only takes even events: the others are filtered there.
        Lane(fast, SETTINGS, [{"subscribe": 'event = "Even"', "action": "batched"}], name="fast"),
    ]
    events = [track(i, event="Even" if i % 2 == 0 else "Odd") for i in range(40)]
    source = CountingSource(records(events))
    report = asyncio.run(Engine(lanes).run(source))

    source.assert_each_settled_once(range(40))
    outcomes = source.outcome_by_origin()
    for i in range(40):
        slow_status = "dead_lettered" if i % 3 == 0 else "delivered"
        fast_status = "delivered" if i % 2 == 0 else "filtered"
        overall = "dead_lettered" if slow_status == "dead_lettered" else "delivered"
        assert outcomes[i] == Outcome(overall, {"slow": slow_status, "fast": fast_status}), i
    assert report.destinations["slow"].dead_lettered == 14
    assert report.destinations["fast"].delivered == 20
    assert report.destinations["fast"].filtered == 20


def test_a_stopped_run_settles_what_it_finished_and_leaves_the_rest_to_a_redelivering_source(
    calls: Calls,
) -> None:
    async def perform_batch(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        if any(p["n"] >= 20 for p in payloads):
            await asyncio.sleep(3600)  # these are in flight when the run stops
        return [Delivered() for _ in payloads]

    destination = make_destination(calls, perform_batch=perform_batch)

    async def scenario(redelivers: bool) -> tuple[CountingSource, Any]:
        source = CountingSource(records([track(i) for i in range(50)]), redelivers=redelivers, pause_after=35)
        engine = Engine(destination, SETTINGS, TRACK_TO_BATCHED, options=RunOptions(shutdown_timeout_s=0.2))
        task = asyncio.create_task(engine.run(source))
        await source.paused.wait()
        await asyncio.sleep(0.1)
        engine.stop()
        return source, await task

    source, report = asyncio.run(scenario(redelivers=True))
    settled = {origin for origin, _ in source.settled_calls}
    assert settled == set(range(20))  # delivered before the stop; nothing else was settled
    assert all(outcome.status == "delivered" for _, outcome in source.settled_calls)
    assert report.left == 15 and report.dead_lettered == 0 and report.stopped is not None
    assert source.closed == 1

    source, report = asyncio.run(scenario(redelivers=False))
    source.assert_each_settled_once(range(35))  # a source that forgets: the rest is dead-lettered
    interrupted = [o for o, outcome in source.settled_calls if outcome.status == "dead_lettered"]
    assert sorted(interrupted) == list(range(20, 35))
    assert report.dead_letter_codes == {INTERRUPTED: 15}


@pytest.mark.parametrize("workers", [1, 2])
def test_ndjson_source_is_settled_for_every_line_with_workers_too(tmp_path: Path, workers: int) -> None:
    lines = [track(i) for i in range(300)]
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(event) + "\n" for event in lines) + "not json\n", encoding="utf-8")
    settled: list[int | None] = []

    class Recording(NdjsonSource):
        def settled(self, record: Record, outcome: Outcome) -> None:
            settled.append(record.line)
            super().settled(record, outcome)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    engine = Engine(
        http_destination(),
        SETTINGS,
        [{"subscribe": 'type = "track"', "action": "send"}],
        transport=transport,
        options=RunOptions(workers=workers),
    )
    report = asyncio.run(engine.run(Recording(path)))
    assert sorted(line for line in settled if line is not None) == list(range(1, 302))
    assert len(settled) == 301
    assert (report.delivered, report.dead_lettered) == (300, 1)

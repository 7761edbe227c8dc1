"""Enrichers in the engine: every event passes through them in order, held events are never lost."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest
from actions import ConfigurationError
from actions.delivery import Engine, Record, RunOptions
from delivery_fakes import SETTINGS, Calls, endless_tracks, make_destination, track

TRACK_TO_SINGLE = [{"subscribe": 'type = "track"', "action": "single"}]


class Tagger:
    """Appends its name to properties.seen; holds every other event until the next one."""

    def __init__(self, name: str, hold: bool = False) -> None:
        self.name, self.hold = name, hold
        self.held: list[tuple[dict[str, Any], Any]] = []
        self.closed = False

    def enrich(self, event: dict[str, Any], origin: Any = None) -> Iterable[tuple[dict[str, Any], Any]]:
        properties = dict(event.get("properties") or {})
        properties["seen"] = [*properties.get("seen", []), self.name]
        tagged = ({**event, "properties": properties}, origin)
        if self.hold and not self.held:
            self.held.append(tagged)
            return []
        released, self.held = [*self.held, tagged], []
        return released

    def flush(self) -> Iterable[tuple[dict[str, Any], Any]]:
        released, self.held = self.held, []
        return released

    def close(self) -> None:
        self.closed = True


def test_events_pass_through_every_enricher_in_order_before_subscriptions(calls: Calls) -> None:
    first, second = Tagger("a", hold=True), Tagger("b")
    subscriptions = [
        {
            "subscribe": 'type = "track" and properties.seen != null',
            "action": "single",
            "mapping": {"name": {"@template": "{{properties.seen}}"}, "n": {"@path": "$.properties.n"}},
        }
    ]
    engine = Engine(make_destination(calls), SETTINGS, subscriptions, enrichers=[first, second])
    report = asyncio.run(engine.run([track(1), track(2), track(3)]))
    assert (report.events_in, report.delivered) == (3, 3)
    assert sorted((p["n"], p["name"]) for p in calls.singles) == [(1, "a,b"), (2, "a,b"), (3, "a,b")]
    assert first.closed and second.closed


def test_enriched_events_keep_their_input_line_for_dead_letters(calls: Calls) -> None:
    engine = Engine(make_destination(calls), SETTINGS, TRACK_TO_SINGLE, enrichers=[Tagger("a", hold=True)])
    records = [
        Record(track(1), line=1),
        Record(track(2, event=None), line=2),
        Record(None, 3, "INVALID_JSON", "bad"),
    ]
    report = asyncio.run(engine.run(records))
    assert (report.events_in, report.delivered, report.dead_lettered) == (3, 1, 2)
    invalid = next(r for r in engine.dead_letters if r["code"] == "PAYLOAD_VALIDATION_FAILED")
    assert invalid["line"] == 2
    assert invalid["event"]["properties"]["seen"] == ["a"]  # dead letters keep the enriched event
    assert report.last_line == 3


def test_events_held_by_an_enricher_when_the_run_stops_are_still_accounted_for(calls: Calls) -> None:
    engine: Engine
    holder = Tagger("hold", hold=True)

    async def perform(payload: dict[str, Any]) -> None:
        if payload["n"] == 5:
            engine.stop()
        await asyncio.sleep(0.001)

    engine = Engine(
        make_destination(calls, perform=perform),
        SETTINGS,
        TRACK_TO_SINGLE,
        enrichers=[holder],
        options=RunOptions(buffer=4),
    )
    report = asyncio.run(engine.run(endless_tracks()))
    assert report.stopped == "signal"
    assert report.events_in == report.delivered + report.filtered + report.dead_lettered
    assert holder.held == []  # flushed, not dropped
    assert holder.closed


def test_enrichers_and_worker_processes_do_not_mix(calls: Calls) -> None:
    with pytest.raises(ConfigurationError, match="enrichers cannot be combined with several workers"):
        Engine(
            make_destination(calls),
            SETTINGS,
            TRACK_TO_SINGLE,
            enrichers=[Tagger("a")],
            options=RunOptions(workers=2),
        )

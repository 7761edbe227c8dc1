"""Preparing payloads in worker processes changes nothing but speed: same outcomes, records, order."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import json
from pathlib import Path
from typing import Any

import pytest
from actions import Delivered, Failed, IntegrationError, ItemResult
from actions.delivery import Engine, RunOptions, _parallel, dead_letter_reader, read_events
from delivery_fakes import SETTINGS, Calls, make_destination, track

SUBSCRIPTIONS = [
    {"subscribe": 'type = "track"', "action": "batched", "name": "tracks"},
    {"subscribe": 'type = "track" and event = "Event 7"', "action": "single", "name": "sevens"},
]


def write_input(path: Path) -> None:
    lines = []
    for i in range(300):
        if i % 50 == 3:
            lines.append("{not json")
        elif i % 50 == 4:
            lines.append(json.dumps(track(i, event=None)))  # no name: does not map
        elif i % 50 == 5:
            lines.append(json.dumps({"type": "identify", "userId": "u"}))  # filtered
        else:
            lines.append(json.dumps(track(i, event="Event 7" if i % 10 == 7 else f"Event {i}")))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rejecting_sixes(payloads: list[dict[str, Any]]) -> list[ItemResult]:
    return [
        Failed(IntegrationError("no sixes", "BAD", 400)) if p["n"] % 10 == 6 else Delivered()
        for p in payloads
    ]


def run(path: Path, workers: int, calls: Calls) -> tuple[Any, list[dict[str, Any]]]:
    engine = Engine(
        make_destination(calls, perform_batch=rejecting_sixes),
        SETTINGS,
        SUBSCRIPTIONS,
        options=RunOptions(workers=workers),
    )
    report = asyncio.run(engine.run(read_events(path)))
    return report, engine.dead_letters


def comparable(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r.get("line"), r.get("action"), r["code"], r["message"], r["attempts"]) for r in records)


def test_workers_give_the_same_outcomes_and_dead_letters_as_one_process(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    write_input(path)
    single_calls, parallel_calls = Calls(), Calls()
    single, single_dead = run(path, 1, single_calls)
    parallel, parallel_dead = run(path, 2, parallel_calls)
    counts = ("events_in", "delivered", "filtered", "dead_lettered", "last_line")
    assert [getattr(parallel, name) for name in counts] == [getattr(single, name) for name in counts]
    assert parallel.actions == single.actions
    assert comparable(parallel_dead) == comparable(single_dead)
    assert sorted(p["n"] for p in parallel_calls.payloads) == sorted(p["n"] for p in single_calls.payloads)
    assert single.filtered == 6 and single.dead_lettered > 12  # the input really has every case


def test_replay_with_workers_routes_each_record_to_its_action(tmp_path: Path, calls: Calls) -> None:
    dead = tmp_path / "dead.ndjson"
    dead.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"action": "single", "subscription": "sevens", "line": 8, "event": track(7, event="Event 7")},
                {"action": "gone", "line": 9, "event": track(9)},
                {"raw": json.dumps(track(10)), "line": 10, "code": "INVALID_JSON"},
            ]
        )
        + "\n"
    )
    engine = Engine(make_destination(calls), SETTINGS, SUBSCRIPTIONS, options=RunOptions(workers=2))
    report = asyncio.run(engine.run(dead_letter_reader(dead)))
    assert (report.delivered, report.dead_lettered) == (2, 1)
    assert [p["n"] for p in calls.singles] == [7]  # not also to "tracks"
    assert sorted(p["n"] for p in calls.payloads) == [7, 10]
    assert engine.dead_letters[0]["code"] == "NO_SUBSCRIPTION"


def test_a_chunk_is_prepared_here_when_its_worker_fails(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(track(i)) + "\n" for i in range(20)))

    def broken(self: _parallel.PreparePool, chunk: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_exception(RuntimeError("worker died"))
        return future

    monkeypatch.setattr(_parallel.PreparePool, "submit", broken)
    engine = Engine(make_destination(calls), SETTINGS, SUBSCRIPTIONS, options=RunOptions(workers=2))
    assert asyncio.run(engine.run(read_events(path))).delivered == 20


def test_workers_must_be_positive(calls: Calls) -> None:
    with pytest.raises(ValueError, match="workers must be at least 1"):
        Engine(make_destination(calls), SETTINGS, SUBSCRIPTIONS, options=RunOptions(workers=0))


def test_payloads_survive_the_trip_between_processes_exactly() -> None:
    payload = {"a": 1, "b": 1.0, "c": True, "d": None, "e": [1, "x", {"f": 2.5}], "g": "é"}
    index, back, size, error = _parallel.decode(_parallel.encode((3, payload, 42, None)))
    assert (index, back, size, error) == (3, payload, 42, None)
    assert type(back["b"]) is float and type(back["c"]) is bool

    unusual = {"when": datetime.date(2026, 11, 29), "amount": decimal.Decimal("1.50")}
    assert _parallel.decode(_parallel.encode((0, unusual, 1, None)))[1] == unusual  # pickled instead

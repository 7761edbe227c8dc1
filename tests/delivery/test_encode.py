"""``Action.encode``: the per-payload step of ``perform_batch`` done where payloads are prepared.

With ``--workers`` it runs in the worker processes only, its items reach ``perform_batch`` in
``BatchInput.items``, and a failure of it is that payload's result, exactly as if
``perform_batch`` had reported it.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from actions import (
    Action,
    Batching,
    BatchInput,
    Delivered,
    Destination,
    Failed,
    IntegrationError,
    ItemResult,
    RequestClient,
)
from actions.delivery import Engine, RunOptions, read_events
from delivery_fakes import FIELDS, SETTINGS, FakeSettings, track

SUBSCRIPTIONS = [{"subscribe": 'type = "track"', "action": "batched", "name": "tracks"}]
#: Encode calls made in this (the engine's) process.
encoded_here: list[int] = []


def _refuse(n: int) -> IntegrationError | None:
    if n % 10 == 6:
        return IntegrationError(f"no sixes ({n})", "BAD", 400, retryable=False)
    return None


def encode(payload: dict[str, Any], settings: Any) -> tuple[int, int]:
    if os.getpid() == PARENT:
        encoded_here.append(payload["n"])
    error = _refuse(payload["n"])
    if error is not None:
        raise error
    return os.getpid(), payload["n"] * 2


PARENT = os.getpid()


def make(*, encoding: bool, seen: list[tuple[list[dict[str, Any]], list[Any] | None]]) -> Destination:
    async def perform_batch(request: RequestClient, data: BatchInput[Any]) -> list[ItemResult]:
        seen.append((list(data.payloads), data.items))
        if data.items is None:  # the same step on the fly, reporting its failures as results
            results: list[ItemResult] = []
            for payload in data.payloads:
                error = _refuse(payload["n"])
                results.append(Delivered() if error is None else Failed(error))
            return results
        assert [item[1] for item in data.items] == [p["n"] * 2 for p in data.payloads]
        return [Delivered() for _ in data.payloads]

    async def perform(request: RequestClient, data: Any) -> None:
        return None

    batched = Action(
        key="batched", title="Batched", description="Many per call.", fields=FIELDS, perform=perform,
        perform_batch=perform_batch, batching=Batching(max_events=10, linger_s=0.01),
        encode=encode if encoding else None,
    )  # fmt: skip
    return Destination(name="Fake", slug="fake", settings=FakeSettings, actions=[batched])


def write_input(path: Path) -> None:
    lines = []
    for i in range(120):
        if i % 40 == 3:
            lines.append("{not json")
        elif i % 40 == 4:
            lines.append(json.dumps(track(i, event=None)))  # does not map
        elif i % 40 == 5:
            lines.append(json.dumps({"type": "identify", "userId": "u"}))  # filtered
        else:
            lines.append(json.dumps(track(i)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(path: Path, *, workers: int, encoding: bool) -> tuple[Any, list[dict[str, Any]], list[Any]]:
    seen: list[tuple[list[dict[str, Any]], list[Any] | None]] = []
    engine = Engine(
        make(encoding=encoding, seen=seen), SETTINGS, SUBSCRIPTIONS, options=RunOptions(workers=workers)
    )
    report = asyncio.run(engine.run(read_events(path)))
    return report, engine.dead_letters, seen


def comparable(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = ("line", "action", "code", "message", "status", "retryable", "reason", "attempts", "event")
    return sorted(tuple(json.dumps(r.get(key), sort_keys=True) for key in keys) for r in records)


@pytest.fixture(autouse=True)
def _clear() -> None:
    encoded_here.clear()


def test_with_workers_the_engine_process_never_encodes(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    write_input(path)
    report, _, seen = run(path, workers=2, encoding=True)
    assert encoded_here == []
    pids = {item[0] for _, items in seen for item in items or ()}
    assert pids and PARENT not in pids
    assert report.delivered == sum(len(payloads) for payloads, _ in seen)


def test_without_workers_perform_batch_encodes_on_the_fly(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    write_input(path)
    _, _, seen = run(path, workers=1, encoding=True)
    assert seen and all(items is None for _, items in seen)
    assert encoded_here == []


def test_an_encode_failure_dead_letters_its_event_as_if_perform_batch_had_failed_it(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    write_input(path)
    base_report, base_dead, _ = run(path, workers=1, encoding=False)
    failing = [r for r in base_dead if r["code"] == "BAD"]
    assert len(failing) == 12 and failing[0]["message"].startswith("no sixes")  # the input has the case
    counts = ("events_in", "delivered", "filtered", "dead_lettered", "last_line")
    for workers in (1, 2):
        report, dead, seen = run(path, workers=workers, encoding=True)
        assert [getattr(report, name) for name in counts] == [getattr(base_report, name) for name in counts]
        assert report.actions == base_report.actions
        assert comparable(dead) == comparable(base_dead)
        if workers > 1:  # failed in the worker: never handed to perform_batch
            assert all(p["n"] % 10 != 6 for payloads, _ in seen for p in payloads)

"""Preparing payloads in worker processes changes nothing but speed: same outcomes, records, order.

And nothing is lost or left behind when a worker, or the run, is killed: those tests run a real
``actions run amplitude --workers 2`` process against the Amplitude emulator served on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from actions import Delivered, Failed, IntegrationError, ItemResult, RetryableError
from actions.delivery import Engine, RunOptions, _parallel, dead_letter_reader, iter_dead_letters, read_events
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve
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
    item = ("https://x", None, "", [('{"a":1}', 7, "\ud800", None)])
    index, back, size, error, item_back = _parallel.decode(_parallel.encode((3, payload, 42, None, item)))
    assert (index, back, size, error, item_back) == (3, payload, 42, None, item)
    assert type(back["b"]) is float and type(back["c"]) is bool

    unusual = {"when": datetime.date(2026, 11, 29), "amount": decimal.Decimal("1.50")}
    assert _parallel.decode(_parallel.encode((0, unusual, 1, None, None)))[1] == unusual  # pickled instead
    failed = Failed(RetryableError("throttled", 429, retry_after=3.0))
    back_failed = _parallel.decode(_parallel.encode((0, payload, 1, None, failed)))[4]  # an encode failure
    assert isinstance(back_failed.error, RetryableError) and back_failed.error.retry_after == 3.0


# --- killed workers, killed runs ------------------------------------------------------------------

EVENTS = 100_000
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """State, parent and process group of ``pid`` (None once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[2])


def _running(predicate: Any) -> list[int]:
    """The processes (zombies left out) whose ``(state, parent, group)`` satisfy ``predicate``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] != "Z" and predicate(stat):
            found.append(int(entry.name))
    return found


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "events.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(EVENTS):
            event = {
                "type": "track",
                "event": "Viewed",
                "userId": f"user-{i % 500:05d}",
                "messageId": f"m-{i:06d}",
            }
            out.write(json.dumps(event) + "\n")
    return path


@contextlib.contextmanager
def run_with_workers(
    work: Path, events: Path, emulator: Emulator, url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``actions run amplitude --workers 2``, in a session of its own (cleaned up after)."""
    settings = work / "settings.json"
    settings.write_text(
        json.dumps({"apiKey": "workers-key", "secretKey": "workers-secret"}), encoding="utf-8"
    )
    command = [
        sys.executable, "-c", "from actions_cli import main; main()", "run", "amplitude",
        "--settings", str(settings), "--base-url", url, "--events", str(events), "--workers", "2",
        "--dead-letter", str(work / "dead.ndjson"), "--report", str(work / "report.json"), "-q",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_AMPLITUDE_")}
    process = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert wait_until(lambda: emulator.stats.events_stored > 0 or process.poll() is not None, 60)
        assert process.poll() is None, process.communicate()[1].decode()
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("killed", [1, 2], ids=["one-worker", "both-workers"])
def test_workers_killed_mid_run_lose_nothing_and_the_run_finishes(
    tmp_path: Path, many_events: Path, killed: int
) -> None:
    emulator = Emulator(EmulatorConfig())
    with serve(emulator) as server, run_with_workers(tmp_path, many_events, emulator, server.url) as process:
        workers = sorted(_running(lambda stat: stat[1] == process.pid))
        assert len(workers) == 2
        at_kill = emulator.stats.events_stored
        for pid in workers[:killed]:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        started = time.monotonic()
        _, stderr = process.communicate(timeout=90)  # it used to hang here for ever
        took = time.monotonic() - started
        left = _running(lambda stat: stat[2] == process.pid)
        stored = emulator.insert_ids()
    message = stderr.decode()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    dead = list(iter_dead_letters(tmp_path / "dead.ndjson")) if (tmp_path / "dead.ndjson").exists() else []
    dead_ids = [record["event"]["messageId"] for record in dead]
    assert process.returncode == 0, message
    assert left == [], "a process of the run outlived it"
    assert took < 60
    lines = message.splitlines()
    assert "Traceback" not in message and len(lines) == killed, message
    said = [re.match(r"worker process (\d+) was killed by SIGKILL: ", line) for line in lines]
    assert {int(match[1]) for match in said if match} == set(workers[:killed]), message
    last = (
        "the rest by the 1 worker(s) left"
        if killed == 1
        else "the rest of the input in the main process (slower)"
    )
    assert lines[-1].endswith(f"{last}; nothing is lost")
    # Every event has exactly one outcome: in Amplitude once, or in the dead-letter file (none here).
    assert set(stored) | set(dead_ids) == {f"m-{i:06d}" for i in range(EVENTS)}
    assert max(stored.values()) == 1 and not set(stored) & set(dead_ids)
    assert (report["events_in"], report["delivered"], report["stopped"]) == (EVENTS, EVENTS - len(dead), None)
    assert at_kill < EVENTS / 2  # mid-run for sure
    print(f"\nworker killed with {at_kill:,} events stored; the run ended {took:.1f}s later")


@linux_only
@pytest.mark.slow
def test_sigterm_to_the_whole_process_group_with_workers_is_one_graceful_stop(
    tmp_path: Path, many_events: Path
) -> None:
    """What a service manager does (systemd's default KillMode): the workers end, the run drains."""
    emulator = Emulator(EmulatorConfig(latency_ms=20))
    with serve(emulator) as server, run_with_workers(tmp_path, many_events, emulator, server.url) as process:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate(timeout=90)
        left = _running(lambda stat: stat[2] == process.pid)
        stored = emulator.insert_ids()
    message = stderr.decode()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert process.returncode == 1, message
    assert left == []
    assert message.count("SIGTERM: stopping") == 1 and "Traceback" not in message
    assert report["stopped"] == "signal" and 0 < report["events_in"] < EVENTS
    taken_in = {f"m-{i:06d}" for i in range(report["last_line"])}
    assert report["delivered"] == report["events_in"] == len(taken_in) and report["dead_lettered"] == 0
    assert set(stored) == taken_in and max(stored.values()) == 1


_POOL_SCRIPT = """
import multiprocessing, sys, time
from actions.delivery import _parallel
if sys.argv[1] == "no-prctl":
    _parallel._parent_death_signal = lambda: False
pool = _parallel.PreparePool(2, lambda record: [], lambda data, line: [])
print(*(process.pid for process in multiprocessing.active_children()), flush=True)
time.sleep(120)
"""


@linux_only
@pytest.mark.parametrize("how", ["prctl", "no-prctl"])
def test_workers_end_when_their_parent_is_killed(how: str) -> None:
    """``kill -9`` of the parent: ``prctl(PR_SET_PDEATHSIG)`` on Linux, else workers watch their parent."""
    process = subprocess.Popen(
        [sys.executable, "-c", _POOL_SCRIPT, how], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert process.stdout is not None
        workers = [int(pid) for pid in process.stdout.readline().split()]
        assert len(workers) == 2 and all(_stat(pid) for pid in workers)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        gone = wait_until(lambda: not _running(lambda stat: stat[2] == process.pid), 10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert gone, f"workers {workers} still running after kill -9 of their parent"

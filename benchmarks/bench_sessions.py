"""Benchmark: what the amplitude-sessions enricher costs (prints numbers; not a test).

1. The sessionizer alone: events/s of ``enrich`` over generated session-less track events, in
   memory and with a SQLite state file.
2. End to end: ``actions run amplitude`` against the emulator (served by ``actions emulator`` in
   its own process) with and without ``--enrich amplitude-sessions``; median of the runs.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sessions.py [--events 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from actions import EnricherOptions
from actions._clock import iso_ms
from actions_amplitude.sessions import SESSIONS

BIN = Path(sys.executable).parent
START = 1_767_225_600_000


def make_events(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    clock = START
    events = []
    for i in range(count):
        clock += rng.randrange(50, 4000)
        device = f"device-{rng.randrange(2000):05d}"
        events.append(
            {
                "type": "track",
                "event": rng.choice(["Viewed", "Clicked", "Searched", "Added"]),
                "anonymousId": device,
                "userId": f"user-{device}",
                "messageId": f"msg-{i:08d}",
                "timestamp": iso_ms(clock),
                "properties": {"i": i, "plan": rng.choice(["free", "pro"])},
                "context": {"ip": "203.0.113.7", "library": {"name": "analytics-python", "version": "2.3.0"}},
            }
        )
    return events


def bench_enricher(events: list[dict[str, Any]], state: Path | None) -> float:
    sessionizer = SESSIONS.factory(EnricherOptions(state_path=state))
    started = time.perf_counter()
    released = 0
    for event in events:
        released += len(sessionizer.enrich(event, None))
    released += len(sessionizer.flush())
    elapsed = time.perf_counter() - started
    sessionizer.close()
    assert released == len(events)
    return len(events) / elapsed


def run_cli(events_file: Path, url: str, enrich: bool) -> float:
    args = [str(BIN / "actions"), "run", "amplitude", "--events", str(events_file), "--base-url", url, "-q"]
    args += ["--json"]
    if enrich:
        args += ["--enrich", "amplitude-sessions"]
    env = {
        **os.environ,
        "ACTIONS_AMPLITUDE_API_KEY": "bench-key",
        "ACTIONS_AMPLITUDE_SECRET_KEY": "bench-secret",
    }
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    report = json.loads(done.stdout)
    assert report["delivered"] == report["events_in"], done.stderr
    return report["events_in"] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    events = make_events(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        memory = statistics.median(bench_enricher(events, None) for _ in range(args.runs))
        sqlite = statistics.median(bench_enricher(events, work / f"s{i}.db") for i in range(args.runs))
        print(f"sessionizer alone, in memory:   {memory:,.0f} events/s")
        print(f"sessionizer alone, SQLite state: {sqlite:,.0f} events/s")
        events_file = work / "events.ndjson"
        events_file.write_text("".join(json.dumps(e) + "\n" for e in events))
        server = subprocess.Popen(
            [str(BIN / "actions"), "emulator", "amplitude", "--port", "0"], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            match = re.search(r"(http://\S+)", server.stdout.readline())
            assert match, "the emulator did not print its URL"
            url = match.group(1)
            without = statistics.median(run_cli(events_file, url, enrich=False) for _ in range(args.runs))
            with_sessions = statistics.median(
                run_cli(events_file, url, enrich=True) for _ in range(args.runs)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.stdout is not None:
                server.stdout.close()
    print(f"actions run amplitude, {args.events:,} track events, median of {args.runs}:")
    print(f"  without enrichers:              {without:,.0f} events/s")
    change = with_sessions / without - 1
    print(f"  --enrich amplitude-sessions:    {with_sessions:,.0f} events/s ({change:+.0%})")


if __name__ == "__main__":
    main()

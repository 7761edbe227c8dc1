"""Where the CPU of ``actions run amplitude`` goes: each stage alone, and the whole run.

Each stage runs alone over the same track events (those of ``bench_run.py``), in this process,
timed by CPU time (``time.process_time``), best of ``--rounds``: input JSON, subscription
match (every preset's filter, as the router checks them), mapping (logEventV2's default mapping),
payload validation, building the Amplitude events, their JSON, and batch sizing. Then the whole
run as a real subprocess (``actions run amplitude --workers 1`` against the cheap local server of
``bench_sdk.py``), CPU per event from ``wait4`` with the CPU of a run on an empty file taken off;
what the stages do not account for ("the rest") is dispatch, batching, HTTP and accounting.

Usage::

    python benchmarks/bench_stages.py                   # 50,000 events, 3 rounds
    PYTHONPATH=OTHER/core:OTHER/destinations/amplitude python benchmarks/bench_stages.py  # another tree
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from actions.delivery._batcher import payload_size
from actions.delivery._loads import loads
from actions.mapping import compile as compile_mapping
from actions.subscriptions import parse_filter
from actions_amplitude import destination
from actions_amplitude._batch import sized_json
from actions_amplitude.log_event_v2 import build_upload
from bench_run import actions_command, write_events
from bench_sdk import start_server, stop_server

SETTINGS = destination.unchecked_settings({"apiKey": "bench-api-key", "secretKey": "bench-secret"})


def best_cpu(rounds: int, setup: Callable[[], Any], run: Callable[[Any], object]) -> float:
    """The least CPU seconds ``run(setup())`` took over ``rounds`` (setup not timed)."""
    best = float("inf")
    for _ in range(rounds):
        data = setup()
        started = time.process_time()
        run(data)
        best = min(best, time.process_time() - started)
    return best


def whole_run_cpu(workdir: Path, events: Path, count: int, rounds: int) -> float:
    """CPU seconds per event of ``actions run`` (start-up excluded), best of ``rounds``."""
    empty = workdir / "empty.ndjson"
    empty.write_bytes(b"")

    def cpu(path: Path) -> float:
        server, url = start_server()
        try:
            process = subprocess.Popen(actions_command(workdir, path, url, ["--workers", "1"]))
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            stop_server(server)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"actions run failed on {path}")
        return usage.ru_utime + usage.ru_stime

    startup = min(cpu(empty) for _ in range(rounds))
    return (min(cpu(events) for _ in range(rounds)) - startup) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-run", action="store_true", help="skip the whole-run measurement")
    args = parser.parse_args()
    count, rounds = args.events, args.rounds
    action = destination.action("logEventV2")
    program = compile_mapping(action.default_mapping)
    clean = action.validator.clean
    filters = [parse_filter(preset.subscribe) for preset in destination.presets]

    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        workdir = Path(tmp)
        path = workdir / "events.ndjson"
        write_events(path, count, "track")
        lines = path.read_bytes().splitlines()
        events = [loads(line) for line in lines]
        payloads = [clean(program(event), is_root=True) for event in events]
        uploads = [build_upload(payload, SETTINGS) for payload in payloads]

        def match_all(data: list[Any]) -> object:
            return [[f.matches(event) for f in filters] for event in data]

        def mapped() -> list[Any]:
            return [program(event) for event in events]

        # (stage, its input, made fresh for each round; the work)
        work: list[tuple[str, Callable[[], Any], Callable[[Any], object]]] = [
            ("input JSON", lambda: lines, lambda data: [loads(line) for line in data]),
            ("subscription match", lambda: events, match_all),
            ("mapping", lambda: [loads(line) for line in lines], lambda data: [program(e) for e in data]),
            ("payload validation", mapped, lambda data: [clean(p, is_root=True) for p in data]),
            ("Amplitude events", lambda: payloads, lambda data: [build_upload(p, SETTINGS) for p in data]),
            ("event JSON", lambda: uploads, lambda data: [sized_json(e) for u in data for e in u.events]),
            ("batch sizing", lambda: payloads, lambda data: [payload_size(p) for p in data]),
        ]
        stages = [(name, best_cpu(rounds, setup, run)) for name, setup, run in work]
        total = sum(seconds for _, seconds in stages)
        print(f"{count:,} track events, logEventV2 default mapping; CPU µs per event (best of {rounds})")
        for name, seconds in stages:
            print(f"{name:24}{seconds / count * 1e6:>8.1f}")
        print(f"{'stages together':24}{total / count * 1e6:>8.1f}")
        if not args.no_run:
            run = whole_run_cpu(workdir, path, count, rounds)
            print(f"{'the rest':24}{run * 1e6 - total / count * 1e6:>8.1f}")
            print(f"{'whole run (actions run)':24}{run * 1e6:>8.1f}")
        print(json.dumps({name: round(seconds / count * 1e6, 2) for name, seconds in stages}))


if __name__ == "__main__":
    main()

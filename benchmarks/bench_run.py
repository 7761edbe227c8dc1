"""End-to-end throughput and peak memory of ``actions run amplitude`` against the emulator.

The emulator runs in its own process and ``actions run`` in another (both real subprocesses,
talking HTTP over loopback), so the numbers are what a user sees. Input files are generated on
the fly (seeded, so runs are comparable). Prints, for each size: wall time, events per second
(wall, including interpreter start-up, and the run's own figure from its report), and the peak
resident memory of the ``actions run`` process.

"realistic" is 60% track, 20% page, 10% screen and 10% identify calls; "track" is track calls
only. Every action involved takes batches (identify calls travel as arrays of identifications),
so 100,000 events are about a hundred requests. "ev/s wall" counts from process start to exit,
"ev/s run" is the run's own report.

Usage::

    python benchmarks/bench_run.py                                  # the full set (a few minutes)
    python benchmarks/bench_run.py --events 20000 --memory-sizes ""  # a quick look
    python benchmarks/bench_run.py --checkpoint --memory-sizes ""    # the cost of --checkpoint

Results on the 2-core development machine (Python 3.11; the emulator taking part of
one core; before identify batching, the realistic mix made 10,100 requests and ran at 3,600
(``--workers 1``) and 3,700 (``--workers 2``) events/s)::

    events     mix        workers  ev/s wall  ev/s run  requests  peak RSS MB
    100,000    realistic  1        11,395     12,118    111       104
    100,000    realistic  2        13,267     14,243    107       108
    100,000    track      1        13,098     14,016    100       107
    100,000    track      2        15,347     16,626    100       112
    1,000,000  track      2        15,219     15,339    1,000     115
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EMULATOR = """
import sys
from actions_amplitude.emulator import EmulatorConfig, run_forever
run_forever(EmulatorConfig(), "127.0.0.1", 0, on_ready=lambda url: print(url, flush=True))
"""

USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
]
TRACKS = ["Product Viewed", "Product Added", "Checkout Started", "Search Performed", "Video Played"]


def make_event(rng: random.Random, index: int, mix: str) -> dict[str, Any]:
    """A realistic Segment event: 60% track, 20% page, 10% screen, 10% identify (or all track)."""
    user = f"user-{rng.randrange(20_000):06d}"
    event: dict[str, Any] = {
        "messageId": f"bench-{index:09d}",
        "userId": user,
        "anonymousId": f"anon-{rng.randrange(10**9):09d}",
        "timestamp": f"2026-11-{1 + index % 28:02d}T{index % 24:02d}:{index % 60:02d}:00.000Z",
        "context": {
            "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
            "library": {"name": "analytics.js", "version": "2.11.1"},
            "locale": "en-US",
            "userAgent": rng.choice(USER_AGENTS),
            "page": {"url": "https://shop.example.com/products/42", "path": "/products/42", "referrer": ""},
        },
    }
    roll = 0.0 if mix == "track" else rng.random()
    if roll < 0.6:
        event.update(
            type="track",
            event=rng.choice(TRACKS),
            properties={
                "product_id": f"p{rng.randrange(500)}",
                "price": round(rng.uniform(1, 200), 2),
                "currency": "USD",
                "category": rng.choice(["shoes", "hats", "bags"]),
            },
        )
    elif roll < 0.8:
        event.update(type="page", name=rng.choice(["Home", "Product", "Cart"]), properties={"title": "Shop"})
    elif roll < 0.9:
        event.update(type="screen", name=rng.choice(["Home", "Settings"]), properties={"build": 1042})
    else:
        event.update(
            type="identify", traits={"email": f"{user}@example.com", "plan": rng.choice(["free", "pro"])}
        )
    return event


def write_events(path: Path, count: int, mix: str) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(make_event(rng, index, mix), separators=(",", ":")) + "\n")


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", EMULATOR], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise SystemExit(f"the emulator did not start (said {url!r})")
    return process, url


def actions_command(workdir: Path, events: Path, url: str, extra: list[str]) -> list[str]:
    """``actions run amplitude`` over ``events`` against ``url``, its report in ``workdir``."""
    settings = workdir / "settings.json"
    settings.write_text(
        json.dumps({"apiKey": "bench-api-key", "secretKey": "bench-secret"}), encoding="utf-8"
    )
    return [
        sys.executable,
        "-c",
        "from actions_cli import main; main()",
        "run",
        "amplitude",
        "--events",
        str(events),
        "--settings",
        str(settings),
        "--base-url",
        url,
        "--report",
        str(workdir / "report.json"),
        "--dead-letter",
        str(workdir / "dead-letters.ndjson"),
        "--quiet",
        *extra,
    ]


def run_actions(workdir: Path, events: Path, url: str, extra: list[str]) -> dict[str, Any]:
    report = workdir / "report.json"
    command = actions_command(workdir, events, url, extra)
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {"wall_s": wall, "exit": process.returncode, "peak_rss_mb": usage.ru_maxrss / 1024, "report": data}


def measure(workdir: Path, size: int, mix: str, workers: int, checkpoint: bool = False) -> dict[str, Any]:
    events = workdir / f"events-{mix}-{size}.ndjson"
    if not events.exists():
        write_events(events, size, mix)
    emulator, url = start_emulator()  # a fresh one per run: its stored events do not pile up
    extra = ["--workers", str(workers)]
    if checkpoint:
        state = workdir / "checkpoint.json"
        state.unlink(missing_ok=True)
        extra += ["--checkpoint", str(state)]
    try:
        return run_actions(workdir, events, url, extra)
    finally:
        emulator.terminate()
        emulator.wait()


def row(size: int, mix: str, workers: int, result: dict[str, Any]) -> str:
    report = result["report"]
    cells = (
        f"{size:,}",
        mix,
        str(workers),
        f"{result['wall_s']:.1f}",
        f"{size / result['wall_s']:,.0f}",
        f"{report['events_per_second']:,.0f}",
        f"{report['requests']:,}",
        f"{result['peak_rss_mb']:.0f}",
    )
    outcome = (
        f"exit {result['exit']}: {report['delivered']:,} delivered, {report['dead_lettered']:,} dead-lettered"
    )
    return " ".join(f"{cell:>11}" for cell in cells) + "  " + outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per throughput run")
    parser.add_argument("--mixes", default="realistic,track", help="comma-separated: realistic, track")
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers values to compare")
    parser.add_argument("--memory-sizes", default="100000,1000000", help="event counts for peak memory")
    parser.add_argument("--memory-mix", default="track", choices=["realistic", "track"])
    parser.add_argument("--checkpoint", action="store_true", help="run with --checkpoint (its cost)")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")]
    print(f"actions run amplitude -> emulator (separate processes, loopback HTTP); cpus={os.cpu_count()}")
    header = ("events", "mix", "workers", "wall s", "ev/s wall", "ev/s run", "requests", "peak RSS MB")
    print(" ".join(f"{name:>11}" for name in header) + "  outcome")
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        workdir = Path(tmp)
        for mix in args.mixes.split(","):
            for count in workers:
                result = measure(workdir, args.events, mix, count, args.checkpoint)
                print(row(args.events, mix, count, result), flush=True)
        print("peak memory by input size:")
        for size in (int(n) for n in args.memory_sizes.split(",") if n):
            print(
                row(
                    size,
                    args.memory_mix,
                    max(workers),
                    measure(workdir, size, args.memory_mix, max(workers), args.checkpoint),
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Start-up time of the ``actions`` CLI: wall time of short commands, each a real subprocess.

Each round runs every command once, in turn (interleaved, so a burst of load on a shared machine
hits all of them alike); after ``--rounds`` rounds it prints, per command, the median wall time
and the spread (fastest and slowest), plus the median CPU time (user + system) of the child,
which load on the machine disturbs less than wall time. ``python -c pass`` is the floor: the
interpreter's own start-up, which no change to ``actions`` can go below.

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed from their
environment; the uncounted warm-up run writes the caches), as in an installed package, whose
``.pyc`` files pip writes: compiling the sources at every start would add about 0.1 s.

``run`` reads an empty input file, so what it measures is start-up and shutdown: imports, plugin
discovery, settings, building the destination, and the report. ``--python`` runs the commands
with another interpreter; to time another tree, set ``PYTHONPATH`` to its ``core``, ``cli`` and
``destinations/*`` folders (the children inherit it) and run both in turn.

Usage::

    python benchmarks/bench_startup.py               # 15 rounds
    python benchmarks/bench_startup.py --rounds 30

Results on the 2-core development machine (Python 3.11, shared with other work, so wall
times are from the quietest rounds; base and this tree interleaved; CPU is the child's)::

    command                          before: wall  CPU     after: wall  CPU
    python -c pass                   0.025 s       0.02 s  0.025 s      0.02 s
    actions --version                0.35 s        0.35 s  0.085 s      0.08 s
    actions run amplitude            0.40 s        0.40 s  0.40 s       0.40 s
    actions run amplitude --dry-run  0.35 s        0.34 s  0.35 s       0.33 s

Then (s5/startup; base and this tree one after the other, 5 rounds each, a quiet machine with
``SSL_CERT_FILE`` set, as on the development machine)::

    command                          before: wall  CPU     after: wall  CPU
    actions --version                0.075 s       0.07 s  0.072 s      0.07 s
    actions run amplitude            0.344 s       0.35 s  0.277 s      0.28 s
    actions run amplitude --dry-run  0.296 s       0.30 s  0.252 s      0.25 s

What ``run`` still spends: importing pydantic, httpx, asyncio, click, pluggy and
importlib.metadata (about 0.2 s CPU), and compiling every action's payload validator and mapping
at start-up (about 35 ms). httpx's own CLI (rich, pygments) is no longer imported, and its network
transport (httpcore, the CA bundle httpx ships with) is built at the first request; CA
certificates that ``SSL_CERT_FILE`` names are still loaded up front (about 20 ms), since that
can fail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def commands(python: str, work: Path) -> dict[str, list[str]]:
    events = work / "empty.ndjson"
    events.write_text("", encoding="utf-8")
    settings = work / "settings.json"
    settings.write_text(json.dumps({"apiKey": "k", "secretKey": "s"}), encoding="utf-8")
    actions = [python, "-c", "from actions_cli import main; main()"]
    run = [*actions, "run", "amplitude", "--events", str(events), "--settings", str(settings)]
    return {
        "python -c pass": [python, "-c", "pass"],
        "actions --version": [*actions, "--version"],
        "actions run amplitude": run,
        "actions run amplitude --dry-run": [*run, "--dry-run"],
    }


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv``, which must succeed."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, env=ENV)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the commands")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = commands(args.python, Path(tmp))
        walls: dict[str, list[float]] = {name: [] for name in table}
        cpus: dict[str, list[float]] = {name: [] for name in table}
        for argv in table.values():  # warm the file cache once, uncounted
            timed(argv)
        for _ in range(args.rounds):
            for name, argv in table.items():
                wall, cpu = timed(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
    print(f"{'command':<34} {'wall median':>11} {'fastest':>8} {'slowest':>8} {'CPU median':>11}")
    for name in table:
        w = walls[name]
        print(
            f"{name:<34} {statistics.median(w):>10.3f}s {min(w):>7.3f}s {max(w):>7.3f}s "
            f"{statistics.median(cpus[name]):>10.3f}s"
        )


if __name__ == "__main__":
    main()

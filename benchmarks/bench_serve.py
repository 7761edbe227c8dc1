"""``actions serve``: events accepted into the durable queue per second, and delivered end to end.

Two measurements, each with a real ``actions serve`` process (embedded SQLite queue) and a load
generator in this process sending 100-event batches to ``/v1/batch`` over keep-alive connections
(the shape analytics-python and analytics-node send), several requests in flight:

- **accepted**: the source feeds no destination, so only ingestion runs (parse, stamp, commit):
  events/s answered 200, and p50/p99 request latency.
- **end to end**: the same stream with Amplitude (the emulator, in a process of its own) as the
  destination: events/s from the first request until the emulator holds every event, and the
  request latency while delivery runs beside ingestion.

Everything shares this machine's cores (the load generator and the emulator included), so the
numbers are a floor for a machine where the service has the cores to itself.

Usage::

    python benchmarks/bench_serve.py                    # 100,000 events, 4 connections
    python benchmarks/bench_serve.py --events 20000 --connections 8
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

WRITE_KEY = "bench-write-key"
ACTIONS = [sys.executable, "-c", "from actions_cli import main; main()"]


def batches(count: int, size: int, prefix: str) -> list[bytes]:
    """Request bodies of ``size`` track events each, as analytics-python sends them."""
    sent_at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    out = []
    for start in range(0, count, size):
        events = [
            {
                "type": "track",
                "event": "Song Played",
                "userId": f"user-{i % 1000}",
                "messageId": f"{prefix}-{i:08d}",
                "timestamp": sent_at,
                "properties": {"title": "A Song", "duration": 215.5, "n": i},
                "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
            }
            for i in range(start, min(count, start + size))
        ]
        out.append(json.dumps({"batch": events, "sentAt": sent_at, "writeKey": WRITE_KEY}).encode())
    return out


def send_all(port: int, bodies: list[bytes], connections: int) -> tuple[float, list[float], int]:
    """Send every body (``connections`` at a time); returns elapsed seconds, latencies, non-200s."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    work = iter(bodies)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while True:
            with lock:
                body = next(work, None)
            if body is None:
                break
            started = time.perf_counter()
            conn.request("POST", "/v1/batch", body, headers)
            response = conn.getresponse()
            response.read()
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if response.status != 200:
                    failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


@contextlib.contextmanager
def process(command: list[str], work: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (work / f"{name}.log").open("wb")
    child = subprocess.Popen(command, cwd=work, stdout=log, stderr=log, start_new_session=True)
    try:
        yield child
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        log.close()


def wait_for_file(path: Path, child: subprocess.Popen[bytes], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        if child.poll() is not None:
            raise SystemExit(f"{path.name}: the process ended with {child.returncode}")
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {path}")


def serve(work: Path, pipeline: str) -> tuple[list[str], Path]:
    config = work / "pipeline.toml"
    config.write_text(pipeline, encoding="utf-8")
    port_file = work / "serve.port"
    port_file.unlink(missing_ok=True)
    queue = work / f"queue-{time.monotonic_ns()}.db"
    command = [
        *ACTIONS, "serve", "--config", str(config), "--port", "0", "--port-file", str(port_file),
        "--queue", f"sqlite:///{queue}",
    ]  # fmt: skip
    return command, port_file


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, events: int, elapsed: float, latencies: list[float], failures: int) -> None:
    print(
        f"{name:<12} {events:>9,} events  {events / elapsed:>9,.0f} ev/s  "
        f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  "
        f"non-200: {failures}"
    )


def accepted(work: Path, count: int, size: int, connections: int) -> None:
    pipeline = f"""
[sources.bench]
type = "segment"
write_key = "{WRITE_KEY}"
destinations = []

[destinations.amplitude]
settings = {{ apiKey = "bench", secretKey = "bench" }}
delivery = {{ base_url = "http://127.0.0.1:9" }}
"""
    command, port_file = serve(work, pipeline)
    bodies = batches(count, size, "acc")
    with process(command, work, "serve-accepted") as child:
        port = int(wait_for_file(port_file, child))
        send_all(port, batches(2_000, size, "warm"), connections)  # warm-up
        elapsed, latencies, failures = send_all(port, bodies, connections)
    report("accepted", count, elapsed, latencies, failures)


def end_to_end(work: Path, count: int, size: int, connections: int) -> None:
    emulator = [*ACTIONS, "emulator", "amplitude", "--port", "0"]
    with process(emulator, work, "emulator") as amplitude:
        base, settings = emulator_address(work / "emulator.log", amplitude)
        pipeline = f"""
[sources.bench]
type = "segment"
write_key = "{WRITE_KEY}"

[destinations.amplitude]
settings = {{ {", ".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())} }}
delivery = {{ base_url = "{base}" }}
"""
        command, port_file = serve(work, pipeline)
        bodies = batches(count, size, "e2e")
        with process(command, work, "serve-e2e") as child:
            port = int(wait_for_file(port_file, child))
            started = time.perf_counter()
            _, latencies, failures = send_all(port, bodies, connections)
            while stored(base) < count:
                time.sleep(0.05)
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"only {stored(base):,} of {count:,} events delivered in 10 minutes")
            elapsed = time.perf_counter() - started
    report("end to end", count, elapsed, latencies, failures)


def emulator_address(log: Path, child: subprocess.Popen[bytes]) -> tuple[str, dict[str, str]]:
    """The emulator's base URL and working settings, from what it prints when it starts."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        urls = [line.rsplit(" ", 1)[1] for line in lines if " listening on " in line]
        settings = [json.loads(line.split(": ", 1)[1]) for line in lines if line.startswith("settings: ")]
        if urls and settings:
            return urls[0], settings[0]
        if child.poll() is not None:
            raise SystemExit(f"the emulator ended: {lines}")
        time.sleep(0.05)
    raise SystemExit("the emulator did not start")


def stored(base: str) -> int:
    with urllib.request.urlopen(f"{base}/_emulator/stats", timeout=10) as answer:
        return int(json.load(answer)["events_stored"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", choices=["accepted", "end-to-end"])
    args = parser.parse_args()
    print(f"actions serve, {args.batch}-event batches, {args.connections} connections; cpus={os.cpu_count()}")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if args.only != "end-to-end":
            accepted(work, args.events, args.batch, args.connections)
        if args.only != "accepted":
            end_to_end(work, args.events, args.batch, args.connections)


if __name__ == "__main__":
    main()

"""Benchmark: events per second the emulator's HTTP server ingests (prints numbers; not a test).

Run from the repository root::

    .venv/bin/python destinations/amplitude/tests/bench_emulator.py [--events 100000] [--batch 500]
        [--connections 4] [--same-process]

By default the server runs in this process and the clients in a child process (as the delivery
engine would be), each client thread keeping one keep-alive connection and posting ``/batch``
requests of ``--batch`` realistic events with unique insert_ids.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading
import time
import uuid

import httpx
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve


def _event(number: int) -> dict[str, object]:
    return {
        "event_type": "Order Completed",
        "user_id": f"user-{number % 5000:05d}",
        "device_id": f"device-{number % 7000:05d}",
        "insert_id": str(uuid.uuid4()),
        "time": 1_700_000_000_000 + number,
        "event_properties": {
            "order_id": f"o-{number}",
            "revenue": 12.5,
            "products": [{"sku": "a", "qty": 1}],
        },
        "user_properties": {"$set": {"plan": "pro"}, "$setOnce": {"first_seen": "2024-01-01"}},
        "platform": "Web",
        "library": "segment",
        "ip": "8.8.8.8",
    }


def _bodies(events: int, batch: int) -> list[bytes]:
    return [
        json.dumps(
            {"api_key": "bench-key", "events": [_event(n) for n in range(start, min(start + batch, events))]}
        ).encode()
        for start in range(0, events, batch)
    ]


def _send(url: str, bodies: list[bytes], connections: int) -> tuple[float, int]:
    """Post every body over ``connections`` keep-alive connections; (seconds, non-200 answers)."""
    failures = 0
    lock = threading.Lock()

    def worker(share: list[bytes]) -> None:
        nonlocal failures
        with httpx.Client(base_url=url, timeout=30) as client:
            for body in share:
                response = client.post("/batch", content=body, headers={"Content-Type": "application/json"})
                if response.status_code != 200:
                    with lock:
                        failures += 1

    threads = [threading.Thread(target=worker, args=(bodies[i::connections],)) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, failures


def _child(
    url: str, events: int, batch: int, connections: int, results: multiprocessing.Queue[object]
) -> None:
    results.put(_send(url, _bodies(events, batch), connections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--same-process", action="store_true")
    args = parser.parse_args()

    emulator = Emulator(EmulatorConfig(max_events_per_request=max(2000, args.batch)))
    with serve(emulator) as server:
        if args.same_process:
            seconds, failures = _send(server.url, _bodies(args.events, args.batch), args.connections)
        else:
            results: multiprocessing.Queue[object] = multiprocessing.Queue()
            child = multiprocessing.Process(
                target=_child, args=(server.url, args.events, args.batch, args.connections, results)
            )
            child.start()
            seconds, failures = results.get()  # type: ignore[misc]
            child.join()
    stats = emulator.stats
    mode = "same process" if args.same_process else "client in a child process"
    print(f"mode: {mode}; batch {args.batch} events; {args.connections} connections")
    print(f"events sent: {args.events}; stored: {stats.events_stored}; non-200 answers: {failures}")
    print(f"elapsed: {seconds:.2f} s; throughput: {args.events / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()

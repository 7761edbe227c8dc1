"""Benchmark: Amplitude payloads turned into events, and batches uploaded (prints numbers; not a test).

Run from the repository root::

    .venv/bin/python benchmarks/bench_amplitude_actions.py [--payloads 20000] [--batch 1000]

Measures, on prepared (mapped and validated) payloads: building the Amplitude event of a
logEventV2 payload and of a logPurchase payload with three products, and ``perform_batch`` end to
end against an in-process transport that accepts everything (so the numbers are the plugin's own
cost: event building, serialisation, request packing, response reading), for logEventV2,
logPurchase and identifyUser (identifications sent as one URL-encoded form per request). Also the cost of
preparing a payload (mapping + validation), which the runtime pays before any action code runs,
and the CPU time per payload (median of 5 runs; CPU rather than wall time, as the machine may be
shared) of building alone and of building plus each event's JSON (``sized_json``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

import httpx
from actions import use_clock
from actions.runtime import HttpSession
from actions.testing import make_event
from actions_amplitude import destination
from actions_amplitude._batch import sized_json
from actions_amplitude.identify_user import build_identification
from actions_amplitude.log_event_v2 import build_upload as build_v2
from actions_amplitude.log_purchase import build_upload as build_purchase

SETTINGS = destination.unchecked_settings({"apiKey": "bench-key", "secretKey": "bench-secret"})


def _rate(label: str, count: int, run: Callable[[], object]) -> None:
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    print(f"{label:<52} {count / elapsed:>12,.0f} /s   ({elapsed * 1000:,.0f} ms for {count:,})")


def _cpu_us(label: str, count: int, run: Callable[[], object], repeat: int = 5) -> None:
    """CPU time (not wall time: the machine may be shared) per payload, median of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    spread = f"{min(times) / count * 1e6:.2f}..{max(times) / count * 1e6:.2f}"
    print(f"{label:<52} {statistics.median(times) / count * 1e6:>9.2f} µs CPU/payload  ({spread})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    count, size = args.payloads, args.batch

    with use_clock("2024-01-15T12:00:00.000Z"):
        events = [
            make_event(
                event="Song Played", userId=f"user-{i:06d}", properties={"song": f"s{i}", "seconds": i % 300}
            )
            for i in range(count)
        ]
        orders = [
            make_event(
                event="Order Completed",
                userId=f"user-{i:06d}",
                properties={
                    "revenue": 30,
                    "products": [{"productId": f"p{k}", "price": 10, "quantity": 1} for k in range(3)],
                },
            )
            for i in range(count)
        ]
    v2 = destination.action("logEventV2")
    purchase = destination.action("logPurchase")
    v2_mapping, purchase_mapping = v2.default_mapping, purchase.default_mapping

    prepared: list[dict[str, object]] = []
    _rate("prepare logEventV2 payload (mapping + validation)", count,
          lambda: prepared.extend(v2.prepare(e, v2_mapping) for e in events))  # fmt: skip
    prepared_orders = [purchase.prepare(o, purchase_mapping) for o in orders]
    with use_clock("2024-01-15T12:00:00.000Z"):
        identify = destination.action("identifyUser")
        prepared_identifies = [
            identify.prepare(
                make_event(type="identify", userId=f"user-{i:06d}", traits={"plan": "pro", "seats": i % 50}),
                identify.default_mapping,
            )
            for i in range(count)
        ]

    _rate("build logEventV2 event", count, lambda: [build_v2(p, SETTINGS) for p in prepared])
    _rate("build logPurchase events (order + 3 products)", count,
          lambda: [build_purchase(p, SETTINGS) for p in prepared_orders])  # fmt: skip

    def v2_json() -> None:
        for p in prepared:
            for event in build_v2(p, SETTINGS).events:
                sized_json(event)

    def purchase_json() -> None:
        for p in prepared_orders:
            for event in build_purchase(p, SETTINGS).events:
                sized_json(event)

    _cpu_us("build logEventV2 event", count, lambda: [build_v2(p, SETTINGS) for p in prepared])
    _cpu_us("build logEventV2 event + sized_json", count, v2_json)
    _cpu_us("build logPurchase events", count, lambda: [build_purchase(p, SETTINGS) for p in prepared_orders])
    _cpu_us("build logPurchase events + sized_json", count, purchase_json)
    _cpu_us("build identifyUser identification", count,
            lambda: [build_identification(p) for p in prepared_identifies])  # fmt: skip

    requests = 0

    def accept(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        if request.url.path == "/identify":
            return httpx.Response(200, text="success")
        return httpx.Response(200, json={"code": 200})

    async def upload(payloads: list[dict[str, object]], action_key: str) -> None:
        action = destination.action(action_key)
        async with HttpSession(transport=httpx.MockTransport(accept)) as session:
            for start in range(0, len(payloads), size):
                results = await destination.perform_batch(
                    action, payloads[start : start + size], SETTINGS, session
                )
                assert len(results) == len(payloads[start : start + size])

    _rate(f"perform_batch logEventV2, {size} payloads per call", count,
          lambda: asyncio.run(upload(prepared, "logEventV2")))  # fmt: skip
    print(f"{'':<52} {requests:>12,} requests")
    requests = 0
    _rate(f"perform_batch logPurchase, {size} payloads per call", count,
          lambda: asyncio.run(upload(prepared_orders, "logPurchase")))  # fmt: skip
    print(f"{'':<52} {requests:>12,} requests")
    requests = 0
    _rate(f"perform_batch identifyUser, {size} payloads per call", count,
          lambda: asyncio.run(upload(prepared_identifies, "identifyUser")))  # fmt: skip
    print(f"{'':<52} {requests:>12,} requests")


if __name__ == "__main__":
    main()

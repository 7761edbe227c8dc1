"""The Amplitude emulator's seeded fault injection and its in-process httpx transport."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, Fault, Reply

JSON_HEADERS = {"Content-Type": "application/json"}


def make(**config: Any) -> Emulator:
    return Emulator(EmulatorConfig(**config), clock=lambda: 1_700_000_000_000)


def body(*numbers: int, insert_ids: bool = True) -> bytes:
    events = [
        {"event_type": "x", "user_id": f"user-{n:04d}", "device_id": f"device-{n:04d}"}
        | ({"insert_id": f"insert-{n}"} if insert_ids else {})
        for n in numbers
    ]
    return json.dumps({"api_key": "project-key", "events": events}).encode()


def post(emulator: Emulator, payload: bytes, path: str = "/2/httpapi") -> Reply:
    return emulator.handle("POST", path, JSON_HEADERS, payload)


def outcomes(emulator: Emulator, count: int) -> list[tuple[int, bool, float]]:
    return [(r.status, r.drop, r.delay_s) for r in (post(emulator, body(n)) for n in range(count))]


# -- random faults -----------------------------------------------------------------------------

MIXED = {"error_rate": 0.2, "throttle_rate": 0.1, "drop_rate": 0.1, "timeout_rate": 0.1, "timeout_s": 5.0}


def test_same_seed_and_requests_give_the_same_faults() -> None:
    first, second = make(seed=7, **MIXED), make(seed=7, **MIXED)
    assert outcomes(first, 200) == outcomes(second, 200)
    assert [e.event for e in first.events] == [e.event for e in second.events]
    assert first.stats == second.stats


def test_another_seed_gives_other_faults() -> None:
    assert outcomes(make(seed=1, **MIXED), 200) != outcomes(make(seed=2, **MIXED), 200)


def test_reset_replays_the_same_fault_sequence() -> None:
    emulator = make(seed=3, **MIXED)
    before = outcomes(emulator, 100)
    emulator.reset()
    assert emulator.events == [] and emulator.stats.requests == {}
    assert outcomes(emulator, 100) == before


def test_fault_rates_are_roughly_honoured() -> None:
    emulator = make(seed=11, **MIXED)
    results = outcomes(emulator, 2000)
    share = {
        "drop": sum(drop for _, drop, _ in results) / 2000,
        "timeout": sum(delay == 5.0 for _, _, delay in results) / 2000,
        "throttle": sum(status == 429 for status, _, _ in results) / 2000,
        "error": sum(status >= 500 for status, _, _ in results) / 2000,
    }
    assert share["error"] == pytest.approx(0.2, abs=0.03)
    for kind in ("drop", "timeout", "throttle"):
        assert share[kind] == pytest.approx(0.1, abs=0.03)
    faults = emulator.stats.faults
    assert faults["drop"] == sum(drop for _, drop, _ in results)
    assert {name.split("_")[1] for name in faults if name.startswith("error_")} == {
        "500",
        "502",
        "503",
        "504",
    }


def test_503_never_stores_and_other_5xx_store_at_the_configured_rate() -> None:
    emulator = make(seed=5, error_rate=1.0, error_after_accept_rate=1.0)
    stored_by_status: dict[int, int] = {}
    for n in range(200):
        before = len(emulator.events)
        reply = post(emulator, body(n))
        stored_by_status[reply.status] = stored_by_status.get(reply.status, 0) + len(emulator.events) - before
        assert reply.json() == {"code": reply.status, "error": reply.json()["error"]}
    assert stored_by_status[503] == 0
    assert all(stored_by_status[status] > 0 for status in (500, 502, 504))
    never = make(seed=5, error_rate=1.0, error_after_accept_rate=0.0)
    outcomes(never, 100)
    assert never.events == []


def test_retry_after_a_500_that_was_accepted_is_deduplicated() -> None:
    emulator = make()
    emulator.inject(Fault("error", status=500, accept=True))
    assert post(emulator, body(1, 2)).status == 500
    assert post(emulator, body(1, 2)).status == 200
    assert len(emulator.events) == 2
    assert emulator.stats.duplicates_dropped == 2
    assert emulator.stats.faults == {"error_500_after_accept": 1}


def test_injected_throttle_names_a_subset_of_the_requests_ids_and_stores_nothing() -> None:
    emulator = make(seed=9, throttle_rate=1.0, retry_after_s=7)
    reply = post(emulator, body(*range(10)))
    assert (reply.status, reply.headers["Retry-After"]) == (429, "7")
    payload = reply.json()
    assert payload["error"] == "Too many requests for some devices and users"
    assert payload["eps_threshold"] == 30
    named = set(payload["throttled_devices"]) | set(payload["throttled_users"])
    assert named
    assert named <= {f"device-{n:04d}" for n in range(10)} | {f"user-{n:04d}" for n in range(10)}
    for index in payload["throttled_events"]:
        assert {f"device-{index:04d}", f"user-{index:04d}"} & named
    assert payload["throttled_events"] == sorted(
        n for n in range(10) if {f"device-{n:04d}", f"user-{n:04d}"} & named
    )
    assert emulator.events == []


def test_injected_throttle_still_answers_invalid_requests_with_their_400() -> None:
    emulator = make(throttle_rate=1.0)
    assert post(emulator, b'{"events": []}').status == 400
    assert emulator.stats.faults == {}


def test_dropped_requests_store_nothing() -> None:
    emulator = make(drop_rate=1.0)
    reply = post(emulator, body(1))
    assert reply.drop
    assert emulator.events == []
    assert emulator.stats.count("/2/httpapi", 0) == 1


def test_timeout_fault_stores_then_holds_the_answer() -> None:
    emulator = make(timeout_rate=1.0, timeout_s=12.5)
    reply = post(emulator, body(1))
    assert (reply.status, reply.delay_s) == (200, 12.5)
    assert len(emulator.events) == 1


def test_latency_delays_every_amplitude_answer_but_not_inspection() -> None:
    emulator = make(latency_ms=40)
    assert post(emulator, body(1)).delay_s == pytest.approx(0.04)
    assert emulator.handle("GET", "/_emulator/stats", {}, b"").delay_s == 0


def test_fault_paths_restrict_random_faults() -> None:
    emulator = make(error_rate=1.0, fault_paths=frozenset({"/batch"}))
    assert post(emulator, body(1)).status == 200
    assert post(emulator, body(2), path="/batch").status >= 500


def test_scripted_faults_are_served_in_order_for_their_path_and_count() -> None:
    emulator = make()
    emulator.inject(Fault("error", status=503, times=2, path="/batch"))
    emulator.inject(Fault("drop"))
    emulator.inject(Fault("timeout", delay_s=0.5))
    assert post(emulator, body(1)).drop
    assert post(emulator, body(2)).delay_s == 0.5
    assert [post(emulator, body(n), path="/batch").status for n in (3, 4, 5)] == [503, 503, 200]
    assert emulator.pending_faults == []


def test_inspection_api_scripts_faults() -> None:
    emulator = make()
    fault = json.dumps({"kind": "throttle", "path": "/2/httpapi"}).encode()
    assert emulator.handle("POST", "/_emulator/faults", JSON_HEADERS, fault).json() == {"ok": True}
    assert emulator.handle("GET", "/_emulator/faults", {}, b"").json()["faults"][0]["kind"] == "throttle"
    assert post(emulator, body(1)).status == 429
    bad = emulator.handle("POST", "/_emulator/faults", JSON_HEADERS, b'{"kind": "explode"}')
    assert bad.status == 400


def test_concurrent_callers_lose_no_events() -> None:
    emulator = make()

    def worker(offset: int) -> None:
        for n in range(50):
            assert post(emulator, body(offset * 1000 + n, offset * 1000 + n + 500)).status == 200

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(emulator.events) == 800
    assert emulator.stats.count("/2/httpapi", 200) == 400


# -- httpx transport ---------------------------------------------------------------------------


def test_sync_transport_answers_in_process_and_reads_the_region_from_the_host() -> None:
    emulator = make()
    with httpx.Client(transport=emulator.transport()) as client:
        response = client.post(
            "https://api.eu.amplitude.com/2/httpapi", content=body(1), headers=JSON_HEADERS
        )
    assert response.status_code == 200
    assert response.json()["events_ingested"] == 1
    assert emulator.events[0].region == "eu"


def test_sync_transport_turns_a_drop_into_a_remote_protocol_error() -> None:
    emulator = make(drop_rate=1.0)
    with httpx.Client(transport=emulator.transport()) as client, pytest.raises(httpx.RemoteProtocolError):
        client.post("https://api2.amplitude.com/2/httpapi", content=body(1), headers=JSON_HEADERS)


def test_sync_transport_times_out_when_the_hold_exceeds_the_read_timeout() -> None:
    emulator = make(timeout_rate=1.0, timeout_s=30.0)
    started = time.perf_counter()
    with (
        httpx.Client(transport=emulator.transport(), timeout=0.05) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("https://api2.amplitude.com/2/httpapi", content=body(1), headers=JSON_HEADERS)
    assert 0.04 < time.perf_counter() - started < 1.0
    assert len(emulator.events) == 1  # processed before the client gave up


def test_sync_transport_waits_out_a_hold_shorter_than_the_timeout() -> None:
    emulator = make(latency_ms=50)
    started = time.perf_counter()
    with httpx.Client(transport=emulator.transport(), timeout=5) as client:
        assert (
            client.post("https://api2.amplitude.com/batch", content=body(1), headers=JSON_HEADERS).status_code
            == 200
        )
    assert time.perf_counter() - started >= 0.05


def test_async_transport_answers_drops_and_times_out() -> None:
    emulator = make()

    async def scenario() -> list[object]:
        seen: list[object] = []
        async with httpx.AsyncClient(transport=emulator.transport(), timeout=0.05) as client:
            url = "https://api2.amplitude.com/2/httpapi"
            seen.append((await client.post(url, content=body(1), headers=JSON_HEADERS)).status_code)
            emulator.inject(Fault("drop"))
            emulator.inject(Fault("timeout", delay_s=10))
            for _ in range(2):
                try:
                    await client.post(url, content=body(2), headers=JSON_HEADERS)
                except httpx.HTTPError as error:
                    seen.append(type(error))
        return seen

    assert asyncio.run(scenario()) == [200, httpx.RemoteProtocolError, httpx.ReadTimeout]

"""Real client libraries send to a real ``actions serve``, which delivers to the Amplitude emulator.

segment-analytics-python (PyPI) and @segment/analytics-node (npm, run by ``node``) send mixed
calls; every one reaches Amplitude through its action, and nothing is stored twice. The crash
test kills the service with SIGKILL while a client streams, restarts it on the same port several
times, and checks that every event the client was answered 200 for is delivered exactly once.
"""

from __future__ import annotations

import datetime
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve
from segment.analytics import Client
from serve_process import API_KEY, WRITE_KEY, pipeline_text, serving, start, stop, wait_until

NODE_CLIENT = Path(__file__).parent / "node"
KINDS = ("track", "identify", "page", "screen", "group", "alias")


@pytest.fixture
def emulator() -> Iterator[tuple[Emulator, str]]:
    amplitude = Emulator(EmulatorConfig(api_keys={API_KEY: "any"}))
    with serve(amplitude) as server:
        yield amplitude, server.url


def _numbers(value: Any) -> list[int]:
    """Every ``n`` (the sender's sequence number) anywhere in a stored record."""
    if isinstance(value, dict):
        found = [value["n"]] if isinstance(value.get("n"), int) else []
        return found + [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return []


def delivered(amplitude: Emulator, prefix: str) -> dict[str, list[int]]:
    """The sender's numbers of the calls Amplitude holds, by kind of call (a number twice: stored twice)."""
    out: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for stored in amplitude.events:
        insert_id = str(stored.event.get("insert_id", ""))
        if insert_id.startswith(prefix) and insert_id[len(prefix) :].isdigit():
            number = int(insert_id[len(prefix) :])
            out[KINDS[number % len(KINDS)]].append(number)
    for record in amplitude.identifies:
        if str(record.identification.get("user_id", "")).startswith(prefix):
            out["identify"] += _numbers(record.identification)
    for group in amplitude.group_identifies:
        out["group"] += _numbers(group.identification)
    for mapping in amplitude.user_mappings:
        if mapping.user_id.startswith(f"{prefix}anon-"):
            out["alias"].append(int(mapping.user_id.removeprefix(f"{prefix}anon-")))
    return out


def expected(count: int) -> dict[str, list[int]]:
    return {kind: list(range(index, count, len(KINDS))) for index, kind in enumerate(KINDS)}


def send_with_python(url: str, prefix: str, count: int, threads: int = 4, **options: Any) -> list[Any]:
    """``count`` mixed calls from ``threads`` threads through one analytics-python client; its errors."""
    errors: list[Any] = []
    client = Client(
        WRITE_KEY, host=url, upload_size=100, max_queue_size=count + 1, max_retries=10,
        on_error=lambda error, batch: errors.append((error, len(batch))), **options,
    )  # fmt: skip

    def send(part: int) -> None:
        for i in range(part, count, threads):
            send_call(client, prefix, i)

    workers = [threading.Thread(target=send, args=(part,)) for part in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client.flush()
    client.join()
    return errors


def send_call(client: Client, prefix: str, i: int) -> None:
    """Call number ``i``: its kind is ``KINDS[i % 6]``, its messageId ``prefix`` + ``i``; ``n`` = ``i``."""
    user = f"{prefix}user-{i % 97}"
    common: dict[str, Any] = {"message_id": f"{prefix}{i:06d}", "timestamp": _now()}
    match i % len(KINDS):
        case 0:
            client.track(user, "Song Played", {"n": i}, **common)
        case 1:
            client.identify(user, {"plan": "pro", "n": i}, **common)
        case 2:
            client.page(user, name="Home", properties={"n": i}, **common)
        case 3:
            client.screen(user, name="Player", properties={"n": i}, **common)
        case 4:
            client.group(user, f"g-{i % 7}", {"n": i}, **common)
        case _:
            client.alias(f"{prefix}anon-{i}", user, **common)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def assert_all_delivered(amplitude: Emulator, prefix: str, count: int, *, once: bool = True) -> None:
    """All ``count`` calls are in Amplitude; with ``once``, none twice (after a crash, only events are
    deduplicated, by ``insert_id``: identify, group and alias calls may arrive twice, at least once)."""
    want = expected(count)

    def complete() -> bool:
        return {kind: sorted(set(numbers)) for kind, numbers in delivered(amplitude, prefix).items()} == want

    wait_until(complete, 120)
    got = {kind: sorted(numbers) for kind, numbers in delivered(amplitude, prefix).items()}
    if not once:
        got = {kind: sorted(set(numbers)) if kind in ("identify", "group", "alias") else numbers
               for kind, numbers in got.items()}  # fmt: skip
    assert got == want
    assert max(amplitude.insert_ids().values()) == 1


@pytest.mark.slow
def test_analytics_python_events_all_reach_amplitude(
    tmp_path: Path, emulator: tuple[Emulator, str]
) -> None:
    amplitude, amplitude_url = emulator
    with serving(tmp_path, amplitude_url) as served:
        sent_at = _now()
        errors = send_with_python(served.url, "py-", 10_000, threads=4)
        assert errors == []
        assert_all_delivered(amplitude, "py-", 10_000)
    # Timestamps are the client's, corrected for its clock's skew (none here, so within the latency).
    times = [stored.event["time"] for stored in amplitude.events if "time" in stored.event]
    assert times and min(times) >= int(sent_at.timestamp() * 1000) - 1000
    assert max(times) <= int(time.time() * 1000)


@pytest.mark.slow
def test_analytics_python_with_gzip(tmp_path: Path, emulator: tuple[Emulator, str]) -> None:
    amplitude, amplitude_url = emulator
    with serving(tmp_path, amplitude_url) as served:
        assert send_with_python(served.url, "gz-", 600, threads=3, gzip=True) == []
        assert_all_delivered(amplitude, "gz-", 600)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_analytics_node_events_all_reach_amplitude(
    tmp_path: Path, emulator: tuple[Emulator, str]
) -> None:
    if not (NODE_CLIENT / "node_modules" / "@segment" / "analytics-node").exists():
        install = ["npm", "install", "--no-audit", "--no-fund", "--silent"]  # scripts/test does it first
        subprocess.run(install, cwd=NODE_CLIENT, check=True, timeout=300)
    amplitude, amplitude_url = emulator
    with serving(tmp_path, amplitude_url) as served:
        done = subprocess.run(
            ["node", "send.mjs", served.url, WRITE_KEY, "10000", "node"],
            cwd=NODE_CLIENT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]) == {"sent": 10_000, "errors": []}
        assert_all_delivered(amplitude, "node-", 10_000)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_kill_9_while_a_client_streams_loses_nothing(tmp_path: Path, emulator: tuple[Emulator, str]) -> None:
    amplitude, amplitude_url = emulator
    config = tmp_path / "pipeline.json"
    config.write_text(pipeline_text(amplitude_url), encoding="utf-8")
    port = _free_port()
    queue = tmp_path / "queue.db"
    served = start(tmp_path, config, queue, "--port", str(port))
    count = 6_000
    errors: list[Any] = []
    sender = threading.Thread(
        target=lambda: errors.extend(send_slowly(f"http://127.0.0.1:{port}", "crash-", count))
    )
    sender.start()
    kills = 0
    try:
        while sender.is_alive() and kills < 4:
            time.sleep(0.8)
            stop(served, signal.SIGKILL)
            kills += 1
            time.sleep(0.3)  # the client sees refused connections, and retries
            served = start(tmp_path, config, queue, "--port", str(port))
        sender.join(timeout=300)
        assert not sender.is_alive()
        assert errors == []  # the client's retries covered every refused request
        assert kills >= 3
        assert_all_delivered(amplitude, "crash-", count, once=False)
    finally:
        if served.process.poll() is None:
            stop(served)
    stats = amplitude.stats
    print(f"\n{kills} kills; {stats.events_received - stats.events_stored} redelivered event(s) deduplicated")


def send_slowly(url: str, prefix: str, count: int) -> list[Any]:
    """Like :func:`send_with_python` from one thread, paced so that the stream spans the kills."""
    errors: list[Any] = []
    client = Client(
        WRITE_KEY, host=url, upload_size=50, max_queue_size=count + 1, max_retries=20,
        on_error=lambda error, batch: errors.append((str(error), len(batch))),
    )  # fmt: skip
    for i in range(count):
        send_call(client, prefix, i)
        if i % 50 == 0:
            time.sleep(0.02)
    client.flush()
    client.join()
    return errors

"""The Amplitude emulator served over real HTTP/1.1 (background thread and run_forever)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, Fault, RunningServer, serve

JSON_HEADERS = {"Content-Type": "application/json"}


def body(*numbers: int) -> bytes:
    events = [{"event_type": "x", "user_id": f"user-{n:05d}", "insert_id": f"insert-{n}"} for n in numbers]
    return json.dumps({"api_key": "project-key", "events": events}).encode()


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve(Emulator(EmulatorConfig(max_body_bytes=10_000, max_batch_body_bytes=20_000))) as running:
        yield running


def test_server_listens_on_a_free_port_and_answers_like_amplitude(server: RunningServer) -> None:
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/2/httpapi", content=body(1), headers=JSON_HEADERS)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["connection"] == "keep-alive"
        assert response.json()["events_ingested"] == 1
        identify = client.post(
            "/identify", data={"api_key": "k", "identification": json.dumps({"user_id": "user-00001"})}
        )
        assert (identify.status_code, identify.text) == (200, "success")
    assert [e.event["user_id"] for e in server.emulator.events] == ["user-00001"]


def test_server_handles_concurrent_keep_alive_connections(server: RunningServer) -> None:
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            with httpx.Client(base_url=server.url) as client:
                for n in range(25):
                    number = offset * 1000 + n
                    response = client.post("/batch", content=body(number, number + 500), headers=JSON_HEADERS)
                    assert response.status_code == 200
        except BaseException as error:  # collected for the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(server.emulator.events) == 400
    assert server.emulator.stats.count("/batch", 200) == 200


def test_dropped_request_closes_the_connection_without_an_answer(server: RunningServer) -> None:
    server.emulator.inject(Fault("drop"))
    with httpx.Client(base_url=server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/2/httpapi", content=body(1), headers=JSON_HEADERS)
        assert client.post("/2/httpapi", content=body(2), headers=JSON_HEADERS).status_code == 200


def test_held_answer_times_out_the_client_and_stop_does_not_wait_for_it(server: RunningServer) -> None:
    server.emulator.inject(Fault("timeout", delay_s=30))
    with httpx.Client(base_url=server.url, timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/2/httpapi", content=body(1), headers=JSON_HEADERS)
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 2


def test_body_larger_than_every_limit_is_refused_unread(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"POST /batch HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        answer = raw.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b'{"code":413,"error":"Payload too large"}')
    assert server.emulator.stats.count("/batch", 413) == 1


def test_malformed_request_line_is_400(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        assert raw.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_chunked_request_body_is_read(server: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:
        payload = body(1, 2)
        yield payload[:10]
        yield payload[10:]

    with httpx.Client(base_url=server.url) as client:
        response = client.post("/2/httpapi", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 200
    assert len(server.emulator.events) == 2


def test_inspection_api_over_http(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        client.post("/2/httpapi", content=body(1, 2, 3), headers=JSON_HEADERS)
        page = client.get("/_emulator/events", params={"offset": 1, "limit": 1}).json()
        assert page["total"] == 3
        assert [e["event"]["user_id"] for e in page["events"]] == ["user-00002"]
        assert client.get("/_emulator/events", params={"api_key": "other"}).json()["total"] == 0
        assert client.get("/_emulator/stats").json()["requests"] == {"/2/httpapi": {"200": 1}}
        assert client.get("/_emulator/users/user-00001").json()["event_count"] == 1
        assert client.get("/_emulator/users/nobody").status_code == 404
        assert client.post("/_emulator/reset").json() == {"ok": True}
        assert client.get("/_emulator/events").json() == {"total": 0, "events": []}


def test_stop_closes_idle_keep_alive_connections_and_the_listener() -> None:
    running = serve(Emulator())
    client = httpx.Client(base_url=running.url, timeout=2)
    assert client.post("/2/httpapi", content=body(1), headers=JSON_HEADERS).status_code == 200
    running.stop()
    running.stop()  # idempotent
    with pytest.raises(httpx.TransportError):
        client.post("/2/httpapi", content=body(2), headers=JSON_HEADERS)
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{running.url}/2/httpapi", content=body(3), headers=JSON_HEADERS)
    client.close()
    assert len(running.emulator.events) == 1


def test_serve_on_a_busy_port_raises() -> None:
    with serve(Emulator()) as first, pytest.raises(OSError):
        serve(Emulator(), port=first.port)


def test_run_forever_serves_until_sigterm() -> None:
    script = textwrap.dedent(
        """
        from actions_amplitude.emulator import EmulatorConfig, run_forever
        emulator = run_forever(EmulatorConfig(), port=0, on_ready=lambda url: print(url, flush=True))
        print("stored", len(emulator.events), flush=True)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert httpx.post(f"{url}/2/httpapi", content=body(1), headers=JSON_HEADERS).status_code == 200
            process.send_signal(signal.SIGTERM)
            remaining_output, _ = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    assert remaining_output.strip() == "stored 1"

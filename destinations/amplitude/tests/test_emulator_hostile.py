"""The emulator facing careless or hostile clients over real HTTP: keys, slow bodies, deep JSON.

- The inspection API shows which project a record belongs to by a short fingerprint, never the
  client's API key (it can be read by anyone who can reach the port).
- A client that stops sending its body is answered 408 and disconnected after ``read_timeout_s``
  instead of holding the connection forever.
- JSON nested too deeply to parse is invalid JSON: 400 ``Invalid JSON request body``, as
  Amplitude answers, not a 500 from the emulator.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, RunningServer, key_fingerprint, serve

KEY = "project-key-4f1c9a2be7"
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve(Emulator(EmulatorConfig(read_timeout_s=0.5))) as running:
        yield running


def upload(client: httpx.Client, key: str = KEY) -> None:
    events = [{"event_type": "x", "user_id": "user-00001", "insert_id": "i-1"}]
    assert client.post("/2/httpapi", json={"api_key": key, "events": events}).status_code == 200
    client.post("/identify", data={"api_key": key, "identification": json.dumps([{"user_id": "user-00001"}])})


def test_the_inspection_api_never_returns_an_api_key(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        upload(client)
        answers = [
            client.get(f"/_emulator/{route}").text
            for route in ("events", "identifies", "group_identifies", "user_mappings", "deletions", "stats")
        ]
        answers.append(client.get("/_emulator/users/user-00001").text)
        assert all(KEY not in answer for answer in answers), answers
        (event,) = client.get("/_emulator/events").json()["events"]
        assert event["api_key"] == key_fingerprint(KEY)
        assert event["event"]["user_id"] == "user-00001"  # event data itself is untouched
        # Filtering still works by the key a client knows, or by the fingerprint it was shown.
        assert client.get("/_emulator/events", params={"api_key": KEY}).json()["total"] == 1
        assert client.get("/_emulator/events", params={"api_key": key_fingerprint(KEY)}).json()["total"] == 1
        assert client.get("/_emulator/events", params={"api_key": "other-key"}).json()["total"] == 0
    assert server.emulator.events[0].api_key == KEY  # the Python API, in-process, keeps it


def test_a_fingerprint_is_short_stable_and_tells_keys_apart() -> None:
    assert key_fingerprint(KEY) == key_fingerprint(KEY)
    assert key_fingerprint(KEY) != key_fingerprint(KEY + "x")
    assert len(key_fingerprint(KEY)) <= 16 and KEY[:6] not in key_fingerprint(KEY)


def test_a_client_that_stops_sending_its_body_is_answered_408_and_disconnected(server: RunningServer) -> None:
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        head = b"POST /2/httpapi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        sock.sendall(head + b"Content-Length: 100\r\n\r\n" + b'{"api_key": ')
        started = time.monotonic()
        received = b""
        while chunk := sock.recv(4096):  # until the server closes the connection
            received += chunk
        waited = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert 0.4 <= waited < 20, waited  # about read_timeout_s (0.5 s); generous for a loaded machine
    assert server.emulator.events == []
    # The server still serves others.
    assert httpx.get(f"{server.url}/_emulator/stats").status_code == 200


@pytest.mark.parametrize("depth", [995, 5_000, 100_000])
def test_json_nested_too_deeply_is_invalid_json_not_an_emulator_error(
    server: RunningServer, depth: int
) -> None:
    marker = '"DEEP"'
    event = {"event_type": "x", "user_id": "user-00001", "event_properties": {"a": "DEEP"}}
    body = json.dumps({"api_key": KEY, "events": [event]}).replace(marker, "[" * depth + "]" * depth)
    response = httpx.post(f"{server.url}/2/httpapi", content=body, headers=JSON_HEADERS)
    assert response.status_code == 400, response.text
    assert response.json() == {"code": 400, "error": "Invalid JSON request body"}
    assert server.emulator.events == []

"""Hostile input files: an oversized array element, gzip; nothing is dropped without a record."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from actions.delivery import LINE_TOO_LONG, NdjsonSource, Record, _ndjson, iter_dead_letters
from actions_cli import cli
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))
from http_fakes import LocalServer, local_server


def _event(n: int, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "event": "E", "userId": f"user{n}", "messageId": f"m{n}", **extra}


def read_all(source: object, **options: Any) -> list[Record]:
    async def go() -> list[Record]:
        reader = NdjsonSource(source, **options)  # type: ignore[arg-type]
        return [record async for chunk in reader.batches() for record in chunk]

    return asyncio.run(go())


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


# --- an element of a JSON array too long to keep -------------------------------------------------

_TRICKY = '"x]}\\"{[\\\\"'  # brackets and escaped quotes inside a string must not end the element


@pytest.mark.parametrize("chunk_bytes", [1, 7, 64, 1 << 16])
def test_an_oversized_array_element_is_one_record_and_the_rest_is_read(
    monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(_ndjson, "MAX_LINE_BYTES", 200)
    big_object = json.dumps(_event(2, properties={"s": [_TRICKY] * 40, "t": "\\" * 50}))
    big_string = json.dumps("y" * 300 + _TRICKY)
    big_number = "1" * 300
    small = [json.dumps(_event(n)) for n in (1, 3, 4)]
    elements = [small[0], big_object, small[1], big_string, big_number, small[2]]
    text = "[\n" + ",\n".join(elements) + "\n]\n"
    records = read_all(io.BytesIO(text.encode()), chunk_bytes=chunk_bytes)
    assert [(r.line, r.code, (r.event or {}).get("messageId")) for r in records] == [
        (2, None, "m1"),
        (3, LINE_TOO_LONG, None),
        (4, None, "m3"),
        (5, LINE_TOO_LONG, None),
        (6, LINE_TOO_LONG, None),
        (7, None, "m4"),
    ]
    assert records[1].reason == "element 2 of the JSON array is longer than 200 bytes (not read)"
    assert records[1].raw is not None and records[1].raw.startswith('{"type": "track"')


def test_an_oversized_array_element_is_dead_lettered_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: LocalServer
) -> None:
    monkeypatch.setattr(_ndjson, "MAX_LINE_BYTES", 1000)
    events = [_event(1), _event(2, properties={"blob": "x" * 5000}), _event(3), _event(4)]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": f"{server.url}/hook"}))
    dead, report = tmp_path / "dead.ndjson", tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        ["run", "webhook", "--settings", str(settings), "--events", str(path),
         "--dead-letter", str(dead), "--report", str(report)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert sorted(body["messageId"] for body in server.bodies()) == ["m1", "m3", "m4"]
    summary = json.loads(report.read_text())
    assert (summary["events_in"], summary["delivered"], summary["dead_lettered"]) == (4, 3, 1)
    [letter] = list(iter_dead_letters(dead))
    assert letter["code"] == LINE_TOO_LONG


# --- gzip ----------------------------------------------------------------------------------------


def _ndjson_text(*numbers: int) -> bytes:
    return "".join(json.dumps(_event(n)) + "\n" for n in numbers).encode()


def _run(tmp_path: Path, server: LocalServer, *args: str, input: bytes | None = None) -> Any:  # noqa: A002
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": f"{server.url}/hook"}))
    return CliRunner().invoke(
        cli,
        ["run", "webhook", "--settings", str(settings), "--dead-letter", str(tmp_path / "dead.ndjson"),
         "--report", str(tmp_path / "report.json"), *args],
        input=input,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "workers"), [("events.ndjson.gz", "1"), ("events.ndjson", "1"), ("events.gz", "2")]
)  # recognised by its bytes, whatever the name
def test_a_gzip_file_is_read_decompressed(
    tmp_path: Path, server: LocalServer, name: str, workers: str
) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(_ndjson_text(1, 2, 3)))
    result = _run(tmp_path, server, "--events", str(path), "--workers", workers)
    assert result.exit_code == 0, result.output
    assert sorted(body["messageId"] for body in server.bodies()) == ["m1", "m2", "m3"]


def test_gzip_on_standard_input_and_a_gzipped_json_array_are_read(
    tmp_path: Path, server: LocalServer
) -> None:
    array = json.dumps([_event(1), _event(2)]).encode()
    result = _run(tmp_path, server, "--events", "-", input=gzip.compress(array))
    assert result.exit_code == 0, result.output
    assert sorted(body["messageId"] for body in server.bodies()) == ["m1", "m2"]


def test_gzip_read_in_small_chunks() -> None:
    data = gzip.compress(_ndjson_text(*range(1, 200)))
    records = read_all(io.BytesIO(data), chunk_bytes=3)
    assert [r.event["messageId"] for r in records if r.event] == [f"m{n}" for n in range(1, 200)]


def test_cut_off_gzip_keeps_what_was_read_and_dead_letters_the_rest(
    tmp_path: Path, server: LocalServer
) -> None:
    data = gzip.compress(_ndjson_text(*range(1, 2001)), mtime=0)
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(data[: len(data) // 2])
    result = _run(tmp_path, server, "--events", str(path))
    assert result.exit_code == 1, result.output
    summary = json.loads((tmp_path / "report.json").read_text())
    assert summary["delivered"] == len(server.bodies()) > 100
    assert summary["events_in"] == summary["delivered"] + summary["dead_lettered"]
    letters = list(iter_dead_letters(tmp_path / "dead.ndjson"))
    assert letters[-1]["code"] == "INVALID_JSON"
    assert "gzip data damaged or cut off" in letters[-1]["message"]


def test_checkpoint_with_gzip_is_refused_in_one_line(tmp_path: Path, server: LocalServer) -> None:
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(gzip.compress(_ndjson_text(1)))
    result = _run(tmp_path, server, "--events", str(path), "--checkpoint", str(tmp_path / "cp"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {path} is gzip-compressed: --checkpoint needs uncompressed NDJSON (gunzip it first)"
    ]
    assert server.bodies() == []


# --- the buffer's byte budget -----------------------------------------------------------------------


class _InFlight:
    """A slow HTTP server that records the most requests it held at once."""

    def __init__(self, delay_s: float) -> None:
        self.lock = threading.Lock()
        self.now = self.most = self.total = 0
        counter = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with counter.lock:
                    counter.now += 1
                    counter.total += 1
                    counter.most = max(counter.most, counter.now)
                time.sleep(delay_s)
                with counter.lock:
                    counter.now -= 1
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize(("budget", "most"), [(None, 8), (3.0, 3), (0.5, 1)])
def test_the_byte_budget_bounds_the_events_in_memory(tmp_path: Path, budget: float | None, most: int) -> None:
    # Webhook requests carry one event each, so requests held at once = events in memory (at most).
    server = _InFlight(delay_s=0.3)
    try:
        line = json.dumps(_event(0, properties={"blob": "x" * 20_000}))
        events = tmp_path / "events.ndjson"
        events.write_text("".join(line.replace('"m0"', f'"m{n}"') + "\n" for n in range(24)))
        settings = tmp_path / "settings.json"
        settings.write_text(json.dumps({"url": f"{server.url}/hook"}))
        args = ["run", "webhook", "--settings", str(settings), "--events", str(events), "--concurrency", "8",
                "--report", str(tmp_path / "report.json")]  # fmt: skip
        if budget is not None:  # room for this many events' lines
            args += ["--buffer-bytes", str(int(budget * len(line)))]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert server.total == 24
        # Without a budget (64 MiB) only the 8 connections limit it (a loaded machine may not
        # overlap all 8); with one, the budget does, and an event larger than the whole budget
        # (0.5) still goes, alone.
        if budget is None:
            assert 3 < server.most <= most
        else:
            assert 1 <= server.most <= most
    finally:
        server.server.shutdown()

"""A destination that answers nothing: failures are logged as they happen, and the run stops early.

``actions run`` as a subprocess with stderr a pipe (as under systemd, cron or CI), against a
closed port and against a server that accepts connections and never answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

if TYPE_CHECKING:  # mypy finds the helper by its path; pytest by the folder added above
    from tests.delivery.http_fakes import local_server
else:
    from http_fakes import local_server

SECRET = "unreachable-secret-api-key-1"
EVENTS = [
    {"type": "track", "event": "Signed Up", "userId": f"user-{n:04d}", "messageId": f"m{n}"}
    for n in range(20)
]
#: Far more than the run needs once it stops early; before, it retried silently for minutes.
LIMIT_S = 90


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """A server that accepts every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for conn in held:
            conn.close()


def run(tmp_path: Path, base_url: str, *options: str) -> tuple[subprocess.CompletedProcess[str], float]:
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_AMPLITUDE")}
    env.update(ACTIONS_AMPLITUDE_API_KEY=SECRET, ACTIONS_AMPLITUDE_SECRET_KEY="unreachable-secret-2")
    command = [sys.executable, "-c", "from actions_cli import main; main()", "run", "amplitude"]
    started = time.monotonic()
    result = subprocess.run(
        [*command, "--events", str(events), "--base-url", base_url, "--report", str(tmp_path / "r.json"),
         "--dead-letter", str(tmp_path / "dead.ndjson"), *options],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=LIMIT_S,
    )  # fmt: skip
    return result, time.monotonic() - started


def dead_letters(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "dead.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def assert_stopped_early_with_nothing_lost(tmp_path: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr and SECRET not in (tmp_path / "dead.ndjson").read_text()
    assert "Error: the destination could not be reached: amplitude: no answer to any request for 2s" in (
        result.stderr
    )
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["events_in"] == len(EVENTS)
    assert (report["delivered"], report["dead_lettered"], report["left"]) == (0, len(EVENTS), 0)
    assert report["destinations"]["amplitude"]["unreachable_error"].startswith("no answer to any request")
    letters = dead_letters(tmp_path)
    assert sorted(letter["event"]["messageId"] for letter in letters) == sorted(  # type: ignore[index]
        e["messageId"] for e in EVENTS
    )
    assert all(letter["retryable"] is True for letter in letters)


def test_a_closed_port_is_logged_as_it_fails_and_the_run_stops_early(tmp_path: Path) -> None:
    result, elapsed = run(tmp_path, f"http://127.0.0.1:{closed_port()}", "--unreachable-after", "2")
    assert_stopped_early_with_nothing_lost(tmp_path, result)
    warnings = [line for line in result.stderr.splitlines() if "retry(s) scheduled" in line]
    # Rate-limited: the run lasts a few seconds, one line per 10 s at most, however many attempts.
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("amplitude: 1 failed attempt(s)") and "ConnectError" in warnings[0]
    assert elapsed < LIMIT_S


def test_a_server_that_never_answers_is_logged_and_the_run_stops_early(tmp_path: Path) -> None:
    with black_hole() as url:
        result, _ = run(tmp_path, url, "--unreachable-after", "2", "--timeout", "0.5")
    assert_stopped_early_with_nothing_lost(tmp_path, result)
    assert "\namplitude: 1 failed attempt(s) in 0s (ETIMEDOUT 1)" in "\n" + result.stderr


def test_a_server_that_answers_errors_is_retried_and_logged_but_never_called_unreachable(
    tmp_path: Path,
) -> None:
    with local_server(lambda request: (503, {})) as server:
        result, _ = run(tmp_path, server.url, "--unreachable-after", "0.1", "--max-attempts", "3")
    assert result.returncode == 1, result.stderr
    assert "no answer" not in result.stderr
    assert "amplitude: 1 failed attempt(s) in 0s (503 1), 1 retry(s) scheduled" in result.stderr
    assert len(dead_letters(tmp_path)) == len(EVENTS)


def test_a_server_that_answers_too_much_is_retried_but_never_called_unreachable(tmp_path: Path) -> None:
    # An answer the session refuses to read (over 1 MiB) is still an answer: the destination is up.
    huge = b"x" * (2 * 1024 * 1024)
    with local_server(lambda request: (500, {"content-type": "text/plain"}, huge)) as server:
        result, _ = run(tmp_path, server.url, "--unreachable-after", "0.1", "--max-attempts", "3")
    assert result.returncode == 1, result.stderr
    assert "no answer" not in result.stderr
    letters = dead_letters(tmp_path)
    assert len(letters) == len(EVENTS)
    assert {letter["code"] for letter in letters} == {"RESPONSE_TOO_LARGE"}

"""A real ``actions run`` process stopped by SIGTERM mid-stream loses nothing it had taken in.

It exits 1 after SIGTERM, 130 after SIGINT (Ctrl-C), as shells report an interrupted command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from actions.delivery import iter_dead_letters
from http_fakes import LocalServer, local_server

EVENTS = 3000


def write_inputs(tmp_path: Path, server: LocalServer) -> tuple[Path, Path]:
    events = tmp_path / "events.ndjson"
    with events.open("w", encoding="utf-8") as out:
        for i in range(1, EVENTS + 1):
            out.write(
                json.dumps({"type": "track", "event": "E", "userId": "u", "messageId": f"line{i}"}) + "\n"
            )
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": f"{server.url}/hook"}), encoding="utf-8")
    return events, settings


def start(tmp_path: Path, events: Path, settings: Path, *extra: str, **popen: Any) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-c",
        "from actions_cli import main; main()",
        "run",
        "webhook",
        "--events",
        str(events),
        "--settings",
        str(settings),
        "--concurrency",
        "4",
        "--dead-letter",
        str(tmp_path / "dl.ndjson"),
        "--report",
        str(tmp_path / "report.json"),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_WEBHOOK_")}
    return subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def wait_for(server: LocalServer, requests: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while len(server.received) < requests:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.01)


def outcome(tmp_path: Path, server: LocalServer) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    dead = list(iter_dead_letters(tmp_path / "dl.ndjson")) if (tmp_path / "dl.ndjson").exists() else []
    received = [request.body["messageId"] for request in server.received]
    return report, dead, received


@pytest.mark.slow
def test_sigterm_finishes_in_flight_work_and_accounts_for_every_event_taken_in(tmp_path: Path) -> None:
    with local_server(delay_s=0.01) as server:
        events, settings = write_inputs(tmp_path, server)
        process = start(tmp_path, events, settings, "--buffer", "20")
        wait_for(server, 50, process)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        report, dead, received = outcome(tmp_path, server)
    assert process.returncode == 1, stderr
    assert "SIGTERM: stopping" in stderr
    assert report["stopped"] == "signal"
    taken_in = report["events_in"]
    assert 50 <= taken_in < EVENTS
    assert taken_in == report["delivered"] + report["filtered"] + report["dead_lettered"]
    # Everything taken in is lines 1..last_line; each was delivered exactly once (in-flight work
    # was finished within the shutdown timeout), so nothing is dead-lettered.
    assert report["last_line"] == taken_in
    assert sorted(received, key=lambda m: int(m[4:])) == [f"line{i}" for i in range(1, taken_in + 1)]
    assert report["delivered"] == taken_in
    assert dead == []


@pytest.mark.slow
def test_work_that_outlives_the_shutdown_timeout_is_dead_lettered_not_dropped(tmp_path: Path) -> None:
    with local_server(delay_s=10) as server:
        events, settings = write_inputs(tmp_path, server)
        process = start(tmp_path, events, settings, "--shutdown-timeout", "0.3")
        wait_for(server, 4, process)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        took = time.monotonic() - started
        report, dead, _ = outcome(tmp_path, server)
    assert process.returncode == 1, stderr
    assert took < 8  # did not wait for the 10-second answers
    taken_in = report["events_in"]
    assert taken_in == report["delivered"] + report["filtered"] + report["dead_lettered"]
    assert report["dead_lettered"] == len(dead) == taken_in - report["delivered"]
    assert {record["code"] for record in dead} == {"INTERRUPTED"}
    lines = [record["line"] for record in dead]
    assert len(set(lines)) == len(lines)  # one record per event not delivered...
    assert set(lines) <= set(range(1, taken_in + 1))  # ...all among the lines taken in


@pytest.mark.slow
def test_second_signal_stops_at_once(tmp_path: Path) -> None:
    with local_server(delay_s=3) as server:
        events, settings = write_inputs(tmp_path, server)
        process = start(tmp_path, events, settings, "--shutdown-timeout", "60")
        wait_for(server, 4, process)
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        report, dead, _ = outcome(tmp_path, server)
    assert process.returncode == 130, stderr
    assert report["events_in"] == report["delivered"] + report["filtered"] + report["dead_lettered"]
    assert len(dead) == report["dead_lettered"] > 0


@pytest.mark.slow
def test_ctrl_c_to_the_whole_process_group_with_workers_is_one_graceful_stop(tmp_path: Path) -> None:
    with local_server(delay_s=0.01) as server:
        events, settings = write_inputs(tmp_path, server)
        process = start(
            tmp_path, events, settings, "--buffer", "20", "--workers", "2", start_new_session=True
        )
        wait_for(server, 50, process)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        _, stderr = process.communicate(timeout=60)
        report, dead, received = outcome(tmp_path, server)
    assert process.returncode == 130, stderr
    assert stderr.count("stopping") == 1  # the workers did not relay it as a second signal
    assert report["delivered"] == report["events_in"] == len(received)
    assert dead == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 1), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_while_stdin_is_open_but_idle_drains_and_exits(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    """A producer that sent some lines and then nothing: the reading thread is blocked on the pipe."""
    with local_server() as server:
        _, settings = write_inputs(tmp_path, server)
        process = start(tmp_path, Path("-"), settings, stdin=subprocess.PIPE)
        assert process.stdin is not None
        for i in range(1, 6):
            process.stdin.write(
                json.dumps({"type": "track", "event": "E", "userId": "u", "messageId": f"line{i}"})
            )
            process.stdin.write("\n")
        process.stdin.flush()
        wait_for(server, 5, process)
        process.send_signal(sig)
        process.wait(timeout=60)  # with stdin still open, as the producer keeps it
        _, stderr = process.communicate()
        report, dead, received = outcome(tmp_path, server)
    assert "Fatal Python error" not in stderr
    assert process.returncode == code, stderr  # it used to abort (-6: SIGABRT) at interpreter shutdown
    assert f"{sig.name}: stopping" in stderr
    assert stderr.splitlines()[-1] == "stopped early; input taken in up to line 5"
    assert report["stopped"] == "signal" and report["events_in"] == report["delivered"] == 5
    assert sorted(received) == [f"line{i}" for i in range(1, 6)] and dead == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_checkpointed_run_stopped_by_a_signal_says_to_run_the_same_command_again(
    tmp_path: Path, sig: signal.Signals
) -> None:
    with local_server(delay_s=0.01) as server:
        events, settings = write_inputs(tmp_path, server)
        lines = events.read_text(encoding="utf-8").splitlines(keepends=True)[:400]
        events.write_text("".join(lines), encoding="utf-8")
        resume = ("--checkpoint", str(tmp_path / "cp.json"), "--buffer", "20", "-q")
        process = start(tmp_path, events, settings, *resume)
        wait_for(server, 50, process)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        stopped, _, _ = outcome(tmp_path, server)
        again = start(tmp_path, events, settings, *resume)
        _, again_stderr = again.communicate(timeout=120)
        report, dead, received = outcome(tmp_path, server)
    assert process.returncode == (130 if sig == signal.SIGINT else 1), stderr
    # --quiet prints no summary, but says how to go on; and that is true:
    assert stderr.splitlines()[-1].startswith("stopped early")
    assert stderr.splitlines()[-1].endswith(": run the same command again to continue")
    assert again.returncode == 0, again_stderr
    assert 50 <= stopped["delivered"] < len(lines)
    assert report["events_in"] == len(lines) - stopped["delivered"] and dead == []
    assert sorted(received) == sorted(f"line{i}" for i in range(1, len(lines) + 1))  # each once

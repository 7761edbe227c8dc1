"""Output files: unwritable paths refused before any event, resource failures, replay of one run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from http_fakes import LocalServer, local_server


@pytest.fixture
def rejecting() -> Iterator[LocalServer]:
    with local_server(lambda request: (400, {})) as server:
        yield server


def actions(tmp_path: Path, server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": f"{server.url}/hook"}), encoding="utf-8")
    events = tmp_path / "events.ndjson"
    if not events.exists():
        events.write_text(
            "".join(
                json.dumps({"type": "track", "event": f"E{i}", "userId": f"u{i}"}) + "\n" for i in range(20)
            ),
            encoding="utf-8",
        )

    return subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", args[0], "webhook",
         "--settings", str(settings), "--events", str(events), *args[1:]],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def replay_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from actions_cli import main; main()", "replay", "dl.ndjson"]
    settings = ["--settings", str(tmp_path / "settings.json")]
    return subprocess.run(
        [*command, *settings, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )


@pytest.mark.parametrize("option", ["--dead-letter", "--report", "--checkpoint"])
def test_an_output_path_under_a_regular_file_is_refused_before_anything_is_sent(
    tmp_path: Path, rejecting: LocalServer, option: str
) -> None:
    result = actions(tmp_path, rejecting, "run", option, str(tmp_path / "settings.json" / "out"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {option} ")
    assert "is not a folder" in result.stderr and "Traceback" not in result.stderr
    assert rejecting.received == []


def test_disk_full_for_dead_letters_records_nothing_half_and_counts_them_unrecorded(
    tmp_path: Path, rejecting: LocalServer
) -> None:
    result = actions(tmp_path, rejecting, "run", "--dead-letter", "/dev/full", "--report", "r.json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "dead letters cannot be written to /dev/full: No space left on device" in result.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["dead_lettered"] == 0 and report["dead_letter_records"] == 0
    assert report["unrecorded"] == report["events_in"] == report["dead_letters_unwritten"] > 0


def test_a_file_size_limit_leaves_only_whole_records_and_honest_counts(
    tmp_path: Path, rejecting: LocalServer
) -> None:
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": f"{rejecting.url}/hook"}), encoding="utf-8")
    events = tmp_path / "events.ndjson"
    events.write_text(
        "".join(json.dumps({"type": "track", "event": f"E{i}", "userId": f"u{i}"}) + "\n" for i in range(20)),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", "run", "webhook", "--settings",
         str(settings), "--events", str(events), "--dead-letter", "dl.ndjson", "--report", "r.json",
         "--no-batching"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, preexec_fn=limit,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    text = (tmp_path / "dl.ndjson").read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = [json.loads(line) for line in text.splitlines()]  # every line whole
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["dead_letter_records"] == report["dead_lettered"] == len(lines) > 0
    assert report["dead_letters_unwritten"] > 0
    assert report["events_in"] == report["dead_lettered"] + report["unrecorded"]


def test_replay_run_sends_only_the_records_of_that_run(tmp_path: Path, rejecting: LocalServer) -> None:
    actions(tmp_path, rejecting, "run", "--dead-letter", "dl.ndjson")
    second = actions(tmp_path, rejecting, "run", "--dead-letter", "dl.ndjson")
    run_id = json.loads((tmp_path / "dl.ndjson").read_text(encoding="utf-8").splitlines()[-1])["run_id"]
    assert f"by run {run_id}" in second.stderr and f"--run {run_id}" in second.stderr
    before = len(rejecting.received)
    replay = replay_run(tmp_path, "--run", run_id, "--report", "r.json")
    assert replay.returncode == 1, replay.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["events_in"] == 20  # of 40 records in the file
    assert len(rejecting.received) > before
    unknown = replay_run(tmp_path, "--run", "nope")
    assert unknown.returncode == 2 and "holds no dead letters of run nope" in unknown.stderr

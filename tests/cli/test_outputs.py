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


def test_running_out_of_descriptors_after_the_start_still_writes_every_dead_letter(tmp_path: Path) -> None:
    # The dead-letter file used to be opened at the first dead letter: by then a busy run could have
    # used up its descriptors, and 3,339 of 3,482 dead letters were never written.
    script = """
import os, sys
from actions.delivery import DeadLetterWriter
writer = DeadLetterWriter(sys.argv[1])
writer.open()  # what a run does before it reads any event
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError as exc:
    print(exc.strerror, file=sys.stderr)
for i in range(500):
    writer.write({"event": {"type": "track", "event": f"E{i}"}, "reason": "refused"})
writer.close()
"""
    path = tmp_path / "dl.ndjson"
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Too many open files" in result.stderr  # descriptors really ran out
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"]["event"] for line in lines] == [f"E{i}" for i in range(500)]


def test_dead_letters_that_cannot_be_written_are_not_checkpointed_and_the_next_run_records_them(
    tmp_path: Path, rejecting: LocalServer
) -> None:
    outputs = ("--checkpoint", "cp.json", "--report", "r.json", "--dead-letter")
    first = actions(tmp_path, rejecting, "run", *outputs, "/dev/full")
    assert first.returncode == 1 and "Traceback" not in first.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["dead_lettered"] == 0 and report["unrecorded"] == 0
    assert report["left"] == report["events_in"] == 20  # none settled: all are left for the next run
    second = actions(tmp_path, rejecting, "run", *outputs, "dl.ndjson")
    assert second.returncode == 1, second.stderr
    letters = [json.loads(line) for line in (tmp_path / "dl.ndjson").read_text(encoding="utf-8").splitlines()]
    assert sorted(letter["event"]["event"] for letter in letters) == sorted(f"E{i}" for i in range(20))


def test_replay_reads_a_line_nested_too_deep_as_unreadable_input(
    tmp_path: Path, rejecting: LocalServer
) -> None:
    actions(tmp_path, rejecting, "run", "--dead-letter", "dl.ndjson")
    run_id = json.loads((tmp_path / "dl.ndjson").read_text(encoding="utf-8").splitlines()[-1])["run_id"]
    with (tmp_path / "dl.ndjson").open("a", encoding="utf-8") as file:
        file.write("[" * 100_000 + "]" * 100_000 + "\n")  # damaged by hand, say
    replay = replay_run(tmp_path, "--run", run_id, "--report", "r.json")
    assert replay.returncode == 1, replay.stderr
    assert "Traceback" not in replay.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["events_in"] == 21 and report["dead_letter_codes"].get("NESTED_TOO_DEEP") == 1

"""``actions run amplitude --checkpoint FILE``: refusals, resuming, and ``kill -9`` at random moments.

A checkpoint keeps, durably, the input position below which every event is settled (delivered,
filtered or dead-lettered), plus the lines above it settled out of order. Running the same command
again continues from there; after ``kill -9`` the next run delivers everything the first did not,
re-sending only what the checkpoint does not cover (Amplitude drops those by ``insert_id`` =
``messageId``). Every run goes to a real local Amplitude (the emulator served over HTTP).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import pytest
from actions.delivery import iter_dead_letters
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve
from actions_cli import cli
from click.testing import CliRunner

SETTINGS = {"apiKey": "e2e-key", "secretKey": "e2e-secret"}
#: Most events one Amplitude upload carries (log_event's batching).
BATCH = 1000
#: The --buffer of the kill -9 runs: the most events in flight at once.
BUFFER = 2000


# --- input ------------------------------------------------------------------------------------


def message_id(i: int) -> str:
    return f"msg-{i:06d}"


def event_line(i: int, user: str | None = None) -> str:
    """Line ``i`` of an input: a valid track event (ids of at least 5 characters) and a newline."""
    event = {
        "type": "track",
        "event": "Viewed",
        "userId": user or f"user-{i % 500:05d}",
        "messageId": message_id(i),
        "timestamp": "2026-11-29T10:00:00.000Z",
        "properties": {"n": i},
    }
    return json.dumps(event) + "\n"


def write_events(path: Path, first: int, last: int, *, append: bool = False) -> None:
    """Events ``first``..``last`` (line ``i`` carries ``msg-i``), one per line."""
    with path.open("a" if append else "w", encoding="utf-8") as out:
        out.write("".join(event_line(i) for i in range(first, last + 1)))


def ids(first: int, last: int) -> set[str]:
    return {message_id(i) for i in range(first, last + 1)}


def checkpointed_lines(path: Path) -> set[int]:
    """The lines a checkpoint file says are settled: all up to ``line``, and ``settled_after``."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    lines = set(range(1, saved["line"] + 1))
    for first, last in saved["settled_after"]:
        lines.update(range(first, last + 1))
    return lines


# --- the local Amplitude and the runs -----------------------------------------------------------


@dataclass
class Amplitude:
    emulator: Emulator
    url: str

    def requests(self) -> int:
        """Requests received so far (any route, any answer)."""
        return sum(sum(by_status.values()) for by_status in self.emulator.stats.requests.values())

    def stored(self) -> set[str]:
        return set(self.emulator.insert_ids())

    def wait_until_idle(self) -> None:
        """Let the server finish whatever request it received whole (after a kill)."""
        seen = -1
        while seen != (seen := self.requests()):
            time.sleep(0.25)


@pytest.fixture
def amplitude() -> Iterator[Amplitude]:
    emulator = Emulator(EmulatorConfig())
    with serve(emulator) as server:
        yield Amplitude(emulator, server.url)


@pytest.fixture(autouse=True)
def _no_amplitude_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ACTIONS_AMPLITUDE_"):
            monkeypatch.delenv(name)


class Result(NamedTuple):
    code: int
    stderr: str
    report: dict[str, Any] | None


def arguments(work: Path, amplitude: Amplitude, *extra: str) -> list[str]:
    settings = work / "settings.json"
    if not settings.exists():
        settings.write_text(json.dumps(SETTINGS), encoding="utf-8")
    return [
        "run",
        "amplitude",
        "--settings",
        str(settings),
        "--base-url",
        amplitude.url,
        "--dead-letter",
        str(work / "dead.ndjson"),
        "--report",
        str(work / "report.json"),
        *extra,
    ]


def _report(work: Path) -> dict[str, Any] | None:
    path = work / "report.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def run_here(work: Path, amplitude: Amplitude, *extra: str) -> Result:
    """``actions run amplitude ...`` in this process (input from a file)."""
    (work / "report.json").unlink(missing_ok=True)
    result = CliRunner().invoke(cli, arguments(work, amplitude, *extra))
    return Result(result.exit_code, result.stderr, _report(work))


def command(work: Path, amplitude: Amplitude, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from actions_cli import main; main()", *arguments(work, amplitude, *extra)]


def run_process(
    work: Path, amplitude: Amplitude, *extra: str, stdin: IO[bytes] | None = None, feed: bytes | None = None
) -> Result:
    """``actions run amplitude ...`` as a real process (stdin redirected from a file, or a pipe)."""
    (work / "report.json").unlink(missing_ok=True)
    done = subprocess.run(
        command(work, amplitude, *extra),
        cwd=work,
        stdin=stdin,
        input=feed,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return Result(done.returncode, done.stderr.decode("utf-8", errors="replace"), _report(work))


def dead_letters(work: Path) -> list[dict[str, Any]]:
    path = work / "dead.ndjson"
    return list(iter_dead_letters(path)) if path.exists() else []


def assert_refused(result: Result, amplitude: Amplitude, *words: str) -> str:
    """Exit code 2, one line ``Error: ...`` containing ``words``, and no request sent."""
    lines = result.stderr.strip().splitlines()
    assert result.code == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    for word in words:
        assert word in lines[0]
    assert amplitude.requests() == 0
    assert result.report is None  # the run never started
    return lines[0]


def delivered_run(work: Path, amplitude: Amplitude, events: Path, checkpoint: Path) -> Result:
    """A first, complete run over ``events``; then the emulator is emptied (so refusals count from 0)."""
    result = run_here(work, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    assert result.code == 0, result.stderr
    assert checkpoint.exists()
    amplitude.emulator.reset()
    return result


# --- refusals -----------------------------------------------------------------------------------


def test_a_checkpoint_of_another_input_is_refused(tmp_path: Path, amplitude: Amplitude) -> None:
    first, other, checkpoint = tmp_path / "first.ndjson", tmp_path / "other.ndjson", tmp_path / "cp.json"
    write_events(first, 1, 50)
    write_events(other, 1001, 1050)
    delivered_run(tmp_path, amplitude, first, checkpoint)
    saved = checkpoint.read_bytes()

    result = run_here(tmp_path, amplitude, "--events", str(other), "--checkpoint", str(checkpoint))

    message = assert_refused(result, amplitude, "another input", str(other), "--checkpoint")
    assert str(first) in message  # names the input the checkpoint was written for
    assert checkpoint.read_bytes() == saved  # a refused run leaves the checkpoint as it was
    assert dead_letters(tmp_path) == []


def _edit_line(path: Path, line: int) -> None:
    """Replace line ``line`` by the same event for another user (same length)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = event_line(line, user="user-99999")
    assert len(edited) == len(lines[line - 1]) and edited != lines[line - 1]
    lines[line - 1] = edited
    path.write_text("".join(lines), encoding="utf-8")


def _truncate(path: Path, lines: int) -> None:
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]), "utf-8")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param(lambda path: _edit_line(path, 900), ("has changed", "first"), id="edited-after-64KiB"),
        pytest.param(lambda path: _truncate(path, 1100), ("has changed",), id="truncated"),
        pytest.param(
            lambda path: _edit_line(path, 3),
            ("has changed", "first 65,536 bytes differ"),
            id="edited-in-first-64KiB",
        ),
    ],
)
def test_an_input_changed_below_the_position_is_refused(
    tmp_path: Path, amplitude: Amplitude, change: Any, words: tuple[str, ...]
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 1200)  # about 170 KB: line 900 is well past the first 64 KiB
    assert events.stat().st_size > 2 * 64 * 1024
    delivered_run(tmp_path, amplitude, events, checkpoint)
    saved = checkpoint.read_bytes()
    change(events)

    result = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert_refused(result, amplitude, str(events), "--checkpoint", *words)
    assert checkpoint.read_bytes() == saved


def test_the_error_for_an_input_changed_near_its_start_says_it_changed(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 100)
    delivered_run(tmp_path, amplitude, events, checkpoint)
    _edit_line(events, 3)

    result = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    message = assert_refused(result, amplitude)
    assert "changed" in message
    assert "another input" not in message


def test_a_pipe_on_stdin_is_refused(tmp_path: Path, amplitude: Amplitude) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 20)

    result = run_process(tmp_path, amplitude, "--checkpoint", str(checkpoint), feed=events.read_bytes())

    assert_refused(result, amplitude, "<stdin>", "not a regular file", "pipe", "< FILE")
    assert not checkpoint.exists()


def test_a_json_array_input_is_refused(tmp_path: Path, amplitude: Amplitude) -> None:
    events, checkpoint = tmp_path / "events.json", tmp_path / "cp.json"
    events.write_text("  [" + ", ".join(event_line(i).strip() for i in range(1, 4)) + "]\n", "utf-8")

    result = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert_refused(result, amplitude, str(events), "JSON array", "NDJSON")
    assert not checkpoint.exists()


def test_a_json_array_after_many_blank_lines_is_refused_too(tmp_path: Path, amplitude: Amplitude) -> None:
    events, checkpoint = tmp_path / "events.json", tmp_path / "cp.json"
    events.write_text("\n" * 5000 + "[" + event_line(1).strip() + "]\n", "utf-8")

    result = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert_refused(result, amplitude, "JSON array")


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: A checkpoint of the empty prefix of an empty head: accepted for any input, once well formed.
_MINIMAL = {"format": "actions-checkpoint/1", "offset": 0, "line": 0, "sha256": _EMPTY_SHA256}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"format": "actions-checkpoint/1", "offset": 12', id="cut-off-json"),
        pytest.param(b"not json at all\n", id="text"),
        pytest.param(b"[1, 2, 3]\n", id="json-array"),
        pytest.param(json.dumps({"format": "actions-checkpoint/2"}).encode(), id="other-format"),
        pytest.param(json.dumps({**_MINIMAL, "head": "abc"}).encode(), id="head-not-an-object"),
        pytest.param(event_line(1).encode() * 3, id="an-events-file"),
        pytest.param(
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xfe binary",
            id="binary-not-utf8",
        ),
        pytest.param(
            json.dumps({**_MINIMAL, "head": {"bytes": 0}}).encode(),
            id="head-without-sha256",
        ),
        pytest.param(
            json.dumps(
                {**_MINIMAL, "head": {"bytes": 0, "sha256": _EMPTY_SHA256}, "settled_after": [1, 2]}
            ).encode(),
            id="settled-after-malformed",
        ),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_refused(
    tmp_path: Path, amplitude: Amplitude, content: bytes
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 20)
    checkpoint.write_bytes(content)

    result = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert_refused(result, amplitude, str(checkpoint), "not a checkpoint")
    assert checkpoint.read_bytes() == content  # not overwritten


# --- accepted: continuing ------------------------------------------------------------------------


def test_a_file_that_grew_continues_with_the_appended_lines_only(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 300)
    first = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    assert first.code == 0, first.stderr
    assert first.report is not None and first.report["delivered"] == 300
    write_events(events, 301, 420, append=True)

    second = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert second.code == 0, second.stderr
    assert second.report is not None
    assert second.report["events_in"] == second.report["delivered"] == 120
    stats = amplitude.emulator.stats
    assert stats.events_received == 420 and stats.duplicates_dropped == 0  # nothing sent twice
    assert amplitude.stored() == ids(1, 420)
    assert checkpointed_lines(checkpoint) == set(range(1, 421))


def test_a_completed_run_run_again_sends_nothing(tmp_path: Path, amplitude: Amplitude) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    with events.open("w", encoding="utf-8") as out:  # events, blank lines and input that is no event
        for i in range(1, 201):
            if i % 50 == 0:
                out.write('{"type": "track", "event": "cut off\n')
            elif i % 70 == 0:
                out.write("\n")
            elif i % 90 == 0:
                out.write('["not", "an", "event"]\n')
            else:
                out.write(event_line(i))
    first = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    assert first.code == 1, first.stderr  # some lines were dead-lettered
    settled = dead_letters(tmp_path)
    assert len(settled) == 6
    requests = amplitude.requests()

    again = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert again.code == 0, again.stderr
    assert again.report is not None and again.report["events_in"] == 0
    assert amplitude.requests() == requests
    assert dead_letters(tmp_path) == settled  # dead-lettered lines are settled too: not again
    assert checkpointed_lines(checkpoint) == set(range(1, 201))


def test_stdin_redirected_from_a_file_works_with_a_checkpoint(tmp_path: Path, amplitude: Amplitude) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 100)
    with events.open("rb") as stdin:
        first = run_process(tmp_path, amplitude, "--checkpoint", str(checkpoint), stdin=stdin)
    assert first.code == 0, first.stderr
    assert first.report is not None and first.report["delivered"] == 100
    assert json.loads(checkpoint.read_text(encoding="utf-8"))["input"] == "<stdin>"
    write_events(events, 101, 150, append=True)

    with events.open("rb") as stdin:
        second = run_process(tmp_path, amplitude, "--checkpoint", str(checkpoint), stdin=stdin)
    # The input is known by its content, not its name: the same file by path continues too.
    third = run_process(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert second.code == 0, second.stderr
    assert second.report is not None and second.report["events_in"] == 50
    assert third.code == 0, third.stderr
    assert third.report is not None and third.report["events_in"] == 0
    assert amplitude.emulator.stats.events_received == 150
    assert amplitude.stored() == ids(1, 150)


def test_a_dry_run_does_not_count_as_delivered_in_the_checkpoint(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 100)
    dry = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint), "--dry-run")
    assert dry.code in (0, 2), dry.stderr  # done (and nothing recorded), or refused
    assert amplitude.requests() == 0

    real = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert real.code == 0, real.stderr
    assert amplitude.stored() == ids(1, 100)


def test_after_an_unterminated_last_line_the_lines_appended_keep_their_numbers(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    events.write_text(event_line(1) + event_line(2).rstrip("\n"), "utf-8")  # no newline at the end
    first = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    assert first.code == 0, first.stderr
    with events.open("a", encoding="utf-8") as out:  # the writer ends line 2, then adds lines 3 and 4
        out.write("\n" + event_line(3) + '{"type": "track", "event": "cut off\n')

    second = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert second.code == 1, second.stderr
    assert amplitude.stored() == ids(1, 3)
    assert [record["line"] for record in dead_letters(tmp_path)] == [4]
    assert second.report is not None and second.report["last_line"] == 4


def test_a_last_line_without_newline_is_read_again_by_each_run_until_it_has_one(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    events.write_text(event_line(1) + event_line(2) + event_line(3).rstrip("\n") + "  ", "utf-8")
    first = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    again = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert first.report is not None and first.report["delivered"] == 3
    assert again.code == 0, again.stderr
    assert again.report is not None and again.report["events_in"] == again.report["delivered"] == 1
    assert json.loads(checkpoint.read_text(encoding="utf-8"))["line"] == 2
    assert amplitude.emulator.insert_ids()[message_id(3)] == 1  # the repeat dropped by insert_id


def test_a_last_line_completed_by_its_writer_after_a_run_is_delivered(
    tmp_path: Path, amplitude: Amplitude
) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    line = event_line(2)
    events.write_text(event_line(1) + line[:30], "utf-8")  # the writer is half-way through line 2
    run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))
    with events.open("a", encoding="utf-8") as out:
        out.write(line[30:] + event_line(3))

    second = run_here(tmp_path, amplitude, "--events", str(events), "--checkpoint", str(checkpoint))

    assert amplitude.stored() == ids(1, 3), dead_letters(tmp_path)
    assert second.report is not None


# --- stops and crashes ----------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_leaves_the_rest_for_the_next_run_which_sends_nothing_twice(tmp_path: Path) -> None:
    events, checkpoint = tmp_path / "events.ndjson", tmp_path / "cp.json"
    write_events(events, 1, 20_000)
    emulator = Emulator(EmulatorConfig(latency_ms=50))
    with serve(emulator) as server:
        amplitude = Amplitude(emulator, server.url)
        extra = ["--events", str(events), "--checkpoint", str(checkpoint)]
        extra += ["--concurrency", "2", "--buffer", "1500", "--batch-size", "200"]
        process = subprocess.Popen(command(tmp_path, amplitude, *extra), cwd=tmp_path, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while emulator.stats.events_stored < 2000:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        stopped = _report(tmp_path)
        assert process.returncode == 1, stderr
        assert stopped is not None and stopped["stopped"] == "signal"
        assert stopped["dead_lettered"] == 0  # with a checkpoint, what was not finished is left
        assert stopped["delivered"] + stopped["left"] == stopped["events_in"]
        assert b"stopped early" in stderr
        before = amplitude.stored()
        assert 2000 <= len(before) < 20_000
        assert {message_id(i) for i in checkpointed_lines(checkpoint)} == before

        again = run_process(tmp_path, amplitude, *extra)

        assert again.code == 0, again.stderr
        assert again.report is not None and again.report["events_in"] == 20_000 - len(before)
        assert amplitude.stored() == ids(1, 20_000)
        assert emulator.stats.duplicates_dropped == 0  # a graceful stop checkpoints everything settled


EVENTS = 100_000


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "events.ndjson"
    write_events(path, 1, EVENTS)
    return path


class Killed(NamedTuple):
    stored: set[str]  # what the emulator held after the kill
    line: int  # the checkpoint's position (in lines) left behind
    settled: set[int]  # the lines the checkpoint left behind says are settled
    seconds: float  # from start to kill


def live_processes_in_group(group: int) -> list[int]:
    """The processes of process group ``group`` that are running (zombies left out; Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            found.append(int(entry.name))
    return found


def kill_group(group: int) -> None:
    """SIGKILL what is left of process group ``group`` (a test started it in a session of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def start_and_kill(
    work: Path, amplitude: Amplitude, events: Path, ready: Any, extra: tuple[str, ...] = ()
) -> Killed:
    """Start a real ``actions run amplitude --checkpoint``; SIGKILL it once ``ready(elapsed, stored, cp)``.

    Only the ``actions run`` process is killed, as ``kill -9 PID`` does; it runs in a session of
    its own so that what it leaves behind (worker processes) can be cleaned up afterwards.
    """
    checkpoint = work / "cp.json"
    args = ("--events", str(events), "--checkpoint", str(checkpoint), "--buffer", str(BUFFER), "-q", *extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_AMPLITUDE_")}
    started = time.monotonic()
    with (work / "stderr.txt").open("wb") as stderr:
        process = subprocess.Popen(
            command(work, amplitude, *args),
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    first_stored: float | None = None
    try:
        while True:
            now, stored = time.monotonic(), amplitude.emulator.stats.events_stored
            if process.poll() is not None:
                raise AssertionError(f"the run ended before the kill: {(work / 'stderr.txt').read_text()}")
            assert now - started < 60, "the run never got going"
            if stored and first_stored is None:
                first_stored = now
            if first_stored is not None and ready(now - first_stored, stored, checkpoint):
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        kill_group(process.pid)  # a worker that outlives its parent would keep sending; never let one leak
    killed_at = time.monotonic()
    assert process.returncode == -signal.SIGKILL
    amplitude.wait_until_idle()
    stored_ids = amplitude.stored()
    assert checkpoint.exists(), "no checkpoint after more than 1.5 s of delivery"
    line = json.loads(checkpoint.read_text(encoding="utf-8"))["line"]
    settled = checkpointed_lines(checkpoint)
    return Killed(stored_ids, line, settled, killed_at - started)


def check_resumed(work: Path, amplitude: Amplitude, events: Path, killed: Killed, *extra: str) -> Result:
    """Run the same command again; assert it completed and nothing is lost."""
    checkpoint = work / "cp.json"
    again = run_process(
        work, amplitude, "--events", str(events), "--checkpoint", str(checkpoint), "--buffer", str(BUFFER),
        "-q", *extra,
    )  # fmt: skip
    assert again.code == 0, again.stderr
    assert again.report is not None
    assert again.report["events_in"] == EVENTS - len(killed.settled)  # exactly what was not settled
    assert again.report["delivered"] == again.report["events_in"]
    assert again.report["dead_lettered"] == 0 and dead_letters(work) == []
    counts = amplitude.emulator.insert_ids()
    assert set(counts) == ids(1, EVENTS)  # nothing lost...
    assert max(counts.values()) == 1  # ...and Amplitude holds each once
    assert checkpointed_lines(checkpoint) == set(range(1, EVENTS + 1))
    return again


@pytest.mark.slow
def test_kill_9_at_random_moments_then_the_same_command_delivers_everything(
    tmp_path: Path, many_events: Path
) -> None:
    rng = random.Random(20261207)
    healthy = EmulatorConfig()
    # 503s (never stored) retried: batches settle out of order, so the checkpoint keeps lines
    # settled above its position too.
    flaky = EmulatorConfig(seed=3, error_rate=0.1, error_after_accept_rate=0.0)
    trials: list[tuple[float, EmulatorConfig, tuple[str, ...]]] = [
        (rng.uniform(1.6, 3.2), healthy, ()),
        (rng.uniform(1.6, 3.2), healthy, ()),
        (rng.uniform(1.6, 3.2), flaky, ()),
        (rng.uniform(1.6, 3.2), healthy, ("--workers", "2")),
    ]
    started = time.monotonic()
    print()
    for number, (delay, config, extra) in enumerate(trials, 1):
        trial_started = time.monotonic()
        work = tmp_path / f"trial-{number}"
        work.mkdir()
        emulator = Emulator(config)
        with serve(emulator) as server:
            amplitude = Amplitude(emulator, server.url)

            def ready(elapsed: float, stored: int, checkpoint: Path, delay: float = delay) -> bool:
                # Mid-way for sure even on a fast machine: at the latest at 90% stored.
                return elapsed >= delay or stored >= EVENTS * 0.9

            killed = start_and_kill(work, amplitude, many_events, ready, extra)
            first_run = time.monotonic() - trial_started

            # Killed mid-way, and the checkpoint claims only what Amplitude really holds.
            assert 0 < len(killed.stored) < EVENTS
            settled_ids = {message_id(line) for line in killed.settled}
            assert 0 < len(settled_ids) < EVENTS
            assert settled_ids <= killed.stored, "the checkpoint says settled what was never delivered"

            resumed_at = time.monotonic()
            check_resumed(work, amplitude, many_events, killed, *extra)
            stats = emulator.stats

        re_sent = stats.duplicates_dropped
        # Re-sent: exactly what Amplitude held but the checkpoint did not cover...
        assert re_sent == len(killed.stored - settled_ids)
        assert stats.events_received == EVENTS + re_sent
        # ...which is at most what was in flight (held in memory), plus one batch settled while
        # the last checkpoint write was under way.
        assert re_sent <= BUFFER + BATCH
        options = f" {' '.join(extra)}" if extra else ""
        options += f" ({sum(stats.faults.values()):,} 5xx answers)" if stats.faults else ""
        print(
            f"trial {number}{options}: kill -9 {delay:.2f}s into delivery ({killed.seconds:.1f}s after "
            f"start): {len(killed.stored):,} stored before the kill; checkpoint at line {killed.line:,} "
            f"(+{len(killed.settled) - killed.line:,} settled above it); re-run took in "
            f"{EVENTS - len(killed.settled):,}, re-sent {re_sent:,} (in flight <= {BUFFER:,}); first run "
            f"{first_run:.1f}s, re-run {time.monotonic() - resumed_at:.1f}s"
        )
    elapsed = time.monotonic() - started
    print(f"{len(trials)} trials in {elapsed:.1f}s")
    assert elapsed < 180  # ~75 s on an idle 2-core machine; a hang would take far longer


@pytest.mark.slow
def test_kill_9_of_a_run_with_workers_leaves_no_worker_running(tmp_path: Path, many_events: Path) -> None:
    emulator = Emulator(EmulatorConfig())
    with serve(emulator) as server:
        amplitude = Amplitude(emulator, server.url)
        args = ("--events", str(many_events), "--checkpoint", str(tmp_path / "cp.json"), "--workers", "2")
        process = subprocess.Popen(
            command(tmp_path, amplitude, *args),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while emulator.stats.events_stored == 0:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            assert len(live_processes_in_group(process.pid)) == 3  # the run and its two workers
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            deadline = time.monotonic() + 5
            while live_processes_in_group(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = live_processes_in_group(process.pid)
        finally:
            kill_group(process.pid)
    assert left == [], f"{len(left)} worker process(es) still running after kill -9 of their parent"

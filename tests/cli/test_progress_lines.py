"""``--progress`` with stderr not a terminal: plain lines of counts, no live display.

``actions run`` as a subprocess whose stderr is a pipe, against a slow local webhook receiver.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

if TYPE_CHECKING:  # mypy finds the helper by its path; pytest by the folder added above
    from tests.delivery.http_fakes import local_server
else:
    from http_fakes import local_server

EVENTS = 12
LINE = re.compile(
    r"^progress: webhook: (\d+) in, (\d+) delivered, 0 filtered, 0 dead-lettered, \d+ retries; \d+ events/s$"
)


def run(tmp_path: Path, url: str, *options: str) -> subprocess.CompletedProcess[str]:
    events = tmp_path / "events.ndjson"
    events.write_text(
        "".join(json.dumps({"type": "track", "event": "E", "userId": f"u{n}"}) + "\n" for n in range(EVENTS))
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_WEBHOOK")}
    env["ACTIONS_WEBHOOK_URL"] = f"{url}/hook"
    command = [sys.executable, "-c", "from actions_cli import main; main()", "run", "webhook"]
    return subprocess.run(
        [*command, "--events", str(events), "--concurrency", "1", *options],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_progress_prints_plain_count_lines_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    # 12 requests one at a time, 0.15 s each: the run lasts about 2 s, several intervals of 0.3 s.
    with local_server(delay_s=0.15) as server:
        result = run(tmp_path, server.url, "--progress", "--progress-interval", "0.3")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\r" not in result.stderr  # no live display
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress:")]
    assert len(lines) >= 2, result.stderr
    counts = []
    for line in lines:
        match = LINE.match(line)
        assert match, line
        counts.append((int(match[1]), int(match[2])))
    delivered = [done for _, done in counts]
    assert delivered == sorted(delivered) and delivered[-1] < EVENTS  # they grow; the summary has the end
    assert f"webhook: {EVENTS} events in: {EVENTS} delivered" in result.stderr
    assert len(server.received) == EVENTS


def test_without_progress_a_pipe_gets_only_the_summary(tmp_path: Path) -> None:
    with local_server(delay_s=0.05) as server:
        result = run(tmp_path, server.url, "--progress-interval", "0.1")
    assert result.returncode == 0, result.stderr
    assert "progress:" not in result.stderr
    assert result.stderr.strip().splitlines()[0].startswith(f"webhook: {EVENTS} events in")

"""End to end: ``actions run amplitude`` against the Amplitude emulator, faults and bad input included."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from actions.delivery import iter_dead_letters
from actions_amplitude.emulator import Emulator, EmulatorConfig, Fault, serve
from actions_cli import cli
from click.testing import CliRunner

#: Codes that mean "sending this again cannot help".
PERMANENT = {"INVALID_JSON", "NOT_AN_EVENT", "PAYLOAD_VALIDATION_FAILED", "INVALID_ID_LENGTH"}


def make_input(path: Path, count: int) -> dict[str, Any]:
    """Write ``count`` lines; return what each kind of line should become."""
    rng = random.Random(11)
    expected: dict[str, Any] = {
        "events": set(),
        "identifies": set(),
        "filtered": 0,
        "bad_lines": [],
        "invalid": set(),
    }
    with path.open("w", encoding="utf-8") as out:
        for line in range(1, count + 1):
            message_id = f"msg-{line:06d}"
            user = f"user-{rng.randrange(2000):05d}"
            event: dict[str, Any] = {
                "messageId": message_id,
                "userId": user,
                "anonymousId": f"anon-{line:07d}",
                "timestamp": "2026-11-29T10:00:00.000Z",
            }
            roll = rng.random()
            if line % 997 == 0:
                out.write('{"type": "track", "event": "cut off\n')
                expected["bad_lines"].append(line)
                continue
            if line % 1499 == 0:
                out.write(json.dumps([event]) + "\n")
                expected["bad_lines"].append(line)
                continue
            if line % 503 == 0:  # no event name: not a valid payload
                event.update(type="track")
                expected["invalid"].add(message_id)
            elif line % 701 == 0:  # Amplitude refuses ids shorter than 5 characters
                event.update(type="track", event="Short", userId="u1", anonymousId="a1")
                expected["invalid"].add(message_id)
            elif roll < 0.70:
                event.update(
                    type="track", event=rng.choice(["Viewed", "Added", "Searched"]), properties={"n": line}
                )
                expected["events"].add(message_id)
            elif roll < 0.85:
                event.update(type="page", name="Home")
                expected["events"].add(message_id)
            elif roll < 0.92:
                event.update(type="identify", traits={"plan": "pro", "line": line})
                expected["identifies"].add(line)
            else:
                event.update(type="group", groupId="g1")  # no preset for group calls
                expected["filtered"] += 1
            out.write(json.dumps(event) + "\n")
    return expected


@pytest.mark.slow
def test_ten_thousand_events_through_faults_are_each_delivered_once_filtered_or_dead_lettered_for_good(
    tmp_path: Path,
) -> None:
    expected = make_input(tmp_path / "events.ndjson", 10_000)
    (tmp_path / "settings.json").write_text(json.dumps({"apiKey": "e2e-key", "secretKey": "e2e-secret"}))
    config = EmulatorConfig(
        seed=5,
        error_rate=0.05,
        throttle_rate=0.05,
        drop_rate=0.03,
        timeout_rate=0.02,
        timeout_s=1.0,
        retry_after_s=1,
        max_events_per_request=300,
    )
    emulator = Emulator(config)
    # Random faults on top of one of each kind for sure: with batches there are few requests, and
    # which ones draw a fault depends on timing, so the random ones alone may miss a kind.
    for fault in (
        Fault("drop"),
        Fault("timeout"),
        Fault("throttle"),
        Fault("error", status=502, accept=True),
        Fault("error", status=503),
    ):
        emulator.inject(fault)
    with serve(emulator) as server:
        result = CliRunner().invoke(
            cli,
            [
                "run",
                "amplitude",
                "--events",
                str(tmp_path / "events.ndjson"),
                "--settings",
                str(tmp_path / "settings.json"),
                "--base-url",
                server.url,
                "--timeout",
                "0.5",
                "--max-attempts",
                "20",
                "--report",
                str(tmp_path / "report.json"),
                "--dead-letter",
                str(tmp_path / "dead.ndjson"),
                "--concurrency",
                "16",
            ],
            catch_exceptions=False,
        )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    dead = list(iter_dead_letters(tmp_path / "dead.ndjson"))

    # Every line ends in exactly one outcome.
    assert result.exit_code == 1, result.output
    assert report["events_in"] == 10_000
    assert report["delivered"] + report["filtered"] + report["dead_lettered"] == 10_000
    assert report["filtered"] == expected["filtered"]
    assert report["stopped"] is None

    # Faults really happened, and were retried through.
    faults = emulator.stats.faults
    assert {"drop", "timeout", "throttle"} <= set(faults)
    assert any(kind.startswith("error_") for kind in faults)
    assert emulator.stats.count("/2/httpapi", 413) > 0
    assert report["retries"] > 0

    # Dead letters: only what can never succeed, each with its reason.
    assert report["dead_lettered"] == len(dead) == len(expected["bad_lines"]) + len(expected["invalid"])
    assert all(record["retryable"] is False and record["code"] in PERMANENT for record in dead)
    assert sorted(record["line"] for record in dead if "raw" in record) == expected["bad_lines"]
    assert {record["event"]["messageId"] for record in dead if "event" in record} == expected["invalid"]

    # Amplitude holds each delivered event once (insert_id = messageId), and nothing else.
    counts = emulator.insert_ids()
    assert set(counts) == expected["events"]
    assert set(counts.values()) == {1}
    identified = {record.identification["user_properties"]["line"] for record in emulator.identifies}
    assert identified == expected["identifies"]

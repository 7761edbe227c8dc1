"""10,000 session-less events over simulated days, through `actions run amplitude --enrich
amplitude-sessions`: the emulator ends up with the same session boundaries as a plain computation
written here."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from actions import iso_ms
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve
from actions_cli import cli
from click.testing import CliRunner

START = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MINUTE = 60_000
TIMEOUT = 30 * MINUTE


def make_events(count: int, devices: int, seed: int) -> list[dict[str, Any]]:
    """Events per device with gaps around the timeout (exactly 30 minutes included), over ~3 days."""
    rng = random.Random(seed)
    events = []
    clocks = {f"device-{d:03d}": START + rng.randrange(0, 6 * 60) * MINUTE for d in range(devices)}
    for i in range(count):
        device = rng.choice(list(clocks))
        gap = rng.choice(
            [MINUTE, 5 * MINUTE, 29 * MINUTE, TIMEOUT - 1, TIMEOUT, TIMEOUT + 1, 3 * 60 * MINUTE]
        )
        clocks[device] += gap if rng.random() < 0.5 else rng.randrange(1, 20) * 1000
        events.append(
            {
                "type": "track",
                "event": rng.choice(["Viewed", "Clicked", "Searched"]),
                "anonymousId": device,
                "userId": f"user-{device}",
                "messageId": f"msg-{i:06d}",
                "timestamp": iso_ms(clocks[device]),
                "properties": {"i": i},
            }
        )
    # Emit in roughly (not exactly) time order, as a real export does: neighbours up to 20 s apart swap.
    events.sort(key=lambda e: (e["timestamp"], e["messageId"]))
    for i in range(0, len(events) - 1, 3):
        a, b = events[i], events[i + 1]
        if b["timestamp"] > a["timestamp"] and _ms(b) - _ms(a) < 20_000:
            events[i], events[i + 1] = b, a
    return events


def _ms(event: dict[str, Any]) -> int:
    from actions import parse_date

    value = parse_date(event["timestamp"])
    assert value is not None
    return int(value)


def expected_sessions(events: list[dict[str, Any]]) -> dict[str, int]:
    """messageId -> session id: per device in time order, a gap of 30 minutes or more starts a session."""
    by_device: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for event in events:
        by_device[event["anonymousId"]].append((_ms(event), event["messageId"]))
    sessions: dict[str, int] = {}
    for timeline in by_device.values():
        timeline.sort()
        start = last = None
        for ms, message_id in timeline:
            if last is None or ms - last >= TIMEOUT:
                start = ms
            last = ms
            assert start is not None
            sessions[message_id] = start
    return sessions


def _write(path: Path, events: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))


def _run(server_url: str, events_file: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "run", "amplitude", "--events", str(events_file), "--base-url", server_url,
            "--enrich", "amplitude-sessions", "-q", *extra,
        ],
        env={"ACTIONS_AMPLITUDE_API_KEY": "sessions-key", "ACTIONS_AMPLITUDE_SECRET_KEY": "sessions-secret"},
    )  # fmt: skip


@pytest.mark.slow
def test_session_boundaries_match_a_reference_computation(tmp_path: Path) -> None:
    events = make_events(10_000, devices=40, seed=5)
    events_file = tmp_path / "events.ndjson"
    _write(events_file, events)
    emulator = Emulator(EmulatorConfig())
    with serve(emulator) as server:
        result = _run(server.url, events_file, "--report", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["events_in"], report["delivered"]) == (10_000, 10_000)
    stored = {e.event["insert_id"]: e.event.get("session_id") for e in emulator.events}
    assert stored == expected_sessions(events)


def test_a_second_run_continues_the_sessions_of_the_first_from_the_state_file(tmp_path: Path) -> None:
    events = make_events(600, devices=5, seed=9)
    first, second = events[:300], events[300:]
    state = tmp_path / "sessions.db"
    emulator = Emulator(EmulatorConfig())
    with serve(emulator) as server:
        for part, name in ((first, "first"), (second, "second")):
            _write(tmp_path / f"{name}.ndjson", part)
            result = _run(server.url, tmp_path / f"{name}.ndjson", "--state", str(state))
            assert result.exit_code == 0, result.output
    stored = {e.event["insert_id"]: e.event.get("session_id") for e in emulator.events}
    assert stored == expected_sessions(events)


def test_enricher_options_and_unknown_names_are_checked_before_any_event(tmp_path: Path) -> None:
    events_file = tmp_path / "events.ndjson"
    _write(events_file, make_events(5, devices=1, seed=1))
    unknown = CliRunner().invoke(
        cli, ["run", "amplitude", "--sandbox", "--events", str(events_file), "--enrich", "nope"]
    )
    assert unknown.exit_code == 2
    assert "no enricher 'nope'" in unknown.output
    bad = CliRunner().invoke(
        cli,
        ["run", "amplitude", "--sandbox", "--events", str(events_file), "--enrich", "amplitude-sessions",
         "--enrich-option", "timeout_minutes=soon"],
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "timeout_minutes must be a number" in bad.output

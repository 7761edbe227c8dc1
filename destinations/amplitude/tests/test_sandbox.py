"""`actions run amplitude --sandbox` and the emulator behind it, as the README's main job uses them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from actions_amplitude import destination
from actions_amplitude._sandbox import SANDBOX_SETTINGS
from actions_cli import cli
from click.testing import CliRunner


def test_the_sandbox_serves_a_real_emulator_and_reports_what_it_stored() -> None:
    assert destination.emulator is not None
    with destination.emulator("127.0.0.1", 0, seed=3) as run:
        assert run.settings == SANDBOX_SETTINGS
        response = httpx.post(
            f"{run.base_url}/2/httpapi",
            json={"api_key": "k", "events": [{"event_type": "E", "user_id": "user-1", "insert_id": "i-1"}]},
        )
        assert response.status_code == 200
        stats = run.stats()
    assert stats["events_stored"] == 1
    assert stats["requests"]["/2/httpapi"] == {200: 1}


def test_run_with_sandbox_delivers_events_with_no_settings_file(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    lines = [
        {
            "type": "track",
            "event": "Signed Up",
            "userId": "user-0001",
            "messageId": "m-1",
            "timestamp": "2026-01-01T00:00:00Z",
        },
        {"type": "identify", "userId": "user-0001", "traits": {"plan": "pro"}, "messageId": "m-2"},
        {"type": "group", "groupId": "g", "userId": "user-0001", "messageId": "m-3"},
    ]
    events.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["run", "amplitude", "--sandbox", "--events", str(events), "--report", str(report), "-q"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(report.read_text())
    assert (summary["events_in"], summary["delivered"], summary["filtered"], summary["dead_lettered"]) == (
        3,
        2,
        1,
        0,
    )


def test_bad_emulator_options_are_a_configuration_error(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("")
    result = CliRunner().invoke(
        cli,
        ["run", "amplitude", "--sandbox", "--events", str(events), "--emulator-option", "error_rate=lots"],
    )
    assert result.exit_code == 2
    assert "invalid emulator option" in result.output


EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_the_readme_main_job_delivers_every_bundled_example_event(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "amplitude",
            "--sandbox",
            "--events",
            str(EXAMPLES / "events.ndjson"),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(report.read_text())
    assert summary["dead_lettered"] == 0
    assert summary["delivered"] + summary["filtered"] == summary["events_in"] > 300


def test_the_messy_example_shows_every_outcome_with_a_reason(tmp_path: Path) -> None:
    dead = tmp_path / "dead.ndjson"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "amplitude",
            "--sandbox",
            "--events",
            str(EXAMPLES / "messy-events.ndjson"),
            "--dead-letter",
            str(dead),
        ],
    )
    assert result.exit_code == 1
    codes = sorted(json.loads(line)["code"] for line in dead.read_text().splitlines())
    assert codes == [
        "INVALID_ID_LENGTH",
        "INVALID_JSON",
        "NOT_AN_EVENT",
        "NOT_AN_EVENT",
        "PAYLOAD_VALIDATION_FAILED",
        "PAYLOAD_VALIDATION_FAILED",
    ]

"""``actions run``: input, settings, subscriptions, dead letters, reports, dry runs, sandbox, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from actions.delivery import iter_dead_letters
from actions_cli import cli
from actions_webhook import destination as webhook
from delivery_fakes import http_destination
from http_fakes import LocalServer, Received, local_server


def track(i: int, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "event": f"E{i}", "userId": f"user{i}", "messageId": f"m{i}", **extra}


def ndjson(*events: Any) -> str:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("ACTIONS_WEBHOOK_", "ACTIONS_FAKEHTTP_")):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def fake_registry(use_destinations: Callable[..., Any]) -> None:
    use_destinations(http_destination(), webhook)


def webhook_settings(work: Path, server: LocalServer) -> Path:
    path = work / "settings.json"
    path.write_text(
        json.dumps({"url": f"{server.url}/hook", "sharedSecret": "hush-hush-42"}), encoding="utf-8"
    )
    return path


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:  # noqa: A002
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def run_webhook(work: Path, server: LocalServer, *args: str, input: str | None = None) -> Result:  # noqa: A002
    """``actions run webhook`` with settings pointing at ``server``."""
    return invoke("run", "webhook", "--settings", str(webhook_settings(work, server)), *args, input=input)


# --- input and outcomes -------------------------------------------------------------------------


def test_events_from_a_file_are_delivered_and_the_exit_code_is_0(work: Path, server: LocalServer) -> None:
    events = work / "events.ndjson"
    events.write_text(ndjson(track(1), track(2), {"type": "identify", "userId": "u"}), encoding="utf-8")
    result = run_webhook(work, server, "--events", str(events))
    assert result.exit_code == 0, result.output
    assert sorted(body["messageId"] for body in server.bodies() if "messageId" in body) == ["m1", "m2"]
    assert len(server.received) == 3
    assert "3 events in: 3 delivered, 0 filtered, 0 dead-lettered" in result.stderr
    assert not (work / "dead-letters.ndjson").exists()


def test_standard_input_is_read_by_default(work: Path, server: LocalServer) -> None:
    result = run_webhook(work, server, input=ndjson(track(1)))
    assert result.exit_code == 0
    assert server.bodies()[0]["messageId"] == "m1"


def test_a_json_array_file_is_read_too(work: Path, server: LocalServer) -> None:
    events = work / "events.json"
    events.write_text(json.dumps([track(1), track(2)], indent=2), encoding="utf-8")
    result = run_webhook(work, server, "--events", str(events))
    assert result.exit_code == 0
    assert len(server.received) == 2


def test_bad_lines_are_dead_lettered_with_line_and_reason_while_the_rest_is_delivered(
    work: Path, server: LocalServer
) -> None:
    text = ndjson(track(1), "{broken", track(2), "[1]", {"batch": [track(3), {"nope": 1}]})
    result = run_webhook(work, server, input=text)
    assert result.exit_code == 1
    assert len(server.received) == 3
    records = list(iter_dead_letters(work / "dead-letters.ndjson"))
    assert [(r["line"], r["code"]) for r in records] == [
        (2, "INVALID_JSON"),
        (4, "NOT_AN_EVENT"),
        (5, "NOT_AN_EVENT"),
    ]
    assert records[0]["raw"] == "{broken"
    assert "actions replay dead-letters.ndjson" in result.stderr


def test_events_the_destination_rejects_are_dead_lettered_with_status_and_attempts(work: Path) -> None:
    def reject_m2(request: Received) -> tuple[int, dict[str, str]]:
        return (400, {}) if request.body.get("messageId") == "m2" else (200, {})

    dead = work / "failed" / "dl.ndjson"
    with local_server(reject_m2) as server:
        result = run_webhook(
            work, server, "--dead-letter", str(dead), input=ndjson(track(1), track(2), track(3))
        )
    assert result.exit_code == 1
    (record,) = iter_dead_letters(dead)
    assert (record["line"], record["action"], record["code"], record["status"], record["attempts"]) == (
        2,
        "send",
        "BAD_REQUEST",
        400,
        1,
    )
    assert record["event"]["messageId"] == "m2"
    assert record["destination"] == "webhook"


def test_report_file_holds_the_counts_overall_and_per_action(work: Path, server: LocalServer) -> None:
    subscriptions = work / "subs.json"
    subscriptions.write_text(
        json.dumps([{"subscribe": 'type = "track"', "action": "sendBatch"}]), encoding="utf-8"
    )
    result = run_webhook(
        work,
        server,
        "--subscriptions",
        str(subscriptions),
        "--report",
        "report.json",
        input=ndjson(*(track(i) for i in range(5)), {"type": "page"}),
    )
    assert result.exit_code == 0
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert {
        k: report[k] for k in ("events_in", "delivered", "filtered", "dead_lettered", "requests", "retries")
    } == {
        "events_in": 6,
        "delivered": 5,
        "filtered": 1,
        "dead_lettered": 0,
        "requests": 1,
        "retries": 0,
    }
    assert report["actions"]["sendBatch"]["delivered"] == 5
    assert report["elapsed_s"] >= 0


def test_json_summary_goes_to_stdout(work: Path, server: LocalServer) -> None:
    result = run_webhook(
        work,
        server,
        "--json",
        "-q",
        input=ndjson(track(1)),
    )
    assert json.loads(result.stdout)["delivered"] == 1
    assert result.stderr == ""


def test_batch_size_option_lowers_the_actions_batch_size(work: Path, server: LocalServer) -> None:
    subscriptions = work / "subs.toml"
    subscriptions.write_text(
        '[[subscriptions]]\nsubscribe = \'type = "track"\'\naction = "sendBatch"\n', encoding="utf-8"
    )
    result = run_webhook(
        work,
        server,
        "--subscriptions",
        str(subscriptions),
        "--batch-size",
        "2",
        input=ndjson(*(track(i) for i in range(5))),
    )
    assert result.exit_code == 0
    assert sorted(len(body) for body in server.bodies()) == [1, 2, 2]


def test_no_batching_sends_one_request_per_event(work: Path, server: LocalServer) -> None:
    subscriptions = work / "subs.json"
    subscriptions.write_text(
        json.dumps({"subscriptions": [{"subscribe": 'type = "track"', "partnerAction": "sendBatch"}]})
    )
    result = run_webhook(
        work,
        server,
        "--subscriptions",
        str(subscriptions),
        "--no-batching",
        input=ndjson(track(1), track(2)),
    )
    assert result.exit_code == 0
    assert sorted(body["messageId"] for body in server.bodies()) == ["m1", "m2"]


# --- settings and configuration errors ---------------------------------------------------------


def test_settings_can_come_from_environment_variables(work: Path, server: LocalServer) -> None:
    result = invoke(
        "run", "webhook", input=ndjson(track(1)), env={"ACTIONS_WEBHOOK_URL": f"{server.url}/env"}
    )
    assert result.exit_code == 0
    assert server.received[0].path == "/env"


def test_a_settings_file_that_is_not_utf8_is_a_configuration_error(work: Path) -> None:
    settings = work / "settings.json"
    settings.write_bytes(b'{"url": "http://x/\xff"}')
    result = invoke("run", "webhook", "--settings", str(settings), input=ndjson(track(1)))
    assert result.exit_code == 2
    assert f"Error: settings file {str(settings)!r} is not valid JSON: 'utf-8' codec" in result.stderr


def test_toml_settings_file(work: Path, server: LocalServer) -> None:
    settings = work / "settings.toml"
    settings.write_text(f'url = "{server.url}/toml"\n', encoding="utf-8")
    assert invoke("run", "webhook", "--settings", str(settings), input=ndjson(track(1))).exit_code == 0
    assert server.received[0].path == "/toml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "webhook"],
            "Error: invalid settings for 'webhook': The root value is missing the required field 'url'.",
        ),
        (["run", "webhok"], "Error: no destination 'webhok'; did you mean 'webhook'?"),
        (["run", "webhook", "--sandbox", "--base-url", "http://x"], "--sandbox and --base-url"),
        (["run", "webhook", "--emulator-option", "a=1"], "--emulator-option needs --sandbox"),
        (["run", "webhook", "--sandbox"], "Error: destination 'webhook' has no emulator"),
        (["run", "webhook", "--events", "missing.ndjson"], "does not exist"),
        (["run", "webhook", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_usage_and_configuration_errors_are_one_line_and_exit_2(
    work: Path, args: list[str], message: str
) -> None:
    result = invoke(*args, input=ndjson(track(1)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("subscriptions", "message"),
    [
        ('[{"subscribe": "type = ", "action": "send"}]', "subscription 1 (type = ): Invalid subscription"),
        ('[{"subscribe": "type = \\"track\\"", "action": "nope"}]', "has no action 'nope'"),
        ('{"subscribe": "x"}', "must hold a list of subscriptions"),
        ("not json", "is not valid JSON"),
        (
            '[{"subscribe": "type = \\"track\\"", "action": "send", "mapping": {"data": {"@path": 1}}}]',
            "subscription 1",
        ),
    ],
)
def test_bad_subscriptions_stop_the_run_before_any_event_is_read(
    work: Path, server: LocalServer, subscriptions: str, message: str
) -> None:
    path = work / "subs.json"
    path.write_text(subscriptions, encoding="utf-8")
    result = run_webhook(
        work,
        server,
        "--subscriptions",
        str(path),
        input=ndjson(track(1)),
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert server.received == []


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_prints_requests_with_secrets_redacted_and_sends_nothing(
    work: Path, server: LocalServer
) -> None:
    result = run_webhook(
        work,
        server,
        "--dry-run",
        input=ndjson(track(1, properties={"echo": "hush-hush-42"})),
    )
    assert result.exit_code == 0
    assert server.received == []
    assert f"POST {server.url}/hook" in result.stdout
    assert "hush-hush-42" not in result.output
    assert '"echo": "<redacted:sharedSecret>"' in result.stdout
    assert "# send" in result.stdout


def test_dry_run_json_format_prints_one_request_per_line_and_dead_letters_on_stderr(
    work: Path, server: LocalServer
) -> None:
    result = run_webhook(
        work,
        server,
        "--dry-run",
        "--dry-run-format",
        "json",
        input=ndjson(track(1), "oops", track(2)),
    )
    lines = result.stdout.splitlines()
    assert sorted(json.loads(line)["body"]["messageId"] for line in lines) == ["m1", "m2"]
    assert "dead letter: line 2: INVALID_JSON" in result.stderr
    assert not (work / "dead-letters.ndjson").exists()
    assert result.exit_code == 1


# --- sandbox and credentials ---------------------------------------------------------------------


def test_sandbox_delivers_to_the_emulator_with_its_settings_and_shows_what_it_stored(
    work: Path, fake_registry: None
) -> None:
    result = invoke("run", "fakehttp", "--sandbox", input=ndjson(track(1), track(2)))
    assert result.exit_code == 0, result.output
    assert 'sandbox: {"requests": 2, "paths": ["/v1/events"]}' in result.stderr


def test_sandbox_emulator_options_reach_the_emulator(work: Path, fake_registry: None) -> None:
    result = invoke(
        "run",
        "fakehttp",
        "--sandbox",
        "--emulator-option",
        "reject_token=true",
        "--concurrency",
        "2",
        input=ndjson(*(track(i) for i in range(20))),
    )
    assert result.exit_code == 1
    assert "the destination rejected the credentials: token <redacted:token> rejected" in result.stderr
    sent = json.loads(result.stderr.split("sandbox: ", 1)[1].splitlines()[0])["requests"]
    assert sent <= 2  # what was in flight when the first rejection came back; nothing after it
    records = list(iter_dead_letters(work / "dead-letters.ndjson"))
    assert len(records) == 20
    assert {r["code"] for r in records} == {"INVALID_AUTHENTICATION"}
    assert "emulator-token" not in json.dumps(records)


def test_unknown_emulator_option_is_a_configuration_error(work: Path, fake_registry: None) -> None:
    result = invoke("run", "fakehttp", "--sandbox", "--emulator-option", "bogus=1", input="")
    assert result.exit_code == 2
    assert "invalid emulator option" in result.stderr


def test_base_url_redirects_every_request(work: Path, server: LocalServer, fake_registry: None) -> None:
    result = invoke(
        "run",
        "fakehttp",
        "--base-url",
        server.url,
        input=ndjson(track(1)),
        env={"ACTIONS_FAKEHTTP_TOKEN": "t0k3n"},
    )
    assert result.exit_code == 0
    assert server.received[0].path == "/v1/events"
    assert server.received[0].headers["authorization"] == "Bearer t0k3n"


def test_a_reader_that_goes_away_does_not_hang_the_run(work: Path, server: LocalServer) -> None:
    events = work / "events.ndjson"
    events.write_text(ndjson(*(track(i) for i in range(200))), encoding="utf-8")
    command = [
        sys.executable,
        "-c",
        "from actions_cli import main; main()",
        "run",
        "webhook",
        "--dry-run",
        "--settings",
        str(webhook_settings(work, server)),
        "--events",
        str(events),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # like `actions run ... | head -1`
    assert process.wait(timeout=30) in (0, 1)

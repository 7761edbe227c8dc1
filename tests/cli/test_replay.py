"""``actions replay``: dead letters go through the same path again, each only to the action that failed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from actions.delivery import iter_dead_letters
from actions_cli import cli
from http_fakes import LocalServer, Received, local_server


def track(i: int) -> dict[str, Any]:
    return {"type": "track", "event": f"E{i}", "userId": f"user{i}", "messageId": f"m{i}"}


def invoke(*args: str, input: str | None = None) -> Result:  # noqa: A002 - click's name
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ACTIONS_WEBHOOK_URL", raising=False)
    return tmp_path


def write_settings(work: Path, server: LocalServer) -> str:
    (work / "settings.json").write_text(json.dumps({"url": f"{server.url}/hook"}), encoding="utf-8")
    return str(work / "settings.json")


def failing_first(request: Received) -> tuple[int, dict[str, str]]:
    body = request.body
    rejected = isinstance(body, dict) and body.get("messageId") in {"m2", "m4"}
    return (400, {}) if rejected else (200, {})


def test_replay_sends_dead_lettered_events_again_and_only_what_fails_again_is_dead_lettered(
    work: Path,
) -> None:
    events = "".join(json.dumps(track(i)) + "\n" for i in range(1, 6)) + "{not json\n"
    with local_server(failing_first) as server:
        settings = write_settings(work, server)
        first = invoke("run", "webhook", "--settings", settings, input=events)
    assert first.exit_code == 1
    assert sorted(r["line"] for r in iter_dead_letters(work / "dead-letters.ndjson")) == [2, 4, 6]

    with local_server() as healthy:
        settings = write_settings(work, healthy)
        second = invoke("replay", "dead-letters.ndjson", "--settings", settings, "--report", "replay.json")
    # The two rejected events now go through; the unreadable line is still unreadable.
    assert second.exit_code == 1
    assert sorted(body["messageId"] for body in healthy.bodies()) == ["m2", "m4"]
    report = json.loads((work / "replay.json").read_text(encoding="utf-8"))
    assert (report["events_in"], report["delivered"], report["dead_lettered"]) == (3, 2, 1)
    (still_bad,) = iter_dead_letters(work / "dead-letters.replay.ndjson")
    assert (still_bad["line"], still_bad["code"], still_bad["raw"]) == (6, "INVALID_JSON", "{not json")
    assert len(list(iter_dead_letters(work / "dead-letters.ndjson"))) == 3  # the input is left as it was


def test_a_dead_letter_fixed_by_hand_goes_through(work: Path) -> None:
    dead = work / "dl.ndjson"
    dead.write_text(
        json.dumps({"destination": "webhook", "line": 3, "code": "INVALID_JSON", "raw": json.dumps(track(9))})
        + "\n",
        encoding="utf-8",
    )
    with local_server() as server:
        result = invoke("replay", str(dead), "--settings", write_settings(work, server))
    assert result.exit_code == 0
    assert server.bodies() == [track(9)]


def test_replay_goes_only_to_the_action_that_failed(work: Path) -> None:
    subscriptions = work / "subs.json"
    subscriptions.write_text(
        json.dumps(
            [
                {"subscribe": 'type = "track"', "action": "send", "name": "single"},
                {"subscribe": 'type = "track"', "action": "sendBatch", "name": "batched"},
            ]
        ),
        encoding="utf-8",
    )

    def reject_batches(request: Received) -> tuple[int, dict[str, str]]:
        return (500, {}) if isinstance(request.body, list) else (200, {})

    with local_server(reject_batches) as server:
        settings = write_settings(work, server)
        first = invoke(
            "run",
            "webhook",
            "--settings",
            settings,
            "--subscriptions",
            str(subscriptions),
            "--max-attempts",
            "1",
            input=json.dumps(track(1)) + "\n",
        )
    assert first.exit_code == 1
    (record,) = iter_dead_letters(work / "dead-letters.ndjson")
    assert (record["action"], record["subscription"], record["status"]) == ("sendBatch", "batched", 500)

    with local_server() as healthy:
        second = invoke(
            "replay",
            "dead-letters.ndjson",
            "--settings",
            write_settings(work, healthy),
            "--subscriptions",
            str(subscriptions),
        )
    assert second.exit_code == 0
    assert healthy.bodies() == [[track(1)]]  # the batch action only; `send` had it already


def test_replay_refuses_to_write_failures_into_the_file_it_reads(work: Path) -> None:
    dead = work / "dl.ndjson"
    dead.write_text(json.dumps({"destination": "webhook", "action": "send", "event": track(1)}) + "\n")
    result = invoke("replay", str(dead), "--dead-letter", str(dead))
    assert result.exit_code == 2
    assert "must differ" in result.stderr


def test_replaying_an_empty_file_has_nothing_to_do(work: Path) -> None:
    (work / "dl.ndjson").write_text("\n", encoding="utf-8")
    result = invoke("replay", "dl.ndjson")
    assert result.exit_code == 0
    assert "nothing to replay" in result.stderr


def test_a_file_that_is_not_dead_letters_is_a_configuration_error(work: Path) -> None:
    (work / "dl.ndjson").write_text("hello\n", encoding="utf-8")
    result = invoke("replay", "dl.ndjson")
    assert result.exit_code == 2
    assert "not a dead-letter file" in result.stderr


def test_a_file_of_several_destinations_is_refused_without_config(work: Path) -> None:
    records = [
        {"destination": "webhook", "action": "send", "event": track(1)},
        {"destination": "amplitude", "action": "logEventV2", "event": track(2)},
    ]
    (work / "dl.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = invoke("replay", "dl.ndjson")
    assert result.exit_code == 2
    assert "several destinations (webhook, amplitude)" in result.stderr
    assert "--config" in result.stderr and len(result.stderr.splitlines()) == 1


def test_records_without_a_destination_take_the_one_the_others_name(work: Path) -> None:
    records = [
        {"raw": "{not json", "code": "INVALID_JSON", "line": 1},
        {"destination": "webhook", "action": "send", "event": track(2)},
    ]
    (work / "dl.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with local_server() as server:
        result = invoke("replay", "dl.ndjson", "--settings", write_settings(work, server), "-q")
        assert server.bodies() == [track(2)]
    assert result.exit_code == 1  # the unreadable line is unreadable still
    assert [r["code"] for r in iter_dead_letters(work / "dl.replay.ndjson")] == ["INVALID_JSON"]


def test_a_short_secret_inside_event_text_leaves_dead_letters_exact_and_replay_sends_the_same_events(
    work: Path,
) -> None:
    # With sharedSecret "user", redaction used to rewrite every "user" in dead-lettered events:
    # userId "user2" became "<redacted:sharedSecret>2" and replay sent that instead.
    events = [
        {**track(i), "properties": {"note": f"the user{i} said: user, users"}, "context": {"k": "a\\user\"q"}}
        for i in range(1, 5)
    ]
    lines = "".join(json.dumps(event) + "\n" for event in events)
    with local_server(failing_first) as server:
        (work / "settings.json").write_text(
            json.dumps({"url": f"{server.url}/hook", "sharedSecret": "user"}), encoding="utf-8"
        )
        assert invoke("run", "webhook", "--settings", "settings.json", input=lines).exit_code == 1
    failed = [event for event in events if event["messageId"] in {"m2", "m4"}]
    letters = iter_dead_letters(work / "dead-letters.ndjson")
    assert sorted((letter["event"] for letter in letters), key=lambda e: e["messageId"]) == failed

    with local_server() as healthy:
        (work / "settings.json").write_text(
            json.dumps({"url": f"{healthy.url}/hook", "sharedSecret": "user"}), encoding="utf-8"
        )
        assert invoke("replay", "dead-letters.ndjson", "--settings", "settings.json").exit_code == 0
    sent = sorted(healthy.bodies(), key=lambda body: body["messageId"])
    assert [(body["userId"], body["properties"], body["context"]["k"]) for body in sent] == [
        (event["userId"], event["properties"], event["context"]["k"]) for event in failed
    ]

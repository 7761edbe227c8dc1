"""What an answer means: `actions run amplitude` against real local servers that answer badly.

A 200 that is not Amplitude's success answer is not a delivery; a status that condemns the whole
request (403, 404...) fails the batch instead of resending every event alone; and a huge error
text is not copied whole into every dead letter.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from actions import Failed, IntegrationError, ItemResult, RetryableError
from actions.delivery import Engine, RetryPolicy, iter_dead_letters
from actions.delivery._dispatch import MAX_MESSAGE_CHARS
from actions_cli import cli
from click.testing import CliRunner
from delivery_fakes import SETTINGS, Calls, make_destination, track
from http_fakes import Received, local_server


def write_events(path: Path, tracks: int, identifies: int = 0) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(tracks):
            out.write(json.dumps({"type": "track", "event": "Played", "userId": f"user-{i:05d}",
                                  "messageId": f"msg-{i:06d}"}) + "\n")  # fmt: skip
        for i in range(identifies):
            out.write(json.dumps({"type": "identify", "userId": f"ident-{i:05d}", "traits": {"n": i}}) + "\n")


def run_amplitude(tmp_path: Path, url: str, *extra: str) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"apiKey": "answer-test-key", "secretKey": "answer-test-secret"}))
    result = CliRunner().invoke(
        cli,
        ["run", "amplitude", "--events", str(tmp_path / "events.ndjson"), "--settings", str(settings),
         "--base-url", url, "--report", str(tmp_path / "report.json"),
         "--dead-letter", str(tmp_path / "dead.ndjson"), "--linger", "0.05", *extra],
        catch_exceptions=False,
    )  # fmt: skip
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    dead = list(iter_dead_letters(tmp_path / "dead.ndjson")) if (tmp_path / "dead.ndjson").exists() else []
    return result.exit_code, report, dead


PORTAL = b"<html><head><title>Sign in to the guest network</title></head>" + b"<body>" * 2000 + b"</html>"


def test_a_200_that_is_not_amplitudes_success_answer_is_retried_then_dead_lettered(tmp_path: Path) -> None:
    write_events(tmp_path / "events.ndjson", tracks=30, identifies=20)

    def portal(request: Received) -> tuple[int, dict[str, str], bytes]:
        return 200, {"content-type": "text/html"}, PORTAL

    with local_server(portal) as server:
        code, report, dead = run_amplitude(tmp_path, server.url, "--max-attempts", "2")
    assert code == 1
    assert report["delivered"] == 0 and report["dead_lettered"] == 50
    assert len(dead) == 50
    for letter in dead:
        assert letter["retryable"] is True and letter["attempts"] == 2
        assert "without its success answer" in letter["message"] and "text/html" in letter["message"]
        assert "Sign in to the guest network" in letter["message"]
        assert len(letter["message"]) < 500  # a preview, not the page
    expected = {'{"code": 200}': 30, "(success)": 20}
    for marker, count in expected.items():
        assert sum(marker in letter["message"] for letter in dead) == count


def test_garbage_then_the_real_answer_delivers_everything(tmp_path: Path) -> None:
    write_events(tmp_path / "events.ndjson", tracks=30, identifies=20)
    seen: set[str] = set()

    def flaky(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.path not in seen:  # the first answer of each API is cut off, then Amplitude's own
            seen.add(request.path)
            return 200, {"content-type": "application/json"}, b'{"code": 2'
        if request.path == "/identify":
            return 200, {"content-type": "text/plain"}, b"success"
        return 200, {"content-type": "application/json"}, b'{"code": 200, "events_ingested": 1}'

    with local_server(flaky) as server:
        code, report, dead = run_amplitude(tmp_path, server.url, "--max-attempts", "3")
    assert (code, report["delivered"], dead) == (0, 50, [])
    assert report["retries"] == 50


def test_a_persistent_403_fails_each_batch_once_instead_of_resending_every_event(tmp_path: Path) -> None:
    write_events(tmp_path / "events.ndjson", tracks=2000, identifies=500)

    def forbidden(request: Received) -> tuple[int, dict[str, str], bytes]:
        return 403, {"content-type": "application/json"}, b'{"code": 403, "error": "Forbidden"}'

    with local_server(forbidden) as server:
        code, report, dead = run_amplitude(tmp_path, server.url, "--batch-size", "100")
        requests = len(server.received)
    assert code == 1
    assert report["dead_lettered"] == len(dead) == 2500
    assert {letter["status"] for letter in dead} == {403}
    assert all(letter["retryable"] is False for letter in dead)
    # 25 batches of at most 100: one request each (before: one more per event, 2,525).
    assert requests == report["requests"] <= 30


def test_a_persistent_404_on_identify_is_bounded_too(tmp_path: Path) -> None:
    write_events(tmp_path / "events.ndjson", tracks=0, identifies=600)

    def not_found(request: Received) -> tuple[int, dict[str, str], bytes]:
        return 404, {"content-type": "text/plain"}, b"Not Found"

    with local_server(not_found) as server:
        code, _, dead = run_amplitude(tmp_path, server.url, "--batch-size", "100")
        requests = len(server.received)
    assert code == 1 and len(dead) == 600 and {letter["status"] for letter in dead} == {404}
    assert requests <= 10


def test_a_huge_error_text_is_bounded_in_every_dead_letter(tmp_path: Path) -> None:
    write_events(tmp_path / "events.ndjson", tracks=40)
    huge = "overloaded " * 50_000  # 550 KB: under the 1 MiB answer cap, far over any sensible message

    def failing(request: Received) -> tuple[int, dict[str, str], bytes]:
        return 500, {"content-type": "application/json"}, json.dumps({"code": 500, "error": huge}).encode()

    with local_server(failing) as server:
        code, _, dead = run_amplitude(tmp_path, server.url, "--max-attempts", "1")
    assert code == 1 and len(dead) == 40
    for letter in dead:
        assert letter["message"].startswith("Amplitude answered 500: overloaded overloaded")
        assert f"({len(huge)} characters)" in letter["message"]
        assert len(letter["message"]) < 4096
    assert (tmp_path / "dead.ndjson").stat().st_size < 40 * 4096


def test_any_destinations_huge_error_message_is_cut_in_the_dead_letter(calls: Calls) -> None:
    huge = "x" * 5_000_000

    def quoting(payload: dict[str, Any]) -> None:
        raise IntegrationError(f"the API said: {huge}", "BAD", 400, retryable=False)

    engine = Engine(make_destination(calls, perform=quoting), SETTINGS,
                    [{"subscribe": 'type = "track"', "action": "single"}])  # fmt: skip
    asyncio.run(engine.run([track(i) for i in range(3)]))
    assert len(engine.dead_letters) == 3
    for letter in engine.dead_letters:
        assert letter["message"].startswith("the API said: xxx")
        assert letter["message"].endswith(f"(cut: {len(huge) + 14} characters in all)")
        assert len(letter["message"]) < MAX_MESSAGE_CHARS + 100


def test_a_batch_refused_as_a_whole_costs_its_events_no_attempt_of_their_own(calls: Calls) -> None:
    refused = IntegrationError("Amplitude rejected the request", "BAD_REQUEST", 400, retryable=False)

    def answer(payloads: list[dict[str, Any]]) -> list[ItemResult]:
        if len(payloads) > 1:
            return [Failed(refused)] * len(payloads)
        return [Failed(RetryableError("busy", 503))]

    destination = make_destination(calls, perform_batch=answer)
    policy = RetryPolicy(max_attempts=3, initial_delay_s=0.001, max_delay_s=0.002, max_elapsed_s=None)
    engine = Engine(
        destination, SETTINGS, [{"subscribe": 'type = "track"', "action": "batched"}], retry=policy
    )
    asyncio.run(engine.run([track(i) for i in range(5)]))
    # The refused batch, then each event alone: 3 attempts of its own (before: 2, then it gave up).
    assert {letter["attempts"] for letter in engine.dead_letters} == {4}
    assert {letter["reason"] for letter in engine.dead_letters} == {"gave up after 4 attempts"}
    assert [len(batch) for batch in calls.batches] == [5] + [1] * 15

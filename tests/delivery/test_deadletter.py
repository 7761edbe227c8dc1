"""Dead letters: an NDJSON file appended to, redacted, read back into records to replay."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from actions.delivery import (
    INVALID_JSON,
    DeadLetterWriter,
    Record,
    dead_letter_reader,
    iter_dead_letters,
    record_from_dead_letter,
)
from actions.runtime import Redactor


def test_file_is_created_only_when_the_first_record_is_written(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dl.ndjson"
    writer = DeadLetterWriter(path)
    writer.close()
    assert not path.exists()
    with DeadLetterWriter(path) as writer:
        writer.write({"code": "X"})
    assert path.read_text(encoding="utf-8") == '{"code": "X"}\n'


def test_records_are_appended_across_writers_and_each_is_on_disk_once_written(tmp_path: Path) -> None:
    path = tmp_path / "dl.ndjson"
    with DeadLetterWriter(path) as first:
        first.write({"n": 1})
        assert list(iter_dead_letters(path)) == [{"n": 1}]  # flushed, not buffered
    with DeadLetterWriter(path) as second:
        second.write({"n": 2})
    assert list(iter_dead_letters(path)) == [{"n": 1}, {"n": 2}]


def test_secrets_are_redacted_before_writing_even_inside_the_event(tmp_path: Path) -> None:
    stream = io.StringIO()
    writer = DeadLetterWriter(stream, redactor=Redactor({"apiKey": "k-123-secret"}))
    writer.write(
        {"message": "Invalid API key: k-123-secret", "event": {"properties": {"leak": "k-123-secret"}}}
    )
    assert "k-123-secret" not in stream.getvalue()
    assert json.loads(stream.getvalue())["message"] == "Invalid API key: <redacted:apiKey>"


def test_unicode_line_separators_survive_the_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "dl.ndjson"
    with DeadLetterWriter(path) as writer:
        writer.write({"event": {"type": "track", "event": "a\u2028b"}, "action": "x"})
    assert list(iter_dead_letters(path)) == [{"event": {"type": "track", "event": "a\u2028b"}, "action": "x"}]


def test_a_failed_delivery_replays_its_event_to_its_action_only() -> None:
    line = json.dumps(
        {
            "destination": "d",
            "line": 12,
            "action": "logEvent",
            "subscription": "Track Calls",
            "code": "BAD_REQUEST",
            "event": {"type": "track", "event": "A"},
        }
    )
    (record,) = record_from_dead_letter(line, 1)
    assert record == Record(
        {"type": "track", "event": "A"}, 12, action="logEvent", subscription="Track Calls", destination="d"
    )


def test_unreadable_input_is_read_again_from_its_raw_text_so_a_fixed_line_goes_through() -> None:
    still_bad = json.dumps({"line": 3, "code": INVALID_JSON, "raw": "{oops"})
    fixed = json.dumps({"line": 4, "code": INVALID_JSON, "raw": '{"type": "track", "event": "fixed"}'})
    (bad,) = record_from_dead_letter(still_bad, 1)
    (good,) = record_from_dead_letter(fixed, 2)
    assert bad.code == INVALID_JSON
    assert bad.line == 3
    assert good.event == {"type": "track", "event": "fixed"}
    assert good.action is None  # never routed before: goes to every matching subscription


def test_a_line_that_is_not_a_dead_letter_record_is_read_as_an_event() -> None:
    (record,) = record_from_dead_letter('{"type": "page", "name": "Home"}', 9)
    assert record.event == {"type": "page", "name": "Home"}
    assert record.line == 9


def test_dead_letter_reader_streams_replay_records(tmp_path: Path) -> None:
    path = tmp_path / "dl.ndjson"
    with DeadLetterWriter(path) as writer:
        writer.write({"action": "a", "event": {"type": "track"}, "line": 1})
        writer.write({"raw": "nope", "code": INVALID_JSON, "line": 2})

    async def go() -> list[Record]:
        return [r async for chunk in dead_letter_reader(path).batches() for r in chunk]

    first, second = asyncio.run(go())
    assert (first.action, first.line, first.event) == ("a", 1, {"type": "track"})
    assert (second.code, second.line, second.raw) == (INVALID_JSON, 2, "nope")

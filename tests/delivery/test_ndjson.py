"""Reading events: NDJSON, JSON arrays, batch envelopes, bad input as records, bounded read-ahead."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from actions.delivery import (
    INVALID_JSON,
    LINE_TOO_LONG,
    NOT_AN_EVENT,
    NdjsonSource,
    Outcome,
    Record,
    _ndjson,
    parse_line,
)


def read_all(source: object, **options: object) -> list[Record]:
    async def go() -> list[Record]:
        reader = NdjsonSource(source, **options)  # type: ignore[arg-type]
        return [record async for chunk in reader.batches() for record in chunk]

    return asyncio.run(go())


def test_ndjson_lines_become_events_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text('{"type":"track","event":"A"}\n\n{"type":"identify","userId":"u"}\n', encoding="utf-8")
    records = read_all(path)
    assert [(r.line, r.event["type"] if r.event else None) for r in records] == [
        (1, "track"),
        (3, "identify"),
    ]
    assert all(r.code is None for r in records)


def test_invalid_json_line_is_a_record_with_reason_and_raw_text_and_reading_goes_on() -> None:
    data = b'{"type":"track"}\n{"type": oops}\n{"type":"page"}\n'
    records = read_all(io.BytesIO(data))
    assert [r.line for r in records] == [1, 2, 3]
    bad = records[1]
    assert bad.event is None
    assert bad.code == INVALID_JSON
    assert bad.reason is not None and "column" in bad.reason
    assert bad.raw == '{"type": oops}'
    assert records[2].event == {"type": "page"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1, 2]", "expected an event object, got array"),
        ('"hello"', "expected an event object, got string"),
        ("null", "expected an event object, got null"),
        ('{"event": "x"}', 'the object has no "type"'),
        ('{"type": 3}', '"type" must be a non-empty string, not 3'),
        ('{"type": ""}', '"type" must be a non-empty string, not ""'),
    ],
)
def test_json_that_is_not_an_event_object_is_not_an_event(text: str, reason: str) -> None:
    (record,) = parse_line(text, 7)
    assert record.code == NOT_AN_EVENT
    assert record.reason == reason
    assert record.line == 7
    assert record.raw == text


def test_batch_envelope_is_unpacked_and_its_context_merged_into_each_call() -> None:
    line = json.dumps(
        {
            "batch": [
                {"type": "track", "event": "A", "context": {"ip": "9.9.9.9"}},
                {"type": "identify", "userId": "u"},
                {"nope": 1},
            ],
            "context": {"ip": "1.1.1.1", "library": {"name": "x"}},
            "integrations": {"All": False},
        }
    )
    records = parse_line(line, 4)
    assert [r.line for r in records] == [4, 4, 4]
    first, second, third = records
    assert first.event is not None and first.event["context"] == {"ip": "9.9.9.9", "library": {"name": "x"}}
    assert second.event is not None and second.event["context"] == {"ip": "1.1.1.1", "library": {"name": "x"}}
    assert second.event["integrations"] == {"All": False}
    assert third.code == NOT_AN_EVENT
    assert third.reason == 'batch item 2: the object has no "type"'
    assert json.loads(third.raw or "") == {
        "nope": 1,
        "context": {"ip": "1.1.1.1", "library": {"name": "x"}},
        "integrations": {"All": False},
    }


def test_line_separators_inside_strings_do_not_split_lines() -> None:
    data = '{"type":"track","event":"a\u2028b\u2029c"}\n'.encode()
    (record,) = read_all(io.BytesIO(data))
    assert record.event == {"type": "track", "event": "a\u2028b\u2029c"}


def test_last_line_without_newline_and_crlf_endings_are_read() -> None:
    records = read_all(io.BytesIO(b'{"type":"a"}\r\n{"type":"b"}'))
    assert [r.event for r in records] == [{"type": "a"}, {"type": "b"}]


def test_bytes_that_are_not_utf8_are_invalid_json() -> None:
    (record,) = read_all(io.BytesIO(b'{"type":"\xff"}\n'))
    assert record.code == INVALID_JSON


def test_json_array_file_is_streamed_element_by_element_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(
        '\n[\n  {"type": "track", "event": "A"},\n  {"type": "page"},\n  7,\n'
        '  {"batch": [{"type": "screen"}]}\n]\n',
        encoding="utf-8",
    )
    records = read_all(path, chunk_bytes=5)  # tiny chunks: elements arrive in pieces
    assert [(r.line, r.code) for r in records] == [(3, None), (4, None), (5, NOT_AN_EVENT), (6, None)]
    assert records[3].event == {"type": "screen"}


def test_empty_json_array_has_no_records() -> None:
    assert read_all(io.BytesIO(b"  [ ]  ")) == []


def test_broken_json_array_ends_with_one_record_saying_the_rest_was_not_read() -> None:
    records = read_all(io.BytesIO(b'[{"type":"a"},\n {"type": nope}, {"type":"b"}]'))
    assert records[0].event == {"type": "a"}
    assert len(records) == 2
    assert records[1].code == INVALID_JSON
    assert records[1].line == 2
    assert records[1].reason is not None and "the rest of the input was not read" in records[1].reason


def test_unclosed_json_array_is_reported() -> None:
    records = read_all(io.BytesIO(b'[{"type":"a"}, {"type":"b"}'))
    assert [r.event for r in records[:2]] == [{"type": "a"}, {"type": "b"}]
    assert records[2].code == INVALID_JSON
    assert records[2].reason is not None and "not closed" in records[2].reason


def test_a_line_too_long_to_keep_is_a_record_with_its_beginning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ndjson, "MAX_LINE_BYTES", 100)
    long_line = b'{"type":"track","event":"' + b"x" * 500 + b'"}'
    data = b'{"type":"a"}\n' + long_line + b'\n{"type":"b"}\n'
    records = read_all(io.BytesIO(data), chunk_bytes=64)
    assert [(r.line, r.code) for r in records] == [(1, None), (2, LINE_TOO_LONG), (3, None)]
    assert records[1].raw is not None and records[1].raw.startswith('{"type":"track"')


def test_reading_runs_at_most_a_bounded_number_of_chunks_ahead_of_the_consumer() -> None:
    lines = b"".join(b'{"type":"track","n":%d}\n' % i for i in range(2000))

    class CountingStream(io.BytesIO):
        reads = 0

        def read1(self, size: int = -1) -> bytes:
            CountingStream.reads += 1
            return super().read1(size)

    async def go() -> tuple[int, int]:
        reader = NdjsonSource(CountingStream(lines), chunk_bytes=100, max_chunks=2)
        chunks = reader.batches()
        await chunks.__anext__()  # take one chunk, then stall
        await asyncio.sleep(0.3)
        stalled_at = CountingStream.reads
        total = 1 + len([c async for c in chunks])
        return stalled_at, total

    stalled_at, total = asyncio.run(go())
    assert total > 100  # many chunks in all...
    assert stalled_at <= 5  # ...but while the consumer stalled the reader waited


def test_a_missing_file_raises_when_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_all(tmp_path / "missing.ndjson")


def test_reader_knows_file_size_for_progress(tmp_path: Path) -> None:
    path = tmp_path / "e.ndjson"
    path.write_bytes(b'{"type":"a"}\n')
    reader = NdjsonSource(path)
    assert reader.total_bytes == 13
    assert NdjsonSource("-").total_bytes is None


def test_a_checkpoint_moves_as_soon_as_records_settle_not_a_second_later(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps({"type": "track", "event": str(i)}) + "\n" for i in range(1, 7)))
    checkpoint = tmp_path / "cp.json"

    def position() -> tuple[int, list[list[int]]] | None:
        if not checkpoint.exists():
            return None
        saved = json.loads(checkpoint.read_text())
        return saved["line"], saved["settled_after"]

    async def main() -> list[tuple[int, list[list[int]]] | None]:
        source = NdjsonSource(events, checkpoint=checkpoint, chunk_bytes=64)
        seen: list[Record] = []
        async for batch in source.batches():
            seen.extend(batch)
        moves = []
        wanted = [(1, []), (2, []), (2, [[5, 5]])]
        for record, want in zip((seen[0], seen[1], seen[4]), wanted, strict=True):  # lines 1, 2, 5
            source.settled(record, Outcome("delivered"))
            # Well under a second, whatever the load on the machine running the tests.
            for _ in range(18):
                if position() == want:
                    break
                await asyncio.sleep(0.05)
            moves.append(position())
        for record in seen[2:4] + seen[5:]:
            source.settled(record, Outcome("delivered"))
        source.close()
        moves.append(position())
        return moves

    assert asyncio.run(main()) == [(1, []), (2, []), (2, [[5, 5]]), (6, [])]


def test_lines_settled_behind_an_unsettled_first_line_are_checkpointed_as_ranges(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    lines = [json.dumps({"type": "track", "event": str(i)}) + "\n" for i in range(1, 41)]
    lines[20] = "\n"  # a blank line inside the settled span
    events.write_text("".join(lines))
    checkpoint = tmp_path / "cp.json"

    async def main() -> dict[str, object]:
        source = NdjsonSource(events, checkpoint=checkpoint, chunk_bytes=100)
        seen = [record async for batch in source.batches() for record in batch]
        for record in seen[1:]:  # all but line 1, a retry that never ends, say
            source.settled(record, Outcome("delivered"))
        await asyncio.sleep(0.05)
        saved: dict[str, object] = json.loads(checkpoint.read_text())
        source.close()
        return saved

    saved = asyncio.run(main())
    assert (saved["line"], saved["settled_after"]) == (0, [[2, 40]])

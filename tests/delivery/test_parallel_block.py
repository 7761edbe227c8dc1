"""What a worker sends back for a chunk: one block, loaded exactly, taken over as the source would parse it.

``NdjsonSource.parse`` is the specification; ``adopt`` (the records a worker parsed, after the trip
between processes) must give the same records, line tokens and skipped lines.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
from actions import Failed, RetryableError
from actions.delivery import _ndjson, _parallel
from actions.delivery._checkpoint import InputPosition
from actions.delivery._deadletter import record_from_dead_letter
from actions.delivery._ndjson import NdjsonSource, parse_line
from actions.delivery._sources import RawChunk, Record

#: Key order, float and integer types, -0.0, integers beyond 64 bits, a lone surrogate.
EVENT = {"type": "track", "z": 1, "a": 2.0, "neg": -0.0, "big": 2**70, "s": "\ud800 é", "l": [True, None]}


def test_a_chunks_result_comes_back_exactly_key_order_and_number_types_included() -> None:
    payload = {"b": 1, "a": 1.5e16}
    item = ("https://x", None, "", [('{"a":1}', 7, "\udfff", None)])
    record = (EVENT, 3, None, None, None, None, None, None, None, 40, [[(0, payload, 12, None, item)]])
    result = [(3, [record]), (4, [(None, 4, "INVALID_JSON", "bad", "{x", None, None, None, None, 2, None)])]
    block = _parallel.dump_result(result)
    assert block[:1] == b"w"  # one marshal of the whole chunk, no pickle
    back = _parallel.load_result(block)
    assert back == result
    event = back[0][1][0][0]
    assert list(event) == list(EVENT) and type(event["a"]) is float and math.copysign(1, event["neg"]) < 0


def test_a_line_marshal_cannot_write_is_pickled_alone() -> None:
    failed = Failed(RetryableError("throttled", 429, retry_after=3.0))  # an encode failure
    odd = (EVENT, 1, None, None, None, None, None, None, None, 1, [[(0, {"a": 1}, 7, None, failed)]])
    plain = (EVENT, 2, None, None, None, None, None, None, None, 1, [[(0, {"a": 2}, 7, None, None)]])
    block = _parallel.dump_result([(1, [odd]), (2, [plain])])
    assert block[:1] == b"m"
    (_, [first]), second = _parallel.load_result(block)
    error = first[10][0][0][4].error
    assert isinstance(error, RetryableError) and error.retry_after == 3.0
    assert second == (2, [plain])


def test_a_workers_failure_comes_back_as_its_message() -> None:
    with pytest.raises(RuntimeError, match="KeyError: 'x'"):
        _parallel.load_result(b"f" + b"KeyError: 'x'")


def write_input(path: Path) -> None:
    lines = [
        json.dumps({"type": "track", "event": "one", "userId": "u1"}),
        "",
        "{not json",
        json.dumps({"batch": [{"type": "track", "event": "a"}, {"type": "identify"}, {"no": "type"}]}),
        "   ",
        json.dumps({"type": "track", "event": "six", "properties": {"x": 1.0}}),
        json.dumps([1, 2]),
        json.dumps({"type": "track", "event": "x" * 300}),  # longer than the test's line limit
        json.dumps(
            {"run_id": "r", "line": 99, "action": "batched", "event": {"type": "track", "event": "replayed"}}
        ),
        json.dumps({"type": "page", "name": "last, unterminated"}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline at the end: its writer may go on


def described(records: list[Record | None]) -> list[Any]:
    out: list[Any] = []
    for record in records:
        if record is None:
            out.append(None)
            continue
        token = record.origin
        where = None if token is None else (token.number, token.end, token.open)
        out.append((record.event, record.line, record.code, record.reason, record.raw, record.action,
                    record.subscription, record.destination, record.size, where))  # fmt: skip
    return out


async def read(source: NdjsonSource, by_worker: bool) -> list[list[Record | None]]:
    chunks = []
    async for item in source.raw_batches():
        assert isinstance(item, RawChunk)
        if by_worker:
            block = _parallel.dump_result(_parallel._work(item))  # as a worker sends it
            lines, _ = _parallel.records_of(_parallel.load_result(block))
            chunks.append(source.adopt(item, lines))
        else:
            chunks.append(source.parse(item))
    source.close()
    return chunks


@pytest.mark.parametrize("checkpointed", [False, True], ids=["plain", "checkpointed"])
@pytest.mark.parametrize("interpret", [parse_line, record_from_dead_letter], ids=["events", "dead-letters"])
def test_records_a_worker_parsed_are_taken_over_as_parse_gives_them(
    tmp_path: Path, checkpointed: bool, interpret: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = tmp_path / "events.ndjson"
    write_input(events)
    monkeypatch.setattr(_parallel, "_state", (lambda record: [[]], interpret))
    monkeypatch.setattr(_ndjson, "MAX_LINE_BYTES", 200)
    results = []
    for by_worker in (False, True):
        checkpoint = tmp_path / f"cp-{by_worker}.json" if checkpointed else None
        source = NdjsonSource(events, interpret=interpret, checkpoint=checkpoint, chunk_bytes=96)
        if checkpointed:  # as if the run before had settled lines 1 and 6 (and only those)
            source.start = InputPosition(settled_lines=frozenset({1, 6}))
        results.append([described(chunk) for chunk in asyncio.run(read(source, by_worker))])
    parsed, adopted = results
    assert adopted == parsed
    flat = [entry for chunk in parsed for entry in chunk]
    assert len(flat) == 10 and any(entry and entry[2] == "LINE_TOO_LONG" for entry in flat)
    assert (None in flat) == checkpointed  # the lines settled by the run before are skipped
    if checkpointed:
        assert flat[-1] is not None and flat[-1][-1][2] == 2  # the unterminated line's token never settles

"""The NDJSON source: events from a file or stdin (NDJSON, or one JSON array), streamed in bounded chunks.

A background thread reads (and, without worker processes, parses), handing chunks to the event
loop through a bounded queue, so a slow destination slows reading down (backpressure) and memory
stays flat whatever the input size. Input that is not an event becomes a :class:`Record` with a
``code`` and ``reason`` instead of stopping the run.

With a checkpoint (:class:`~._checkpoint.Checkpoint`), the source keeps, durably, the input
position below which every record is settled, and a new run over the same input starts there.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import gzip
import json
import os
import re
import stat
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, Final

from actions.js import type_name

from .._errors import ConfigurationError
from ._checkpoint import Checkpoint, InputPosition
from ._loads import loads
from ._sources import Outcome, RawChunk, Record, SourceOptions, SourceSpec

__all__ = [
    "INVALID_JSON",
    "LINE_TOO_LONG",
    "NDJSON_SOURCE",
    "NESTED_TOO_DEEP",
    "NOT_AN_EVENT",
    "Interpreter",
    "NdjsonSource",
    "parse_chunk",
    "parse_line",
    "parse_lines",
    "read_events",
    "records_from_value",
]

#: Codes of input that could not be read as events (dead-letter ``code``).
INVALID_JSON: Final = "INVALID_JSON"
NOT_AN_EVENT: Final = "NOT_AN_EVENT"
LINE_TOO_LONG: Final = "LINE_TOO_LONG"
NESTED_TOO_DEEP: Final = "NESTED_TOO_DEEP"

#: Deepest nesting of objects and arrays an event may have: mapping, validation, encoding and
#: pickling all recurse, so a deeper event is dead-lettered when read instead of crashing a stage.
MAX_DEPTH: Final = 64

#: Longest line kept in memory; longer lines are dead-lettered with their first bytes only.
MAX_LINE_BYTES: Final = 32 * 1024 * 1024
_RAW_PREVIEW: Final = 1024


def _problem(code: str, reason: str, line: int | None, raw: str | None) -> Record:
    return Record(None, line, code, reason, raw)


def _brackets(raw: str | bytes) -> int:
    """How many objects and arrays ``raw`` opens at most: a bound on its depth, counted in C."""
    if isinstance(raw, bytes):
        return raw.count(b"{") + raw.count(b"[")
    return raw.count("{") + raw.count("[")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if type(item) is dict else item if type(item) is list else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def _too_deep(line: int | None, raw: str | bytes | None, where: str = "") -> Record:
    text = "" if raw is None else raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    reason = f"{where}nested deeper than {MAX_DEPTH} levels of objects and arrays"
    return _problem(NESTED_TOO_DEEP, reason, line, text)


def _as_event(
    value: Any, line: int | None, raw: str | bytes | None, where: str = "", shallow: bool = False
) -> Record:
    """``value`` as an event record, or a ``NOT_AN_EVENT`` problem (``raw`` defaults to its JSON)."""
    if type(value) is dict and type(value.get("type")) is str and value["type"]:
        if not shallow and (raw is None or _brackets(raw) > MAX_DEPTH) and _deeper_than(value, MAX_DEPTH):
            return _too_deep(line, raw, where)
        return Record(value, line)
    if isinstance(value, dict):
        kind = value.get("type")
        reason = (
            'the object has no "type"'
            if kind is None
            else f'"type" must be a non-empty string, not {json.dumps(kind, ensure_ascii=False)[:80]}'
        )
    else:
        reason = f"expected an event object, got {type_name(value)}"
    if raw is None:
        if not shallow and _deeper_than(value, MAX_DEPTH):
            return _too_deep(line, None, where)
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return _problem(NOT_AN_EVENT, where + reason, line, text)


def _merge_envelope(item: Any, envelope: Mapping[str, Any]) -> Any:
    # Segment's batch API applies the envelope's context and integrations to every call; the
    # call's own keys win.
    if type(item) is not dict:
        return item
    for key in ("context", "integrations"):
        shared = envelope.get(key)
        if isinstance(shared, dict):
            own = item.get(key)
            item[key] = {**shared, **own} if isinstance(own, dict) else dict(shared)
    return item


def records_from_value(value: Any, line: int | None = None, raw: str | bytes | None = None) -> list[Record]:
    """Turn one parsed JSON value into records: an event, a batch envelope's events, or a problem.

    A ``{"batch": [...]}`` envelope (without a ``type`` of its own) is unpacked; its ``context``
    and ``integrations`` are merged into each call. ``raw`` is the text it was parsed from, kept
    in a problem record (decoded only then).
    """
    if type(value) is dict and "type" not in value and isinstance(value.get("batch"), list):
        shallow = raw is not None and _brackets(raw) <= MAX_DEPTH
        records = [
            _as_event(_merge_envelope(item, value), line, None, f"batch item {index}: ", shallow)
            for index, item in enumerate(value["batch"])
        ]
    else:
        records = [_as_event(value, line, raw)]
    if raw is not None and records:
        share = len(raw) // len(records)  # a batch's calls share its line
        for record in records:
            record.size = share
    return records


def parse_line(text: str | bytes, line: int | None = None) -> list[Record]:
    """Parse one NDJSON line into records (none for a blank line)."""
    try:
        value = loads(text)
    except RecursionError:  # deeper than the parser itself goes
        return [_too_deep(line, text)]
    except ValueError as exc:
        shown = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
        if not shown.strip():
            return []
        if isinstance(exc, json.JSONDecodeError):
            reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        else:  # bytes that are not UTF-8
            reason = f"invalid JSON: {exc}"
        return [_problem(INVALID_JSON, reason, line, shown.rstrip("\r\n"))]
    return records_from_value(value, line, text)


# --- incremental parsers (run in the reader thread) -------------------------------------------

#: How one NDJSON line (its bytes and 1-based number) becomes records.
Interpreter = Callable[[bytes, int], list[Record]]


def _too_long(chunk: RawChunk) -> Record:
    preview = (chunk.preview or b"").decode("utf-8", errors="replace")
    return _problem(
        LINE_TOO_LONG, f"line longer than {MAX_LINE_BYTES} bytes (not read)", chunk.first_line, preview
    )


def parse_chunk(chunk: RawChunk, interpret: Interpreter) -> list[Record]:
    """The records of a raw chunk, line numbers included (pure: worker processes run it too)."""
    return [record for _, records in parse_lines(chunk, interpret) for record in records]


def parse_lines(chunk: RawChunk, interpret: Interpreter) -> list[tuple[int, list[Record]]]:
    """:func:`parse_chunk` by input line: each line number with its records (lines with none left out).

    The number is the line's own in the input, which a record's ``line`` need not be (a replayed
    dead letter keeps the line it was first read from).
    """
    if chunk.preview is not None:
        return [(chunk.first_line, [_too_long(chunk)])]
    out: list[tuple[int, list[Record]]] = []
    number = chunk.first_line
    for text in chunk.data.split(b"\n"):
        if text.strip():
            records = interpret(text, number)
            if records:
                out.append((number, records))
        number += 1
    return out


class _LineSplitter:
    """Cuts a byte stream into chunks of complete lines, keeping count of lines and bytes.

    A line longer than ``MAX_LINE_BYTES`` is not kept: it becomes a chunk with a ``preview``.
    """

    def __init__(self, line: int = 0, offset: int = 0, digest: Any = None) -> None:
        self._partial = b""
        self._lines = line  # complete lines handed out so far
        self._offset = offset  # bytes handed out so far
        self._skipping: bytes | None = None  # the start of a line too long to keep
        self._skipped = 0  # its length so far
        #: With a running SHA-256 of the input (checkpoints): each chunk's states at its start and end.
        self._digest = digest
        self._skip_start: Any = None
        self.states: dict[int, tuple[Any, Any]] = {}

    def feed(self, data: bytes) -> list[RawChunk]:
        out: list[RawChunk] = []
        if self._skipping is not None:
            end = data.find(b"\n")
            if end < 0:
                self._skipped += len(data)
                self._hash(data)
                return out
            self._skipped += end + 1
            self._hash(data[: end + 1])
            out.append(self._too_long())
            data = data[end + 1 :]
        data = self._partial + data if self._partial else data
        cut = data.rfind(b"\n")
        if cut >= 0:
            body, self._partial = data[: cut + 1], data[cut + 1 :]
            out.append(self._chunk(body, body.count(b"\n")))
        else:
            self._partial = data
        if len(self._partial) > MAX_LINE_BYTES:
            self._skip_start = self._digest.copy() if self._digest is not None else None
            self._hash(self._partial)
            self._skipping, self._skipped, self._partial = (
                self._partial[:_RAW_PREVIEW],
                len(self._partial),
                b"",
            )
        return out

    def _hash(self, data: bytes) -> None:
        if self._digest is not None:
            self._digest.update(data)

    def end(self) -> list[RawChunk]:
        if self._skipping is not None:
            return [self._too_long(unterminated=True)]
        if not self._partial.strip():  # left unread: the next run reads it once it is a whole line
            return []
        body, self._partial = self._partial, b""
        return [self._chunk(body, 1, unterminated=True)]

    def _chunk(self, body: bytes, lines: int, unterminated: bool = False) -> RawChunk:
        chunk = RawChunk(self._lines + 1, body, self._offset, self._offset + len(body), None, unterminated)
        if self._digest is not None:
            start = self._digest.copy()
            self._digest.update(body)
            self.states[chunk.offset] = (start, self._digest.copy())
        self._lines += lines
        self._offset = chunk.end
        return chunk

    def _too_long(self, unterminated: bool = False) -> RawChunk:
        self._lines += 1
        chunk = RawChunk(
            self._lines, b"", self._offset, self._offset + self._skipped, self._skipping or b"", unterminated
        )
        if self._digest is not None:
            self.states[chunk.offset] = (self._skip_start, self._digest.copy())
        self._offset = chunk.end
        self._skipping, self._skipped = None, 0
        return chunk


class _ArrayParser:
    """Decodes the elements of one top-level JSON array as they arrive."""

    def __init__(self) -> None:
        self._decoder = json.JSONDecoder()
        self._text_decoder = codecs.getincrementaldecoder("utf-8")()
        self._buffer = ""
        self._line = 1  # line of self._buffer[0]
        self._opened = False
        self._finished = False
        self._after_item = False  # the last token was an element (so "," or "]" comes next)
        self._items = 0
        self._skip: _Skip | None = None  # an element too long to keep, being read past

    def feed(self, data: bytes, final: bool = False) -> list[Record]:
        if self._finished:
            return []
        try:
            self._buffer += self._text_decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            return self._broken(f"input is not UTF-8 ({exc.reason})")
        return self._drain(final)

    def end(self) -> list[Record]:
        out = self.feed(b"", final=True)
        if not self._finished:
            out.extend(self._broken("the JSON array is not closed"))
        return out

    def _advance(self, count: int) -> None:
        self._line += self._buffer.count("\n", 0, count)
        self._buffer = self._buffer[count:]

    def _drain(self, final: bool) -> list[Record]:
        out: list[Record] = []
        while not self._finished:
            if self._skip is not None:
                skipped = self._skip_on()
                if skipped is None:
                    break  # the element goes on in the next chunk
                out.append(skipped)
                continue
            self._advance(len(self._buffer) - len(self._buffer.lstrip(" \t\r\n")))
            if not self._buffer:
                break
            head = self._buffer[0]
            if not self._opened:
                self._opened = True  # the caller chose this parser because the input starts with "["
                self._advance(1)
            elif head == "]" and (self._after_item or self._items == 0):
                self._advance(1)
                self._finished = True
                if self._buffer.strip():
                    out.extend(self._broken("unexpected text after the JSON array"))
            elif head == "," and self._after_item:
                self._advance(1)
                self._after_item = False
            elif self._after_item:
                out.extend(self._broken(f"expected ',' or ']' but found {head!r}"))
            else:
                try:
                    value, end = self._decoder.raw_decode(self._buffer)
                except json.JSONDecodeError as exc:
                    if not final and len(self._buffer) < MAX_LINE_BYTES:
                        break  # most likely cut off mid-element: wait for more text
                    if not final and (exc.pos >= len(self._buffer) - 1 or exc.msg.startswith("Unterminated")):
                        # Cut off, and already too long to keep: read past it, keep its start.
                        self._skip = _Skip(self._line, self._buffer[:_RAW_PREVIEW], self._buffer[0])
                        continue
                    out.extend(self._broken(f"invalid JSON: {exc.msg}"))
                    break
                except RecursionError:
                    out.extend(self._broken(f"element {self._items} is nested too deep to parse"))
                    break
                if not final and end == len(self._buffer) and not isinstance(value, dict | list):
                    break  # a number or literal at the very end may continue in the next chunk
                line, raw = self._line, self._buffer[:end]
                self._advance(end)
                self._after_item = True
                self._items += 1
                if end > MAX_LINE_BYTES:  # as for an NDJSON line, whether it came in one chunk or many
                    out.append(self._too_long_element(line, raw[:_RAW_PREVIEW]))
                    continue
                out.extend(records_from_value(value, line, raw))
        return out

    def _too_long_element(self, line: int, preview: str) -> Record:
        reason = f"element {self._items} of the JSON array is longer than {MAX_LINE_BYTES} bytes (not read)"
        return _problem(LINE_TOO_LONG, reason, line, preview)

    def _skip_on(self) -> Record | None:
        """Consume the too-long element's text; its record once it has ended, else ``None``."""
        skip = self._skip
        assert skip is not None
        end = skip.scan(self._buffer)
        if end is None:
            self._advance(len(self._buffer))
            return None
        self._advance(end)
        self._skip = None
        self._after_item = True
        self._items += 1
        return self._too_long_element(skip.line, skip.preview)

    def _broken(self, reason: str) -> list[Record]:
        self._finished = True
        rest, self._buffer = self._buffer[:_RAW_PREVIEW], ""
        message = f"{reason} at line {self._line}; the rest of the input was not read"
        return [_problem(INVALID_JSON, message, self._line, rest)]


_SKIP_IN_STRING: Final = re.compile(r'["\\]')
_SKIP_IN_VALUE: Final = re.compile(r'["\[\]{}]')
_SKIP_SCALAR_END: Final = re.compile(r"[\s,\]]")


class _Skip:
    """Where reading past one JSON value stands, across chunks: nesting, strings and escapes.

    Only brackets outside strings count, so the scan is a few regex searches per chunk and
    nothing of the value is kept but its first bytes.
    """

    def __init__(self, line: int, preview: str, head: str) -> None:
        self.line = line
        self.preview = preview
        self.depth = 0
        self.in_string = False
        self.escaped = False  # the chunk ended right after a backslash inside a string
        self.scalar = head not in '{["'

    def scan(self, text: str) -> int | None:
        """The end of the value in ``text`` (which continues where the last call stopped), or ``None``."""
        if self.scalar:
            found = _SKIP_SCALAR_END.search(text)
            return found.start() if found else None
        position = 0
        if self.escaped:
            position, self.escaped = 1, False
        while True:
            if self.in_string:
                found = _SKIP_IN_STRING.search(text, position)
                if found is None:
                    return None
                position = found.end()
                if found.group() == "\\":
                    if position >= len(text):
                        self.escaped = True
                        return None
                    position += 1
                    continue
                self.in_string = False
                if self.depth == 0:
                    return position
                continue
            found = _SKIP_IN_VALUE.search(text, position)
            if found is None:
                return None
            position = found.end()
            char = found.group()
            if char == '"':
                self.in_string = True
            elif char in "[{":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    return position


# --- the source ------------------------------------------------------------------------------

_EOF: Final = None
#: A chunk as the reading thread hands it over: the chunk, its hash states (checkpointing), its
#: records (when parsed in the thread); or records of a JSON array; or an error; or the end.
_Item = tuple[RawChunk, Any, "list[Record] | None"] | list[Record] | BaseException | None


class _Line:
    """One input line: how many of its records are not settled yet, and where it ends."""

    __slots__ = ("end", "number", "open")

    def __init__(self, number: int, end: int, records: int) -> None:
        self.number = number
        self.end = end
        self.open = records


class _Chunk:
    """A chunk handed to the engine, kept until every line in it is settled (checkpointing only).

    Its bytes are not kept (a long retry at the head must not hold the input in memory): the
    checkpoint reads back, from the file, the part of the head chunk it hashes.
    """

    __slots__ = ("end", "end_state", "first_line", "last_line", "lines", "next", "offset", "start_state")

    def __init__(self, raw: RawChunk, states: tuple[Any, Any], lines: list[_Line] | None) -> None:
        self.offset, self.end, self.first_line = raw.offset, raw.end, raw.first_line
        self.start_state, self.end_state = states
        #: Its lines with records (``None``: not parsed yet); ``[]`` once all are settled.
        self.lines = lines
        self.next = 0  # lines[:next] are settled
        count = 1 if raw.preview is not None else raw.data.count(b"\n") + (not raw.data.endswith(b"\n"))
        self.last_line = raw.first_line + count - 1

    def settled_above(self, offset: int) -> list[tuple[int, int]]:
        """Ranges of its lines that are settled and end after ``offset`` (settled out of order)."""
        lines = self.lines
        if not lines:
            return []
        if self.next == 0 and all(line.open == 0 for line in lines):
            self.lines = []  # settled entirely, but behind the head: its span says it all
            return [(self.first_line, self.last_line)]
        return [
            (line.number, line.number) for line in lines[self.next :] if line.open == 0 and line.end > offset
        ]


class NdjsonSource:
    """Records from a file path, ``"-"`` (stdin) or a binary stream: NDJSON, or one JSON array.

    The format is detected from the first non-blank byte: ``[`` means one JSON array of events,
    anything else newline-delimited JSON (each line an event or a ``{"batch": [...]}`` envelope).

    Args:
        source: A path, ``"-"`` for standard input, or a readable binary stream.
        interpret: How one NDJSON line becomes records (the dead-letter reader passes its own).
        checkpoint: A checkpoint file: start after the position it records, and keep it up to
            date as records settle (NDJSON from a regular file, or stdin redirected from one).
        name: How the input is named in messages (default: the path, or ``<stdin>``).
        chunk_bytes: Bytes read at a time.
        max_chunks: Chunks that may wait for the consumer: the bound on read-ahead memory.

    Raises:
        ConfigurationError: with ``checkpoint``, the input cannot be identified (a pipe, a JSON
            array) or the checkpoint belongs to another input.
    """

    def __init__(
        self,
        source: str | Path | IO[bytes] = "-",
        *,
        interpret: Interpreter = parse_line,
        checkpoint: str | Path | None = None,
        name: str | None = None,
        chunk_bytes: int = 256 * 1024,
        max_chunks: int = 4,
    ) -> None:
        self._source = source
        self.interpret = interpret
        self._chunk_bytes = chunk_bytes
        self._slots = threading.Semaphore(max_chunks)
        self._stopped = threading.Event()
        self.name = name or (
            "<stdin>" if source == "-" else str(source) if isinstance(source, str | Path) else "<stream>"
        )
        self.bytes_read = 0
        #: Size of the input in bytes when known (a regular file), for progress display.
        self.total_bytes: int | None = None
        if isinstance(source, str | Path) and source != "-":
            with contextlib.suppress(OSError):
                self.total_bytes = os.stat(source).st_size
        self._started = False
        self._checkpoint: Checkpoint | None = None
        self._stream: IO[bytes] | None = None  # opened early when checkpointing
        self.start = InputPosition()
        self._chunks: deque[_Chunk] = deque()
        self._unparsed: dict[int, _Chunk] = {}
        self._done: _Chunk | None = None  # the last chunk settled entirely
        self._dirty = False  # settled more than the checkpoint file says
        self._writer: _CheckpointWriter | None = None
        self._fd = -1
        if checkpoint is not None:
            self._checkpoint = Checkpoint(checkpoint, self.name)
            self._stream = self._identified_stream()
            self._fd = os.dup(self._stream.fileno())  # hashes the head chunk again; the reader closes its own
            self.start = self._checkpoint.resume(self._fd)
            self.bytes_read = self.start.offset

    @property
    def redelivers(self) -> bool:
        """With a checkpoint, what a stopped run leaves unsettled is read again by the next run."""
        return self._checkpoint is not None

    def _identified_stream(self) -> IO[bytes]:
        what = f"--checkpoint needs input it can identify again, but {self.name}"
        if self._source == "-":
            stream: IO[bytes] = os.fdopen(os.dup(0), "rb")
        elif isinstance(self._source, str | Path):
            stream = open(self._source, "rb")  # noqa: SIM115 - closed by the reading thread
        else:
            stream = self._source
        try:
            fd = stream.fileno()
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except (OSError, ValueError, AttributeError):
            regular = False
        if not regular:
            stream.close()
            raise ConfigurationError(
                f"{what} is not a regular file (a pipe or a terminal): give --events FILE, or redirect "
                "a file (< FILE)"
            )
        if os.pread(fd, 2, 0) == _GZIP_MAGIC:
            stream.close()
            raise ConfigurationError(
                f"{self.name} is gzip-compressed: --checkpoint needs uncompressed NDJSON (gunzip it first)"
            )
        if _first_byte(fd) == b"[":
            stream.close()
            raise ConfigurationError(f"{what} is a JSON array: checkpoints need NDJSON (one event per line)")
        return stream

    # --- the Source protocol -------------------------------------------------------------------

    async def batches(self) -> AsyncIterator[list[Record]]:
        """Lists of records, in input order (parsed in the reading thread)."""
        async for item in self._items(parse=True):
            if isinstance(item, list):
                yield item
                continue
            chunk, states, records = item
            assert records is not None
            if self._checkpoint is not None:
                self._chunks.append(_Chunk(chunk, states, _lines_of(records)))
                records = [r for r in records if r.origin.open]  # not lines settled by the run before
                self._advance()  # blank lines, and those lines, are settled as they arrive
            if records:
                yield records

    async def raw_batches(self) -> AsyncIterator[RawChunk | list[Record]]:
        """NDJSON as unparsed chunks (for worker processes), in input order; see :meth:`parse`.

        Input that is not cut into lines (a JSON array) still comes as lists of records.
        """
        async for item in self._items(parse=False):
            if isinstance(item, list):
                yield item
                continue
            chunk, states, _ = item
            if self._checkpoint is not None:
                entry = _Chunk(chunk, states, None)
                self._chunks.append(entry)
                self._unparsed[chunk.offset] = entry
            yield chunk

    def parse(self, chunk: RawChunk) -> list[Record | None]:
        """The records of a chunk from :meth:`raw_batches` (``None``: settled by the run before)."""
        return self.adopt(chunk, parse_lines(chunk, self.interpret))

    def adopt(self, chunk: RawChunk, lines: list[tuple[int, list[Record]]]) -> list[Record | None]:
        """:meth:`parse`, given the chunk's ``parse_lines`` already (a worker process parsed it)."""
        records = self._track(chunk, lines)
        entry = self._unparsed.pop(chunk.offset, None)
        if entry is None:
            return list(records)
        entry.lines = _lines_of(records)
        self._advance()
        return [r if r.origin.open else None for r in records]

    def settled(self, record: Record, outcome: Outcome) -> None:
        line = record.origin
        if type(line) is not _Line:
            return
        line.open -= 1
        if line.open == 0:
            self._dirty = True  # even out of order: the checkpoint lists lines settled above its position
            self._advance()

    def close(self) -> None:
        """Write the checkpoint one last time (everything settled by now is in it)."""
        self._stopped.set()
        try:
            if self._writer is not None:
                self._writer.close()
            if self._checkpoint is not None:
                self._write_now()
        finally:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def stop(self) -> None:
        """Stop reading at the next chunk boundary."""
        self._stopped.set()

    # --- checkpoints -------------------------------------------------------------------------------

    def _parse(self, chunk: RawChunk) -> list[Record]:
        return self._track(chunk, parse_lines(chunk, self.interpret))

    def _track(self, chunk: RawChunk, lines: list[tuple[int, list[Record]]]) -> list[Record]:
        """The records of ``lines`` (the chunk's), each given (checkpointing) its line's token.

        An unterminated last line is read, but its token never settles: the checkpoint stays at
        the line boundary before it, so once its writer finishes it the next run reads it whole.
        """
        if self._checkpoint is None:
            return [record for _, records in lines for record in records]
        skip = self.start.settled_lines
        held = int(chunk.unterminated)
        if chunk.preview is not None:
            ends = [chunk.end]
        else:  # where each line ends: after its newline, or at the chunk's end
            lengths = accumulate(len(text) + 1 for text in chunk.data.split(b"\n"))
            ends = [min(chunk.offset + length, chunk.end) for length in lengths]
        last = len(ends) - 1
        out: list[Record] = []
        for number, records in lines:
            index = number - chunk.first_line
            unsettled = 0 if number in skip else len(records)
            token = _Line(number, ends[index], unsettled + (held if index == last else 0))
            for record in records:
                record.origin = token
            out.extend(records)
        return out

    def _advance(self) -> None:
        while self._chunks:
            head = self._chunks[0]
            if head.lines is None:
                break
            lines = head.lines
            while head.next < len(lines) and lines[head.next].open == 0:
                head.next += 1
                self._dirty = True
            if head.next < len(lines):
                break
            self._chunks.popleft()
            self._done = head
            self._dirty = True
        if self._dirty:
            if self._writer is None:
                assert self._checkpoint is not None
                try:
                    self._writer = _CheckpointWriter(self._checkpoint, self._take_position)
                except RuntimeError:  # no event loop (a source driven by hand): write now
                    self._write_now()
                    return
            self._writer.wanted()

    def _write_now(self) -> None:
        assert self._checkpoint is not None
        position = self._take_position()
        if position is not None:
            self._checkpoint.write(*position)

    def _take_position(self) -> tuple[int, int, str, list[tuple[int, int]]] | None:
        """The position to write now, if it moved since the last write."""
        if not self._dirty:
            return None
        self._dirty = False
        return self._position()

    def _position(self) -> tuple[int, int, str, list[tuple[int, int]]]:
        """What a checkpoint written now records: offset, line, prefix hash, settled lines above."""
        head = self._chunks[0] if self._chunks else None
        if head is not None and head.lines and head.next > 0:
            line = head.lines[head.next - 1]
            offset, number = line.end, line.number
            state = head.start_state.copy()
            state.update(os.pread(self._fd, offset - head.offset, head.offset))
        elif self._done is not None:
            offset, number, state = self._done.end, self._done.last_line, self._done.end_state
        else:
            offset, number, state = self.start.offset, self.start.line, self.start.prefix
        settled_after = [span for entry in self._chunks for span in entry.settled_above(offset)]
        return offset, number, state.hexdigest(), settled_after

    # --- reading -------------------------------------------------------------------------------

    def _open(self) -> tuple[IO[bytes], bool]:
        if self._stream is not None:
            self._stream.seek(self.start.offset)
            return self._stream, True
        if self._source == "-":
            import sys

            try:
                fd = sys.stdin.fileno()
            except (AttributeError, OSError, ValueError):  # replaced by a stream without a descriptor
                return sys.stdin.buffer, False
            # Unbuffered, so without sys.stdin's lock: this thread, blocked on an idle pipe when a
            # run stops, would hold it, and interpreter shutdown aborts (SIGABRT) on a held lock.
            return open(fd, "rb", buffering=0, closefd=False), True
        if isinstance(self._source, str | Path):
            return open(self._source, "rb"), True
        return self._source, False

    async def _items(
        self, *, parse: bool
    ) -> AsyncIterator[tuple[RawChunk, Any, list[Record] | None] | list[Record]]:
        if self._started:
            raise RuntimeError("an NdjsonSource can be read only once")
        self._started = True
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[_Item] = asyncio.Queue()

        def hand_over(item: _Item) -> None:
            # Waits for a free slot first: the consumer's pace limits how far reading runs ahead.
            while not self._slots.acquire(timeout=0.1):
                if self._stopped.is_set():
                    return
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(queue.put_nowait, item)

        thread = threading.Thread(
            target=self._read, args=(hand_over, parse), name="actions-ndjson-reader", daemon=True
        )
        thread.start()
        try:
            while True:
                item = await queue.get()
                self._slots.release()
                if item is _EOF:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stopped.set()  # the consumer is gone (end, stop or error): the thread ends too

    def _read(self, hand_over: Callable[[_Item], None], parse: bool) -> None:
        try:
            stream, owned = self._open()
        except OSError as exc:
            hand_over(exc)
            return
        try:
            self._read_stream(stream, hand_over, parse)
        except Exception as exc:  # surfaced to the consumer, which raises it
            hand_over(exc)
        finally:
            if owned:
                stream.close()

    def _read_stream(self, stream: IO[bytes], hand_over: Callable[[_Item], None], parse: bool) -> None:
        read = getattr(stream, "read1", None) or stream.read
        hashing = self._checkpoint is not None
        splitter: _LineSplitter | None = None
        array: _ArrayParser | None = None
        blank_start = b""  # leading whitespace, kept so line numbers stay right

        def pass_on(chunks: list[RawChunk]) -> None:
            assert splitter is not None
            for chunk in chunks:
                states = splitter.states.pop(chunk.offset) if hashing else None
                hand_over((chunk, states, self._parse(chunk) if parse else None))

        gzipped: _Counted | None = None
        damaged: str | None = None
        while not self._stopped.is_set():
            try:
                data = read(self._chunk_bytes)
            except (EOFError, OSError, zlib.error) as exc:
                if gzipped is None:
                    raise
                damaged = str(exc) or type(exc).__name__  # what was decompressed is still read
                break
            if not data:
                break
            if gzipped is None and splitter is None and array is None and not blank_start:
                data = _whole_magic(data, read)
                if data.startswith(_GZIP_MAGIC) and not hashing:
                    # Recognised by its bytes, whatever the name: read it decompressed, a chunk at a time.
                    gzipped = _Counted(data, stream, self)
                    read = gzip.GzipFile(fileobj=gzipped, mode="rb").read1  # type: ignore[call-overload]
                    continue
            if gzipped is None:
                self.bytes_read += len(data)
            if array is not None:
                hand_over(array.feed(data))
                continue
            if splitter is None:
                data, blank_start = blank_start + data, b""
                if not data.strip():
                    blank_start = data
                    continue
                if data.lstrip()[:1] == b"[":  # (never with a checkpoint: refused when created)
                    array = _ArrayParser()
                    hand_over(array.feed(data))
                    continue
                splitter = _LineSplitter(
                    self.start.line, self.start.offset, self.start.prefix if hashing else None
                )
            pass_on(splitter.feed(data))
        if not self._stopped.is_set():
            if array is not None:
                hand_over(array.end())
            elif splitter is not None:
                pass_on(splitter.end())
            if damaged is not None:
                reason = f"gzip data damaged or cut off ({damaged}); the rest of the input was not read"
                hand_over([_problem(INVALID_JSON, reason, None, "")])
        hand_over(_EOF)


_GZIP_MAGIC: Final = b"\x1f\x8b"


def _whole_magic(data: bytes, read: Callable[[int], bytes]) -> bytes:
    """``data``, plus a byte more when a pipe gave just one: enough to tell gzip's magic number."""
    if len(data) == 1 and data == _GZIP_MAGIC[:1]:
        data += read(1)
    return data


class _Counted:
    """The compressed stream for :class:`gzip.GzipFile`: the bytes already read first, then the
    rest; it counts compressed bytes, so progress compares with the file's size."""

    def __init__(self, head: bytes, stream: IO[bytes], source: NdjsonSource) -> None:
        self._head = head
        self._stream = stream
        self._source = source

    def read(self, size: int = -1) -> bytes:
        if self._head:
            cut = len(self._head) if size < 0 else size
            data, self._head = self._head[:cut], self._head[cut:]
        else:
            data = self._stream.read(size)
        self._source.bytes_read += len(data)
        return data


def _first_byte(fd: int) -> bytes:
    """The first byte of the open file ``fd`` that is not JSON white space (``b""`` if none)."""
    offset = 0
    while block := os.pread(fd, 64 * 1024, offset):
        rest = block.lstrip(b" \t\r\n")
        if rest:
            return rest[:1]
        offset += len(block)
    return b""


def _lines_of(records: list[Record]) -> list[_Line]:
    """The distinct line tokens of ``records``, in order."""
    seen: dict[int, _Line] = {}
    for record in records:
        token = record.origin
        if type(token) is _Line:
            seen.setdefault(id(token), token)
    return list(seen.values())


class _CheckpointWriter:
    """Writes a moving checkpoint on the event loop right after records settle, a burst at a time.

    Writing at once is what bounds the re-sends after ``kill -9`` to what was in flight: the loop
    settles nothing more while the file goes to disk (about half a millisecond on an SSD; a
    writer thread was tried, but waiting for the GIL between its system calls let a batch or
    two settle unrecorded). So that a slow disk cannot stall delivery, the next write waits at
    least ``SPACING`` times as long as the last one took.
    """

    SPACING: Final = 4

    def __init__(
        self, checkpoint: Checkpoint, take: Callable[[], tuple[int, int, str, list[tuple[int, int]]] | None]
    ) -> None:
        self._checkpoint = checkpoint
        self._take = take
        self._loop = asyncio.get_running_loop()
        self._scheduled: asyncio.Handle | None = None
        self._not_before = 0.0
        self._error: BaseException | None = None

    def wanted(self) -> None:
        """Records settled: write once the current callbacks are done (one write for a burst)."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._scheduled is None:
            wait = self._not_before - self._loop.time()
            self._scheduled = (
                self._loop.call_later(wait, self._write) if wait > 0 else self._loop.call_soon(self._write)
            )

    def _write(self) -> None:
        self._scheduled = None
        position = self._take()
        if position is None:
            return
        started = self._loop.time()
        try:
            self._checkpoint.write(*position)
        except Exception as exc:  # raised to whoever settles next, or by close()
            self._error = exc
        finished = self._loop.time()
        self._not_before = finished + self.SPACING * (finished - started)

    def close(self) -> None:
        """Cancel a write still waiting (the caller writes the last one); raise a write's error."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def read_events(source: str | Path | IO[bytes] = "-", **options: Any) -> NdjsonSource:
    """Stream events from a path, ``"-"`` (standard input) or a binary stream (NDJSON or a JSON array)."""
    return NdjsonSource(source, **options)


_PARAMS: Final = {
    "path": 'The file to read ("-" for standard input): NDJSON, or one JSON array.',
    "checkpoint": "A checkpoint file: resume after the position it records, and keep it up to date.",
}


def _create(options: SourceOptions) -> NdjsonSource:
    params = dict(options.params)
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise ConfigurationError(
            f"source {options.name!r}: unknown setting {unknown[0]!r} "
            f"(ndjson sources take: {', '.join(_PARAMS)})"
        )
    return NdjsonSource(params.get("path", "-"), checkpoint=params.get("checkpoint"))


NDJSON_SOURCE: Final = SourceSpec(
    name="ndjson",
    description="A file or stdin: NDJSON (an event or a batch per line), or a JSON array.",
    factory=_create,
    params=_PARAMS,
)

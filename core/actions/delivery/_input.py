"""Reading events: NDJSON or one JSON array, from a file or stdin, streamed in bounded chunks.

A background thread reads and parses, handing lists of :class:`Record` to the event loop through
a bounded queue, so a slow destination slows reading down (backpressure) and memory stays flat
whatever the input size. Input that is not an event becomes a :class:`Record` with a ``code`` and
``reason`` instead of stopping the run.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from .._js import js_type

__all__ = [
    "INVALID_JSON",
    "LINE_TOO_LONG",
    "NOT_AN_EVENT",
    "EventReader",
    "RawChunk",
    "Record",
    "parse_chunk",
    "parse_line",
    "records_from_value",
]

#: Codes of input that could not be read as events (dead-letter ``code``).
INVALID_JSON: Final = "INVALID_JSON"
NOT_AN_EVENT: Final = "NOT_AN_EVENT"
LINE_TOO_LONG: Final = "LINE_TOO_LONG"

#: Longest line kept in memory; longer lines are dead-lettered with their first bytes only.
MAX_LINE_BYTES: Final = 32 * 1024 * 1024
_RAW_PREVIEW: Final = 1024


@dataclass(slots=True)
class Record:
    """One item of input: an event, or text that could not be read as one.

    Args:
        event: The event (a JSON object with a string ``type``), or ``None`` when unreadable.
        line: 1-based line of the input it came from (``None`` for events passed from Python).
        code: Why it is not an event (``INVALID_JSON``, ``NOT_AN_EVENT``, ``LINE_TOO_LONG``).
        reason: The same, for humans.
        raw: The text as read, for unreadable input (so a fixed copy can be replayed).
        action: Replay only: deliver to this action and no other.
        subscription: Replay only: prefer the subscription with this name.
    """

    event: dict[str, Any] | None = None
    line: int | None = None
    code: str | None = None
    reason: str | None = None
    raw: str | None = None
    action: str | None = None
    subscription: str | None = None


def _problem(code: str, reason: str, line: int | None, raw: str | None) -> Record:
    return Record(None, line, code, reason, raw)


def _as_event(value: Any, line: int | None, raw: str | bytes | None, where: str = "") -> Record:
    """``value`` as an event record, or a ``NOT_AN_EVENT`` problem (``raw`` defaults to its JSON)."""
    if type(value) is dict and type(value.get("type")) is str and value["type"]:
        return Record(value, line)
    if isinstance(value, dict):
        kind = value.get("type")
        reason = (
            'the object has no "type"'
            if kind is None
            else f'"type" must be a non-empty string, not {json.dumps(kind, ensure_ascii=False)[:80]}'
        )
    else:
        reason = f"expected an event object, got {js_type(value)}"
    if raw is None:
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
        return [
            _as_event(_merge_envelope(item, value), line, None, f"batch item {index}: ")
            for index, item in enumerate(value["batch"])
        ]
    return [_as_event(value, line, raw)]


def parse_line(text: str | bytes, line: int | None = None) -> list[Record]:
    """Parse one NDJSON line into records (none for a blank line)."""
    try:
        value = json.loads(text)
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

Interpreter = Callable[[bytes, int], list[Record]]


@dataclass(frozen=True, slots=True)
class RawChunk:
    """Complete NDJSON lines as read, not parsed yet: ``data`` starts at line ``first_line``."""

    first_line: int
    data: bytes


def parse_chunk(chunk: RawChunk, interpret: Interpreter) -> list[Record]:
    """The records of a raw chunk, line numbers included."""
    out: list[Record] = []
    line = chunk.first_line
    for text in chunk.data.split(b"\n"):
        if text.strip():
            out.extend(interpret(text, line))
        line += 1
    return out


class _LineSplitter:
    """Cuts a byte stream into chunks of complete lines, keeping count of line numbers.

    A line longer than ``MAX_LINE_BYTES`` is not kept: it becomes a ``LINE_TOO_LONG`` record.
    """

    def __init__(self) -> None:
        self._partial = b""
        self._lines = 0  # complete lines handed out so far
        self._skipping: bytes | None = None  # the start of a line too long to keep

    def feed(self, data: bytes) -> list[RawChunk | list[Record]]:
        out: list[RawChunk | list[Record]] = []
        if self._skipping is not None:
            end = data.find(b"\n")
            if end < 0:
                return out
            out.append([self._too_long()])
            data = data[end + 1 :]
        data = self._partial + data if self._partial else data
        cut = data.rfind(b"\n")
        if cut >= 0:
            body, self._partial = data[: cut + 1], data[cut + 1 :]
            out.append(RawChunk(self._lines + 1, body))
            self._lines += body.count(b"\n")
        else:
            self._partial = data
        if len(self._partial) > MAX_LINE_BYTES:
            self._skipping, self._partial = self._partial[:_RAW_PREVIEW], b""
        return out

    def end(self) -> list[RawChunk | list[Record]]:
        if self._skipping is not None:
            return [[self._too_long()]]
        if not self._partial.strip():
            return []
        chunk, self._partial = RawChunk(self._lines + 1, self._partial), b""
        self._lines += 1
        return [chunk]

    def _too_long(self) -> Record:
        self._lines += 1
        preview = (self._skipping or b"").decode("utf-8", errors="replace")
        self._skipping = None
        message = f"line longer than {MAX_LINE_BYTES} bytes (not read)"
        return _problem(LINE_TOO_LONG, message, self._lines, preview)


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
                    out.extend(self._broken(f"invalid JSON: {exc.msg}"))
                    break
                if not final and end == len(self._buffer) and not isinstance(value, dict | list):
                    break  # a number or literal at the very end may continue in the next chunk
                line, raw = self._line, self._buffer[:end]
                self._advance(end)
                self._after_item = True
                self._items += 1
                out.extend(records_from_value(value, line, raw))
        return out

    def _broken(self, reason: str) -> list[Record]:
        self._finished = True
        rest, self._buffer = self._buffer[:_RAW_PREVIEW], ""
        message = f"{reason} at line {self._line}; the rest of the input was not read"
        return [_problem(INVALID_JSON, message, self._line, rest)]


# --- the reader ---------------------------------------------------------------------------------

_EOF: Final = None
_Item = RawChunk | list[Record] | BaseException | None


class EventReader:
    """Streams :class:`Record` chunks from a file path, ``"-"`` (stdin) or a binary stream.

    The format is detected from the first non-blank byte: ``[`` means one JSON array of events,
    anything else newline-delimited JSON (each line an event or a ``{"batch": [...]}`` envelope).

    Args:
        source: A path, ``"-"`` for standard input, or a readable binary stream.
        interpret: How one NDJSON line becomes records (the dead-letter reader passes its own).
        chunk_bytes: Bytes read at a time.
        max_chunks: Parsed chunks that may wait for the consumer: the bound on read-ahead memory.
    """

    def __init__(
        self,
        source: str | Path | IO[bytes],
        *,
        interpret: Interpreter = parse_line,
        chunk_bytes: int = 256 * 1024,
        max_chunks: int = 4,
    ) -> None:
        self._source = source
        self._interpret = interpret
        self._chunk_bytes = chunk_bytes
        self._slots = threading.Semaphore(max_chunks)
        self._stopped = threading.Event()
        self.bytes_read = 0
        #: Size of the input in bytes when known (a regular file), for progress display.
        self.total_bytes: int | None = None
        self.name = (
            "<stdin>" if source == "-" else str(source) if isinstance(source, str | Path) else "<stream>"
        )
        self._started = False
        if isinstance(source, str | Path) and source != "-":
            try:
                self.total_bytes = os.stat(source).st_size
            except OSError:
                self.total_bytes = None

    @property
    def interpret(self) -> Interpreter:
        """How this reader turns one NDJSON line into records."""
        return self._interpret

    def stop(self) -> None:
        """Stop reading at the next chunk boundary (records already queued are still delivered)."""
        self._stopped.set()

    def _open(self) -> tuple[IO[bytes], bool]:
        if self._source == "-":
            import sys

            return sys.stdin.buffer, False
        if isinstance(self._source, str | Path):
            return open(self._source, "rb"), True
        return self._source, False

    def __aiter__(self) -> AsyncIterator[list[Record]]:
        return self.chunks()

    async def chunks(self) -> AsyncIterator[list[Record]]:
        """Yield lists of records, in input order (parsed in the reading thread)."""
        async for item in self._items(raw=False):
            yield item  # type: ignore[misc]  # record mode hands over record lists only

    async def raw_chunks(self) -> AsyncIterator[RawChunk | list[Record]]:
        """Yield NDJSON as unparsed :class:`RawChunk` s (for parsing elsewhere), in input order.

        Input that is not cut into lines (a JSON array, a line too long to keep) still comes as
        lists of records.
        """
        async for item in self._items(raw=True):
            yield item

    async def _items(self, *, raw: bool) -> AsyncIterator[RawChunk | list[Record]]:
        if self._started:
            raise RuntimeError("an EventReader can be iterated only once")
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
            target=self._read, args=(hand_over, raw), name="actions-event-reader", daemon=True
        )
        thread.start()
        while True:
            item = await queue.get()
            self._slots.release()
            if item is _EOF:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _read(self, hand_over: Callable[[_Item], None], raw: bool) -> None:
        try:
            stream, owned = self._open()
        except OSError as exc:
            hand_over(exc)
            return
        try:
            self._read_stream(stream, hand_over, raw)
        except Exception as exc:  # surfaced to the consumer, which raises it
            hand_over(exc)
        finally:
            if owned:
                stream.close()

    def _read_stream(self, stream: IO[bytes], hand_over: Callable[[_Item], None], raw: bool) -> None:
        read = getattr(stream, "read1", None) or stream.read
        splitter: _LineSplitter | None = None
        array: _ArrayParser | None = None
        blank_start = b""  # leading whitespace, kept so line numbers stay right

        def pass_on(items: list[RawChunk | list[Record]]) -> None:
            for item in items:
                if isinstance(item, RawChunk) and not raw:
                    item = parse_chunk(item, self._interpret)
                if item:
                    hand_over(item)

        while not self._stopped.is_set():
            data = read(self._chunk_bytes)
            if not data:
                break
            self.bytes_read += len(data)
            if array is not None:
                pass_on([array.feed(data)])
                continue
            if splitter is None:
                data, blank_start = blank_start + data, b""
                if not data.strip():
                    blank_start = data
                    continue
                if data.lstrip()[:1] == b"[":
                    array = _ArrayParser()
                    pass_on([array.feed(data)])
                    continue
                splitter = _LineSplitter()
            pass_on(splitter.feed(data))
        if not self._stopped.is_set():
            if array is not None:
                pass_on([array.end()])
            elif splitter is not None:
                pass_on(splitter.end())
        hand_over(_EOF)

"""Dead letters: one NDJSON record per event (and action) that could not be delivered, and reading them back.

A record holds everything needed to understand the failure and to send the event again:

``{"destination", "action", "subscription", "event", "line", "code", "message", "status",
"retryable", "reason", "attempts", "failed_at", "run_id"}`` (``slug`` too, when the destination's
name in a pipeline is not its slug); input that was not an event has ``raw`` (the text as read)
instead of ``event``, no ``action``, and no ``destination`` when the run had several. Secrets
are redacted before a record is written.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .._errors import ConfigurationError
from .._redact import Redactor
from ._ndjson import INVALID_JSON, NdjsonSource, parse_line, records_from_value
from ._sources import Record, SourceOptions, SourceSpec

__all__ = [
    "DEAD_LETTER_SOURCE",
    "DeadLetterWriter",
    "dead_letter_reader",
    "iter_dead_letters",
    "record_from_dead_letter",
]


class DeadLetterWriter:
    """Appends dead-letter records to an NDJSON file (created on the first record) or a text stream.

    Each record is flushed as it is written, so a crash loses none that were reported.

    Args:
        target: A path (appended to; parent folders created) or an open text stream.
        redactor: Applied to every record before it is written.
    """

    def __init__(self, target: str | Path | IO[str], *, redactor: Redactor | None = None) -> None:
        self._target = target
        self._stream: IO[str] | None = None if isinstance(target, str | Path) else target
        self._owned = isinstance(target, str | Path)
        self._redactor = redactor
        self._lock = threading.Lock()
        #: Records written so far.
        self.count = 0

    @property
    def path(self) -> Path | None:
        """The file written to, when the target is a path."""
        return Path(self._target) if isinstance(self._target, str | Path) else None

    def write(self, record: Mapping[str, Any]) -> None:
        data = self._redactor.data(dict(record)) if self._redactor else record
        line = json.dumps(data, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            if self._stream is None:
                path = Path(self._target)  # type: ignore[arg-type]  # only paths reach here
                path.parent.mkdir(parents=True, exist_ok=True)
                self._stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            self._stream.write(line)
            self._stream.flush()
            self.count += 1

    def sync(self) -> None:
        """Make every record written so far durable (on disk, not only handed to the OS)."""
        with self._lock:
            if self._stream is not None:
                self._stream.flush()
                os.fsync(self._stream.fileno())

    def close(self) -> None:
        with self._lock:
            if self._owned and self._stream is not None:
                self._stream.close()
                self._stream = None

    def __enter__(self) -> DeadLetterWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record_from_dead_letter(text: str | bytes, line: int) -> list[Record]:
    """The records to replay from one dead-letter line.

    A failed delivery replays its event to the recorded action only; unreadable input is read
    again from ``raw`` (so a copy fixed by hand goes through) and goes to every subscription.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return parse_line(text, line)  # not a dead-letter record: treat the line as input
    if not isinstance(data, dict) or ("event" not in data and "raw" not in data):
        return records_from_value(data, line)
    original_line = data.get("line") if isinstance(data.get("line"), int) else line
    if "event" in data:
        records = records_from_value(data["event"], original_line)
        action, subscription, destination = (
            data.get(key) if isinstance(data.get(key), str) else None
            for key in ("action", "subscription", "destination")
        )
        for record in records:
            record.action, record.subscription, record.destination = action, subscription, destination
        return records
    raw = data.get("raw")
    if not isinstance(raw, str):
        return [Record(None, original_line, INVALID_JSON, "dead-letter record has no text to replay", None)]
    return parse_line(raw, original_line)


def dead_letter_reader(path: str | Path | IO[bytes], **options: Any) -> NdjsonSource:
    """An :class:`~.NdjsonSource` over a dead-letter file, yielding the records to replay."""
    return NdjsonSource(path, interpret=record_from_dead_letter, **options)


def _create(options: SourceOptions) -> NdjsonSource:
    params = dict(options.params)
    unknown = sorted(set(params) - {"path"})
    if unknown or "path" not in params:
        problem = f"unknown setting {unknown[0]!r}" if unknown else "needs a path"
        raise ConfigurationError(f"source {options.name!r}: {problem} (dead-letters sources take: path)")
    return dead_letter_reader(params["path"])


DEAD_LETTER_SOURCE = SourceSpec(
    name="dead-letters",
    description="The events of a dead-letter file, each to the destination and action it failed in (replay).",
    factory=_create,
    params={"path": "The dead-letter file (NDJSON, as actions run writes it)."},
)


def iter_dead_letters(path: str | Path) -> Iterator[dict[str, Any]]:
    """The raw records of a dead-letter file, for inspection and tests."""
    with open(path, encoding="utf-8", newline="\n") as stream:
        for text in stream:
            if text.strip():
                yield json.loads(text)

"""Dead letters: one NDJSON record per event (and action) that could not be delivered, and reading them back.

A record holds everything needed to understand the failure and to send the event again:

``{"destination", "action", "subscription", "event", "line", "code", "message", "status",
"retryable", "reason", "attempts", "failed_at", "run_id"}`` (``slug`` too, when the destination's
name in a pipeline is not its slug); input that was not an event has ``raw`` (the text as read)
instead of ``event``, no ``action``, and no ``destination`` when the run had several. Secrets
are redacted before a record is written (:func:`redact_record`): the event only where a value is a
secret, so it replays exactly as it came in.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
from collections.abc import Collection, Iterator, Mapping
from functools import partial
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
    "redact_record",
]


#: The fields that hold input as it came in: redacted as data (whole values), never as text.
_INPUT_FIELDS = ("event", "raw")


def redact_record(record: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    """``record`` with secrets replaced: in messages wherever they stand, in the event as whole values."""
    return {
        key: redactor.data(value) if key in _INPUT_FIELDS else redactor.texts(value)
        for key, value in record.items()
    }


class DeadLetterWriter:
    """Appends dead-letter records to an NDJSON file or a text stream.

    A record is written whole or not at all: when the file cannot take one (disk full, file too
    large, I/O error), what part of it got in is cut off again, the error is raised, and every
    later record is refused with the same error (:attr:`error`), so the file holds exactly
    :attr:`count` records of this writer. Each record is handed to the OS as it is written, so a
    crash of the process loses none that were reported; :meth:`sync` puts them on disk.

    Args:
        target: A path (appended to; parent folders created) or an open text stream.
        redactor: Applied to every record before it is written.
    """

    def __init__(self, target: str | Path | IO[str], *, redactor: Redactor | None = None) -> None:
        self._target = target
        self._stream: IO[str] | None = None if isinstance(target, str | Path) else target
        self._redactor = redactor
        self._lock = threading.Lock()
        self._fd = -1
        self._created = False  # this writer created the file (removed again if nothing was written)
        #: Records written so far.
        self.count = 0
        #: Why records cannot be written any more (``None`` while they can).
        self.error: OSError | None = None

    @property
    def path(self) -> Path | None:
        """The file written to, when the target is a path."""
        return Path(self._target) if isinstance(self._target, str | Path) else None

    def open(self) -> None:
        """Open the file now rather than at the first record (a file created here and left empty is
        removed again by :meth:`close`).

        A run opens it before it reads any event: a path that cannot be written is found before
        anything is sent, and running out of file descriptors later cannot stop dead letters.

        Raises:
            OSError: the file cannot be opened for appending (or its folder created).
        """
        with self._lock:
            self._open()

    def _open(self) -> None:
        if self._fd >= 0 or self._stream is not None:
            return
        path = Path(self._target)  # type: ignore[arg-type]  # only paths reach here
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            self._fd = os.open(path, flags | os.O_EXCL, 0o666)
            self._created = True
        except FileExistsError:
            self._fd = os.open(path, flags, 0o666)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record (redacted).

        Raises:
            OSError: it could not be written (nothing of it is in the file); so is every later record.
        """
        data = redact_record(record, self._redactor) if self._redactor else record
        line = json.dumps(data, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            if self.error is not None:
                raise OSError(self.error.errno, self.error.strerror, self.error.filename)
            try:
                if self._stream is not None:
                    self._stream.write(line)
                    self._stream.flush()
                else:
                    self._open()
                    self._append(line.encode("utf-8"))
            except OSError as exc:
                self.error = exc
                raise
            self.count += 1

    def _append(self, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, view[written:])
        except OSError:
            if written:  # part of the record got in before the failure: cut it off again
                with contextlib.suppress(OSError):  # not a regular file (a device): nothing to cut
                    os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
            raise

    def sync(self) -> None:
        """Make every record written so far durable (on disk, not only handed to the OS).

        Raises:
            OSError: the records may not all be on disk.
        """
        with self._lock:
            if self._stream is not None:
                self._stream.flush()
            elif self._fd >= 0:
                try:
                    os.fsync(self._fd)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:  # EINVAL: a device or a pipe, which keeps nothing to sync
                        raise

    def close(self) -> None:
        """Close the file (a stream given stays open); remove it if this writer created it and it is empty."""
        with self._lock:
            fd, self._fd = self._fd, -1
            if fd < 0:
                return
            with contextlib.suppress(OSError):
                if self._created and os.fstat(fd).st_size == 0:
                    os.unlink(self._target)  # type: ignore[arg-type]  # only paths have a descriptor
            with contextlib.suppress(OSError):  # what was written was handed to the OS already
                os.close(fd)

    def __enter__(self) -> DeadLetterWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record_from_dead_letter(
    text: str | bytes, line: int, *, runs: Collection[str] | None = None
) -> list[Record]:
    """The records to replay from one dead-letter line.

    A failed delivery replays its event to the recorded action only; unreadable input is read
    again from ``raw`` (so a copy fixed by hand goes through) and goes to every subscription.
    With ``runs``, a record of another run (its ``run_id``) gives none: the file is appended to
    run after run.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return parse_line(text, line)  # not a dead-letter record: treat the line as input
    if runs is not None and isinstance(data, dict) and data.get("run_id") not in runs:
        return []
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


def dead_letter_reader(
    path: str | Path | IO[bytes], *, runs: Collection[str] | None = None, **options: Any
) -> NdjsonSource:
    """An :class:`~.NdjsonSource` over a dead-letter file, yielding the records to replay.

    Args:
        runs: Replay only the records of these runs (their ``run_id``); lines that are not JSON
            are still read, so that they are reported.
    """
    interpret = partial(record_from_dead_letter, runs=frozenset(runs)) if runs else record_from_dead_letter
    return NdjsonSource(path, interpret=interpret, **options)


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

"""Checkpoints: how far into one input file every record is settled, kept durably between runs.

A checkpoint names a position in the input (a byte offset at a line boundary) below which every
record is settled, plus the lines above it that are settled too (records settle out of order),
so a new run re-sends at most what was in flight. It identifies its input by content, not by
name: the SHA-256 of the input's first bytes (``head``) and of everything below the position
(``prefix``). Another file, or a file changed below the position, is refused; a file that only
grew (a log being appended to) is accepted.

The file is replaced atomically (written aside, flushed to disk, renamed), so a crash at any
moment leaves either the old checkpoint or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .._clock import get_clock, iso_ms
from .._errors import ConfigurationError

__all__ = ["HEAD_BYTES", "Checkpoint", "InputPosition", "hash_prefix"]

FORMAT: Final = "actions-checkpoint/1"
#: How much of the input's start identifies it.
HEAD_BYTES: Final = 64 * 1024
_READ: Final = 1024 * 1024


@dataclass(frozen=True)
class InputPosition:
    """Where a run starts: the byte offset and the number of lines before it, and what to skip after it."""

    offset: int = 0
    line: int = 0
    #: SHA-256 state of the bytes before ``offset`` (continued as the rest is read).
    prefix: Any = field(default_factory=hashlib.sha256)
    #: Lines after ``offset`` that were settled already (not sent again).
    settled_lines: frozenset[int] = frozenset()


def hash_prefix(fd: int, length: int) -> Any:
    """The SHA-256 state of the first ``length`` bytes of the open file ``fd`` (read with ``pread``)."""
    digest = hashlib.sha256()
    done = 0
    while done < length:
        block = os.pread(fd, min(_READ, length - done), done)
        if not block:
            break
        digest.update(block)
        done += len(block)
    return digest


class Checkpoint:
    """The checkpoint file of one input.

    Args:
        path: Where the checkpoint is kept (created by the first run).
        input_name: How the input is shown in messages and recorded (a path, or ``<stdin>``).
    """

    def __init__(self, path: str | Path, input_name: str) -> None:
        self.path = Path(path)
        self.input_name = input_name
        self._head: dict[str, Any] | None = None

    def resume(self, fd: int) -> InputPosition:
        """Where to start reading the open input ``fd``: after the checkpointed position, if any.

        Raises:
            ConfigurationError: the checkpoint cannot be read, or it belongs to another input or
                to this input before it changed.
        """
        size = os.fstat(fd).st_size
        saved = self._load()
        if saved is None:
            head = min(HEAD_BYTES, size)
            self._head = {"bytes": head, "sha256": hash_prefix(fd, head).hexdigest()}
            return InputPosition()
        head, offset = saved["head"], saved["offset"]
        recorded = saved.get("input")
        if size < head["bytes"] or hash_prefix(fd, head["bytes"]).hexdigest() != head["sha256"]:
            if recorded == self.input_name:  # the same name: more likely edited than another file
                raise ConfigurationError(
                    f"input {self.input_name} has changed since checkpoint {str(self.path)!r} was "
                    f"written: its first {head['bytes']:,} bytes differ; use another --checkpoint file"
                )
            raise ConfigurationError(
                f"checkpoint {str(self.path)!r} was written for another input ({recorded}), not "
                f"{self.input_name}: their first bytes differ; use another --checkpoint file"
            )
        prefix = hash_prefix(fd, offset) if size >= offset else None
        if prefix is None or prefix.hexdigest() != saved["sha256"]:
            raise ConfigurationError(
                f"input {self.input_name} has changed since checkpoint {str(self.path)!r} was written: "
                f"its first {offset:,} bytes are not the ones checkpointed; use another --checkpoint file"
            )
        self._head = head
        return InputPosition(
            offset, saved["line"], prefix, frozenset(_expand(saved.get("settled_after", [])))
        )

    def write(
        self, offset: int, line: int, prefix_sha256: str, settled_after: list[tuple[int, int]]
    ) -> None:
        """Record that everything below ``offset`` (``line`` lines) is settled, and the line ranges
        ``settled_after`` (first and last line, inclusive) too."""
        assert self._head is not None, "resume() first"
        data = {
            "format": FORMAT,
            "input": self.input_name,
            "offset": offset,
            "line": line,
            "sha256": prefix_sha256,
            "head": self._head,
            "settled_after": _ranges(settled_after),
            "written_at": iso_ms(get_clock().now_ms()),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                json.dump(data, stream)
                stream.write("\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _sync_directory(self.path.parent)

    def _load(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigurationError(f"cannot read checkpoint {str(self.path)!r}: {exc.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8"))
            ok = (
                data.get("format") == FORMAT
                and all(isinstance(data.get(key), int) for key in ("offset", "line"))
                and isinstance(data["head"]["bytes"], int)
                and isinstance(data["head"]["sha256"], str)
                and isinstance(data["sha256"], str)
                and all(
                    isinstance(pair, list) and len(pair) == 2 and all(type(n) is int for n in pair)
                    for pair in data.get("settled_after", [])
                )
            )
        except (ValueError, AttributeError, KeyError, TypeError):
            ok = False
        if not ok:
            raise ConfigurationError(f"{str(self.path)!r} is not a checkpoint file written by actions run")
        return dict(data)


def _ranges(spans: list[tuple[int, int]]) -> list[list[int]]:
    """``[(3, 4), (5, 5), (9, 9)]`` as ``[[3, 5], [9, 9]]`` (adjacent spans merged)."""
    out: list[list[int]] = []
    for first, last in sorted(spans):
        if out and out[-1][1] >= first - 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


def _expand(ranges: list[list[int]]) -> list[int]:
    return [line for first, last in ranges for line in range(first, last + 1)]


def _sync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

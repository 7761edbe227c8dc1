"""Spilling: a destination that has fallen behind keeps its backlog on disk, not in memory.

Each lane may hold only its share of the run's buffer in memory. When a slow or failing
destination has used its share, its new deliveries wait in a temporary file, in order, and come
back as its backlog shrinks, so reading (and every other destination) goes on at full speed with
memory still bounded. The file is scratch space: a crash loses it, but nothing in it was settled,
so a checkpointed run re-reads those events.
"""

from __future__ import annotations

import marshal
import pickle
import struct
import tempfile
from collections import deque
from typing import IO, Any, Final, Generic, TypeVar

__all__ = ["Spill"]

T = TypeVar("T")
_HEADER: Final = struct.Struct("<I?")  # length, pickled (marshal cannot write an author's custom type)


class Spill(Generic[T]):
    """A FIFO of ``(handle, data)`` pairs: ``data`` (JSON-like) waits on disk, ``handle`` in memory."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._handles: deque[T] = deque()
        self._read = 0
        self._written = 0
        #: Items waiting (a plain count: checked for every delivery, so no call).
        self.waiting = 0

    def push(self, handle: T, data: Any) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="actions-spill-")  # noqa: SIM115 - closed in close()
        try:
            blob, pickled = marshal.dumps(data), False
        except ValueError:
            blob, pickled = pickle.dumps(data), True
        self._file.seek(self._written)
        self._file.write(_HEADER.pack(len(blob), pickled) + blob)
        self._written += _HEADER.size + len(blob)
        self._handles.append(handle)
        self.waiting += 1

    def pop(self) -> tuple[T, Any]:
        assert self._file is not None, "pop from an empty spill"
        self._file.seek(self._read)
        size, pickled = _HEADER.unpack(self._file.read(_HEADER.size))
        blob = self._file.read(size)
        self._read += _HEADER.size + size
        handle = self._handles.popleft()
        self.waiting -= 1
        if not self._handles:  # empty again: start the file over instead of growing it
            self._file.seek(0)
            self._file.truncate()
            self._read = self._written = 0
        return handle, pickle.loads(blob) if pickled else marshal.loads(blob)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._handles.clear()
        self.waiting = 0

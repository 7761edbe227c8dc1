"""Sources: where a pipeline's records come from, and how a source learns that each one is settled.

The seam is as small as httpx's ``BaseTransport``: a source yields batches of :class:`Record`
and is told, once per record, when that record is *settled*: delivered, filtered or
dead-lettered for every destination it was routed to. That is what a source needs to answer an
HTTP request, acknowledge a queue message or checkpoint a file. The engine never asks what kind
of input it reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "Outcome",
    "ParallelSource",
    "RawChunk",
    "Record",
    "Source",
    "SourceOptions",
    "SourceSpec",
    "Status",
]

#: What became of a record, for one destination or for all of them.
Status = Literal["delivered", "filtered", "dead_lettered"]


@dataclass(slots=True)
class Record:
    """One item of input: an event, or text that could not be read as one.

    Args:
        event: The event (a JSON object with a string ``type``), or ``None`` when unreadable.
            The engine may release it (set it to ``None``) while the record waits on disk behind
            a slow destination, so a source identifies its records by ``origin``, not by event.
        line: 1-based position in the input, for people (dead letters, reports); ``None`` when
            the input has no lines.
        code: Why it is not an event (``INVALID_JSON``, ``NOT_AN_EVENT``, ``LINE_TOO_LONG``).
        reason: The same, for humans.
        raw: The text as read, for unreadable input (so a fixed copy can be replayed).
        action: Replay only: deliver to this action and no other.
        subscription: Replay only: prefer the subscription with this name.
        destination: Replay only: deliver to the destination of this name and no other.
        origin: The source's own handle on the record (a file offset, a queue message): opaque
            to the engine, handed back in :meth:`Source.settled`.
        size: Bytes of input it was read from (0: unknown), for the buffer's byte budget.
    """

    event: dict[str, Any] | None = None
    line: int | None = None
    code: str | None = None
    reason: str | None = None
    raw: str | None = None
    action: str | None = None
    subscription: str | None = None
    destination: str | None = None
    origin: Any = None
    size: int = 0


class Outcome:
    """How one record was settled: overall, and per destination it was offered to.

    ``status`` is ``dead_lettered`` when any destination dead-lettered it, else ``delivered``
    when any delivered it, else ``filtered``. Unreadable input is dead-lettered for no destination.
    ``destinations`` (name to status) is worked out when first read: most sources never ask.
    """

    __slots__ = ("_destinations", "_lazy", "status")

    def __init__(
        self,
        status: Status,
        destinations: Mapping[str, Status] | None = None,
        *,
        lazy: Callable[[], Mapping[str, Status]] | None = None,
    ) -> None:
        self.status = status
        self._destinations = destinations
        self._lazy = lazy

    @property
    def destinations(self) -> Mapping[str, Status]:
        if self._destinations is None:
            self._destinations = self._lazy() if self._lazy is not None else {}
            self._lazy = None
        return self._destinations

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self.status == other.status and dict(self.destinations) == dict(other.destinations)

    def __repr__(self) -> str:
        return f"Outcome({self.status!r}, {dict(self.destinations)!r})"


@dataclass(frozen=True, slots=True)
class RawChunk:
    """Complete NDJSON lines as read, not parsed yet: ``data`` starts at line ``first_line``, byte ``offset``.

    ``preview`` marks a line too long to keep: ``data`` is empty and the line is reported with
    ``preview`` (its first bytes) instead of being parsed. ``unterminated`` marks the input's
    last line when it has no newline: its writer may not have finished it.
    """

    first_line: int
    data: bytes
    offset: int = 0
    end: int = 0
    preview: bytes | None = None
    unterminated: bool = False


class Source(Protocol):
    """Where records come from.

    - ``batches()`` yields lists of records, in order, for as long as the source lives (a file
      ends; a queue may never). The engine iterates it once, and may stop early (on a signal);
      it then closes the iterator, so a ``finally`` in a generator runs.
    - ``settled(record, outcome)`` is called exactly once per record the engine took in, once
      every destination has settled it and its outcome is durable (a dead letter is on disk).
    - ``close()`` is called once, after the last ``settled``: write final state there.
    - ``redelivers``: records left unsettled when a run stops come back next time (a checkpointed
      file, a queue). The engine then leaves them alone instead of dead-lettering them as
      ``INTERRUPTED``.
    """

    name: str

    @property
    def redelivers(self) -> bool: ...

    def batches(self) -> AsyncIterator[list[Record]]: ...

    def settled(self, record: Record, outcome: Outcome) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class ParallelSource(Source, Protocol):
    """A source whose input can be parsed in other processes (``--workers``).

    ``raw_batches()`` replaces ``batches()``: it yields unparsed :class:`RawChunk` s (and lists
    of records for input that is not cut into lines). Worker processes prepare each chunk's
    payloads from ``parse_chunk(chunk, interpret)``; the engine turns the chunk into records
    with ``parse(chunk)``, exactly once and in order, which returns one entry per record that
    ``parse_chunk`` gives, ``None`` for a record not to take in (settled by an earlier run).
    """

    interpret: Callable[[bytes, int], list[Record]]

    def raw_batches(self) -> AsyncIterator[RawChunk | list[Record]]: ...

    def parse(self, chunk: RawChunk) -> list[Record | None]: ...


@dataclass(frozen=True)
class SourceOptions:
    """What a pipeline tells a source plugin when creating one: its name and its own settings."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSpec:
    """A kind of source a plugin offers: ``factory(options)`` creates one."""

    name: str
    description: str
    factory: Callable[[SourceOptions], Source]
    #: Settings ``params`` understands, with their meaning (for ``actions plugins`` and docs).
    params: Mapping[str, str] = field(default_factory=dict)

"""Events (mappings or records) from Python as a source: what ``engine.run([...])`` reads."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any, Final

from ._ndjson import records_from_value
from ._sources import Outcome, Record, Source

__all__ = ["Events", "IterableSource", "as_source"]

_CHUNK: Final = 256

Events = Iterable["Record | Mapping[str, Any]"] | AsyncIterable["Record | Mapping[str, Any]"]


class IterableSource:
    """Events (mappings) or records from Python, as a source: what ``engine.run([...])`` uses.

    Mappings are turned into records as input lines are (a ``{"batch": [...]}`` envelope is
    unpacked); settling is not reported anywhere, and a stopped run dead-letters what it did
    not finish (``redelivers`` is false).
    """

    redelivers = False

    def __init__(self, events: Events, name: str = "<python>") -> None:
        self._events = events
        self.name = name

    async def batches(self) -> AsyncIterator[list[Record]]:
        def records(item: Record | Mapping[str, Any]) -> list[Record]:
            if isinstance(item, Record):
                return [item]
            plain = dict(item) if isinstance(item, Mapping) and type(item) is not dict else item
            return records_from_value(plain)

        if isinstance(self._events, AsyncIterable):
            async for item in self._events:
                yield records(item)
            return
        chunk: list[Record] = []
        for item in self._events:
            chunk.extend(records(item))
            if len(chunk) >= _CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def settled(self, record: Record, outcome: Outcome) -> None:
        pass

    def close(self) -> None:
        pass


def as_source(events: Source | Events) -> Source:
    """``events`` if it is a source, else an :class:`IterableSource` over it."""
    if isinstance(events, Iterable | AsyncIterable) and not (
        hasattr(events, "batches") and hasattr(events, "settled")
    ):
        return IterableSource(events)
    return events  # type: ignore[return-value]  # duck-typed: any object with the protocol's methods

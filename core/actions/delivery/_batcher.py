"""Batching: group deliveries by key and release a batch when it is full or has waited long enough."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import orjson

from .._action import Batching

__all__ = ["BatchLimits", "Batcher", "batch_key", "payload_size"]

T = TypeVar("T")


@dataclass(frozen=True)
class BatchLimits:
    """The limits one group of batches obeys (an action's :class:`~actions.Batching`, possibly lowered).

    Args:
        max_events: Most items per batch.
        max_bytes: Most estimated bytes per batch (a single larger item still goes, alone).
        linger_s: Longest an item waits for its batch to fill.
        keys: Payload fields whose values must be equal within a batch.
    """

    max_events: int = 1000
    max_bytes: int = 4_000_000
    linger_s: float = 0.5
    keys: tuple[str, ...] = ()

    @classmethod
    def for_action(
        cls,
        declared: Batching,
        *,
        max_events: int | None = None,
        max_bytes: int | None = None,
        linger_s: float | None = None,
    ) -> BatchLimits:
        """The action's declared limits, lowered (never raised) by operator overrides."""
        return cls(
            max_events=min(declared.max_events, max_events) if max_events else declared.max_events,
            max_bytes=min(declared.max_bytes, max_bytes) if max_bytes else declared.max_bytes,
            linger_s=declared.linger_s if linger_s is None else linger_s,
            keys=tuple(declared.keys),
        )


_SIZER: Final = json.JSONEncoder(separators=(",", ":"), default=str)


def payload_size(payload: Any) -> int:
    """The bytes of ``payload`` as compact UTF-8 JSON: what batches are sized by.

    Measured once per event, so with orjson (several times faster than the json module). Its
    numbers may be spelled a few bytes apart from JavaScript's (``1e16``); a destination with a
    hard limit measures the bodies it really sends, as Amplitude does. What orjson refuses
    (integers beyond 64 bits, lone surrogates, keys that are not strings) is measured as
    ASCII-escaped JSON, which is never smaller than the UTF-8 text.
    """
    try:
        return len(orjson.dumps(payload, default=str))
    except TypeError:
        return len(_SIZER.encode(payload))


def batch_key(payload: Mapping[str, Any], keys: Sequence[str]) -> tuple[Hashable, ...]:
    """The values of ``keys`` in ``payload``, in a hashable, type-exact form (``1`` is not ``True``)."""
    return tuple(_key_value(payload.get(key)) for key in keys)


def _key_value(value: Any) -> Hashable:
    if value is None or type(value) in (str, int, float, bool):
        return type(value), value  # the common case, without serialising
    return json.dumps(value, sort_keys=True, default=str)


class _Buffer(Generic[T]):
    __slots__ = ("items", "size", "timer")

    def __init__(self) -> None:
        self.items: list[T] = []
        self.size = 0
        self.timer: asyncio.TimerHandle | None = None


class Batcher(Generic[T]):
    """Collects items per group and hands each finished batch to ``release(group, items)``.

    A batch is released when adding an item would exceed ``max_events`` or ``max_bytes``, when
    it reaches ``max_events``, when its oldest item has waited ``linger_s``, or on :meth:`flush`.
    Must be used from a running event loop (linger uses its timers).
    """

    def __init__(self, release: Callable[[Hashable, list[T]], None]) -> None:
        self._release = release
        self._buffers: dict[Hashable, _Buffer[T]] = {}
        #: Items currently waiting in batches.
        self.pending = 0

    def add(self, group: Hashable, item: T, size: int, limits: BatchLimits) -> None:
        buffer = self._buffers.get(group)
        if buffer is not None and buffer.items and buffer.size + size > limits.max_bytes:
            self._pop(group)
            buffer = None
        if buffer is None:
            buffer = self._buffers[group] = _Buffer()
            if limits.linger_s > 0:
                loop = asyncio.get_running_loop()
                buffer.timer = loop.call_later(limits.linger_s, self._expire, group, buffer)
        buffer.items.append(item)
        buffer.size += size
        self.pending += 1
        if len(buffer.items) >= limits.max_events or limits.linger_s <= 0:
            self._pop(group)

    def flush(self, group: Hashable | None = None) -> None:
        """Release one group's batch now, or every batch when ``group`` is ``None``."""
        groups = list(self._buffers) if group is None else [group]
        for key in groups:
            if key in self._buffers:
                self._pop(key)

    def _expire(self, group: Hashable, buffer: _Buffer[T]) -> None:
        if self._buffers.get(group) is buffer:
            self._pop(group)

    def _pop(self, group: Hashable) -> None:
        buffer = self._buffers.pop(group)
        if buffer.timer is not None:
            buffer.timer.cancel()
        self.pending -= len(buffer.items)
        if buffer.items:
            self._release(group, buffer.items)

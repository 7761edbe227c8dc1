"""Queues: where ``actions serve`` keeps accepted events until every destination has settled them.

The seam between ingestion and delivery. A gateway calls :meth:`Queue.put` and answers its client
only once that returns (the events are durable); delivery takes each destination's pending events
with :meth:`Queue.take`, and reports each one's fate with :meth:`Queue.settle`. Events are kept
per destination, so a destination that is down only grows its own backlog. A backend is a plugin
(``register_queues``) chosen by the scheme of a URL: ``sqlite:///var/lib/actions/queue.db``.

Delivery is at least once: a lease lives only as long as the process that took it, so what was
taken and not settled when a process died is taken again after a restart. Destinations dedup
(Amplitude by ``insert_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "Accepted",
    "DeadEvent",
    "Delivery",
    "Queue",
    "QueueFull",
    "QueueOptions",
    "QueueSpec",
    "QueueStats",
    "Settled",
    "State",
]

#: Where an event stands for one destination.
State = Literal["pending", "delivered", "filtered", "dead"]


class QueueFull(Exception):
    """The queue holds as many undelivered events as its bound allows: nothing of the call was stored.

    ``retry_after`` is the backend's estimate, in seconds, of when there will be room (``Retry-After``).
    """

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Accepted:
    """An event a gateway received, ready to store: already stamped (``receivedAt``, ``messageId``).

    ``destinations`` are the names of the destinations it is to be delivered to (the source's).
    """

    source: str
    message_id: str
    event: dict[str, Any]
    destinations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event taken for one destination: ``id`` is the queue's handle, used to settle it.

    ``seq`` orders events as they were accepted (per queue); ``attempts`` counts earlier takes
    that ended without a settle (a crash, a shutdown), and ``received_at`` is epoch milliseconds.
    """

    id: int
    seq: int
    destination: str
    source: str
    event: dict[str, Any]
    attempts: int = 0
    received_at: int = 0


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of one :class:`Delivery`: ``delivered``, ``filtered`` or ``dead`` (with a reason)."""

    id: int
    state: Literal["delivered", "filtered", "dead"]
    #: For ``dead``: the dead-letter code (``HTTP_400``, ``MAPPING_FAILED``, ...) and the record
    #: that explains it (the dead-letter record, secrets already redacted).
    reason: str | None = None
    detail: Mapping[str, Any] | None = None
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class DeadEvent:
    """A dead letter kept in the queue: queryable, and re-queued by :meth:`Queue.requeue`."""

    id: int
    seq: int
    destination: str
    source: str
    event: dict[str, Any]
    reason: str
    detail: Mapping[str, Any]
    attempts: int
    received_at: int
    settled_at: int


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Counts for ``/metrics``, ``/ready`` and the console, by destination and state."""

    #: Events held (accepted and not yet pruned).
    events: int
    #: ``{destination: {state: count}}``; ``pending`` includes what is taken and not settled.
    states: Mapping[str, Mapping[str, int]]
    #: Bytes the store uses on disk (0 when the backend cannot tell).
    size_bytes: int = 0


@dataclass(frozen=True)
class QueueOptions:
    """What ``actions serve`` tells a backend: the URL, and the knobs every backend understands."""

    url: str
    #: At most this many events waiting for a destination before :meth:`Queue.put` refuses with
    #: :class:`QueueFull` (backpressure, answered 429).
    max_pending: int = 1_000_000
    #: Events repeated with a ``messageId`` seen from the same source within this window are
    #: accepted (answered 200) but not stored again.
    dedup_window_s: float = 24 * 3600
    #: Delivered and filtered events are pruned after this long; dead ones are kept until requeued
    #: or pruned by :meth:`Queue.prune` with ``dead=True``.
    retention_s: float = 7 * 24 * 3600
    #: Parameters of the URL's query string, and anything else a backend needs.
    params: Mapping[str, Any] = field(default_factory=dict)


class Queue(Protocol):
    """A durable queue of accepted events, per destination. Every method may be called from one event loop.

    - ``put(events)`` returns once the events are durable: a process killed right after loses none.
      It returns one flag per event: ``False`` for a duplicate ``messageId`` of the same source
      within the dedup window (not stored again, not an error). It raises :class:`QueueFull`
      when the bound is reached, storing nothing.
    - ``take(destination, limit, wait)`` leases up to ``limit`` pending events of ``destination``
      not leased already, oldest first; with none available it waits up to ``wait`` seconds for
      some (a ``put`` wakes it) and may return an empty list.
    - ``settle(destination, settled)`` records outcomes of leased events. It need not be durable
      on return (a lost settle means one more delivery, which is safe), so it does not block.
    - ``release(destination, ids)`` gives leases back without an outcome (shutdown): taken again.
    - ``dead(...)`` lists dead letters; ``requeue(...)`` makes them pending again, returning how many.
    - ``prune(now_ms)`` deletes what retention allows; ``stats()`` counts; ``close()`` flushes settles.
    """

    url: str

    async def put(self, events: Sequence[Accepted]) -> list[bool]: ...

    async def take(self, destination: str, limit: int, wait: float = 0.0) -> list[Delivery]: ...

    def settle(self, destination: str, settled: Sequence[Settled]) -> None: ...

    def release(self, destination: str, ids: Sequence[int]) -> None: ...

    async def dead(
        self,
        destination: str | None = None,
        reason: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int = 100,
    ) -> list[DeadEvent]: ...

    async def requeue(
        self,
        destination: str | None = None,
        reason: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> int: ...

    async def prune(self, now_ms: int) -> int: ...

    async def stats(self) -> QueueStats: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class QueueSpec:
    """A kind of queue a plugin offers, for URLs of scheme ``scheme``: ``factory(options)`` opens one."""

    scheme: str
    description: str
    factory: Callable[[QueueOptions], Queue]
    #: Query-string parameters the backend understands, with their meaning (``actions plugins``).
    params: Mapping[str, str] = field(default_factory=dict)

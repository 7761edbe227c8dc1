"""The delivery side of a queue: one destination's pending events as a :class:`~actions.delivery.Source`.

``actions serve`` runs one :class:`~actions.delivery.Engine` per destination over a
:class:`QueueSource`, so each destination drains its own backlog through its lane (batching,
retries, per-user order) and a destination that is down holds back nothing else. Each record's
outcome goes back to the queue as it is settled; dead letters reach the queue as the engine's
dead-letter sink (:meth:`QueueSource.dead_letter`), just before their record is settled.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from ..delivery._sources import Outcome, Record
from ._queue import Delivery, Queue, Settled

__all__ = ["QueueSource"]

#: Called once per settled delivery: (delivery, state, reason).
SettleObserver = Callable[[Delivery, str, "str | None"], None]


class QueueSource:
    """Yields ``destination``'s pending events from ``queue``, oldest first, and settles them there.

    Args:
        queue: The queue to drain.
        destination: The destination whose events these are (the pipeline's name for it).
        take: Most events taken at once (the engine's buffer bounds what is held in memory).
        wait: Longest a take waits for new events before asking again.
        on_settle: Told of every settled delivery (metrics).
    """

    redelivers = True

    def __init__(
        self,
        queue: Queue,
        destination: str,
        *,
        take: int = 500,
        wait: float = 1.0,
        on_settle: SettleObserver | None = None,
    ) -> None:
        self.name = f"queue:{destination}"
        self.queue = queue
        self.destination = destination
        self._take = take
        self._wait = wait
        self._on_settle = on_settle
        #: Taken and not settled yet, by id: given back to the queue on close.
        self._leased: dict[int, Delivery] = {}
        #: Dead-letter records waiting for their record's settle, by the record's seq (its line).
        self._dead: dict[int, list[dict[str, Any]]] = {}
        self._closed = False

    async def batches(self) -> AsyncIterator[list[Record]]:
        while not self._closed:
            deliveries = await self.queue.take(self.destination, self._take, self._wait)
            if not deliveries:
                continue
            for delivery in deliveries:
                self._leased[delivery.id] = delivery
            yield [Record(event=d.event, line=d.seq, origin=d) for d in deliveries]

    def dead_letter(self, record: dict[str, Any]) -> None:
        """The engine's dead-letter sink: kept until the record it explains is settled."""
        line = record.get("line")
        if isinstance(line, int):
            self._dead.setdefault(line, []).append(record)

    def settled(self, record: Record, outcome: Outcome) -> None:
        delivery: Delivery = record.origin
        self._leased.pop(delivery.id, None)
        dead = self._dead.pop(delivery.seq, [])
        if outcome.status == "dead_lettered":
            first = dead[0] if dead else {}
            reason = str(first.get("code") or "UNKNOWN")
            detail: dict[str, Any] = dict(first)
            if len(dead) > 1:  # several actions failed: each one's record is kept
                detail["others"] = dead[1:]
            settled = Settled(delivery.id, "dead", reason, detail, attempts=delivery.attempts + 1)
        else:
            reason = None
            state: Literal["delivered", "filtered"] = (
                "delivered" if outcome.status == "delivered" else "filtered"
            )
            settled = Settled(delivery.id, state, attempts=delivery.attempts + 1)
        self.queue.settle(self.destination, [settled])
        if self._on_settle is not None:
            with contextlib.suppress(Exception):  # metrics never stop delivery
                self._on_settle(delivery, settled.state, reason)

    def close(self) -> None:
        """Give back what was taken and not settled (a stop): taken again, here or by the next process."""
        self._closed = True
        if self._leased:
            self.queue.release(self.destination, list(self._leased))
            self._leased.clear()
        self._dead.clear()

"""Durable queues for ``actions serve``: the :class:`Queue` seam and the built-in SQLite backend."""

from __future__ import annotations

from ._open import open_queue
from ._queue import (
    Accepted,
    DeadEvent,
    Delivery,
    Queue,
    QueueFull,
    QueueOptions,
    QueueSpec,
    QueueStats,
    Settled,
    State,
)
from ._sqlite import SqliteQueue

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
    "SqliteQueue",
    "State",
    "open_queue",
]

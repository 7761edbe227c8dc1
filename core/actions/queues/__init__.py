"""Durable queues for ``actions serve``: the :class:`Queue` seam and the built-in SQLite backend."""

from __future__ import annotations

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

"""Durable queues for ``actions serve``: the :class:`Queue` seam and the built-in SQLite backend."""

from __future__ import annotations

import typing

from .._lazy import lazy_exports as _lazy_exports
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

if typing.TYPE_CHECKING:
    from ._sqlite import SqliteQueue

# The SQLite backend (sqlite3, its writer thread) loads on first use: every command registers the
# built-in queues, and only actions serve and replay --queue open one.
__getattr__ = _lazy_exports(__name__, globals(), {"SqliteQueue": "._sqlite"})

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

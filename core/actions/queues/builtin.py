"""The built-in queue backend, registered as an ordinary plugin (entry point ``builtin-queues``)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from ._queue import Queue, QueueOptions, QueueSpec

SQLITE_PARAMS = {
    "synchronous": "normal (default: survives a killed process) or full (survives power loss; slower)",
}


def _sqlite_queue(options: QueueOptions) -> Queue:
    from ._sqlite import SqliteQueue  # imported when a queue is opened, not when plugins load

    return SqliteQueue(options)


SQLITE_QUEUE = QueueSpec(
    scheme="sqlite",
    description="One SQLite file (WAL) on this machine: sqlite:///relative.db or sqlite:////absolute.db.",
    factory=_sqlite_queue,
    params=SQLITE_PARAMS,
)


@hookimpl
def register_queues(register: Callable[[QueueSpec], None]) -> None:
    register(SQLITE_QUEUE)

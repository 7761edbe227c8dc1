"""The built-in queue backend, registered as an ordinary plugin (entry point ``builtin-queues``)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from ._queue import QueueSpec
from ._sqlite import SQLITE_PARAMS, SqliteQueue

SQLITE_QUEUE = QueueSpec(
    scheme="sqlite",
    description="One SQLite file (WAL) on this machine: sqlite:///relative.db or sqlite:////absolute.db.",
    factory=SqliteQueue,
    params=SQLITE_PARAMS,
)


@hookimpl
def register_queues(register: Callable[[QueueSpec], None]) -> None:
    register(SQLITE_QUEUE)

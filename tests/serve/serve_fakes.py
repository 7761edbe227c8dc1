"""An in-memory Queue that keeps the contract (dedup flags, QueueFull), and a real uvicorn to serve."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from actions.queues import Accepted, DeadEvent, Delivery, QueueFull, QueueStats, Settled
from actions.serve import IngestApp, IngestLimits, IngestSource, Metrics

WEB_KEY = "web-write-key-0123456789"
SERVER_KEY = "server-write-key-abcdef"


class MemoryQueue:
    """Keeps what was put; duplicates of (source, messageId) are acknowledged and not kept again."""

    url = "memory://"

    def __init__(self, max_pending: int | None = None) -> None:
        self.stored: list[Accepted] = []
        self.puts = 0
        self.max_pending = max_pending
        self.full_retry_after: int | None = None  # set to refuse every put with QueueFull
        self.broken = False
        self._seen: set[tuple[str, str]] = set()

    async def put(self, events: Sequence[Accepted]) -> list[bool]:
        if self.broken:
            raise OSError("disk I/O error")
        if self.full_retry_after is not None:
            raise QueueFull("queue is full", self.full_retry_after)
        if self.max_pending is not None and len(self.stored) + len(events) > self.max_pending:
            raise QueueFull("queue is full", 3)
        self.puts += 1
        flags = []
        for event in events:
            key = (event.source, event.message_id)
            flags.append(key not in self._seen)
            if key not in self._seen:
                self._seen.add(key)
                self.stored.append(event)
        return flags

    def events(self) -> list[dict[str, Any]]:
        return [accepted.event for accepted in self.stored]

    async def stats(self) -> QueueStats:
        if self.broken:
            raise OSError("disk I/O error")
        states: dict[str, dict[str, int]] = {}
        for accepted in self.stored:
            for destination in accepted.destinations:
                states.setdefault(destination, {"pending": 0})["pending"] += 1
        return QueueStats(events=len(self.stored), states=states)

    async def take(self, destination: str, limit: int, wait: float = 0.0) -> list[Delivery]:
        raise NotImplementedError

    def settle(self, destination: str, settled: Sequence[Settled]) -> None:
        raise NotImplementedError

    def release(self, destination: str, ids: Sequence[int]) -> None:
        raise NotImplementedError

    async def dead(self, *args: Any, **kwargs: Any) -> list[DeadEvent]:
        raise NotImplementedError

    async def requeue(self, *args: Any, **kwargs: Any) -> int:
        raise NotImplementedError

    async def prune(self, now_ms: int) -> int:
        return 0

    async def close(self) -> None:
        pass


SOURCES: Mapping[str, IngestSource] = {
    WEB_KEY: IngestSource("web", ("amplitude", "warehouse"), amplitude=True),
    SERVER_KEY: IngestSource("backend", ("warehouse",)),
}


@dataclass
class Served:
    url: str
    host: str
    port: int
    queue: MemoryQueue
    metrics: Metrics
    app: IngestApp

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=10)


@contextmanager
def serve(
    queue: MemoryQueue | None = None, limits: IngestLimits | None = None, **options: Any
) -> Iterator[Served]:
    """The app under a real uvicorn on an ephemeral loopback port, in a thread."""
    queue = queue if queue is not None else MemoryQueue()
    metrics = Metrics()
    app = IngestApp(SOURCES, queue, metrics, limits=limits or IngestLimits(), **options)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield Served(f"http://{host}:{port}", host, port, queue, metrics, app)
    finally:
        server.should_exit = True
        thread.join(10)


def raw_request(served: Served, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are and read one answer (the server closes or sends Content-Length)."""
    with served.connect() as connection:
        connection.sendall(head + body)
        return read_answer(connection)


def read_answer(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]

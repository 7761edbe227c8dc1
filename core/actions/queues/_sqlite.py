"""The built-in queue: one SQLite file in WAL mode, written by one thread that commits in groups.

``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (SQLAlchemy's spelling). Each
accepted event is stored once; each of its destinations gets a delivery row whose id is
``seq << 10 | position`` (so an event's rows are one id range and ids order events as accepted).

Durability: with ``synchronous=NORMAL`` (the default) a commit is in the WAL file before
:meth:`SqliteQueue.put` returns, which survives a killed process (``kill -9``), the promise of
``actions serve``. Surviving power loss as well needs ``?synchronous=full`` (an fsync per commit).

Writes go through one thread: concurrent ``put`` calls wait in its inbox, and it commits all
that is waiting in one transaction before resolving any of their futures (group commit). Settles,
releases and lease counts ride along in the same transactions without being waited for. Reads
(``take``, ``dead``) use a second connection on a reader thread, so the event loop never blocks
on the file. Leases live in memory: after a restart every unsettled delivery is pending again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
import os
import queue as thread_queue
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from .._errors import ConfigurationError
from ..delivery._loads import loads
from ._json import dumps
from ._queue import Accepted, DeadEvent, Delivery, QueueFull, QueueOptions, QueueStats, Settled

__all__ = ["SqliteQueue", "sqlite_path"]

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1
#: Up to 1,024 destinations per event: a delivery's id is its event's seq shifted by this.
FANOUT_BITS: Final = 10
STATES: Final = ("pending", "delivered", "filtered", "dead")
PENDING, DEAD = 0, 3
_STATE_CODES: Final = {name: code for code, name in enumerate(STATES)}
#: Rows a prune deletes per transaction, so puts are not held up behind a long prune.
PRUNE_CHUNK: Final = 20_000

SCHEMA: Final = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    state INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    settled_at INTEGER,
    reason TEXT,
    detail BLOB
);
CREATE INDEX deliveries_pending ON deliveries (destination, id) WHERE state = 0;
CREATE INDEX deliveries_settled ON deliveries (state, settled_at) WHERE state != 0;
CREATE TABLE dedup (
    source TEXT NOT NULL,
    message_id BLOB NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, message_id)
) WITHOUT ROWID;
CREATE INDEX dedup_seen ON dedup (seen_at);
"""

_SELECT_DELIVERY: Final = (
    "SELECT d.id, d.attempts, e.source, e.received_at, e.body FROM deliveries d "
    f"JOIN events e ON e.seq = d.id >> {FANOUT_BITS} "
)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def sqlite_path(url: str) -> tuple[Path, Mapping[str, str]]:
    """The file a ``sqlite:///...`` URL names (``////`` for an absolute path), and its query."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise ConfigurationError(
            f"queue URL {url!r}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    query = dict(item.partition("=")[::2] for item in parts.query.split("&") if item)
    return Path(parts.path[1:]), query


@dataclass(slots=True)
class _Put:
    items: list[tuple[str, bytes, bytes, tuple[str, ...]]]
    wanted: Counter[str]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[bool]]
    flags: list[bool] = field(default_factory=list)
    added: Counter[str] = field(default_factory=Counter)
    events: int = 0


@dataclass(slots=True)
class _Call:
    """Work for the writer whose caller awaits a result: requeue, prune."""

    run: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _Settle:
    rows: list[tuple[int, int, str | None, bytes | None, int, int]]


@dataclass(slots=True)
class _Taken:
    ids: list[int]


_STOP: Final = object()


class SqliteQueue:
    """A :class:`~actions.queues.Queue` in one SQLite file. Open it with :func:`actions.queues.open_queue`."""

    def __init__(self, options: QueueOptions) -> None:
        self.url = options.url
        path, _ = sqlite_path(options.url)
        synchronous = str(options.params.get("synchronous", "normal")).lower()
        if synchronous not in ("normal", "full"):
            raise ConfigurationError(
                f"queue URL {self.url!r}: synchronous must be normal or full, not {synchronous!r}"
            )
        self.path = path
        self.max_pending = options.max_pending
        self._dedup_window_ms = int(options.dedup_window_s * 1000)
        self._retention_ms = int(options.retention_s * 1000)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect(synchronous)
            self._migrate(self._writer)
            self._reader = self._connect(synchronous)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(f"queue URL {self.url!r}: cannot open {str(path)!r}: {exc}") from None
        self._seq: int = self._writer.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        self._events: int = self._writer.execute("SELECT count(*) FROM events").fetchone()[0]
        self._counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for destination, state, count in self._writer.execute(
            "SELECT destination, state, count(*) FROM deliveries GROUP BY destination, state"
        ):
            self._counts[destination][state] = count
        # In memory only, touched only from the event loop.
        # Leased ids with their attempts so far (this take included), and ids given back: released
        # or requeued below the cursor, with theirs (known here before the writer has stored them).
        self._leased: dict[str, dict[int, int]] = defaultdict(dict)
        self._cursor: dict[str, int] = defaultdict(int)  # highest id handed out per destination
        self._returned: dict[str, dict[int, int]] = defaultdict(dict)
        self._reserved: Counter[str] = Counter()  # events of puts not yet committed
        self._wakeups: dict[str, asyncio.Event] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._drained: dict[str, tuple[float, int]] = {}
        #: Transactions the writer has committed: with ``put`` calls, how well group commit groups.
        self.commits = 0
        self._closed = False
        self._inbox: thread_queue.SimpleQueue[object] = thread_queue.SimpleQueue()
        self._reads = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="queue-reader")
        self._thread = threading.Thread(target=self._write_forever, name="queue-writer", daemon=True)
        self._thread.start()

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout = 10000")
        if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.OperationalError("the file system does not support WAL mode")
        connection.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        connection.execute("PRAGMA cache_size = -32000")
        return connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version != 0:
            raise sqlite3.DatabaseError(
                f"schema version {version}; this version of actions reads {SCHEMA_VERSION}"
            )
        connection.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")

    # -- the contract ------------------------------------------------------------------------------

    async def put(self, events: Sequence[Accepted]) -> list[bool]:
        self._check_open()
        if not events:
            return []
        wanted = Counter(d for accepted in events for d in accepted.destinations)
        for destination, count in wanted.items():
            waiting = self._counts[destination][PENDING] + self._reserved[destination]
            if waiting + count > self.max_pending:
                raise QueueFull(
                    f"queue {self.url}: {waiting} events are waiting for {destination!r} "
                    f"(bound {self.max_pending})",
                    retry_after=self._retry_after(destination, waiting + count - self.max_pending),
                )
        for accepted in events:
            if len(accepted.destinations) > 1 << FANOUT_BITS:
                raise ValueError(f"an event goes to at most {1 << FANOUT_BITS} destinations")
        loop = asyncio.get_running_loop()
        # A messageId may hold lone surrogates, which SQLite cannot bind as text: keys are bytes.
        items = [
            (a.source, a.message_id.encode("utf-8", "surrogatepass"), dumps(a.event), a.destinations)
            for a in events
        ]
        op = _Put(items, wanted, loop, loop.create_future())
        self._reserved.update(wanted)
        self._inbox.put(op)
        return await op.future

    async def take(self, destination: str, limit: int, wait: float = 0.0) -> list[Delivery]:
        self._check_open()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self._locks.setdefault(destination, asyncio.Lock()):
            while True:
                wakeup = self._wakeups.setdefault(destination, asyncio.Event())
                wakeup.clear()
                if self._counts[destination][PENDING] > len(self._leased[destination]):
                    taken = await self._take_now(destination, limit)
                    if taken:
                        return taken
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                try:
                    await asyncio.wait_for(wakeup.wait(), remaining)
                except TimeoutError:
                    return []

    def settle(self, destination: str, settled: Sequence[Settled]) -> None:
        self._check_open()
        leased, counts, now = self._leased[destination], self._counts[destination], _now_ms()
        rows = []
        for outcome in settled:
            if outcome.id not in leased:
                continue  # not ours to settle (already settled, released, or never taken)
            del leased[outcome.id]
            state = _STATE_CODES[outcome.state]
            counts[PENDING] -= 1
            counts[state] += 1
            reason = (outcome.reason or "UNKNOWN") if state == DEAD else None
            detail = dumps(dict(outcome.detail)) if state == DEAD and outcome.detail is not None else None
            rows.append((state, now, reason, detail, outcome.attempts, outcome.id))
        if rows:
            self._note_drained(destination, len(rows))
            self._inbox.put(_Settle(rows))

    def release(self, destination: str, ids: Sequence[int]) -> None:
        self._check_open()
        leased, returned = self._leased[destination], self._returned[destination]
        for id_ in ids:
            if id_ in leased:
                returned[id_] = leased.pop(id_)
        if ids:
            self._wake(destination)

    async def dead(
        self,
        destination: str | None = None,
        reason: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int = 100,
    ) -> list[DeadEvent]:
        self._check_open()
        where, args = _dead_filter(destination, reason, since_ms, until_ms, None)
        sql = (
            "SELECT d.id, d.destination, d.attempts, d.settled_at, d.reason, d.detail, e.source, "
            f"e.received_at, e.body FROM deliveries d JOIN events e ON e.seq = d.id >> {FANOUT_BITS} "
            f"WHERE {where} ORDER BY d.id LIMIT ?"
        )
        await self._call(lambda c: None)  # settles made before this call are committed first
        rows = await self._read(lambda c: c.execute(sql, (*args, limit)).fetchall())
        return [
            DeadEvent(
                id=id_,
                seq=id_ >> FANOUT_BITS,
                destination=dest,
                source=source,
                event=loads(body),
                reason=why,
                detail=loads(detail) if detail is not None else {},
                attempts=attempts,
                received_at=received_at,
                settled_at=settled_at,
            )
            for id_, dest, attempts, settled_at, why, detail, source, received_at, body in rows
        ]

    async def requeue(
        self,
        destination: str | None = None,
        reason: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> int:
        self._check_open()
        where, args = _dead_filter(destination, reason, since_ms, until_ms, ids)
        sql = (
            "UPDATE deliveries AS d SET state = 0, attempts = 0, settled_at = NULL, reason = NULL, "
            "detail = NULL "
            f"WHERE {where} RETURNING id, destination"
        )
        rows: list[tuple[int, str]] = await self._call(lambda c: c.execute(sql, args).fetchall())
        for id_, dest in rows:
            counts = self._counts[dest]
            counts[DEAD] -= 1
            counts[PENDING] += 1
            if id_ <= self._cursor[dest]:
                self._returned[dest][id_] = 0
        for dest in {dest for _, dest in rows}:
            self._wake(dest)
        return len(rows)

    async def prune(self, now_ms: int) -> int:
        """Delete delivered and filtered rows settled before the retention, their events, old dedup keys.

        Returns how many events were deleted. Works in chunks, so puts go on meanwhile.
        """
        self._check_open()
        settled_before = now_ms - self._retention_ms
        deleted = 0
        while True:
            rows: list[tuple[str, int]]
            events: int
            rows, events = await self._call(lambda c: _prune_chunk(c, settled_before))
            for dest, state in rows:
                self._counts[dest][state] -= 1
            self._events -= events
            deleted += events
            if len(rows) < PRUNE_CHUNK:
                break
        seen_before = now_ms - self._dedup_window_ms
        await self._call(lambda c: c.execute("DELETE FROM dedup WHERE seen_at < ?", (seen_before,)))
        return deleted

    async def stats(self) -> QueueStats:
        size = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                size += os.stat(f"{self.path}{suffix}").st_size
        counts = sorted(self._counts.items())
        states = {dest: dict(zip(STATES, by_state, strict=True)) for dest, by_state in counts}
        return QueueStats(events=self._events, states=states, size_bytes=size)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._inbox.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._reads.shutdown(wait=True)
        self._reader.close()
        self._writer.close()

    # -- reads ---------------------------------------------------------------------------------------

    async def _take_now(self, destination: str, limit: int) -> list[Delivery]:
        leased, returned = self._leased[destination], self._returned[destination]
        again = {id_: returned.pop(id_) for id_ in sorted(returned)[:limit]}
        after = self._cursor[destination]
        rows = await self._read(lambda c: _pending_rows(c, destination, list(again), after, limit))
        deliveries = []
        for id_, attempts, source, received_at, body in rows:
            if id_ in leased:
                continue
            attempts = again.get(id_, attempts)
            leased[id_] = attempts + 1
            self._cursor[destination] = max(self._cursor[destination], id_)
            deliveries.append(
                Delivery(id_, id_ >> FANOUT_BITS, destination, source, loads(body), attempts, received_at)
            )
        if deliveries:
            self._inbox.put(_Taken([d.id for d in deliveries]))
        return deliveries

    async def _read(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._reads, run, self._reader)

    async def _call(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        loop = asyncio.get_running_loop()
        op = _Call(run, loop, loop.create_future())
        self._inbox.put(op)
        return await op.future

    # -- the writer thread -------------------------------------------------------------------------

    def _write_forever(self) -> None:
        stop = False
        while not stop:
            ops = [self._inbox.get()]
            while True:
                try:
                    ops.append(self._inbox.get_nowait())
                except thread_queue.Empty:
                    break
            if _STOP in ops:
                stop = True
                ops = [op for op in ops if op is not _STOP]
            if ops:
                self._commit(ops)

    def _commit(self, ops: list[object]) -> None:
        """Apply ``ops`` in one transaction; answer their callers only once it is committed."""
        connection, seq = self._writer, self._seq
        results: list[tuple[_Put | _Call, Any, BaseException | None]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            puts = [op for op in ops if isinstance(op, _Put)]
            if puts:
                self._insert(connection, puts)
                results.extend((op, op.flags, None) for op in puts)
            for op in ops:
                if isinstance(op, _Taken):
                    connection.executemany(
                        "UPDATE deliveries SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in op.ids]
                    )
                elif isinstance(op, _Settle):
                    # This lease's own take was counted in attempts; the outcome says how many it made.
                    connection.executemany(
                        "UPDATE deliveries SET state = ?, settled_at = ?, reason = ?, detail = ?, "
                        "attempts = max(attempts - 1, 0) + ? WHERE id = ? AND state = 0",
                        op.rows,
                    )
                elif isinstance(op, _Call):
                    try:
                        connection.execute("SAVEPOINT call")
                        results.append((op, op.run(connection), None))
                        connection.execute("RELEASE call")
                    except sqlite3.Error as exc:
                        connection.execute("ROLLBACK TO call")
                        connection.execute("RELEASE call")
                        results.append((op, None, exc))
            connection.execute("COMMIT")
            self.commits += 1
        except Exception as exc:
            log.error("queue %s: a write failed and was rolled back: %s", self.url, exc)
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            self._seq = seq
            results = [(op, None, exc) for op in ops if isinstance(op, _Put | _Call)]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Put | _Call, Any, BaseException | None]]] = {}
        for result in results:
            by_loop.setdefault(result[0].loop, []).append(result)
        for loop, answers in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                loop.call_soon_threadsafe(self._answer, answers)

    def _insert(self, connection: sqlite3.Connection, puts: list[_Put]) -> None:
        now = _now_ms()
        seen: set[tuple[str, bytes]] = set()
        by_source: dict[str, set[bytes]] = defaultdict(set)
        for op in puts:
            for source, message_id, _, _ in op.items:
                by_source[source].add(message_id)
        for source, message_ids in by_source.items():
            keys_of_source = list(message_ids)
            for start in range(0, len(keys_of_source), 500):
                chunk = keys_of_source[start : start + 500]
                rows = connection.execute(
                    "SELECT message_id FROM dedup WHERE source = ? AND seen_at >= ? "
                    f"AND message_id IN ({','.join('?' * len(chunk))})",
                    (source, now - self._dedup_window_ms, *chunk),
                )
                seen.update((source, message_id) for (message_id,) in rows)
        events: list[tuple[int, str, int, bytes]] = []
        deliveries: list[tuple[int, str]] = []
        keys: list[tuple[str, bytes, int]] = []
        for op in puts:
            for source, message_id, body, destinations in op.items:
                key = (source, message_id)
                if key in seen:
                    op.flags.append(False)
                    continue
                seen.add(key)
                op.flags.append(True)
                keys.append((source, message_id, now))
                if not destinations:
                    continue
                self._seq += 1
                events.append((self._seq, source, now, body))
                base = self._seq << FANOUT_BITS
                deliveries.extend((base + position, d) for position, d in enumerate(destinations))
                op.added.update(destinations)
                op.events += 1
        connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
        connection.executemany("INSERT INTO deliveries (id, destination, state) VALUES (?, ?, 0)", deliveries)
        connection.executemany(
            "INSERT INTO dedup VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET seen_at = excluded.seen_at", keys
        )

    def _answer(self, answers: list[tuple[_Put | _Call, Any, BaseException | None]]) -> None:
        """On the event loop, after COMMIT: count what was stored, wake takers, answer callers."""
        woken: set[str] = set()
        for op, result, error in answers:
            if isinstance(op, _Put):
                self._reserved.subtract(op.wanted)
            if isinstance(op, _Put) and error is None:
                for destination, count in op.added.items():
                    self._counts[destination][PENDING] += count
                self._events += op.events
                woken.update(op.added)
            if op.future.done():
                continue
            if error is None:
                op.future.set_result(result)
            else:
                op.future.set_exception(error)
        for destination in woken:
            self._wake(destination)

    # -- small helpers -------------------------------------------------------------------------------

    def _wake(self, destination: str) -> None:
        wakeup = self._wakeups.get(destination)
        if wakeup is not None:
            wakeup.set()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"queue {self.url} is closed")

    def _note_drained(self, destination: str, count: int) -> None:
        started, drained = self._drained.get(destination, (time.monotonic(), 0))
        now = time.monotonic()
        if now - started > 30:  # forget the distant past: the rate that matters is today's
            started, drained = now - 1, 0
        self._drained[destination] = (started, drained + count)

    def _retry_after(self, destination: str, excess: int) -> int:
        """Seconds until ``excess`` events have drained at the recent rate (1 to 60; 5 if unknown)."""
        started, drained = self._drained.get(destination, (0.0, 0))
        elapsed = time.monotonic() - started
        if not drained or elapsed <= 0:
            return 5
        return max(1, min(60, math.ceil(excess / (drained / elapsed))))


def _pending_rows(
    connection: sqlite3.Connection, destination: str, again: list[int], after: int, limit: int
) -> list[tuple[int, int, str, int, bytes]]:
    """Released or requeued ``again`` ids still pending, then the oldest pending ids past ``after``."""
    rows: list[tuple[int, int, str, int, bytes]] = []
    if again:
        rows = connection.execute(
            _SELECT_DELIVERY + "WHERE d.id IN (SELECT value FROM json_each(?)) AND d.state = 0 ORDER BY d.id",
            (dumps(again).decode(),),
        ).fetchall()
    if len(rows) < limit:
        rows += connection.execute(
            _SELECT_DELIVERY + "WHERE d.destination = ? AND d.state = 0 AND d.id > ? ORDER BY d.id LIMIT ?",
            (destination, after, limit - len(rows)),
        ).fetchall()
    return rows


def _prune_chunk(connection: sqlite3.Connection, settled_before: int) -> tuple[list[tuple[str, int]], int]:
    """Delete up to :data:`PRUNE_CHUNK` settled rows and the events left without rows."""
    rows = connection.execute(
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN (1, 2) "
        "AND settled_at < ? LIMIT ?) RETURNING id, destination, state",
        (settled_before, PRUNE_CHUNK),
    ).fetchall()
    events = 0
    for seq in {id_ >> FANOUT_BITS for id_, _, _ in rows}:
        low = seq << FANOUT_BITS
        events += connection.execute(
            "DELETE FROM events WHERE seq = ? AND NOT EXISTS "
            "(SELECT 1 FROM deliveries WHERE id BETWEEN ? AND ?)",
            (seq, low, low + (1 << FANOUT_BITS) - 1),
        ).rowcount
    return [(dest, state) for _, dest, state in rows], events


def _dead_filter(
    destination: str | None,
    reason: str | None,
    since_ms: int | None,
    until_ms: int | None,
    ids: Sequence[int] | None,
) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause choosing dead rows: settled in ``[since_ms, until_ms)``, and the rest equal."""
    clauses, args = ["d.state = 3"], []
    for clause, value in (
        ("d.destination = ?", destination),
        ("d.reason = ?", reason),
        ("d.settled_at >= ?", since_ms),
        ("d.settled_at < ?", until_ms),
    ):
        if value is not None:
            clauses.append(clause)
            args.append(value)
    if ids is not None:
        clauses.append("d.id IN (SELECT value FROM json_each(?))")
        args.append(dumps(list(ids)).decode())
    return " AND ".join(clauses), tuple(args)

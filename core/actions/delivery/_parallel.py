"""Preparing payloads in worker processes, so mapping and validation use every core.

Mapping and validating a payload is most of the CPU an event costs, and it is a pure function
of the event and the subscription. Worker processes therefore take raw NDJSON chunks, parse
them, route each event and prepare its payloads; the engine's own process keeps everything
with state (batching, sending, retries, outcomes, dead letters), so ordering, accounting and
signals work exactly as with one process. A chunk comes back as one block: one ``marshal`` (fast
and exact for JSON-like data) of its lines, each record's fields with its payloads, their batch
sizes and the action's ``encode`` of each (Amplitude: every event built and serialised). The
engine's process takes those records over without parsing the input again (``adopt``), and only
packs and sends. Measured (100,000 track events to a server that costs almost nothing, 2 cores,
parent CPU from ``getrusage``, 2 interleaved runs each): the engine's process costs 26 µs per
event with ``--workers 2`` (4 of them loading the blocks), 32 when it parsed every chunk again.

Workers are forked (they inherit the destination and subscriptions as configured, including
code that could not be pickled), so this needs the ``fork`` start method: Linux and macOS.

Each worker has a pipe of its own, served by a thread of the engine's process: a worker that
dies, even half-way through writing a result, ends only its own pipe (``concurrent.futures``'
pool shares one result queue and lock between workers, and hangs when one dies holding it). A
worker holds nothing but the chunk it is preparing, so losing one loses nothing: that chunk is
prepared in the engine's process, and the others go on; once none is left, the engine prepares
everything (workers cannot be forked again once threads run). Workers die with their parent,
even on ``kill -9``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import marshal
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final, TypeAlias

from .._errors import ConfigurationError
from ._ndjson import Interpreter, parse_lines
from ._routes import Prepared
from ._sources import RawChunk, Record

__all__ = ["Encoded", "PreparePool", "PreparedLine", "WorkerDied", "decode", "encode"]

#: A value as it travels between processes inside a chunk's ``marshal``-ed block: itself, or, if
#: marshal cannot write it (an author's custom type, a failure), its pickle.
Encoded: TypeAlias = Any
#: Prepares one event: its deliveries in each destination lane, in lane order.
PrepareFn: TypeAlias = Callable[[Record], "list[list[Prepared]]"]
#: One record as a worker returns it: the fields of its :class:`~._sources.Record`, then its
#: deliveries per lane (``None`` for input problems).
PreparedRecord: TypeAlias = (
    "tuple[dict[str, Any] | None, int | None, str | None, str | None, str | None, str | None, "
    "str | None, str | None, Any, int, list[list[Prepared]] | None]"
)
#: One input line of a chunk with its records, prepared (see :func:`~._ndjson.parse_lines`).
PreparedLine: TypeAlias = "tuple[int, list[PreparedRecord]]"
#: A chunk's lines, prepared.
Result: TypeAlias = "list[PreparedLine]"

_state: tuple[PrepareFn, Interpreter] | None = None
_log = logging.getLogger("actions.delivery")
#: ``prctl`` option: the signal the kernel sends a process when its parent dies (Linux).
_PR_SET_PDEATHSIG: Final = 1
#: How often a worker without ``prctl`` checks that its parent is still there.
_PARENT_POLL_S: Final = 0.25
#: How long a worker whose pipe broke may take to be reaped, for the message saying how it ended.
_REAPED_WITHIN_S: Final = 2.0
#: First byte of a worker's answer: the chunk's result marshal-ed whole, the same with some lines
#: pickled (see :func:`encode`), or why preparing it failed.
_WHOLE, _MIXED, _FAILED = b"w", b"m", b"f"


class WorkerDied(RuntimeError):
    """The worker preparing a chunk ended before answering."""


def encode(value: Any) -> Encoded:
    """``value`` itself when marshal can write it, else its pickle (``bytes``: never a value itself here)."""
    try:
        marshal.dumps(value)
    except ValueError:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return value


def decode(encoded: Encoded) -> Any:
    return pickle.loads(encoded) if type(encoded) is bytes else encoded


def dump_result(result: Result) -> bytes:
    """A chunk's result as one block: one ``marshal`` of it all (fast and exact for JSON-like data)."""
    try:
        return _WHOLE + marshal.dumps(result)
    except ValueError:  # some line holds what marshal cannot write: pickle those lines only
        return _MIXED + marshal.dumps([encode(line) for line in result])


def load_result(block: bytes) -> Result:
    """The result :func:`dump_result` made ``block`` of (an error's text raises :class:`RuntimeError`)."""
    kind, data = block[:1], memoryview(block)[1:]
    if kind == _WHOLE:
        return marshal.loads(data)  # type: ignore[no-any-return]
    if kind == _MIXED:
        return [decode(line) for line in marshal.loads(data)]
    raise RuntimeError(bytes(data).decode("utf-8", errors="replace"))


def _work(chunk: RawChunk) -> Result:
    """In a worker: every line of ``chunk``, each record with its fields and deliveries per lane."""
    assert _state is not None, "worker started without state"
    prepare, interpret = _state
    return [
        (
            number,
            [
                (
                    r.event, r.line, r.code, r.reason, r.raw, r.action, r.subscription, r.destination,
                    r.origin, r.size, None if r.event is None else prepare(r),
                )
                for r in records
            ],
        )
        for number, records in parse_lines(chunk, interpret)
    ]  # fmt: skip


def records_of(result: Result) -> tuple[list[tuple[int, list[Record]]], list[list[list[Prepared]] | None]]:
    """A worker's result as the chunk's lines of records (as ``parse_lines`` gives them) and,
    in the same order, each record's deliveries per lane."""
    lines: list[tuple[int, list[Record]]] = []
    prepared: list[list[list[Prepared]] | None] = []
    keep = prepared.append
    for number, entries in result:
        records: list[Record] = []
        add = records.append
        for event, line, code, reason, raw, action, subscription, destination, origin, size, lanes in entries:
            add(Record(event, line, code, reason, raw, action, subscription, destination, origin, size))
            keep(lanes)
        lines.append((number, records))
    return lines, prepared


def _serve(pipe: Connection, inherited: list[Connection], parent: int) -> None:
    """A worker's life: chunks in, prepared chunks out, until the parent closes the pipe."""
    for end in inherited:  # the parent's ends of the pipes, this one's included: only the parent's
        end.close()
    _worker_started(parent)
    while True:
        try:
            chunk = pickle.loads(pipe.recv_bytes())
        except EOFError:
            return
        try:
            reply = dump_result(_work(chunk))
        except Exception as exc:  # the engine prepares this chunk itself: each record fails on its own
            reply = _FAILED + f"{type(exc).__name__}: {exc}".encode("utf-8", errors="replace")
        pipe.send_bytes(reply)


def _worker_started(parent: int) -> None:
    # The parent decides when to stop (SIGINT reaches the whole process group from a terminal),
    # and a handler inherited from its event loop would report the signal to the parent again.
    # SIGTERM keeps its default: a worker has nothing to finish.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this worker when ``parent`` ends, however it ends, even while it is preparing a chunk.

    (Waiting for a chunk, it also sees its pipe end; a long chunk would keep it running on.)
    """
    if not _parent_death_signal():
        watch = threading.Thread(
            target=_watch_parent, args=(parent,), name="actions-parent-watch", daemon=True
        )
        watch.start()
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)


def _parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when the thread that forked it (the engine's) ends."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """The portable fallback: an orphan is adopted by another process, so its parent id changes."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)


def _describe(code: int | None) -> str:
    if code is None:
        return "ended"
    if code < 0:
        with_name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"was killed by {with_name}"
    return f"exited with code {code}"


_Job: TypeAlias = "tuple[RawChunk, asyncio.Future[Result]] | None"


class PreparePool:
    """``workers`` forked processes running ``prepare`` over raw chunks.

    Create it before starting other threads (the reader): forking copies only the calling
    thread, so no lock held by another thread is copied into the workers. A chunk whose worker
    dies fails with :class:`WorkerDied`; once no worker is left, :meth:`submit` returns ``None``.
    Either way the caller prepares the chunk itself.
    """

    def __init__(self, workers: int, prepare: PrepareFn, interpret: Interpreter) -> None:
        global _state
        if "fork" not in multiprocessing.get_all_start_methods():
            raise ConfigurationError(
                "preparing in worker processes needs the fork start method (Linux, macOS)"
            )
        _state = (prepare, interpret)
        self.workers = workers
        #: Why no worker is left (one line), once none is.
        self.lost: str | None = None
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._alive = workers
        self._lock = threading.Lock()  # guards _alive against submit()
        context = multiprocessing.get_context("fork")
        ends: list[Connection] = []
        processes: list[BaseProcess] = []
        for number in range(workers):
            mine, theirs = context.Pipe()
            ends.append(mine)
            process: BaseProcess = context.Process(
                target=_serve, args=(theirs, list(ends), os.getpid()), name=f"actions-worker-{number + 1}",
                daemon=True,
            )  # fmt: skip
            process.start()
            theirs.close()  # so that the pipe ends (EOF) when the worker does
            processes.append(process)
        for end, process in zip(ends, processes, strict=True):
            threading.Thread(target=self._serve, args=(end, process), name=process.name, daemon=True).start()

    def submit(self, chunk: RawChunk) -> asyncio.Future[Result] | None:
        """Prepare ``chunk`` in a worker; ``None`` once no worker is left."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        with self._lock:
            if not self._alive:
                return None
            self._jobs.put((chunk, future))
        return future

    def close(self) -> None:
        """Let the workers end (each sees its pipe close once its thread is done)."""
        for _ in range(self.workers):
            self._jobs.put(None)

    def _serve(self, pipe: Connection, process: BaseProcess) -> None:
        """One worker's thread: hands it one chunk at a time, and its answer back to the loop."""
        try:
            while (job := self._jobs.get()) is not None:
                chunk, future = job
                try:
                    pipe.send_bytes(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL))
                    block = pipe.recv_bytes()
                except (EOFError, OSError):
                    _settle(future, WorkerDied(f"worker process {process.pid} ended"))
                    self._died(process)
                    return
                try:
                    value: Result | BaseException = load_result(block)
                except Exception as exc:  # the worker's own failure, or a block that does not load
                    value = exc
                _settle(future, value)
        finally:
            pipe.close()

    def _died(self, process: BaseProcess) -> None:
        process.join(_REAPED_WITHIN_S)
        with self._lock:
            self._alive -= 1
            left = self._alive
        if left:
            plan = f"its chunk is prepared in the main process, the rest by the {left} worker(s) left"
        else:
            plan = "preparing its chunk and the rest of the input in the main process (slower)"
            self.lost = f"no worker process left: {plan}"
            while True:  # chunks no thread will take any more
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    _settle(job[1], WorkerDied("no worker process left"))
        _log.warning(
            "worker process %s %s: %s; nothing is lost", process.pid, _describe(process.exitcode), plan
        )


def _settle(future: asyncio.Future[Result], value: Result | BaseException) -> None:
    """From a worker's thread: complete ``future`` on its loop (unless it was given up on)."""

    def done() -> None:
        if future.done():
            return
        if isinstance(value, BaseException):
            future.set_exception(value)
        else:
            future.set_result(value)

    with contextlib.suppress(RuntimeError):  # the loop is closed: the run is over
        future.get_loop().call_soon_threadsafe(done)

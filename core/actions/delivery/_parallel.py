"""Preparing payloads in worker processes, so mapping and validation use every core.

Mapping and validating a payload is most of the CPU an event costs, and it is a pure function
of the event and the subscription. Worker processes therefore take raw NDJSON chunks, parse
them, route each event and prepare its payloads; the engine's own process keeps everything
with state (batching, sending, retries, outcomes, dead letters), so ordering, accounting and
signals work exactly as with one process. Payloads come back ``marshal``-ed (fast and exact for
JSON-like data), with their batch size already measured.

Workers are forked (they inherit the destination and subscriptions as configured, including
code that could not be pickled), so this needs the ``fork`` start method: Linux and macOS.

A worker holds nothing but the chunks it is preparing, so losing one loses nothing: its chunks,
and every chunk after them, are prepared in the engine's process instead (a pool cannot be
forked again once threads run). Workers die with their parent, even on ``kill -9``.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import marshal
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Final, TypeAlias

from .._errors import ConfigurationError
from ._ndjson import Interpreter, parse_chunk
from ._routes import Prepared
from ._sources import RawChunk, Record

__all__ = ["Encoded", "PreparePool", "decode", "encode"]

#: One delivery as it travels between processes: the payload ``marshal``-ed (or pickled: flag).
Encoded: TypeAlias = "tuple[int, bytes | None, bool, int, tuple[str, str, int | None, bool] | None]"
#: Prepares one event: its deliveries in each destination lane, in lane order.
PrepareFn: TypeAlias = Callable[[Record], "list[list[Prepared]]"]

_state: tuple[PrepareFn, Interpreter] | None = None
_log = logging.getLogger("actions.delivery")
#: ``prctl`` option: the signal the kernel sends a process when its parent dies (Linux).
_PR_SET_PDEATHSIG: Final = 1
#: How often a worker without ``prctl`` checks that its parent is still there.
_PARENT_POLL_S: Final = 0.25


def encode(item: Prepared) -> Encoded:
    index, payload, size, error = item
    if payload is None:
        return index, None, False, size, error
    try:
        return index, marshal.dumps(payload), False, size, error
    except ValueError:  # a value marshal cannot write (an author's custom type): pickle it
        return index, pickle.dumps(payload), True, size, error


def decode(item: Encoded) -> Prepared:
    index, blob, pickled, size, error = item
    if blob is None:
        return index, None, size, error
    return index, (pickle.loads(blob) if pickled else marshal.loads(blob)), size, error


def _work(chunk: RawChunk) -> list[list[list[Encoded]] | None]:
    """In a worker: every record of ``chunk``, prepared per lane (``None`` for input problems)."""
    assert _state is not None, "worker started without state"
    prepare, interpret = _state
    out: list[list[list[Encoded]] | None] = []
    for record in parse_chunk(chunk, interpret):
        if record.event is None:
            out.append(None)
        else:
            out.append([[encode(item) for item in lane] for lane in prepare(record)])
    return out


def _worker_started(parent: int) -> None:
    # The parent decides when to stop (SIGINT reaches the whole process group from a terminal),
    # and a handler inherited from its event loop would report the signal to the parent again.
    # SIGTERM keeps its default: the pool terminates the other workers with it when one dies.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this worker when ``parent`` ends, however it ends (a worker blocked on the call queue never would).

    Each worker holds a write end of the call queue, so none sees its end when the parent dies.
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


class PreparePool:
    """``workers`` forked processes running ``prepare`` over raw chunks.

    Create it before starting other threads (the reader): forking copies only the calling
    thread, so no lock held by another thread is copied into the workers. Once a worker dies,
    :meth:`submit` returns ``None``: the caller prepares chunks itself, as for a failed future.
    """

    def __init__(self, workers: int, prepare: PrepareFn, interpret: Interpreter) -> None:
        global _state
        if "fork" not in multiprocessing.get_all_start_methods():
            raise ConfigurationError(
                "preparing in worker processes needs the fork start method (Linux, macOS)"
            )
        _state = (prepare, interpret)
        self.workers = workers
        #: Why the workers are gone (one line), once one has died.
        self.lost: str | None = None
        context = multiprocessing.get_context("fork")
        others = set(multiprocessing.active_children())
        self._pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_started, initargs=(os.getpid(),)
        )
        self._pool.submit(int).result()  # with fork, every worker starts on the first task: now
        self._processes = [p for p in multiprocessing.active_children() if p not in others]

    def submit(self, chunk: RawChunk) -> asyncio.Future[list[list[list[Encoded]] | None]] | None:
        """Prepare ``chunk`` in a worker; ``None`` once the workers are gone."""
        if self.lost is None:
            try:
                return asyncio.get_running_loop().run_in_executor(self._pool, _work, chunk)
            except BrokenProcessPool:
                self.failed()
        return None

    def failed(self) -> None:
        """A worker died (a future raised ``BrokenProcessPool``): say so once; the pool is gone."""
        if self.lost is not None:
            return
        # The pool terminates the others (SIGTERM) once it notices: name the first to go.
        dead = [p for p in self._processes if p.exitcode is not None]
        first = next((p for p in dead if p.exitcode != -signal.SIGTERM), dead[0] if dead else None)
        who = (
            "a worker process died"
            if first is None
            else f"worker process {first.pid} {_describe(first.exitcode)}"
        )
        self.lost = f"{who}: preparing the rest of the input in the main process (slower; nothing is lost)"
        _log.warning("%s", self.lost)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

"""Preparing payloads in worker processes, so mapping and validation use every core.

Mapping and validating a payload is most of the CPU an event costs, and it is a pure function
of the event and the subscription. Worker processes therefore take raw NDJSON chunks, parse
them, route each event and prepare its payloads; the engine's own process keeps everything
with state (batching, sending, retries, outcomes, dead letters), so ordering, accounting and
signals work exactly as with one process. Payloads come back ``marshal``-ed (fast and exact for
JSON-like data), with their batch size already measured.

Workers are forked (they inherit the destination and subscriptions as configured, including
code that could not be pickled), so this needs the ``fork`` start method: Linux and macOS.
"""

from __future__ import annotations

import asyncio
import marshal
import multiprocessing
import pickle
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeAlias

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


def _worker_started() -> None:
    # The parent decides when to stop (SIGINT reaches the whole process group from a terminal),
    # and a handler inherited from its event loop would report the signal to the parent again.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class PreparePool:
    """``workers`` forked processes running ``prepare`` over raw chunks.

    Create it before starting other threads (the reader): forking copies only the calling
    thread, so no lock held by another thread is copied into the workers.
    """

    def __init__(self, workers: int, prepare: PrepareFn, interpret: Interpreter) -> None:
        global _state
        if "fork" not in multiprocessing.get_all_start_methods():
            raise ConfigurationError(
                "preparing in worker processes needs the fork start method (Linux, macOS)"
            )
        _state = (prepare, interpret)
        self.workers = workers
        context = multiprocessing.get_context("fork")
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started)
        self._pool.submit(int).result()  # with fork, every worker starts on the first task: now

    def submit(self, chunk: RawChunk) -> asyncio.Future[list[list[list[Encoded]] | None]]:
        return asyncio.get_running_loop().run_in_executor(self._pool, _work, chunk)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

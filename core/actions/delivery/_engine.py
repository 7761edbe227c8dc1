"""The engine: owns a run's lifecycle (run, drain, stop, abort) and wires its stages together.

::

    source ──► take in ──► lane (per destination): enrich ─► route + prepare ─► batch ─► send ─► retry policy
      ▲          │                                                                         │
      └──────────┴───────────── outcomes: counts, dead letters, settled(record) ◄──────────┘

One event loop does everything except reading and parsing input (the source's thread, or worker
processes with ``workers`` > 1). Each record taken in is offered to every destination lane
(:mod:`._dispatch`); when every lane has settled it, :mod:`._outcomes` counts it and tells the
source. Reading waits while ``buffer`` records are in memory (backpressure); a lane that falls
behind keeps its backlog on disk instead, so it never holds another back.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias

import httpx

from .._clock import get_clock, iso_ms
from .._destination import Destination, Subscription
from .._enrichers import Enricher
from .._errors import ConfigurationError
from .._redact import Redactor
from .._settings import Settings
from ._deadletter import DeadLetterWriter
from ._dispatch import Dispatcher, ExchangeObserver
from ._iterable import Events, as_source
from ._options import BatchOptions, Lane, Limits, RunOptions
from ._outcomes import Outcomes
from ._parallel import PreparePool, records_of
from ._report import DestinationReport, Report
from ._retry import RetryPolicy
from ._routes import NO_SUBSCRIPTION, Prepared, Route, compile_routes
from ._sources import ParallelSource, RawChunk, Record, Source

__all__ = ["DeadLetterSink", "Engine"]

DeadLetterSink: TypeAlias = "DeadLetterWriter | str | Path | Callable[[dict[str, Any]], None] | None"
#: How often dead letters are synced to disk, so that the records they belong to can be settled.
_SYNC_INTERVAL_S: Final = 0.25


class _Resolved:
    """A lane with its settings validated and its subscriptions compiled."""

    def __init__(self, lane: Lane) -> None:
        destination = lane.destination
        self.lane = lane
        self.settings = (
            lane.settings
            if isinstance(lane.settings, Settings)
            else destination.validate_settings(lane.settings)
        )
        subscriptions = lane.subscriptions
        if subscriptions is None:
            subscriptions = destination.default_subscriptions()
            if not subscriptions:
                raise ConfigurationError(
                    f"destination {destination.slug!r} has no automatic presets: give subscriptions"
                )
        self.routes = compile_routes(destination, subscriptions, lane.batching)


class Engine:
    """Delivers a stream of events to one or several destinations the way a production pipeline does.

    Every event taken in ends in exactly one outcome per destination (see :class:`~.Report`),
    and every failed delivery in one dead-letter record. Build it (configuration errors are
    raised here, before any event is read), then ``report = await engine.run(events)``. An
    engine runs once; it runs for as long as its source yields records.

    ``Engine(destination, settings, subscriptions, ...)`` is the one-destination form of
    ``Engine([Lane(destination, settings, subscriptions, ...), Lane(...)], ...)``.

    Args:
        destination: Where events go, or the :class:`~.Lane` s of several destinations.
        settings: Validated settings, or raw settings to validate (one-destination form).
        subscriptions: Which events go to which action, mapped how (default: the destination's
            automatic presets). Items are :class:`~actions.Subscription` or mappings with
            ``subscribe``, ``action`` (or ``partnerAction``) and optional ``mapping`` and ``name``.
        retry, limits, batching, base_url, transport, enrichers: The one destination's
            :class:`~.Lane` options.
        options: Buffer, shutdown timeout and worker processes of the run.
        dead_letter: Where dead letters go: a :class:`~.DeadLetterWriter`, a path (appended to),
            a callable receiving each record, or ``None`` to keep them in :attr:`dead_letters`.
        dry_run: Send nothing: every request is answered ``200 {"code": 200}`` (watch them with
            ``on_exchange``).
        on_exchange: Called with every HTTP exchange and the key of the action that made it.
        seed: Seeds the retry jitter (for reproducible tests).
        run_id: Identifies the run in dead letters and the report (default: random).
    """

    def __init__(
        self,
        destination: Destination | Sequence[Lane],
        settings: Settings | Mapping[str, Any] | None = None,
        subscriptions: Sequence[Subscription | Mapping[str, Any]] | None = None,
        *,
        retry: RetryPolicy | None = None,
        limits: Limits | None = None,
        batching: BatchOptions | None = None,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        enrichers: Sequence[Enricher] = (),
        options: RunOptions | None = None,
        dead_letter: DeadLetterSink = None,
        dry_run: bool = False,
        on_exchange: ExchangeObserver | None = None,
        seed: int | None = None,
        run_id: str | None = None,
    ) -> None:
        if isinstance(destination, Destination):
            lanes = [
                Lane(
                    destination, settings if settings is not None else {}, subscriptions,
                    enrichers=enrichers, retry=retry or RetryPolicy(), limits=limits or Limits(),
                    batching=batching or BatchOptions(), base_url=base_url, transport=transport,
                )
            ]  # fmt: skip
        else:
            given = [settings, subscriptions, retry, limits, batching, base_url, transport]
            if any(value is not None for value in given) or enrichers:
                raise TypeError("with several lanes, give each lane's settings and options in its Lane")
            lanes = list(destination)
        if not lanes:
            raise ConfigurationError("a pipeline needs at least one destination")
        names = [lane.label for lane in lanes]
        duplicate = next((name for name in names if names.count(name) > 1), None)
        if duplicate is not None:
            raise ConfigurationError(f"two destinations are named {duplicate!r}: give each a name of its own")
        self.options = options or RunOptions()
        if self.options.workers > 1 and any(lane.enrichers for lane in lanes):
            raise ConfigurationError(
                "enrichers cannot be combined with several workers: they need every event, in order, "
                "in one process"
            )
        self._resolved = [_Resolved(lane) for lane in lanes]
        self.lanes = lanes
        self.dry_run = dry_run
        #: The run's one redactor (every lane's secrets, read from the validated settings): dead letters,
        #: the report and every lane's messages use it, and so does a caller that prints (log lines).
        self.redactor = Redactor.of(*(resolved.settings for resolved in self._resolved))
        self._on_exchange = on_exchange
        self._rng = random.Random(seed)
        #: Dead-letter records, when no ``dead_letter`` sink was given.
        self.dead_letters: list[dict[str, Any]] = []
        self._writer: DeadLetterWriter | None = None
        self._sink: Callable[[dict[str, Any]], None]
        if isinstance(dead_letter, str | Path):
            self._writer = DeadLetterWriter(dead_letter)
            self._sink = self._writer.write
        elif isinstance(dead_letter, DeadLetterWriter):
            self._writer = dead_letter
            self._sink = dead_letter.write
        elif dead_letter is None:
            self._sink = self.dead_letters.append
        else:
            self._sink = dead_letter
        #: Live counts; final once :meth:`run` returns.
        self.report = Report(", ".join(names), run_id or uuid.uuid4().hex[:12], dry_run=dry_run)
        for lane in lanes:
            self.report.destinations[lane.label] = DestinationReport(lane.destination.slug)
        if self._writer is not None and self._writer.path is not None:
            self.report.dead_letter_file = str(self._writer.path)
        self._dispatchers: list[Dispatcher] = []
        self._by_name: dict[str, Dispatcher] = {}
        self._outcomes: Outcomes | None = None
        self._loop: asyncio.AbstractEventLoop
        self._running = False
        self._ran = False
        self._stopping = False
        self._deadline: float | None = None
        self._awaiting_input = False
        self._stop_requested = asyncio.Event()

    # --- the one-destination view ---------------------------------------------------------------

    @property
    def destination(self) -> Destination:
        """The (first) destination."""
        return self.lanes[0].destination

    @property
    def settings(self) -> Settings:
        """The (first) destination's validated settings."""
        return self._resolved[0].settings

    @property
    def routes(self) -> list[Route]:
        """The (first) destination's compiled subscriptions."""
        return self._resolved[0].routes

    @property
    def shutdown_timeout(self) -> float:
        return self.options.shutdown_timeout_s

    # --- running ------------------------------------------------------------------------------

    async def run(self, events: Source | Events) -> Report:
        """Deliver every record of ``events`` (a :class:`~.Source`, or events and records from Python).

        Returns when every record taken in has an outcome: at the end of the input, or after
        :meth:`stop`. Input errors (an unreadable file) end the run early, with
        ``report.stopped == "error"`` and the message in ``report.error``.
        """
        if self._ran:
            raise RuntimeError("an Engine runs once; build another for the next run")
        self._ran = True
        if self._writer is not None:  # before any event: found unwritable now, and holds its descriptor
            try:
                self._writer.open()
            except OSError as exc:
                problem = f"dead letters cannot be written to {self._writer.path}: {exc.strerror or exc}"
                raise ConfigurationError(problem) from None
        source = as_source(events)
        loop = self._loop = asyncio.get_running_loop()
        started = loop.time()
        self._running = True
        report = self.report
        report.started_at = iso_ms(get_clock().now_ms())
        report.source = source.name
        outcomes = self._outcomes = Outcomes(
            report,
            [(lane.label, report.destinations[lane.label]) for lane in self.lanes],
            source,
            self._sink,
            self._writer,
            self.redactor,
            on_sink_error=self.stop,  # what is in flight may still be delivered, and needs no dead letter
        )
        outcomes.buffer = self.options.buffer
        outcomes.buffer_bytes = self.options.buffer_bytes
        share = max(1, self.options.buffer // len(self.lanes))
        self._dispatchers = [
            Dispatcher(
                index, resolved.lane, resolved.settings, resolved.routes, outcomes, report,
                capacity=share * max(1, len(resolved.routes)), redelivers=source.redelivers, rng=self._rng,
                label_actions=len(self.lanes) > 1,
            )
            for index, resolved in enumerate(self._resolved)
        ]  # fmt: skip
        self._by_name = {dispatcher.name: dispatcher for dispatcher in self._dispatchers}
        if self._stopping:  # stop() came before run(): take nothing in
            self._stopping = False
            self.stop()
        pool = None
        parallel = self.options.workers > 1 and isinstance(source, ParallelSource)
        if parallel:
            # Forked before the source's reading thread starts (see PreparePool). The workers also
            # run the actions' encode steps, so that this process only packs and sends.
            for dispatcher in self._dispatchers:
                dispatcher.router.encoding = True
            try:
                pool = PreparePool(self.options.workers, self._prepare_all, source.interpret)  # type: ignore[attr-defined]
            finally:
                for dispatcher in self._dispatchers:
                    dispatcher.router.encoding = False
        syncer = asyncio.ensure_future(self._sync_periodically(outcomes))
        try:
            async with contextlib.AsyncExitStack() as stack:
                for dispatcher in self._dispatchers:
                    session = await stack.enter_async_context(
                        dispatcher.session(dry_run=self.dry_run, on_exchange=self._on_exchange)
                    )
                    dispatcher.start(session)
                if pool is not None:
                    await self._consume(self._feed_prepared(source, pool))  # type: ignore[arg-type]
                else:
                    await self._consume(self._feed(source))
                for dispatcher in self._dispatchers:  # what enrichers still hold was read: it goes on
                    dispatcher.flush_enrichers()
                    dispatcher.flush()
                await self._drain()
        finally:
            syncer.cancel()
            self._running = False
            for dispatcher in self._dispatchers:
                dispatcher.close_enrichers()
                dispatcher.close()
            if pool is not None:
                pool.close()
            outcomes.sync()
            if self._writer is not None:
                self._writer.close()
            source.close()
            report.finished_at = iso_ms(get_clock().now_ms())
            report.elapsed_s = loop.time() - started
        return report

    def stop(self, *, immediate: bool = False) -> None:
        """Stop taking records in; finish in-flight work within the shutdown timeout, then cancel it.

        With ``immediate``, cancel in-flight work now. Everything not delivered is
        dead-lettered (code ``INTERRUPTED``), or, when the source gives unfinished records back
        (a checkpointed file), left for the next run. Call from the event loop's thread (a
        signal handler installed with ``loop.add_signal_handler`` is), or through
        ``loop.call_soon_threadsafe``.
        """
        if not self._running:
            self._stopping = True
            return
        now = self._loop.time()
        if not self._stopping:
            self._stopping = True
            if self.report.stopped is None:
                self.report.stopped = "signal"
            self._deadline = now + self.options.shutdown_timeout_s
            for dispatcher in self._dispatchers:
                dispatcher.stop(self._deadline)
        if immediate:
            self._deadline = now
        self._stop_requested.set()
        assert self._outcomes is not None
        self._outcomes.space.set()
        self._outcomes.wake.set()

    async def _sync_periodically(self, outcomes: Outcomes) -> None:
        while True:
            await asyncio.sleep(_SYNC_INTERVAL_S)
            outcomes.sync()

    # --- input --------------------------------------------------------------------------------

    async def _consume(self, feeding: Coroutine[Any, Any, None]) -> None:
        feeder = asyncio.ensure_future(feeding)
        stop = asyncio.ensure_future(self._stop_requested.wait())
        await asyncio.wait({feeder, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        # On stop, the feeder ends by itself at the next line boundary; it is cancelled only
        # while it waits for input (no record is half taken in then).
        while not feeder.done():
            if self._awaiting_input:
                feeder.cancel()
            await asyncio.wait({feeder}, timeout=0.05)
        if feeder.cancelled():
            return
        error = feeder.exception()
        if error is not None:
            self.report.stopped = "error"
            self.report.error = self.redactor.text(f"{type(error).__name__}: {error}")
            self.stop()  # in-flight work gets the shutdown timeout, so a broken record cannot hang the drain

    async def _feed(self, source: Source) -> None:
        batches = source.batches()
        try:
            while True:
                self._awaiting_input = True
                try:
                    records = await batches.__anext__()
                except StopAsyncIteration:
                    return
                finally:
                    self._awaiting_input = False
                if not await self._take_in(records):
                    return
                await asyncio.sleep(0)  # let responses and timers in between batches
        finally:
            await _close(batches)

    async def _feed_prepared(self, source: ParallelSource, pool: PreparePool) -> None:
        """Like :meth:`_feed`, with payloads prepared by worker processes a few chunks ahead."""
        ahead: asyncio.Queue[tuple[RawChunk | list[Record], asyncio.Future[Any] | None] | Exception | None]
        ahead = asyncio.Queue(maxsize=2 * pool.workers)
        chunks = source.raw_batches()

        async def submit() -> None:
            try:
                async for item in chunks:
                    await ahead.put((item, pool.submit(item) if isinstance(item, RawChunk) else None))
            except Exception as exc:  # an input error: the feeder raises it in order
                await ahead.put(exc)
            await ahead.put(None)

        submitter = asyncio.ensure_future(submit())
        try:
            while True:
                self._awaiting_input = True
                try:
                    entry = await ahead.get()
                    if entry is None:
                        return
                    if isinstance(entry, Exception):
                        raise entry
                    item, future = entry
                    prepared = None
                    if future is not None:
                        try:
                            prepared = await future
                        except Exception:  # a worker died: prepare this chunk here instead
                            prepared = None
                finally:
                    self._awaiting_input = False
                deliveries = None
                if isinstance(item, RawChunk):
                    if prepared is None:
                        parsed = source.parse(item)
                    else:  # the worker parsed it: the source only takes its records over
                        lines, deliveries = records_of(prepared)
                        parsed = _adopt(source, item, lines)
                    if deliveries is not None:  # None in parsed: settled by the run before, skip it
                        kept = zip(deliveries, parsed, strict=True)
                        deliveries = [lanes for lanes, record in kept if record is not None]
                    records = [record for record in parsed if record is not None]
                else:
                    records = item
                if not await self._take_in(records, deliveries):
                    return
                await asyncio.sleep(0)
        finally:
            submitter.cancel()
            await _close(chunks)

    async def _take_in(
        self, records: list[Record], prepared: list[list[list[Prepared]] | None] | None = None
    ) -> bool:
        """Accept ``records`` (``prepared``: their deliveries per lane, from a worker); False once stopped."""
        outcomes = self._outcomes
        assert outcomes is not None
        for position, record in enumerate(records):
            if outcomes.full():
                await self._wait_for_space(outcomes)  # returns at once when stopping
            # After a stop, only the rest of a line already partly taken in (a batch) still comes in.
            if self._stopping and (record.line is None or record.line != self.report.last_line):
                return False
            self._accept(record, None if prepared is None else prepared[position])
        return True

    async def _wait_for_space(self, outcomes: Outcomes) -> None:
        while outcomes.full() and not self._stopping:
            outcomes.space.clear()
            await outcomes.space.wait()

    # --- routing ------------------------------------------------------------------------------

    def _accept(self, record: Record, prepared: list[list[Prepared]] | None) -> None:
        """Take one record in and offer it to its lanes (``prepared``: by a worker, per lane)."""
        outcomes = self._outcomes
        assert outcomes is not None
        if record.event is None:
            outcomes.refuse(record, record.code, record.reason, "unreadable input")
            return
        targets = self._dispatchers
        if record.destination is not None and len(targets) > 1:  # a replay names its destination
            named = self._by_name.get(record.destination)
            if named is None:
                known = ", ".join(self._by_name)
                message = (
                    f"no destination named {record.destination!r} in this pipeline (destinations: {known})"
                )
                outcomes.refuse(record, NO_SUBSCRIPTION, message, "not routed")
                return
            targets = [named]
        tracker = outcomes.take(record)
        if len(targets) < len(self._dispatchers):
            tracker.lanes_open = len(targets)
        for dispatcher in targets:
            if prepared is None:
                dispatcher.offer(tracker, record)
            else:
                dispatcher.offer_prepared(tracker, record.event, prepared[dispatcher.index])
        outcomes.offered(tracker)

    def _prepare_all(self, record: Record) -> list[list[Prepared]]:
        """Every lane's deliveries of one record. Pure: runs in worker processes."""
        assert record.event is not None
        return [
            dispatcher.router.prepare(record.event, record.action, record.subscription)
            for dispatcher in self._dispatchers
        ]

    # --- draining -----------------------------------------------------------------------------

    async def _drain(self) -> None:
        outcomes = self._outcomes
        assert outcomes is not None
        while outcomes.pending > 0:
            outcomes.wake.clear()
            timeout = None if self._deadline is None else self._deadline - self._loop.time()
            if timeout is not None and timeout <= 0:
                await self._abort()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outcomes.wake.wait(), timeout)

    async def _abort(self) -> None:
        """The shutdown deadline passed: everything in flight ends now."""
        for dispatcher in self._dispatchers:
            await dispatcher.abort()


def _adopt(
    source: ParallelSource, chunk: RawChunk, lines: list[tuple[int, list[Record]]]
) -> list[Record | None]:
    """The source's records of ``chunk`` from the lines a worker parsed (``source.parse`` again, for
    a source that cannot take parsed lines over)."""
    adopt = getattr(source, "adopt", None)
    if adopt is None:
        return source.parse(chunk)
    return adopt(chunk, lines)  # type: ignore[no-any-return]


async def _close(iterator: AsyncIterator[Any]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()

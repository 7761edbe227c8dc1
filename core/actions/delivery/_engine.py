"""The delivery engine: events in; subscriptions, batching, concurrency, retries, dead letters; a report out.

One event loop does everything except reading input (a thread, see ``_input``). An event is
matched against every subscription; each match is one *delivery* (event x action) whose payload
is prepared at once. Deliveries of batching actions wait in a :class:`~._batcher.Batcher`, the
others go straight out; every send holds one of ``concurrency`` slots. Results are per delivery:
delivered, retried later (transient failures, with backoff), or dead-lettered. When the last
delivery of an event settles, the event's outcome is counted, and its place in the bounded
buffer is freed for the next input event (backpressure all the way to the reader).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Coroutine,
    Hashable,
    Iterable,
    Mapping,
    Sequence,
)
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, TypeAlias

import httpx
from pydantic import ValidationError

from .._action import Action, Delivered, Failed, ItemResult
from .._clock import get_clock, iso_ms
from .._destination import Destination, Subscription
from .._enrichers import Enricher, enrich_all, flush_all
from .._errors import ActionsError, ConfigurationError, IntegrationError, MappingError, SubscriptionError
from .._request import DEFAULT_TIMEOUT, Exchange, HttpSession
from .._settings import Settings
from .._subscriptions import Filter, parse_filter
from ._batcher import Batcher, BatchLimits, batch_key, payload_size
from ._deadletter import DeadLetterWriter
from ._input import EventReader, RawChunk, Record, parse_chunk, records_from_value
from ._parallel import Encoded, Prepared, PreparePool, decode
from ._ratelimit import RateLimitedTransport, RateLimiter
from ._report import ActionReport, Report
from ._requests import DryRunTransport
from ._retry import RetryPolicy, is_authentication_failure, retry_after_of

__all__ = ["DeadLetterSink", "Engine", "EventSource", "ExchangeObserver", "Route"]

#: Dead-letter codes the engine itself assigns (others come from the destination's errors).
INTERRUPTED: Final = "INTERRUPTED"
NO_SUBSCRIPTION: Final = "NO_SUBSCRIPTION"
MAPPING_FAILED: Final = "MAPPING_FAILED"
UNEXPECTED_ERROR: Final = "UNEXPECTED_ERROR"

EventSource: TypeAlias = (
    "EventReader | Iterable[Record | Mapping[str, Any]] | AsyncIterable[Record | Mapping[str, Any]]"
)
#: Called with every HTTP exchange and the key of the action that made it.
ExchangeObserver: TypeAlias = Callable[[Exchange, "str | None"], None]
DeadLetterSink: TypeAlias = "DeadLetterWriter | str | Path | Callable[[dict[str, Any]], None] | None"


class _Unset:
    """Marks "not given" where ``None`` means something."""


_UNSET: Final = _Unset()

_current_action: ContextVar[str | None] = ContextVar("actions_delivery_action", default=None)

#: ``reason`` texts of dead letters (``message`` carries the error itself).
_AUTH_EARLIER = "the destination rejected the credentials earlier in this run"
_STOPPED_SENDING = "the run was stopped while this was being sent"
_STOPPED_WAITING = "the run was stopped before the next attempt was due"


@dataclass(frozen=True)
class Route:
    """One subscription, resolved: its filter, action, mapping and batch limits (``None``: unbatched)."""

    index: int
    label: str
    subscription: Subscription
    filter: Filter
    action: Action
    mapping: dict[str, Any]
    limits: BatchLimits | None
    #: ``action.prepare`` with the mapping compiled once for the run.
    prepare: Callable[[Mapping[str, Any]], dict[str, Any]]


class _Tracker:
    """One input event and its deliveries still open."""

    __slots__ = ("event", "failed", "open", "record")

    def __init__(self, record: Record, event: dict[str, Any], deliveries: int) -> None:
        self.record = record
        self.event = event
        self.open = deliveries
        self.failed = False


class _Delivery:
    """One event going to one action."""

    __slots__ = (
        "alone",
        "attempts",
        "done",
        "first_sent",
        "last_error",
        "payload",
        "route",
        "size",
        "tracker",
    )

    def __init__(self, tracker: _Tracker, route: Route, payload: dict[str, Any]) -> None:
        self.tracker = tracker
        self.route = route
        self.payload = payload
        self.size = 0
        self.attempts = 0
        self.first_sent: float | None = None
        self.last_error: IntegrationError | None = None
        self.alone = False  # resend outside any batch (after its batch was rejected as a whole)
        self.done = False


def _as_integration_error(exc: BaseException) -> IntegrationError:
    if isinstance(exc, IntegrationError):
        return exc
    if isinstance(exc, MappingError):
        return IntegrationError(str(exc), MAPPING_FAILED, 400)
    if isinstance(exc, ActionsError):
        return IntegrationError(str(exc), type(exc).__name__, 400)
    # A bug in the destination: sending the same event again would fail the same way.
    return IntegrationError(f"{type(exc).__name__}: {exc}", UNEXPECTED_ERROR, None, retryable=False)


def _compile_routes(
    destination: Destination,
    subscriptions: Sequence[Subscription | Mapping[str, Any]],
    limits: Callable[[Action], BatchLimits | None],
) -> list[Route]:
    from ..mapping import validate as validate_mapping

    routes = []
    for number, item in enumerate(subscriptions, 1):
        try:
            subscription = item if isinstance(item, Subscription) else Subscription.model_validate(item)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "subscription"
            raise ConfigurationError(f"subscription {number}: {where}: {problem['msg']}") from None
        label = subscription.name or subscription.subscribe
        try:
            action = destination.action(subscription.action)
            mapping = (
                dict(subscription.mapping) if subscription.mapping is not None else action.default_mapping
            )
            unknown = [key for key in mapping if key not in action.fields]
            if unknown:
                fields = ", ".join(action.fields)
                raise ConfigurationError(
                    f"mapping key {unknown[0]!r} is not a field of action {action.key!r} (fields: {fields})"
                )
            validate_mapping(mapping)
            route_filter = parse_filter(subscription.subscribe)
        except ConfigurationError as exc:
            message = f"subscription {number} ({label}): {exc}"
            if isinstance(exc, MappingError):
                raise MappingError(message, kind=exc.kind) from None
            if isinstance(exc, SubscriptionError):
                raise SubscriptionError(message) from None
            raise ConfigurationError(message) from None
        prepare = action.preparer(mapping)
        routes.append(
            Route(number - 1, label, subscription, route_filter, action, mapping, limits(action), prepare)
        )
    return routes


class Engine:
    """Delivers a stream of events to one destination the way a production pipeline does.

    Every event taken in ends in exactly one outcome (see :class:`~.Report`), and every failed
    delivery in one dead-letter record. Build it (configuration errors are raised here, before
    any event is read), then ``report = await engine.run(events)``. An engine runs once.

    Args:
        destination: Where events go.
        settings: Validated settings, or raw settings to validate.
        subscriptions: Which events go to which action, mapped how (default: the destination's
            automatic presets). Items are :class:`~actions.Subscription` or mappings with
            ``subscribe``, ``action`` (or ``partnerAction``) and optional ``mapping`` and ``name``.
        transport: The httpx transport requests go through (default: the network).
        base_url: Replace scheme, host and port of every request (a gateway, an emulator).
        timeout: Seconds per request.
        concurrency: Most sends (``perform`` / ``perform_batch`` calls) in flight at once.
        retry: When and how often transient failures are retried.
        batching: Use ``perform_batch`` for actions that have it (else one ``perform`` per event).
        batch_size: Lower every action's ``Batching.max_events`` to this.
        batch_bytes: Lower every action's ``Batching.max_bytes`` to this.
        linger_s: Override how long a batch waits to fill.
        rate_limit: Most requests per second (default: the destination's ``rate_limit``).
        dead_letter: Where dead letters go: a :class:`~.DeadLetterWriter`, a path (appended to),
            a callable receiving each record, or ``None`` to keep them in :attr:`dead_letters`.
        dry_run: Send nothing: every request is answered ``200 {}`` (watch them with ``on_exchange``).
        on_exchange: Called with every HTTP exchange and the key of the action that made it.
        buffer: Most events in the pipeline at once (read but not settled): the memory bound.
        shutdown_timeout: After :meth:`stop`, seconds allowed for in-flight work before it is
            cancelled and dead-lettered.
        workers: Processes that parse events and prepare payloads (mapping and validation, most
            of the CPU an event costs) when reading an :class:`~.EventReader`; 1 does it all in
            this process. Needs the ``fork`` start method (Linux, macOS).
        enrichers: Steps every event goes through, in order, before subscriptions (see
            :class:`~actions.Enricher`); the engine flushes them at the end (or on stop: nothing
            they hold is lost) and closes them. Not combinable with ``workers`` > 1, since
            enrichers need every event, in order, in one process.
        seed: Seeds the retry jitter (for reproducible tests).
        run_id: Identifies the run in dead letters and the report (default: random).
    """

    def __init__(
        self,
        destination: Destination,
        settings: Settings | Mapping[str, Any],
        subscriptions: Sequence[Subscription | Mapping[str, Any]] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        batching: bool = True,
        batch_size: int | None = None,
        batch_bytes: int | None = None,
        linger_s: float | None = None,
        rate_limit: float | None = None,
        dead_letter: DeadLetterSink = None,
        dry_run: bool = False,
        on_exchange: ExchangeObserver | None = None,
        buffer: int = 5_000,
        shutdown_timeout: float = 30.0,
        workers: int = 1,
        enrichers: Sequence[Enricher] = (),
        seed: int | None = None,
        run_id: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ConfigurationError("concurrency must be at least 1")
        if buffer < 1:
            raise ConfigurationError("buffer must be at least 1")
        if workers < 1:
            raise ConfigurationError("workers must be at least 1")
        if enrichers and workers > 1:
            raise ConfigurationError(
                "enrichers cannot be combined with several workers: they need every event, in order, "
                "in one process"
            )
        self._enrichers = list(enrichers)
        self.destination = destination
        self.settings = (
            settings if isinstance(settings, Settings) else destination.validate_settings(settings)
        )
        self.redactor = destination.redactor(self.settings)
        if subscriptions is None:
            subscriptions = destination.default_subscriptions()
            if not subscriptions:
                raise ConfigurationError(
                    f"destination {destination.slug!r} has no automatic presets: give subscriptions"
                )

        def limits(action: Action) -> BatchLimits | None:
            if not batching or action.perform_batch is None or action.batching is None:
                return None
            return BatchLimits.for_action(
                action.batching, max_events=batch_size, max_bytes=batch_bytes, linger_s=linger_s
            )

        self.routes = _compile_routes(destination, subscriptions, limits)
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.dry_run = dry_run
        self.buffer = buffer
        self.shutdown_timeout = shutdown_timeout
        self.workers = workers
        self.rate_limit = rate_limit if rate_limit is not None else destination.rate_limit
        self._transport = transport
        self._base_url = base_url
        self._timeout = timeout
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
        self.report = Report(destination.slug, run_id or uuid.uuid4().hex[:12], dry_run=dry_run)
        if self._writer is not None and self._writer.path is not None:
            self.report.dead_letter_file = str(self._writer.path)
        for route in self.routes:
            self.report.action(route.action.key)
        self._stats: dict[str, ActionReport] = self.report.actions
        self._batcher: Batcher[_Delivery] = Batcher(self._release)
        self._by_action: dict[str, list[Route]] = {}
        for route in self.routes:
            self._by_action.setdefault(route.action.key, []).append(route)
        self._session: HttpSession
        self._loop: asyncio.AbstractEventLoop
        self._running = False
        self._ran = False
        self._pending = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[int, tuple[asyncio.TimerHandle, list[_Delivery], float]] = {}
        self._timer_ids = 0
        self._stopping = False
        self._deadline: float | None = None
        self._auth_error: IntegrationError | None = None
        self._reader: EventReader | None = None
        self._awaiting_input = False
        self._last_line: int | None = None
        self._started = 0.0
        self._slots = asyncio.Semaphore(concurrency)
        self._space = asyncio.Event()  # set when the buffer has room
        self._space.set()
        self._wake = asyncio.Event()  # set when the last pending event settles, or on stop()
        self._stop_requested = asyncio.Event()

    # --- running ------------------------------------------------------------------------------

    async def run(self, events: EventSource) -> Report:
        """Deliver ``events`` (records, event mappings or an :class:`~.EventReader`) and report.

        Returns when every event taken in has an outcome: at the end of the input, or after
        :meth:`stop`. Input errors (an unreadable file) end the run early, with
        ``report.stopped == "error"`` and the message in ``report.error``.
        """
        if self._ran:
            raise RuntimeError("an Engine runs once; build another for the next run")
        self._ran = True
        loop = self._loop = asyncio.get_running_loop()
        self._started = loop.time()
        self._running = True
        self.report.started_at = iso_ms(get_clock().now_ms())
        if isinstance(events, EventReader):
            self._reader = events
        if self._stopping:  # stop() came before run(): take nothing in
            self._stopping = False
            self.stop()
        pool = None
        if self.workers > 1 and self._reader is not None:
            # Forked before the reader's thread starts (see PreparePool).
            pool = PreparePool(self.workers, self._route_and_prepare, self._reader.interpret)
        try:
            async with self._make_session() as session:
                self._session = session
                if pool is not None and self._reader is not None:
                    await self._consume(self._feed_prepared(self._reader, pool))
                else:
                    await self._consume(self._feed(events))
                if self._enrichers:  # stopped early: what they still hold was read, so it goes on
                    for event, origin in flush_all(self._enrichers):
                        self._accept(replace(origin, event=event))
                self._batcher.flush()
                await self._drain()
        finally:
            self._running = False
            for enricher in self._enrichers:
                enricher.close()
            if pool is not None:
                pool.close()
            if self._writer is not None:
                self._writer.close()
            self.report.finished_at = iso_ms(get_clock().now_ms())
            self.report.elapsed_s = loop.time() - self._started
        return self.report

    def stop(self, *, immediate: bool = False) -> None:
        """Stop taking events in; finish in-flight work within ``shutdown_timeout``, then cancel it.

        With ``immediate``, cancel in-flight work now. Everything not delivered is
        dead-lettered (code ``INTERRUPTED``). Call from the event loop's thread (a signal
        handler installed with ``loop.add_signal_handler`` is), or through
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
            self._deadline = now + self.shutdown_timeout
            if self._reader is not None:
                self._reader.stop()
            self._batcher.flush()
            # Retries that would come due after the deadline are dead-lettered now.
            self._cancel_retries(self._deadline, self._interrupted, _STOPPED_WAITING)
        if immediate:
            self._deadline = now
        self._stop_requested.set()
        self._space.set()
        self._wake.set()

    def _make_session(self) -> HttpSession:
        transport = DryRunTransport() if self.dry_run else self._transport
        if self.rate_limit:
            inner = transport or httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=self.concurrency, max_keepalive_connections=self.concurrency
                )
            )
            transport = RateLimitedTransport(inner, RateLimiter(self.rate_limit))
        return HttpSession(
            transport=transport,
            base_url=self._base_url,
            timeout=self._timeout,
            on_exchange=self._observe,
            max_connections=max(self.concurrency, 1),
        )

    def _observe(self, exchange: Exchange) -> None:
        self.report.requests += 1
        action = _current_action.get()
        if action is not None:
            self._stats[action].requests += 1
        if self._on_exchange is not None:
            self._on_exchange(exchange, action)

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

    async def _feed(self, events: EventSource) -> None:
        source = _chunks(events)
        if self._enrichers:
            source = self._enriched(source)
        chunks = source.__aiter__()
        while True:
            self._awaiting_input = True
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            finally:
                self._awaiting_input = False
            # Enriched records may come from lines read long before (events held to be put in
            # order): once released they are taken in even when stopping, so none is lost.
            if not await self._take_in(chunk, force=bool(self._enrichers)):
                return
            await asyncio.sleep(0)  # let responses and timers in between chunks

    async def _enriched(self, chunks: AsyncIterator[list[Record]]) -> AsyncIterator[list[Record]]:
        """``chunks`` with every readable event passed through the enrichers (replays pass as they are)."""
        async for records in chunks:
            out: list[Record] = []
            for record in records:
                if record.event is None or record.action is not None:
                    out.append(record)
                    continue
                for event, origin in enrich_all(self._enrichers, record.event, record):
                    out.append(origin if event is origin.event else replace(origin, event=event))
            yield out
        released = flush_all(self._enrichers)
        if released:
            yield [replace(origin, event=event) for event, origin in released]

    async def _feed_prepared(self, reader: EventReader, pool: PreparePool) -> None:
        """Like :meth:`_feed`, with payloads prepared by worker processes a few chunks ahead."""
        ahead: asyncio.Queue[tuple[RawChunk | list[Record], asyncio.Future[Any] | None] | Exception | None]
        ahead = asyncio.Queue(maxsize=2 * pool.workers)

        async def submit() -> None:
            try:
                async for item in reader.raw_chunks():
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
                records = parse_chunk(item, reader.interpret) if isinstance(item, RawChunk) else item
                if not await self._take_in(records, prepared):
                    return
                await asyncio.sleep(0)
        finally:
            submitter.cancel()

    async def _take_in(
        self,
        records: list[Record],
        prepared: list[list[Encoded] | None] | None = None,
        *,
        force: bool = False,
    ) -> bool:
        """Accept ``records`` (``prepared``: their deliveries, from a worker); False once stopped.

        With ``force``, every record is accepted even after a stop.
        """
        for position, record in enumerate(records):
            if self._pending >= self.buffer:
                await self._wait_for_space()  # returns at once when stopping
            # After a stop, only the rest of a line already partly taken in (a batch) still comes in.
            if self._stopping and not force and (record.line is None or record.line != self._last_line):
                return False
            if prepared is None:
                self._accept(record)
            else:
                encoded = prepared[position]
                self._accept(record, None if encoded is None else [decode(item) for item in encoded])
        return True

    async def _wait_for_space(self) -> None:
        while self._pending >= self.buffer and not self._stopping:
            self._space.clear()
            await self._space.wait()

    # --- routing and preparing ----------------------------------------------------------------

    def _accept(self, record: Record, prepared: list[Prepared] | _Unset | None = _UNSET) -> None:
        """Take one record in: count it, and dead-letter, filter or start delivering it.

        ``prepared`` comes from a worker process (``None``: routed nowhere); by default the
        record is routed and prepared here.
        """
        report = self.report
        report.events_in += 1
        if record.line is not None and (self._last_line is None or record.line > self._last_line):
            report.last_line = self._last_line = record.line
        event = record.event
        if event is None:
            report.dead_lettered += 1
            self._dead_letter(self._failure_record(
                record, code=record.code, status=None, retryable=False, message=record.reason,
                reason="unreadable input",
            ))  # fmt: skip
            return
        if isinstance(prepared, _Unset):
            prepared = self._route_and_prepare(record)
        if prepared is None:
            report.dead_lettered += 1
            message = f"no subscription sends events to action {record.action!r}"
            self._dead_letter(self._failure_record(
                record, code=NO_SUBSCRIPTION, status=None, retryable=False, message=message,
                reason="not routed", action=record.action, subscription=record.subscription,
            ))  # fmt: skip
            return
        if not prepared:
            report.filtered += 1
            return
        tracker = _Tracker(record, event, len(prepared))
        self._pending += 1
        for index, payload, size, error in prepared:
            route = self.routes[index]
            self._stats[route.action.key].events_in += 1
            delivery = _Delivery(tracker, route, payload or {})
            if error is not None:
                code, message, status, retryable = error
                failure = IntegrationError(message, code, status, retryable=retryable)
                self._settle(delivery, failure, "the event does not map to a valid payload")
            else:
                delivery.size = size
                self._submit(delivery)

    def _route_and_prepare(self, record: Record) -> list[Prepared] | None:
        """The deliveries of one event: its routes, each with its payload (and size) or error.

        ``None`` when a replayed record's action has no subscription any more. Pure: also runs
        in worker processes.
        """
        event = record.event
        assert event is not None
        if record.action is not None:
            routes = self._replay_routes(record)
            if routes is None:
                return None
        else:
            routes = [route for route in self.routes if route.filter.matches(event)]
        out: list[Prepared] = []
        for route in routes:
            try:
                payload = route.prepare(event)
            except Exception as exc:  # any failure here is this event's, not the run's
                error = _as_integration_error(exc)
                fields = (error.code, error.message or str(error), error.status, error.retryable)
                out.append((route.index, None, 0, fields))
                continue
            out.append((route.index, payload, payload_size(payload) if route.limits is not None else 0, None))
        return out

    def _replay_routes(self, record: Record) -> list[Route] | None:
        candidates = self._by_action.get(record.action or "")
        if not candidates:
            return None
        if record.subscription is not None:
            named = [route for route in candidates if route.label == record.subscription]
            candidates = named or candidates
        assert record.event is not None
        return [route for route in candidates if route.filter.matches(record.event)]

    # --- sending ------------------------------------------------------------------------------

    def _submit(self, delivery: _Delivery) -> None:
        if self._auth_error is not None:
            self._settle(delivery, self._not_attempted(), _AUTH_EARLIER)
            return
        limits = delivery.route.limits
        if limits is None or delivery.alone:
            self._launch(delivery.route, [delivery])
            return
        group: Hashable = delivery.route.index
        if limits.keys:
            group = (delivery.route.index, batch_key(delivery.payload, limits.keys))
        self._batcher.add(group, delivery, delivery.size, limits)
        if self._stopping:
            self._batcher.flush(group)

    def _release(self, group: Hashable, items: list[_Delivery]) -> None:
        self._launch(items[0].route, items)

    def _launch(self, route: Route, items: list[_Delivery]) -> None:
        task = self._loop.create_task(self._send(route, items))
        self._tasks.add(task)
        task.add_done_callback(lambda task: self._sent(task, items))

    def _sent(self, task: asyncio.Task[None], items: list[_Delivery]) -> None:
        # Runs however the send ended, so nothing it held is lost: a task cancelled before it
        # even started never runs its own handlers.
        self._tasks.discard(task)
        if task.cancelled():
            for delivery in items:
                self._settle(delivery, self._interrupted(delivery), _STOPPED_SENDING)
            return
        error = task.exception()
        if error is not None:  # a bug in the engine: report it on the events, not as a crash
            failure = _as_integration_error(error)
            for delivery in items:
                self._settle(delivery, failure, "the delivery engine failed while handling the result")

    async def _send(self, route: Route, items: list[_Delivery]) -> None:
        _current_action.set(route.action.key)
        async with self._slots:
            if self._auth_error is not None:
                for delivery in items:
                    self._settle(delivery, self._not_attempted(), _AUTH_EARLIER)
                return
            now = self._loop.time()
            for delivery in items:
                delivery.attempts += 1
                if delivery.first_sent is None:
                    delivery.first_sent = now
            results = await self._perform(route, items)
        self._handle(route, items, results)

    async def _perform(self, route: Route, items: list[_Delivery]) -> Sequence[ItemResult]:
        action = route.action
        if route.limits is not None:
            try:
                return await self.destination.perform_batch(
                    action,
                    [delivery.payload for delivery in items],
                    self.settings,
                    self._session,
                    events=[delivery.tracker.event for delivery in items],
                    mapping=route.mapping,
                )
            except Exception as exc:
                failure = Failed(_as_integration_error(exc))
                return [failure] * len(items)
        delivery = items[0]
        try:
            await self.destination.perform(
                action, delivery.payload, self.settings, self._session,
                event=delivery.tracker.event, mapping=route.mapping,
            )  # fmt: skip
        except Exception as exc:
            return [Failed(_as_integration_error(exc))]
        return [Delivered()]

    def _handle(self, route: Route, items: list[_Delivery], results: Sequence[ItemResult]) -> None:
        first = results[0]
        if len(items) > 1 and isinstance(first, Failed):
            error = first.error
            wholesale = all(isinstance(result, Failed) and result.error is error for result in results)
            if wholesale and not error.retryable and not is_authentication_failure(error):
                self._split(route, items, error)
                return
        now = self._loop.time()
        retry_groups: dict[float | None, list[tuple[_Delivery, IntegrationError]]] = {}
        for delivery, result in zip(items, results, strict=True):
            if isinstance(result, Delivered):
                self._settle(delivery, None)
                continue
            error = result.error
            delivery.last_error = error
            if is_authentication_failure(error):
                self._authentication_failed(error)
                self._settle(delivery, error, "the destination rejected the credentials")
            elif not error.retryable:
                self._settle(delivery, error, "permanent error")
            else:
                retry_groups.setdefault(retry_after_of(error), []).append((delivery, error))
        # One wait per Retry-After value, so the retried events can travel together again.
        for retry_after, group in retry_groups.items():
            attempts = max(delivery.attempts for delivery, _ in group)
            delay = self.retry.delay(attempts, retry_after, self._rng)
            retrying = []
            for delivery, error in group:
                elapsed = now - (delivery.first_sent or now)
                why = self.retry.gives_up(delivery.attempts, elapsed, delay)
                if why is not None:
                    self._settle(delivery, error, why)
                elif self._deadline is not None and now + delay > self._deadline:
                    self._settle(delivery, self._interrupted(delivery), _STOPPED_WAITING)
                else:
                    retrying.append(delivery)
            if retrying:
                self._schedule_retry(retrying, delay)

    def _split(self, route: Route, items: list[_Delivery], error: IntegrationError) -> None:
        """A batch rejected as a whole: find out which events are at fault by sending smaller ones.

        ``413`` (too large) halves the batch; any other permanent error resends each event alone,
        so one bad event cannot sink the rest.
        """
        if error.status == 413:
            half = len(items) // 2
            self._launch(route, items[:half])
            self._launch(route, items[half:])
            return
        for delivery in items:
            delivery.alone = True
            self._launch(route, [delivery])

    def _schedule_retry(self, items: list[_Delivery], delay: float) -> None:
        self.report.retries += len(items)
        for delivery in items:
            self._stats[delivery.route.action.key].retries += 1
        self._timer_ids += 1
        key = self._timer_ids
        handle = self._loop.call_later(delay, self._retry_due, key)
        self._timers[key] = (handle, items, self._loop.time() + delay)

    def _retry_due(self, key: int) -> None:
        _, items, _ = self._timers.pop(key)
        for delivery in items:
            self._submit(delivery)

    def _cancel_retries(
        self, after: float, failure: Callable[[_Delivery], IntegrationError], reason: str
    ) -> None:
        """Settle, as ``failure`` for ``reason``, the waiting retries due after ``after``."""
        for key, (handle, items, when) in list(self._timers.items()):
            if when > after:
                handle.cancel()
                del self._timers[key]
                for delivery in items:
                    self._settle(delivery, failure(delivery), reason)

    def _authentication_failed(self, error: IntegrationError) -> None:
        if self._auth_error is not None:
            return
        self._auth_error = error
        self.report.authentication_error = self.redactor.text(error.message or str(error))
        # Nothing queued can succeed any more: settle waiting retries now instead of sending them.
        self._cancel_retries(-float("inf"), lambda _: self._not_attempted(), _AUTH_EARLIER)

    # --- draining -----------------------------------------------------------------------------

    async def _drain(self) -> None:
        while self._pending > 0:
            self._wake.clear()
            timeout = None if self._deadline is None else self._deadline - self._loop.time()
            if timeout is not None and timeout <= 0:
                await self._abort()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _abort(self) -> None:
        """The shutdown deadline passed: cancel everything in flight; it is dead-lettered."""
        self._cancel_retries(-float("inf"), self._interrupted, _STOPPED_WAITING)
        self._batcher.flush()
        while self._tasks:  # cancelling may settle events; it never starts new sends, but be sure
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- outcomes -----------------------------------------------------------------------------

    def _settle(self, delivery: _Delivery, error: IntegrationError | None, reason: str | None = None) -> None:
        if delivery.done:
            return
        delivery.done = True
        stats = self._stats[delivery.route.action.key]
        tracker = delivery.tracker
        if error is None:
            stats.delivered += 1
        else:
            stats.dead_lettered += 1
            tracker.failed = True
        tracker.open -= 1
        if tracker.open == 0:
            if tracker.failed:
                self.report.dead_lettered += 1
            else:
                self.report.delivered += 1
            self._pending -= 1
            if self._pending < self.buffer:
                self._space.set()
            if self._pending == 0:
                self._wake.set()
        if error is not None:  # last: the counts above are right even if writing fails
            route = delivery.route
            self._dead_letter(self._failure_record(
                tracker.record, code=error.code, status=error.status, retryable=error.retryable,
                message=error.message or str(error), reason=reason, attempts=delivery.attempts,
                action=route.action.key, subscription=route.label,
            ))  # fmt: skip

    def _not_attempted(self) -> IntegrationError:
        assert self._auth_error is not None
        message = f"not sent: the destination rejected the credentials ({self._auth_error.message})"
        return IntegrationError(message, "INVALID_AUTHENTICATION", self._auth_error.status, retryable=False)

    def _interrupted(self, delivery: _Delivery) -> IntegrationError:
        last = delivery.last_error
        message = "not delivered: the run was stopped" + (f" (last error: {last.message})" if last else "")
        return IntegrationError(message, INTERRUPTED, last.status if last else None, retryable=True)

    def _failure_record(
        self,
        record: Record,
        *,
        code: str | None,
        status: int | None,
        retryable: bool,
        message: str | None,
        reason: str | None,
        attempts: int = 0,
        action: str | None = None,
        subscription: str | None = None,
    ) -> dict[str, Any]:
        """A dead-letter record (fields in ``_deadletter``): the event, or the text of unreadable input."""
        out: dict[str, Any] = {"destination": self.destination.slug, "run_id": self.report.run_id}
        if record.line is not None:
            out["line"] = record.line
        if action is not None:
            out["action"] = action
            out["subscription"] = subscription
        out |= {
            "code": code, "status": status, "retryable": retryable, "message": message, "reason": reason,
            "attempts": attempts, "failed_at": iso_ms(get_clock().now_ms()),
        }  # fmt: skip
        if record.event is None:
            out["raw"] = record.raw
        else:
            out["event"] = record.event
        return out

    def _dead_letter(self, record: dict[str, Any]) -> None:
        if self.redactor:
            record = self.redactor.data(record)
        report = self.report
        code = str(record.get("code"))
        report.dead_letter_codes[code] = report.dead_letter_codes.get(code, 0) + 1
        try:
            self._sink(record)
        except Exception as exc:  # the file cannot take them (disk full...): stop rather than lose more
            report.dead_letters_unwritten += 1
            if report.error is None:
                report.error = self.redactor.text(
                    f"dead letters cannot be written: {type(exc).__name__}: {exc}"
                )
                report.stopped = "error"
            self.stop(immediate=True)
            return
        report.dead_letter_records += 1


async def _chunks(events: EventSource) -> AsyncIterator[list[Record]]:
    """Normalise any event source to lists of records."""
    if isinstance(events, EventReader):
        async for records in events.chunks():
            yield records
        return
    if isinstance(events, AsyncIterable):
        async for item in events:
            yield [item] if isinstance(item, Record) else records_from_value(_plain(item))
        return
    chunk: list[Record] = []
    for item in events:
        if isinstance(item, Record):
            chunk.append(item)
        else:
            chunk.extend(records_from_value(_plain(item)))
        if len(chunk) >= 256:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plain(item: Any) -> Any:
    return dict(item) if isinstance(item, Mapping) and type(item) is not dict else item

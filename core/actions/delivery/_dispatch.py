"""Dispatch: one destination lane at run time, from an event taken in to each delivery's end.

A lane enriches and routes the events offered to it, batches the deliveries, sends them within
its own concurrency slots over its own HTTP client, and carries out its retry policy's decision
for every failure (retry later, split the batch, give up). Its backlog beyond its share of the
buffer waits on disk (``_spill``), so it never holds another lane back. Within the lane, a
user's later events never overtake an earlier one waiting for a retry, unless the destination
says order does not matter (``Destination.ordered``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from typing import Any, Final, TypeAlias

import httpx

from .._action import UNEXPECTED_ERROR, Delivered, Failed, ItemResult, item_failure
from .._errors import IntegrationError
from .._request import Exchange, HttpSession
from .._settings import Settings
from ._batcher import Batcher, batch_key
from ._options import Lane
from ._outcomes import Outcomes, Tracker
from ._ratelimit import RateLimitedTransport, RateLimiter
from ._report import Report
from ._requests import DryRunTransport
from ._retry import Attempt, GiveUp, Retry, Split, is_authentication_failure
from ._routes import Prepared, Route, Router
from ._sources import Record
from ._spill import Spill
from ._watch import Watch, no_answer

__all__ = ["INTERRUPTED", "Dispatcher", "ExchangeObserver"]

#: Dead-letter code of deliveries a stop left unfinished.
INTERRUPTED: Final = "INTERRUPTED"

#: ``reason`` texts of dead letters (``message`` carries the error itself).
_AUTH_EARLIER = "the destination rejected the credentials earlier in this run"
_UNREACHABLE = "the destination answered no request: sending to it stopped"
_STOPPED_SENDING = "the run was stopped while this was being sent"
_STOPPED_WAITING = "the run was stopped before the next attempt was due"
#: Most characters of an error message kept in a dead letter: a destination may quote a huge answer,
#: and every event of the batch would carry a copy.
MAX_MESSAGE_CHARS: Final = 4096


def _bounded(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}... (cut: {len(message)} characters in all)"


#: Called with every HTTP exchange and the key of the action that made it (``lane/action`` when
#: a run has several destinations).
ExchangeObserver: TypeAlias = Callable[[Exchange, "str | None"], None]

_log = logging.getLogger("actions.delivery")

_current_action: ContextVar[str | None] = ContextVar("actions_delivery_action", default=None)


class _Delivery:
    """One event going to one action of this lane."""

    __slots__ = (
        "alone",
        "attempts",
        "blocking",
        "done",
        "event",
        "first_sent",
        "free",
        "item",
        "last_error",
        "payload",
        "route",
        "size",
        "tracker",
        "user",
    )

    def __init__(
        self,
        tracker: Tracker,
        route: Route,
        event: dict[str, Any],
        payload: dict[str, Any],
        size: int,
        item: Any = None,
    ) -> None:
        self.tracker = tracker
        self.route = route
        self.event = event
        self.payload = payload
        self.size = size
        self.item = item  # the action's encode of the payload (None: it has no encode step)
        self.attempts = 0
        self.free = 0  # attempts spent only on finding another event's fault (see Attempt.free)
        self.first_sent: float | None = None
        self.last_error: IntegrationError | None = None
        self.alone = False  # resend outside any batch (after its batch was rejected as a whole)
        self.done = False
        self.blocking = False  # waiting for a retry, holding its user's later events back
        self.user: str | None = None  # set when it is first held or holds others back (see _user_of)


def _items(deliveries: list[_Delivery]) -> list[Any] | None:
    """The encoded items of a batch, when every delivery has one (those a worker did not prepare have
    none: then ``perform_batch`` encodes them all, the same way)."""
    items = [delivery.item for delivery in deliveries]
    return None if None in items else items


def _user_of(event: dict[str, Any]) -> str | None:
    """Whose event it is, for ordering: ``userId``, else ``anonymousId``."""
    user = event.get("userId") or event.get("anonymousId")
    return None if user is None or isinstance(user, dict | list) else str(user)


class _Held:
    """One event inside this lane's enrichers: the origin they hand back with it."""

    __slots__ = ("inside", "tracker")

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.inside = True


class _Waiting:
    """A user's deliveries held back behind the ones of theirs waiting for a retry."""

    __slots__ = ("blockers", "parked")

    def __init__(self) -> None:
        self.blockers = 0
        self.parked: deque[_Delivery] = deque()


class Dispatcher:
    """One destination lane of a running engine."""

    def __init__(
        self,
        index: int,
        lane: Lane,
        settings: Settings,
        routes: list[Route],
        outcomes: Outcomes,
        report: Report,
        *,
        capacity: int,
        redelivers: bool,
        rng: random.Random,
        label_actions: bool,
    ) -> None:
        self.index = index
        self.lane = lane
        self.name = lane.label
        self.destination = lane.destination
        self.settings = settings
        self.router = Router(routes, settings)
        self.routes = routes
        self.redactor = outcomes.redactor  # the run's: every secret of the run, in every lane
        self.stats = report.destinations[self.name]
        self._report = report
        self._outcomes = outcomes
        self._capacity = capacity
        self._redelivers = redelivers
        self._rng = rng
        self._label_actions = label_actions
        self._ordered = lane.destination.ordered
        self._base: dict[str, Any] = {"destination": self.name}
        if self.name != lane.destination.slug:
            self._base["slug"] = lane.destination.slug
        self.enrichers = list(lane.enrichers)
        self._batcher: Batcher[_Delivery] = Batcher(self._release)
        self._timers: dict[int, tuple[asyncio.TimerHandle, list[_Delivery], float]] = {}
        self._timer_ids = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: dict[str, _Waiting] = {}
        self._spill: Spill[tuple[Tracker, int]] = Spill()
        self._refill_scheduled = False
        self._load = 0  # deliveries in memory: batching, in flight, waiting for a retry, parked
        self._auth_error: IntegrationError | None = None
        self._unreachable: IntegrationError | None = None
        self._watch = Watch(self.name, self.redactor, lane.limits.unreachable_after_s)
        self._stopping = False
        self._deadline: float | None = None
        self._loop: asyncio.AbstractEventLoop
        self._slots: asyncio.Semaphore
        self._session: HttpSession
        #: Each route's action counts, by route index (looked up once, not per event).
        self._action_stats = [self.stats.action(route.action.key) for route in routes]

    # --- setting up ---------------------------------------------------------------------------

    def session(self, *, dry_run: bool, on_exchange: ExchangeObserver | None) -> HttpSession:
        """This lane's HTTP client (enter it before :meth:`start`)."""
        limits = self.lane.limits
        transport = DryRunTransport() if dry_run else self.lane.transport
        rate = limits.rate_limit if limits.rate_limit is not None else self.destination.rate_limit
        if rate:
            inner = transport or httpx.AsyncHTTPTransport(
                limits=httpx.Limits(
                    max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency
                )
            )
            transport = RateLimitedTransport(inner, RateLimiter(rate))
        stats, report = self.stats, self._report

        def observe(exchange: Exchange) -> None:
            report.requests += 1
            stats.requests += 1
            action = _current_action.get()
            if action is not None:
                stats.action(action).requests += 1
            if on_exchange is not None:
                labelled = action is not None and self._label_actions
                on_exchange(exchange, f"{self.name}/{action}" if labelled else action)

        return HttpSession(
            transport=transport,
            base_url=self.lane.base_url,
            timeout=limits.timeout_s,
            on_exchange=observe,
            max_connections=limits.concurrency,
        )

    def start(self, session: HttpSession) -> None:
        self._session = session
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(self.lane.limits.concurrency)

    # --- taking events in ---------------------------------------------------------------------

    def offer(self, tracker: Tracker, record: Record) -> None:
        """Route (and first enrich) one record's event in this lane."""
        event = record.event
        assert event is not None
        self.stats.events_in += 1
        if self.enrichers and record.action is None:
            self._outcomes.open(tracker, self.index, 1)
            self._stage(0, [(event, _Held(tracker))])
            return
        self._route(tracker, event, self.router.prepare(event, record.action, record.subscription))

    def offer_prepared(self, tracker: Tracker, event: dict[str, Any], prepared: list[Prepared]) -> None:
        """Take in an event whose deliveries a worker process prepared."""
        self.stats.events_in += 1
        self._route(tracker, event, prepared)

    def _stage(self, position: int, items: list[tuple[dict[str, Any], _Held]]) -> None:
        """Pass events through enricher ``position`` onward; what comes out of the last one is routed."""
        if position == len(self.enrichers):
            for event, held in items:
                self._route(held.tracker, event, self.router.prepare(event), opened=True)
            return
        enricher = self.enrichers[position]
        for event, held in items:
            self._emerged(position, list(enricher.enrich(event, held)))

    def _emerged(self, position: int, outputs: list[tuple[dict[str, Any], Any]]) -> None:
        """Account for what enricher ``position`` returned, then pass it on.

        An enricher returns each event it was given exactly once, with its origin; an event it
        adds carries the origin of its cause and comes in the same list. So each origin in the
        list closes one unit and opens one per event returned with it.
        """
        groups: dict[int, tuple[_Held, list[dict[str, Any]]]] = {}
        for event, origin in outputs:
            if not isinstance(origin, _Held):
                raise TypeError(f"an enricher returned an event with an origin it was not given: {origin!r}")
            groups.setdefault(id(origin), (origin, []))[1].append(event)
        next_items: list[tuple[dict[str, Any], _Held]] = []
        for held, events in groups.values():
            tracker = held.tracker
            if held.inside:
                held.inside = False
                self._outcomes.open(tracker, self.index, len(events) - 1)
            elif tracker.lane_open[self.index] > 0:
                self._outcomes.open(tracker, self.index, len(events))  # added later than promised
            else:  # its cause is settled already: account for these on their own
                for event in events:
                    orphan = self._outcomes.orphan(event, tracker)
                    self.stats.events_in += 1
                    self._outcomes.open(orphan, self.index, 1)
                    next_items.append((event, _Held(orphan)))
                continue
            next_items.extend((event, _Held(tracker)) for event in events)
        self._stage(position + 1, next_items)

    def flush_enrichers(self) -> None:
        """Release everything the enrichers hold (end of input, or a stop): nothing they hold is lost."""
        for position, enricher in enumerate(self.enrichers):
            self._emerged(position, list(enricher.flush()))

    def close_enrichers(self) -> None:
        for enricher in self.enrichers:
            enricher.close()

    def _route(
        self, tracker: Tracker, event: dict[str, Any], prepared: list[Prepared], *, opened: bool = False
    ) -> None:
        """Start the deliveries of one event (``opened``: one unit is already open for it)."""
        outcomes = self._outcomes
        count = len(prepared) - 1 if opened else len(prepared)
        if count:
            outcomes.open(tracker, self.index, count)
        if not prepared:
            if opened:
                outcomes.close(tracker, self.index)
            else:
                outcomes.routed_nowhere(tracker, self.index)
            return
        for index, payload, size, error, item in prepared:
            if error is not None:
                code, message, status, retryable = error
                failure = IntegrationError(message, code, status, retryable=retryable)
                if index < 0:  # replay: no subscription sends to the recorded action any more
                    self._dead_letter(
                        tracker, event, None, failure, "not routed", 0, action=tracker.record.action
                    )
                    outcomes.close(tracker, self.index, failed=True)
                    continue
                route = self.routes[index]
                self._action_stats[index].events_in += 1
                self._load += 1
                self._settle(
                    _Delivery(tracker, route, event, {}, 0),
                    failure,
                    "the event does not map to a valid payload",
                )
                continue
            route = self.routes[index]
            self._action_stats[index].events_in += 1
            assert payload is not None
            self._accept(_Delivery(tracker, route, event, payload, size, item))

    # --- backlog ------------------------------------------------------------------------------

    def _accept(self, delivery: _Delivery) -> None:
        if self._load >= self._capacity or self._spill.waiting:
            self._spill.push(
                (delivery.tracker, delivery.route.index),
                (delivery.event, delivery.payload, delivery.size, delivery.item),
            )
            self.stats.spilled += 1
            self._outcomes.spilled(delivery.tracker)
            return
        self._load += 1
        self._submit(delivery)

    def _refill(self) -> None:
        self._refill_scheduled = False
        while self._spill.waiting and self._load < self._capacity:
            (tracker, index), (event, payload, size, item) = self._spill.pop()
            self._outcomes.unspilled(tracker)
            if tracker.record.event is None:
                tracker.record.event = event
            self._load += 1
            self._submit(_Delivery(tracker, self.routes[index], event, payload, size, item))


    # --- sending ------------------------------------------------------------------------------

    def _submit(self, delivery: _Delivery) -> None:
        if self._auth_error is not None:
            self._settle(delivery, self._not_attempted(), _AUTH_EARLIER)
            return
        if self._unreachable is not None:
            self._settle(delivery, self._unreachable, _UNREACHABLE)
            return
        if self._waiting and not self._park_waiting_users([delivery]):
            return  # an earlier event of this user waits for a retry: this one goes after it
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

    def _park_waiting_users(self, items: list[_Delivery]) -> list[_Delivery]:
        """Hold back the items whose user has an earlier event waiting for a retry; return the rest."""
        going = []
        for delivery in items:
            if not delivery.blocking:
                if delivery.user is None:
                    delivery.user = _user_of(delivery.event)
                waiting = self._waiting.get(delivery.user) if delivery.user is not None else None
                if waiting is not None:
                    waiting.parked.append(delivery)
                    continue
            going.append(delivery)
        return going

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
                self._interrupt(delivery, _STOPPED_SENDING)
            return
        error = task.exception()
        if error is not None:  # a bug in the engine: report it on the events, not as a crash
            failure = item_failure(error).error
            for delivery in items:
                self._settle(delivery, failure, "the delivery engine failed while handling the result")

    async def _send(self, route: Route, items: list[_Delivery]) -> None:
        _current_action.set(route.action.key)
        async with self._slots:
            if self._auth_error is not None:
                for delivery in items:
                    self._settle(delivery, self._not_attempted(), _AUTH_EARLIER)
                return
            if self._unreachable is not None:
                for delivery in items:
                    self._settle(delivery, self._unreachable, _UNREACHABLE)
                return
            if self._waiting:  # an earlier event of a user began waiting for a retry meanwhile
                items = self._park_waiting_users(items)
                if not items:
                    return
            now = self._loop.time()
            self._watch.sent(now)
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
                    events=[delivery.event for delivery in items],
                    mapping=route.mapping,
                    items=_items(items) if action.encode is not None else None,
                )
            except Exception as exc:
                return [self._failure(exc, route)] * len(items)
        delivery = items[0]
        try:
            await self.destination.perform(
                action,
                delivery.payload,
                self.settings,
                self._session,
                event=delivery.event,
                mapping=route.mapping,
            )
        except Exception as exc:
            return [self._failure(exc, route)]
        return [Delivered()]

    def _failure(self, exc: Exception, route: Route) -> Failed:
        """``item_failure``, and a plugin's bug (not an integration error) logged with its traceback."""
        failure = item_failure(exc)
        if failure.error.code == UNEXPECTED_ERROR and _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s: unexpected error in %s", self.name, route.action.key, exc_info=exc)
        return failure

    def _handle(self, route: Route, items: list[_Delivery], results: Sequence[ItemResult]) -> None:
        first = results[0]
        wholesale = False
        if len(items) > 1 and isinstance(first, Failed):
            error = first.error
            wholesale = all(isinstance(result, Failed) and result.error is error for result in results)
        now = self._loop.time()
        draw = self._rng.random()  # one per request: its retried events wait alike, travel together
        retrying: dict[float, list[_Delivery]] = {}
        for delivery, result in zip(items, results, strict=True):
            if isinstance(result, Delivered):
                self._watch.outcome(None)
                self._settle(delivery, None)
                continue
            error = result.error
            delivery.last_error = error
            self._watch.outcome(error)
            if self._unreachable is None and no_answer(error) and self._watch.unreachable(now):
                self._cut_off(error)
            if self._unreachable is not None and no_answer(error):
                self._settle(delivery, error, _UNREACHABLE)
                continue
            if result.isolating:
                delivery.free += 1
            if is_authentication_failure(error):
                self._authentication_failed(error)
                self._settle(delivery, error, "the destination rejected the credentials")
                continue
            attempt = Attempt(
                error, delivery.attempts, now - (delivery.first_sent or now), len(items), wholesale, draw,
                delivery.free,
            )  # fmt: skip
            decision = self.lane.retry.decide(attempt)
            if isinstance(decision, Split):
                self._split(route, items, decision)
                return
            if isinstance(decision, Retry) or no_answer(error):
                self._watch.failed(error, retrying=isinstance(decision, Retry), now=now)
            if isinstance(decision, GiveUp):
                self._settle(delivery, error, decision.reason)
            elif self._deadline is not None and now + decision.delay_s > self._deadline:
                self._interrupt(delivery, _STOPPED_WAITING)
            else:
                assert isinstance(decision, Retry)
                retrying.setdefault(decision.delay_s, []).append(delivery)
        for delay, group in retrying.items():
            self._schedule_retry(group, delay)

    def _split(self, route: Route, items: list[_Delivery], decision: Split) -> None:
        """A batch refused as a whole: find the events at fault by sending smaller requests."""
        for delivery in items:
            delivery.free += 1  # the refusal was the batch's, not necessarily this event's
        if decision.halves:
            half = len(items) // 2
            self._launch(route, items[:half])
            self._launch(route, items[half:])
            return
        for delivery in items:
            delivery.alone = True
            self._launch(route, [delivery])

    def _schedule_retry(self, items: list[_Delivery], delay: float) -> None:
        self._report.retries += len(items)
        self.stats.retries += len(items)
        for delivery in items:
            self._action_stats[delivery.route.index].retries += 1
            if self._ordered and not delivery.blocking:
                delivery.user = _user_of(delivery.event)
            if delivery.user is not None and self._ordered and not delivery.blocking:
                delivery.blocking = True
                waiting = self._waiting.get(delivery.user)
                if waiting is None:
                    waiting = self._waiting[delivery.user] = _Waiting()
                waiting.blockers += 1
        self._timer_ids += 1
        key = self._timer_ids
        handle = self._loop.call_later(delay, self._retry_due, key)
        self._timers[key] = (handle, items, self._loop.time() + delay)

    def _retry_due(self, key: int) -> None:
        _, items, _ = self._timers.pop(key)
        for delivery in items:
            self._submit(delivery)

    def _cancel_retries(self, after: float, settle: Any, reason: str) -> None:
        """Settle (``settle(delivery, reason)``) the waiting retries due after ``after``."""
        for key, (handle, items, when) in list(self._timers.items()):
            if when > after:
                handle.cancel()
                del self._timers[key]
                for delivery in items:
                    settle(delivery, reason)

    def _authentication_failed(self, error: IntegrationError) -> None:
        if self._auth_error is not None:
            return
        self._auth_error = error
        message = self.redactor.text(error.message or str(error))
        self.stats.authentication_error = message
        if self._report.authentication_error is None:
            self._report.authentication_error = f"{self.name}: {message}" if self._label_actions else message
        # Nothing queued can succeed any more: settle waiting retries now instead of sending them.
        self._cancel_retries(
            -float("inf"), lambda d, reason: self._settle(d, self._not_attempted(), reason), _AUTH_EARLIER
        )

    def _cut_off(self, error: IntegrationError) -> None:
        """No request got an answer for the lane's limit: stop sending, as for rejected credentials."""
        after = self.lane.limits.unreachable_after_s
        last = self.redactor.text(error.message or str(error))
        message = f"no answer to any request for {after:g}s (last error: {last})"
        self._unreachable = IntegrationError(f"not sent: {message}", error.code, None, retryable=True)
        self.stats.unreachable_error = message
        if self._report.unreachable_error is None:
            self._report.unreachable_error = f"{self.name}: {message}"
        _log.error("%s: %s: sending to it stopped; what is not sent is dead-lettered", self.name, message)
        self._cancel_retries(-float("inf"), lambda d, reason: self._settle(d, self._unreachable, reason),
                             _UNREACHABLE)  # fmt: skip

    # --- stopping -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._tasks or self._timers or self._batcher.pending or self._spill.waiting)

    def stop(self, deadline: float) -> None:
        """Stop (gracefully): send what waits in batches now; retries due after ``deadline`` end now."""
        self._stopping = True
        self._deadline = deadline
        self._batcher.flush()
        self._cancel_retries(deadline, self._interrupt, _STOPPED_WAITING)

    def flush(self) -> None:
        self._batcher.flush()

    async def abort(self) -> None:
        """The deadline passed: everything in this lane ends now (dead-lettered, or left for the next run)."""
        self._deadline = self._loop.time()
        self._cancel_retries(-float("inf"), self._interrupt, _STOPPED_WAITING)
        self._batcher.flush()
        while self._spill.waiting:
            (tracker, index), (event, payload, size, item) = self._spill.pop()
            self._outcomes.unspilled(tracker)
            self._load += 1
            delivery = _Delivery(tracker, self.routes[index], event, payload, size, item)
            self._interrupt(delivery, _STOPPED_WAITING)
        for waiting in list(self._waiting.values()):
            while waiting.parked:
                self._interrupt(waiting.parked.popleft(), _STOPPED_WAITING)
        while self._tasks:  # cancelling may settle events; it never starts new sends, but be sure
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        self._spill.close()

    # --- outcomes -----------------------------------------------------------------------------

    def _interrupt(self, delivery: _Delivery, reason: str) -> None:
        """A stop ends this delivery unfinished: left for the next run if the source gives it back."""
        if self._redelivers:
            if not delivery.done:
                delivery.done = True
                self._finished(delivery)
                self._outcomes.abandon(delivery.tracker, self.index)
            return
        last = delivery.last_error
        message = "not delivered: the run was stopped" + (f" (last error: {last.message})" if last else "")
        self._settle(
            delivery,
            IntegrationError(message, INTERRUPTED, last.status if last else None, retryable=True),
            reason,
        )

    def _settle(self, delivery: _Delivery, error: IntegrationError | None, reason: str | None = None) -> None:
        if delivery.done:
            return
        delivery.done = True
        stats = self._action_stats[delivery.route.index]
        if error is None:
            stats.delivered += 1
        self._finished(delivery)
        tracker = delivery.tracker
        if error is not None:  # written before the outcome counts it, so a settled record's letter exists
            written = self._dead_letter(
                tracker,
                delivery.event,
                delivery.route,
                error,
                reason,
                delivery.attempts,
                action=delivery.route.action.key,
            )
            stats.dead_lettered += written  # not when the file could not take it
        self._outcomes.close(tracker, self.index, delivered=error is None, failed=error is not None)

    def _finished(self, delivery: _Delivery) -> None:
        """``delivery`` leaves the lane's memory: unblock its user, make room for the backlog."""
        if delivery.blocking:
            delivery.blocking = False
            waiting = self._waiting.get(delivery.user or "")
            if waiting is not None:
                waiting.blockers -= 1
                if waiting.blockers == 0:
                    del self._waiting[delivery.user or ""]
                    for parked in waiting.parked:
                        self._submit(parked)
        self._load -= 1
        if self._spill.waiting and not self._refill_scheduled:
            self._refill_scheduled = True  # later, not here: refilling may settle more, recursively
            self._loop.call_soon(self._refill)

    def _dead_letter(
        self,
        tracker: Tracker,
        event: dict[str, Any],
        route: Route | None,
        error: IntegrationError,
        reason: str | None,
        attempts: int,
        *,
        action: str | None,
    ) -> bool:
        outcomes = self._outcomes
        record = tracker.record
        message = _bounded(error.message or str(error))
        return outcomes.dead_letter(
            outcomes.failure_record(
                record, event, code=error.code, status=error.status, retryable=error.retryable,
                message=message, reason=reason, attempts=attempts, action=action,
                subscription=route.label if route is not None else record.subscription, base=self._base,
            ),
            self.redactor,
            tracker,
            self.index,
        )  # fmt: skip

    def _not_attempted(self) -> IntegrationError:
        assert self._auth_error is not None
        message = f"not sent: the destination rejected the credentials ({self._auth_error.message})"
        return IntegrationError(message, "INVALID_AUTHENTICATION", self._auth_error.status, retryable=False)

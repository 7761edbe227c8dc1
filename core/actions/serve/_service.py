"""The service as a whole: ingestion, the queue and delivery, put together from a pipeline file.

``actions serve`` builds one :class:`Service`, serves :attr:`Service.app` with uvicorn, and runs
delivery and pruning inside ``async with service.running():``. Leaving that block stops
delivery (in-flight work gets the shutdown timeout; the rest stays pending) and closes the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from .._redact import Redactor
from ..delivery._pipeline import Pipeline
from ..queues._queue import Delivery, Queue
from ._app import IngestApp, IngestSource
from ._deliver import Deliverer
from ._metrics import Metrics
from ._sources import write_keys

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = ["Service"]

logger = logging.getLogger("actions.serve")

#: How often retention runs.
PRUNE_INTERVAL_S = 60.0
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


class Service:
    """Ingestion, queue and delivery of one pipeline file. Configuration errors are raised here."""

    def __init__(
        self,
        pipeline: Pipeline,
        registry: Registry,
        queue: Queue,
        *,
        state_dir: Path | None = None,
        max_pending: int | None = None,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.queue = queue
        self.metrics = metrics = Metrics()
        keys = write_keys(pipeline)
        amplitude = {c.name for c in pipeline.destinations if c.destination.slug == "amplitude"}
        sources = {
            key.key: IngestSource(key.source, key.destinations, bool(amplitude & set(key.destinations)))
            for key in keys
        }
        self._settled = metrics.counter(
            "actions_events_settled_total", "Events settled per destination, by outcome.",
            ("destination", "outcome"),
        )  # fmt: skip
        self._dead = metrics.counter(
            "actions_events_dead_total", "Events dead-lettered per destination, by reason.",
            ("destination", "reason"),
        )  # fmt: skip
        self._latency = metrics.histogram(
            "actions_delivery_latency_seconds", "From receipt to settled, per destination.", ("destination",),
            buckets=LATENCY_BUCKETS,
        )  # fmt: skip
        self._depth = metrics.gauge(
            "actions_queue_events", "Events in the queue per destination, by state.", ("destination", "state")
        )
        self._retries = metrics.gauge(
            "actions_delivery_retries", "Retried requests per destination since its engine started.",
            ("destination",),
        )  # fmt: skip
        self.deliverer = Deliverer(
            pipeline.destinations, registry, queue, options=pipeline.run_options(), state_dir=state_dir,
            transports=transports, on_settle=self._on_settle,
        )  # fmt: skip
        self.redactors = [engine.redactor for engine in self.deliverer.engines.values()]
        # Write keys are secrets too: never in a log line.
        self.redactors.append(Redactor([(f"write key of {key.source}", key.key) for key in keys]))
        metrics.on_scrape(self._scrape)
        self.app = IngestApp(sources, queue, metrics, max_pending=max_pending)

    def _on_settle(self, delivery: Delivery, state: str, reason: str | None) -> None:
        self._settled.labels(destination=delivery.destination, outcome=state).inc()
        if reason is not None:
            self._dead.labels(destination=delivery.destination, reason=reason).inc()
        if delivery.received_at:
            waited = max(0.0, time.time() - delivery.received_at / 1000)
            self._latency.labels(destination=delivery.destination).observe(waited)

    async def _scrape(self) -> None:
        stats = await self.queue.stats()
        for destination, states in stats.states.items():
            for state, count in states.items():
                self._depth.labels(destination=destination, state=state).set(count)
        for name, engine in self.deliverer.engines.items():
            report = engine.report.destinations.get(name)
            if report is not None:
                self._retries.labels(destination=name).set(report.retries)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Deliver and prune while the block runs; then stop delivery and close the queue."""
        delivery = asyncio.ensure_future(self.deliverer.run())
        pruning = asyncio.ensure_future(self._prune_periodically())
        try:
            yield
        finally:
            pruning.cancel()
            self.deliverer.stop()
            with contextlib.suppress(Exception):
                await delivery
            await self.queue.close()

    async def _prune_periodically(self) -> None:
        while True:
            try:
                pruned = await self.queue.prune(int(time.time() * 1000))
                if pruned:
                    logger.info("pruned %d settled event(s) past retention", pruned)
            except Exception as exc:  # retention must not stop the service
                logger.warning("pruning the queue failed: %s", exc)
            await asyncio.sleep(PRUNE_INTERVAL_S)

"""Delivery inside ``actions serve``: one engine per destination, draining that destination's queue.

Each destination of the pipeline gets its own :class:`~actions.delivery.Engine` (its lane:
batching, retries, per-user order, rate limits) over a :class:`~actions.queues.QueueSource`,
so a destination that is down or slow only grows its own backlog in the queue. An engine whose
run ends before the service stops (its dead letters could not be stored, a bug) is started again
after a pause; what it had taken and not settled goes back to the queue first.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ..delivery._engine import Engine
from ..delivery._options import RunOptions
from ..delivery._pipeline import DestinationConfig
from ..queues._queue import Delivery, Queue
from ..queues._source import QueueSource

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = ["Deliverer"]

logger = logging.getLogger("actions.serve")

#: Pause before an engine that stopped by itself is started again.
RESTART_PAUSE_S = 5.0


class Deliverer:
    """Runs every destination's engine until :meth:`stop`.

    Args:
        configs: The pipeline's destinations.
        registry: For enrichers.
        queue: Where the events wait.
        options: The run's options (buffer, shutdown timeout); ``workers`` is not used.
        state_dir: Where enrichers keep their state when the pipeline names no ``state`` file.
        transports: Per destination name, an httpx transport (tests, the sandbox).
        on_settle: Told of every settled delivery (metrics).
    """

    def __init__(
        self,
        configs: Sequence[DestinationConfig],
        registry: Registry,
        queue: Queue,
        *,
        options: RunOptions | None = None,
        state_dir: Path | None = None,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
        on_settle: Callable[[Delivery, str, str | None], None] | None = None,
    ) -> None:
        self.queue = queue
        self.registry = registry
        self.options = dataclasses.replace(options or RunOptions(), workers=1)
        self.configs = [_with_state(config, state_dir) for config in configs]
        self.transports = dict(transports or {})
        self.on_settle = on_settle
        self._running: dict[str, tuple[Engine, QueueSource]] = {}
        self._stopped = asyncio.Event()
        for config in self.configs:  # every configuration error now, before anything is served
            self._running[config.name] = self._start(config)

    def _start(self, config: DestinationConfig) -> tuple[Engine, QueueSource]:
        take = min(500, self.options.buffer)  # the buffer is at least 1
        source = QueueSource(self.queue, config.name, take=take, on_settle=self.on_settle)
        lane = config.lane(self.registry)
        transport = self.transports.get(config.name)
        if transport is not None:
            lane = dataclasses.replace(lane, transport=transport)
        return Engine([lane], options=self.options, dead_letter=source.dead_letter), source

    @property
    def engines(self) -> dict[str, Engine]:
        """The running engine of each destination (its report counts since it started)."""
        return {name: engine for name, (engine, _) in self._running.items()}

    async def run(self) -> None:
        """Deliver until :meth:`stop`; returns once every engine has finished its in-flight work."""
        await asyncio.gather(*(self._keep_running(config) for config in self.configs))

    async def _keep_running(self, config: DestinationConfig) -> None:
        while True:
            engine, source = self._running[config.name]
            report = await engine.run(source)
            if self._stopped.is_set():
                return
            logger.error(
                "delivery to %s stopped (%s); starting it again in %.0f s",
                config.name, report.error or report.stopped or "no reason given", RESTART_PAUSE_S,
            )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), RESTART_PAUSE_S)
            if self._stopped.is_set():
                return
            self._running[config.name] = self._start(config)

    def stop(self) -> None:
        """Stop taking events; in-flight deliveries get the shutdown timeout, the rest stays queued."""
        self._stopped.set()
        for engine, _ in self._running.values():
            engine.stop()


def _with_state(config: DestinationConfig, state_dir: Path | None) -> DestinationConfig:
    """Enrichers keep their state beside the queue unless the pipeline names a file."""
    if not config.enrich or config.state or state_dir is None:
        return config
    return dataclasses.replace(config, state=str(state_dir / f"{config.name}.state.db"))


"""Delivery options as values: each knob declared once, with its default, meaning and bounds.

Like httpx's ``Limits`` and ``Timeout``, options come grouped by concern in small frozen
objects: :class:`Limits` (how hard to push a destination), :class:`BatchOptions` (how to batch),
:class:`~._retry.RetryPolicy` (when to try again) and :class:`RunOptions` (the run as a whole).
A :class:`Lane` is one destination of a pipeline with its settings, subscriptions, enrichers and
options. The command line and pipeline files read their options from the same declarations
(:func:`~._knobs.knobs`), so a knob's name, default and help text live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._action import Action
from ._batcher import BatchLimits
from ._knobs import knob
from ._retry import RetryPolicy

if TYPE_CHECKING:
    import httpx

    from .._destination import Destination, Subscription
    from .._enrichers import Enricher
    from .._settings import Settings

__all__ = ["BatchOptions", "Lane", "Limits", "RunOptions"]


@dataclass(frozen=True)
class Limits:
    """How hard one destination is pushed."""

    concurrency: int = knob(8, "Most requests in flight at once.", low=1, high=1000)
    rate_limit: float | None = knob(
        None,
        "Most requests per second (default: the destination's own limit, if any).",
        metavar="PER_SECOND",
        low=0,
        low_open=True,
    )
    timeout_s: float = knob(
        10.0, "Seconds per request.", name="timeout", metavar="SECONDS", low=0, low_open=True
    )
    unreachable_after_s: float = knob(
        30.0,
        "Stop sending to a destination that has answered no request at all (connections refused, "
        "timeouts) for this long; what is not sent is dead-lettered. 0: never.",
        name="unreachable_after",
        metavar="SECONDS",
        low=0,
    )

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


@dataclass(frozen=True)
class BatchOptions:
    """How deliveries are batched, for actions that take batches. Sizes can only be lowered."""

    enabled: bool = knob(
        True,
        "Send batches to actions that take them (false: one request per event).",
        name="batching",
        off_help="One request per event, even for batching actions.",
    )
    max_events: int | None = knob(
        None, "Most events per batch (can only lower an action's own limit).", name="batch_size", low=1
    )
    max_bytes: int | None = knob(
        None, "Most bytes per batch (can only lower an action's own limit).", name="batch_bytes", low=1
    )
    linger_s: float | None = knob(
        None, "Longest an event waits for its batch to fill.", name="linger", metavar="SECONDS", low=0
    )

    def limits_for(self, action: Action) -> BatchLimits | None:
        """The limits ``action``'s batches obey (``None``: it is sent one event per call)."""
        if not self.enabled or action.perform_batch is None or action.batching is None:
            return None
        return BatchLimits.for_action(
            action.batching, max_events=self.max_events, max_bytes=self.max_bytes, linger_s=self.linger_s
        )


@dataclass(frozen=True)
class RunOptions:
    """The run as a whole."""

    buffer: int = knob(5_000, "Most events held in memory (read, not yet settled): bounds memory.", low=1)
    buffer_bytes: int = knob(
        64 * 1024 * 1024,
        "Most input bytes of the events held in memory (0: no limit); one larger event still goes alone.",
        metavar="BYTES",
        low=0,
    )
    shutdown_timeout_s: float = knob(
        30.0,
        "On SIGINT/SIGTERM: time to finish in-flight work before it is dead-lettered.",
        name="shutdown_timeout",
        metavar="SECONDS",
        low=0,
    )
    workers: int = knob(
        1,
        "Processes that parse and map events (the CPU-heavy part), for NDJSON input (Linux, macOS).",
        low=1,
        high=64,
    )

    def __post_init__(self) -> None:
        if self.buffer < 1:
            raise ValueError("buffer must be at least 1")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True)
class Lane:
    """One destination of a pipeline: where events go, which ones, and how hard to push.

    Each lane has its own HTTP client, concurrency, batches, retries and enrichers, so a
    destination that is slow, down or refusing everything never holds another one back.

    Args:
        destination: Where events go.
        settings: Validated settings, or raw settings to validate.
        subscriptions: Which events go to which action, mapped how (default: the destination's
            automatic presets).
        name: The lane's name in reports and dead letters (default: the destination's slug);
            two lanes of one destination need different names.
        enrichers: Steps this lane's events go through, in order, before its subscriptions.
        retry: When and how often failures are tried again.
        limits: Concurrency, rate limit, request timeout.
        batching: Batch sizes and linger.
        base_url: Replace scheme, host and port of every request (a gateway, an emulator).
        transport: The httpx transport requests go through (default: the network).
    """

    destination: Destination
    settings: Settings | Mapping[str, Any]
    subscriptions: Sequence[Subscription | Mapping[str, Any]] | None = None
    name: str | None = None
    enrichers: Sequence[Enricher] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)
    batching: BatchOptions = field(default_factory=BatchOptions)
    base_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None

    @property
    def label(self) -> str:
        return self.name or self.destination.slug

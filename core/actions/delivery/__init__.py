"""Delivery: stream events from a source to destinations, with batching, retries, dead letters and a report.

::

    import asyncio
    from actions.delivery import Engine, read_events

    engine = Engine(destination, settings, dead_letter="dead-letters.ndjson")
    report = asyncio.run(engine.run(read_events("events.ndjson")))

The stages, each in one module: sources (``_sources``: the :class:`Source` seam; ``_ndjson``:
files and stdin; ``_iterable``: Python iterables; ``_deadletter``: dead letters, and reading them
back), routing and preparing (``_routes``), dispatch per destination lane (``_dispatch``:
batching, concurrency, the :class:`RetryPolicy`'s decisions, per-user order, spilling a backlog
to disk), outcomes (``_outcomes``: counts, dead letters, settle callbacks) and the engine, which
owns only the lifecycle (``_engine``). ``actions run`` and ``actions replay`` are thin wrappers around
:class:`Engine`; see ``docs/running.md`` and ``docs/architecture.md``.
"""

from __future__ import annotations

from .._action import MAPPING_FAILED, UNEXPECTED_ERROR, item_failure, prepare_each
from ._batcher import Batcher, BatchLimits
from ._checkpoint import Checkpoint
from ._deadletter import (
    DEAD_LETTER_SOURCE,
    DeadLetterWriter,
    dead_letter_reader,
    iter_dead_letters,
    record_from_dead_letter,
)
from ._dispatch import INTERRUPTED, ExchangeObserver
from ._engine import DeadLetterSink, Engine
from ._iterable import IterableSource
from ._knobs import Knob, knobs
from ._ndjson import (
    INVALID_JSON,
    LINE_TOO_LONG,
    NDJSON_SOURCE,
    NOT_AN_EVENT,
    NdjsonSource,
    parse_chunk,
    parse_line,
    read_events,
    records_from_value,
)
from ._options import BatchOptions, Lane, Limits, RunOptions
from ._pipeline import (
    DestinationConfig,
    Pipeline,
    SourceConfig,
    delivery_values,
    env_overrides,
    env_prefix,
    load_pipeline,
    read_config_file,
)
from ._ratelimit import RateLimitedTransport, RateLimiter
from ._report import ActionReport, DestinationReport, Report
from ._requests import DryRunTransport, describe_request, format_request
from ._retry import (
    Attempt,
    Decision,
    GiveUp,
    Retry,
    RetryPolicy,
    Split,
    is_authentication_failure,
    retry_after_of,
)
from ._routes import NO_SUBSCRIPTION, Route
from ._sources import (
    Outcome,
    ParallelSource,
    RawChunk,
    Record,
    Source,
    SourceOptions,
    SourceSpec,
    Status,
)

__all__ = [
    "DEAD_LETTER_SOURCE",
    "INTERRUPTED",
    "INVALID_JSON",
    "LINE_TOO_LONG",
    "MAPPING_FAILED",
    "NDJSON_SOURCE",
    "NOT_AN_EVENT",
    "NO_SUBSCRIPTION",
    "UNEXPECTED_ERROR",
    "ActionReport",
    "Attempt",
    "BatchLimits",
    "BatchOptions",
    "Batcher",
    "Checkpoint",
    "DeadLetterSink",
    "DeadLetterWriter",
    "Decision",
    "DestinationConfig",
    "DestinationReport",
    "DryRunTransport",
    "Engine",
    "ExchangeObserver",
    "GiveUp",
    "IterableSource",
    "Knob",
    "Lane",
    "Limits",
    "NdjsonSource",
    "Outcome",
    "ParallelSource",
    "Pipeline",
    "RateLimitedTransport",
    "RateLimiter",
    "RawChunk",
    "Record",
    "Report",
    "Retry",
    "RetryPolicy",
    "Route",
    "RunOptions",
    "Source",
    "SourceConfig",
    "SourceOptions",
    "SourceSpec",
    "Split",
    "Status",
    "dead_letter_reader",
    "delivery_values",
    "describe_request",
    "env_overrides",
    "env_prefix",
    "format_request",
    "is_authentication_failure",
    "item_failure",
    "iter_dead_letters",
    "knobs",
    "load_pipeline",
    "parse_chunk",
    "parse_line",
    "prepare_each",
    "read_config_file",
    "read_events",
    "record_from_dead_letter",
    "records_from_value",
    "retry_after_of",
]

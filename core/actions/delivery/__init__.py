"""Delivery: stream events to a destination with batching, concurrency, retries, dead letters and a report.

::

    import asyncio
    from actions.delivery import Engine, read_events

    engine = Engine(destination, settings, dead_letter="dead-letters.ndjson")
    report = asyncio.run(engine.run(read_events("events.ndjson")))

``actions run`` and ``actions replay`` are thin wrappers around :class:`Engine`; see
``docs/running.md`` for the outcome rules, the retry and batching policy and the file formats.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from ._batcher import Batcher, BatchLimits
from ._deadletter import DeadLetterWriter, dead_letter_reader, iter_dead_letters, record_from_dead_letter
from ._engine import (
    INTERRUPTED,
    MAPPING_FAILED,
    NO_SUBSCRIPTION,
    UNEXPECTED_ERROR,
    DeadLetterSink,
    Engine,
    EventSource,
    ExchangeObserver,
    Route,
)
from ._input import (
    INVALID_JSON,
    LINE_TOO_LONG,
    NOT_AN_EVENT,
    EventReader,
    Record,
    parse_line,
    records_from_value,
)
from ._ratelimit import RateLimitedTransport, RateLimiter
from ._report import ActionReport, Report
from ._requests import DryRunTransport, describe_request, format_request
from ._retry import RetryPolicy, is_authentication_failure, retry_after_of

__all__ = [
    "INTERRUPTED",
    "INVALID_JSON",
    "LINE_TOO_LONG",
    "MAPPING_FAILED",
    "NOT_AN_EVENT",
    "NO_SUBSCRIPTION",
    "UNEXPECTED_ERROR",
    "ActionReport",
    "BatchLimits",
    "Batcher",
    "DeadLetterSink",
    "DeadLetterWriter",
    "DryRunTransport",
    "Engine",
    "EventReader",
    "EventSource",
    "ExchangeObserver",
    "RateLimitedTransport",
    "RateLimiter",
    "Record",
    "Report",
    "RetryPolicy",
    "Route",
    "dead_letter_reader",
    "describe_request",
    "format_request",
    "is_authentication_failure",
    "iter_dead_letters",
    "parse_line",
    "read_events",
    "record_from_dead_letter",
    "records_from_value",
    "retry_after_of",
]


def read_events(source: str | Path | IO[bytes] = "-") -> EventReader:
    """Stream events from a path, ``"-"`` (standard input) or a binary stream (NDJSON or a JSON array)."""
    return EventReader(source)

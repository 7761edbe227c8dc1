"""``actions serve``'s HTTP ingestion: a Segment-compatible tracking API as a pure ASGI app.

:class:`IngestApp` answers Segment's paths (``/v1/batch``, ``/v1/track``, analytics.js's ``/v1/t``,
``/v1/b``, ...), authenticates write keys, reads bodies under Segment's limits, stamps events
(``receivedAt``, ``messageId``, ``context.ip``, clock-skew correction) and hands them to a
:class:`actions.queues.Queue`; :class:`Metrics` renders the Prometheus text format.
"""

from __future__ import annotations

from ._app import IngestApp, IngestLimits, IngestSource
from ._ingest import Ingested, Rejection, RequestRejected, ingest
from ._metrics import Counter, Gauge, Histogram, Metrics
from ._service import Service

__all__ = [
    "Counter",
    "Gauge",
    "Histogram",
    "IngestApp",
    "IngestLimits",
    "IngestSource",
    "Ingested",
    "Metrics",
    "Rejection",
    "RequestRejected",
    "Service",
    "ingest",
]

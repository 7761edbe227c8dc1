"""``actions serve``'s HTTP ingestion: a Segment-compatible tracking API as a pure ASGI app.

:class:`IngestApp` answers Segment's paths (``/v1/batch``, ``/v1/track``, analytics.js's ``/v1/t``,
``/v1/b``, ...), authenticates write keys, reads bodies under Segment's limits, stamps events
(``receivedAt``, ``messageId``, ``context.ip``, clock-skew correction) and hands them to a
:class:`actions.queues.Queue`; :class:`Metrics` renders the Prometheus text format.
"""

from __future__ import annotations

import typing

from .._lazy import lazy_exports as _lazy_exports

# Loaded on first use: the built-in sources register the ``segment`` kind from this package, and
# every command loads them; none but ``actions serve`` needs the app, the queue and delivery.
if typing.TYPE_CHECKING:
    from ._app import IngestApp, IngestLimits, IngestSource
    from ._ingest import Ingested, Rejection, RequestRejected, ingest
    from ._metrics import Counter, Gauge, Histogram, Metrics
    from ._service import Service

__getattr__ = _lazy_exports(
    __name__,
    globals(),
    {
        **dict.fromkeys(["IngestApp", "IngestLimits", "IngestSource"], "._app"),
        **dict.fromkeys(["Ingested", "Rejection", "RequestRejected", "ingest"], "._ingest"),
        **dict.fromkeys(["Counter", "Gauge", "Histogram", "Metrics"], "._metrics"),
        "Service": "._service",
    },
)

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

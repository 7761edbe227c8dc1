"""``actions serve``'s HTTP ingestion: a Segment-compatible tracking API.

:func:`ingest` turns a parsed request body into stamped events (``receivedAt``, ``messageId``,
``context.ip``, clock-skew correction) ready for a :class:`actions.queues.Queue`; :class:`Metrics`
renders the Prometheus text format.
"""

from __future__ import annotations

from ._ingest import Ingested, Rejection, RequestRejected, ingest
from ._metrics import Counter, Gauge, Histogram, Metrics

__all__ = ["Counter", "Gauge", "Histogram", "Ingested", "Metrics", "Rejection", "RequestRejected", "ingest"]

"""``actions serve``'s HTTP ingestion: a Segment-compatible tracking API.

:func:`ingest` turns a parsed request body into stamped events (``receivedAt``, ``messageId``,
``context.ip``, clock-skew correction) ready for a :class:`actions.queues.Queue`.
"""

from __future__ import annotations

from ._ingest import Ingested, Rejection, RequestRejected, ingest

__all__ = ["Ingested", "Rejection", "RequestRejected", "ingest"]

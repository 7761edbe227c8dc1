"""From a parsed request body to the events a gateway stores: unpacking, checks, stamping, skew.

Pure functions: the HTTP layer reads and parses the body, these decide what each event becomes.
Dates are read with :func:`actions._dates.parse_date` (dayjs's reading), the same reading the
destinations give ``timestamp`` later, so "parseable" means the same here as downstream.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from .._dates import parse_date
from ..queues import Accepted

__all__ = [
    "EVENT_TYPES",
    "MAX_EVENT_BYTES",
    "MAX_MESSAGE_ID_CHARS",
    "Ingested",
    "Rejection",
    "RequestRejected",
    "format_time",
    "ingest",
]

EVENT_TYPES: Final = frozenset({"track", "identify", "page", "screen", "group", "alias"})
#: analytics-python's MAX_MSG_SIZE: an event's JSON may take at most this many bytes.
MAX_EVENT_BYTES: Final = 32 << 10
#: A messageId must be shorter than this.
MAX_MESSAGE_ID_CHARS: Final = 100


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event of a request that was not stored: its position in the batch (0 for single events)."""

    index: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Ingested:
    """What a request body yields: the events to store and the ones refused, in batch order."""

    accepted: list[Accepted]
    rejected: list[Rejection]


class RequestRejected(Exception):
    """The request as a whole cannot be used (not an object, no batch list, too many events)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def format_time(epoch_ms: int) -> str:
    """ISO-8601 UTC with milliseconds, as Segment writes ``receivedAt``: ``2021-08-17T15:21:15.449Z``."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def ingest(
    body: Any,
    *,
    event_type: str | None,
    received_ms: int,
    client_ip: str | None,
    source: str,
    destinations: tuple[str, ...],
    max_batch_events: int = 2500,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> Ingested:
    """Unpack, check and stamp the events of one request body.

    ``event_type`` is the type a single-event path implies (``/v1/track``: ``"track"``, which wins
    over the body's own), ``None`` for batch paths (``{"batch": [...], "context", "integrations",
    "sentAt"}``; the batch's ``context`` and ``integrations`` merge into each item, the item's keys
    winning). Raises :class:`RequestRejected` when nothing of the body can be read as events.
    """
    if not isinstance(body, dict):
        raise RequestRejected("invalid_request", "body must be a JSON object")
    received_at = format_time(received_ms)
    if event_type is not None:
        items: list[Any] = [{**body, "type": event_type}]
        shared: Mapping[str, Any] = {}
    else:
        batch = body.get("batch")
        if not isinstance(batch, list):
            raise RequestRejected("invalid_request", 'body must have a "batch" list of events')
        if len(batch) > max_batch_events:
            raise RequestRejected(
                "too_many_events", f"batch has {len(batch)} events, at most {max_batch_events} are allowed"
            )
        items = batch
        shared = body
    accepted: list[Accepted] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(items):
        event = _stamp(item, shared, received_ms, received_at, client_ip, max_event_bytes)
        if isinstance(event, tuple):
            rejected.append(Rejection(index, *event))
        else:
            accepted.append(Accepted(source, event["messageId"], event, destinations))
    return Ingested(accepted, rejected)


def _stamp(
    item: Any,
    shared: Mapping[str, Any],
    received_ms: int,
    received_at: str,
    client_ip: str | None,
    max_event_bytes: int,
) -> dict[str, Any] | tuple[str, str]:
    """The stored form of one event, or ``(code, message)`` saying why it is refused."""
    if not isinstance(item, dict):
        return "invalid_event", "event must be a JSON object"
    kind = item.get("type")
    if kind not in EVENT_TYPES:
        return "invalid_type", f"type must be one of {', '.join(sorted(EVENT_TYPES))}, not {_show(kind)}"
    if not (_is_id(item.get("userId")) or _is_id(item.get("anonymousId"))):
        return "missing_id", f"{kind} event needs a userId or an anonymousId"
    message_id = item.get("messageId")
    if message_id is not None and message_id != "":
        if not isinstance(message_id, str):
            return "invalid_message_id", f"messageId must be a string, not {_show(message_id)}"
        if len(message_id) >= MAX_MESSAGE_ID_CHARS:
            return (
                "invalid_message_id",
                f"messageId has {len(message_id)} characters, it must be under {MAX_MESSAGE_ID_CHARS}",
            )
    size = _json_size(item)
    if size > max_event_bytes:
        return "event_too_large", f"event is {size} bytes of JSON, at most {max_event_bytes} are allowed"
    context = _merged(shared.get("context"), item.get("context"))
    integrations = _merged(shared.get("integrations"), item.get("integrations"))
    if context is None:
        return "invalid_event", "context must be a JSON object"
    if integrations is None:
        return "invalid_event", "integrations must be a JSON object"

    event = dict(item)
    event.pop("writeKey", None)
    if client_ip is not None and "ip" not in context:
        context["ip"] = client_ip
    event["context"] = context
    if integrations or "integrations" in item:
        event["integrations"] = integrations
    if not message_id:
        event["messageId"] = f"api-{uuid.uuid4()}"
    event["receivedAt"] = received_at
    _correct_skew(event, shared.get("sentAt"), received_ms, received_at)
    return event


def _correct_skew(event: dict[str, Any], batch_sent_at: Any, received_ms: int, received_at: str) -> None:
    """``timestamp = receivedAt - (sentAt - originalTimestamp)``, the client's ``timestamp`` kept.

    As RudderStack does: a missing ``sentAt`` or ``originalTimestamp`` is taken as ``receivedAt``,
    and where a present one cannot be parsed the formula does not apply: a parseable ``timestamp``
    is kept as it is, and an unparseable one becomes ``receivedAt``.
    """
    original = event.get("timestamp", event.get("originalTimestamp"))
    sent_at = event.get("sentAt", batch_sent_at)
    if original is None:
        original = received_at
    if sent_at is not None:
        event["sentAt"] = sent_at
    event["originalTimestamp"] = original
    original_ms = _epoch_ms(original)
    sent_ms = received_ms if sent_at is None else _epoch_ms(sent_at)
    if original_ms is not None and sent_ms is not None:
        event["timestamp"] = format_time(received_ms - (sent_ms - original_ms))
    elif original_ms is None:
        event["timestamp"] = received_at
    else:
        event["timestamp"] = original


def _epoch_ms(value: Any) -> int | None:
    """A client's date string as epoch ms; anything else (numbers included) is not a date here."""
    if not isinstance(value, str):
        return None
    moment = parse_date(value)
    # format_time handles years 1..9999 only; beyond that the date is of no use as a timestamp.
    if moment is None or not -62_135_596_800_000 <= moment <= 253_402_300_799_999:
        return None
    return moment


def _merged(shared: Any, own: Any) -> dict[str, Any] | None:
    """The batch's object with the item's keys over it; ``None`` when either is not an object."""
    if shared is not None and not isinstance(shared, dict):
        return None
    if own is not None and not isinstance(own, dict):
        return None
    return {**(shared or {}), **(own or {})}


def _is_id(value: Any) -> bool:
    # analytics-python accepts numbers and strings as ids; an empty string identifies no one.
    if isinstance(value, str):
        return value != ""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_size(item: dict[str, Any]) -> int:
    try:
        return len(orjson.dumps(item))
    except TypeError:  # integers beyond 64 bits, lone surrogates: what orjson cannot write
        text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
        return len(text.encode("utf-8", "surrogatepass"))


def _show(value: Any) -> str:
    """A short rendering of a client's value for a message (never the whole value)."""
    text = json.dumps(value) if value is not None else "missing"
    return text if len(text) <= 40 else text[:37] + "..."

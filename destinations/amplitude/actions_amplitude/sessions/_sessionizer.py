"""Server-side Amplitude sessions: give session-less events the ``session_id`` Amplitude's SDKs would.

Rules (those of Amplitude's SDKs and Segment's browser session plugin):

- Sessions are per device (``context.device.id``, else ``anonymousId``: the same id the Amplitude
  actions send as ``device_id``), falling back to the user (``userId``) when there is no device.
- A gap of ``timeout`` or more since the device's last event starts a new session (exactly the
  timeout counts as stale); ``session_id`` is the epoch-ms timestamp of the session's first event.
- Time is the event's own ``timestamp`` (else ``originalTimestamp``, ``sentAt``, ``receivedAt``),
  never the wall clock, so imports and replays are sessionized as they happened.
- An event that already carries ``integrations["Actions Amplitude"].session_id`` keeps it and
  refreshes that session's last activity.

Out-of-order input: events are held for ``reorder_window`` of event time and released in time
order, so anything that arrives less than the window late is sessionized exactly as if it had
arrived in order. An event later than that never rewrites a session already sent: it joins the
current session if it is after that session's start or less than ``timeout`` before it, the
previous session if it falls inside that, and otherwise gets ``session_id`` -1 (Amplitude's "no
session").
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from actions import iso_ms, parse_date

from ._store import MemoryStore, SessionState, SessionStore

__all__ = ["INTEGRATION", "NO_SESSION", "SessionConfig", "Sessionizer", "session_key"]

Event = dict[str, Any]
Tagged = tuple[Event, Any]

#: The ``integrations`` key the Amplitude actions read ``session_id`` from.
INTEGRATION = "Actions Amplitude"
#: Amplitude's "this event belongs to no session".
NO_SESSION = -1


@dataclass(frozen=True)
class SessionConfig:
    """How sessions are cut.

    Args:
        timeout_ms: Inactivity that ends a session (default 30 minutes).
        reorder_window_ms: How much event time an event may arrive late and still be ordered.
        session_start_event: If set, emit a synthetic track event with this name when a session
            starts (off by default).
        session_end_event: If set, emit one when a session is known to have ended.
    """

    timeout_ms: int = 30 * 60 * 1000
    reorder_window_ms: int = 60 * 1000
    session_start_event: str | None = None
    session_end_event: str | None = None


def session_key(event: Event) -> str | None:
    """``d:<device id>`` (device id as the Amplitude actions map it), else ``u:<user id>``."""
    context = event.get("context")
    device = context.get("device") if isinstance(context, dict) else None
    device_id = device.get("id") if isinstance(device, dict) else None
    if device_id in (None, ""):
        device_id = event.get("anonymousId")
    if device_id not in (None, ""):
        return f"d:{device_id}"
    user_id = event.get("userId")
    if user_id not in (None, ""):
        return f"u:{user_id}"
    return None


def event_time_ms(event: Event) -> int | None:
    for key in ("timestamp", "originalTimestamp", "sentAt", "receivedAt"):
        value = event.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            ms = parse_date(value)
            if ms is not None:
                return int(ms)
    return None


def existing_session_id(event: Event) -> int | None:
    integrations = event.get("integrations")
    options = integrations.get(INTEGRATION) if isinstance(integrations, dict) else None
    value = options.get("session_id") if isinstance(options, dict) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _with_session(event: Event, session_id: int) -> Event:
    integrations = event.get("integrations")
    integrations = dict(integrations) if isinstance(integrations, dict) else {}
    options = integrations.get(INTEGRATION)
    options = dict(options) if isinstance(options, dict) else {}
    options["session_id"] = session_id
    integrations[INTEGRATION] = options
    return {**event, "integrations": integrations}


class Sessionizer:
    """The enricher: ``enrich(event, origin)`` returns the events ready to go on, in event-time order.

    Each comes back with its ``origin``; a synthetic event gets the origin of the event that
    started (or revealed the end of) its session.
    """

    def __init__(self, config: SessionConfig | None = None, store: SessionStore | None = None) -> None:
        self.config = config or SessionConfig()
        self.store: SessionStore = store if store is not None else MemoryStore()
        self._held: list[tuple[int, int, str, Event, Any]] = []
        self._seq = itertools.count()
        self._watermark: int | None = None  # the latest event time seen

    # --- the enricher protocol -------------------------------------------------------------

    def enrich(self, event: Event, origin: Any = None) -> list[Tagged]:
        key = session_key(event)
        ts = event_time_ms(event)
        if key is None or ts is None:
            return [(event, origin)]
        out: list[Tagged] = []
        window = self.config.reorder_window_ms
        if self._watermark is not None and ts < self._watermark - window:
            out.extend((e, origin) for e in self._assign(key, ts, event))  # too late to reorder
        else:
            heapq.heappush(self._held, (ts, next(self._seq), key, event, origin))
        if self._watermark is None or ts > self._watermark:
            self._watermark = ts
        out.extend(self._release(self._watermark - window))
        return out

    def flush(self) -> list[Tagged]:
        out = list(self._release(None))
        self.store.commit()
        return out

    def close(self) -> None:
        self.store.close()

    # --- internals ---------------------------------------------------------------------------

    def _release(self, up_to: int | None) -> Iterator[Tagged]:
        while self._held and (up_to is None or self._held[0][0] <= up_to):
            ts, _, key, event, origin = heapq.heappop(self._held)
            yield from ((out, origin) for out in self._assign(key, ts, event))

    def _assign(self, key: str, ts: int, event: Event) -> list[Event]:
        timeout = self.config.timeout_ms
        state = self.store.get(key)
        carried = existing_session_id(event)
        if carried is not None:
            if state is not None and state.session_id == carried:
                self.store.put(
                    key,
                    SessionState(carried, max(ts, state.last_ms), state.previous_id, state.previous_last_ms),
                )
            else:
                previous = (state.session_id, state.last_ms) if state else (None, None)
                self.store.put(key, SessionState(carried, ts, *previous))
            return [event]
        if state is None:
            self.store.put(key, SessionState(ts, ts))
            return [*self._synthetic_start(key, ts, event), _with_session(event, ts)]
        if ts >= state.last_ms:
            if ts - state.last_ms >= timeout:
                self.store.put(key, SessionState(ts, ts, state.session_id, state.last_ms))
                return [
                    *self._synthetic_end(key, state, event),
                    *self._synthetic_start(key, ts, event),
                    _with_session(event, ts),
                ]
            self.store.put(key, SessionState(state.session_id, ts, state.previous_id, state.previous_last_ms))
            return [_with_session(event, state.session_id)]
        # A late event: never rewrite a session already sent.
        if state.session_id - ts < timeout:
            return [_with_session(event, state.session_id)]
        if (
            state.previous_id is not None
            and state.previous_last_ms is not None
            and state.previous_id <= ts < state.previous_last_ms + timeout
        ):
            return [_with_session(event, state.previous_id)]
        return [_with_session(event, NO_SESSION)]

    def _synthetic(self, name: str, key: str, session_id: int, at_ms: int, source: Event, kind: str) -> Event:
        seed = f"{key}:{session_id}:{kind}".encode()
        synthetic: Event = {
            "type": "track",
            "event": name,
            "messageId": str(uuid.UUID(bytes=hashlib.sha1(seed).digest()[:16], version=4)),
            "timestamp": iso_ms(at_ms),
            "properties": {},
            "integrations": {INTEGRATION: {"session_id": session_id}},
        }
        for field in ("userId", "anonymousId"):
            if source.get(field) not in (None, ""):
                synthetic[field] = source[field]
        context = source.get("context")
        if isinstance(context, dict):
            kept = {k: context[k] for k in ("device", "os", "library", "userAgent", "ip") if k in context}
            if kept:
                synthetic["context"] = kept
        return synthetic

    def _synthetic_start(self, key: str, session_id: int, source: Event) -> list[Event]:
        name = self.config.session_start_event
        return [self._synthetic(name, key, session_id, session_id, source, "start")] if name else []

    def _synthetic_end(self, key: str, ended: SessionState, source: Event) -> list[Event]:
        name = self.config.session_end_event
        if not name:
            return []
        return [self._synthetic(name, key, ended.session_id, ended.last_ms, source, "end")]

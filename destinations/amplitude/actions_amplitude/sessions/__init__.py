"""The ``amplitude-sessions`` enricher: server-side session ids for events that have none."""

from __future__ import annotations

from actions import ConfigurationError, EnricherOptions, EnricherSpec

from ._sessionizer import INTEGRATION, NO_SESSION, SessionConfig, Sessionizer, session_key
from ._store import MemoryStore, SessionState, SessionStore, SQLiteStore

__all__ = [
    "INTEGRATION",
    "NO_SESSION",
    "SESSIONS",
    "MemoryStore",
    "SQLiteStore",
    "SessionConfig",
    "SessionState",
    "SessionStore",
    "Sessionizer",
    "session_key",
]

PARAMS = {
    "timeout_minutes": "Inactivity that ends a session, in minutes (default 30).",
    "reorder_window_seconds": (
        "How late (in event time) an event may arrive and still be put in order (default 60)."
    ),
    "session_start_event": "Name of a synthetic track event sent when a session starts (default: none).",
    "session_end_event": (
        "Name of a synthetic track event sent when a session is known to have ended (default: none)."
    ),
}


def _number(params: dict[str, str], name: str, default: float) -> float:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"amplitude-sessions: {name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigurationError(f"amplitude-sessions: {name} must not be negative, got {raw!r}")
    return value


def create(options: EnricherOptions) -> Sessionizer:
    params = dict(options.params)
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ConfigurationError(
            f"amplitude-sessions: unknown option(s) {', '.join(unknown)} (known: {', '.join(PARAMS)})"
        )
    config = SessionConfig(
        timeout_ms=round(_number(params, "timeout_minutes", 30) * 60_000),
        reorder_window_ms=round(_number(params, "reorder_window_seconds", 60) * 1000),
        session_start_event=params.get("session_start_event") or None,
        session_end_event=params.get("session_end_event") or None,
    )
    store: SessionStore = SQLiteStore(options.state_path) if options.state_path else MemoryStore()
    return Sessionizer(config, store)


SESSIONS = EnricherSpec(
    name="amplitude-sessions",
    description=(
        "Assign Amplitude session ids server-side to events that have none: per device, a new session "
        "after 30 minutes of inactivity, session_id = the first event's timestamp in ms."
    ),
    factory=create,
    params=PARAMS,
)

"""The emulator's public, immutable views of what it stored: events, identifies, users, stats..."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from ._config import Region

__all__ = [
    "DeletionRecord",
    "EmulatorStats",
    "Fault",
    "GroupIdentifyRecord",
    "IdentifyRecord",
    "StoredEvent",
    "UserMappingRecord",
    "UserRecord",
]


class _AsDict:
    def as_dict(self) -> dict[str, object]:
        """A JSON-ready copy."""
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class StoredEvent(_AsDict):
    """An event Amplitude accepted (duplicates dropped by ``insert_id`` are not stored).

    Attributes:
        api_key: The project it was sent to.
        endpoint: ``/2/httpapi`` or ``/batch``.
        event: The event object as sent (with ``short_id_mode="drop"``, minus the dropped ids).
        received_ms: The server upload time (emulator clock).
        region: ``"us"``/``"eu"`` when the ``Host`` header named an Amplitude host, else ``None``.
        request_number: Sequence number of the request that carried it (1-based).
    """

    api_key: str
    endpoint: str
    event: dict[str, object]
    received_ms: int
    region: Region | None
    request_number: int


@dataclass(frozen=True)
class IdentifyRecord(_AsDict):
    """One identification accepted by ``/identify``."""

    api_key: str
    identification: dict[str, object]
    received_ms: int
    region: Region | None


@dataclass(frozen=True)
class GroupIdentifyRecord(_AsDict):
    """One group identification accepted by ``/groupidentify``."""

    api_key: str
    identification: dict[str, object]
    received_ms: int
    region: Region | None


@dataclass(frozen=True)
class UserMappingRecord(_AsDict):
    """One mapping accepted by ``/usermap`` (``unmap`` removes a mapping)."""

    api_key: str
    user_id: str
    global_user_id: str | None
    unmap: bool
    received_ms: int


@dataclass(frozen=True)
class DeletionRecord(_AsDict):
    """One id scheduled for deletion by ``POST /api/2/deletions/users`` (and not revoked)."""

    api_key: str
    amplitude_id: int
    user_id: str | None
    requester: str | None
    requested_on_day: str
    day: str


@dataclass(frozen=True)
class UserRecord(_AsDict):
    """A user (or anonymous device) as the emulator's user table knows it."""

    api_key: str
    amplitude_id: int
    user_id: str | None
    device_ids: tuple[str, ...]
    user_properties: dict[str, object]
    attributes: dict[str, object]
    groups: dict[str, object]
    event_count: int
    last_seen_ms: int


@dataclass(frozen=True)
class EmulatorStats(_AsDict):
    """Counters since the last reset.

    Attributes:
        requests: Route -> status -> count. Status ``0`` counts dropped connections; unknown
            routes are counted under ``"<unknown>"``.
        events_received: Events in accepted uploads (what ``events_ingested`` reported).
        events_stored: Events stored (received minus duplicates).
        duplicates_dropped: Events ignored because their ``insert_id`` was seen.
        events_rejected: Events in uploads answered 4xx (nothing of those is stored).
        faults: Injected faults by kind: ``drop``, ``timeout``, ``throttle``, ``error_<status>``
            and ``error_<status>_after_accept``.
    """

    requests: dict[str, dict[int, int]] = field(default_factory=dict)
    events_received: int = 0
    events_stored: int = 0
    duplicates_dropped: int = 0
    events_rejected: int = 0
    faults: dict[str, int] = field(default_factory=dict)

    def count(self, route: str, status: int | None = None) -> int:
        """Requests to ``route`` (answered ``status``, or any status)."""
        by_status = self.requests.get(route, {})
        return sum(by_status.values()) if status is None else by_status.get(status, 0)


FaultKind = Literal["error", "throttle", "drop", "timeout"]


@dataclass(frozen=True)
class Fault(_AsDict):
    """A scripted fault for the next matching request(s); it takes precedence over random faults.

    Attributes:
        kind: ``error`` (answer ``status``), ``throttle`` (429 naming the request's ids),
            ``drop`` (close without answering) or ``timeout`` (hold the answer ``delay_s``).
        status: The status of an ``error``.
        accept: For ``error``: process (and store) the request before answering the error.
        path: Only requests to this route; ``None`` for any Amplitude route.
        times: How many requests it applies to.
        delay_s: For ``timeout``: how long to hold; ``None`` uses ``config.timeout_s``.
    """

    kind: FaultKind
    status: int = 500
    accept: bool = False
    path: str | None = None
    times: int = 1
    delay_s: float | None = None

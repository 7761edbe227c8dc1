"""The emulator's storage: accepted events, insert_id de-duplication, users, groups, rate windows.

Not thread-safe on its own: :class:`~actions_amplitude.emulator.Emulator` serialises access.
"""

from __future__ import annotations

import copy
import math
import zlib
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._config import EmulatorConfig, Region
from ._properties import GROUP_OPERATIONS, apply_property_update
from ._records import (
    DeletionRecord,
    GroupIdentifyRecord,
    IdentifyRecord,
    StoredEvent,
    UserMappingRecord,
    UserRecord,
)

__all__ = ["State", "ThrottleVerdict"]

# Identify resets the rest of a group when any member is set (Amplitude's "update together" rule).
_DEVICE_GROUP = (
    "platform",
    "os_name",
    "os_version",
    "device_brand",
    "device_manufacturer",
    "device_model",
    "carrier",
)
_LOCATION_GROUP = ("country", "region", "city", "dma")
_SINGLE_ATTRIBUTES = ("app_version", "language", "paying", "start_version")

_FIRST_AMPLITUDE_ID = 100_000_000_001
_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS

# (kind, id): kind "d" for a device_id, "u" for a user_id.
IdKey = tuple[str, str]


@dataclass
class _User:
    api_key: str
    amplitude_id: int
    user_id: str | None = None
    device_ids: list[str] = field(default_factory=list)
    properties: dict[str, object] = field(default_factory=dict)
    attributes: dict[str, object] = field(default_factory=dict)
    groups: dict[str, object] = field(default_factory=dict)
    event_count: int = 0
    last_seen_ms: int = 0

    def snapshot(self) -> UserRecord:
        return UserRecord(
            api_key=self.api_key,
            amplitude_id=self.amplitude_id,
            user_id=self.user_id,
            device_ids=tuple(self.device_ids),
            user_properties=copy.deepcopy(self.properties),
            attributes=copy.deepcopy(self.attributes),
            groups=copy.deepcopy(self.groups),
            event_count=self.event_count,
            last_seen_ms=self.last_seen_ms,
        )


class _SlidingCounter:
    """Events per key over a sliding window, kept as per-bucket counts (cheap at any rate)."""

    def __init__(self, window_ms: int, bucket_ms: int) -> None:
        self._window_ms = window_ms
        self._bucket_ms = max(1, bucket_ms)
        self._buckets: dict[tuple[str, IdKey], deque[list[int]]] = {}
        self._totals: dict[tuple[str, IdKey], int] = {}

    def total(self, key: tuple[str, IdKey], now_ms: int) -> int:
        buckets = self._buckets.get(key)
        if not buckets:
            return 0
        oldest_kept = (now_ms - self._window_ms) // self._bucket_ms
        while buckets and buckets[0][0] <= oldest_kept:
            self._totals[key] -= buckets.popleft()[1]
        if not buckets:
            del self._buckets[key]
            del self._totals[key]
            return 0
        return self._totals[key]

    def add(self, key: tuple[str, IdKey], count: int, now_ms: int) -> None:
        bucket = now_ms // self._bucket_ms
        buckets = self._buckets.setdefault(key, deque())
        if buckets and buckets[-1][0] == bucket:
            buckets[-1][1] += count
        else:
            buckets.append([bucket, count])
        self._totals[key] = self._totals.get(key, 0) + count


@dataclass
class ThrottleVerdict:
    """Who is over a limit, for a 429 body."""

    throttled_devices: dict[str, int] = field(default_factory=dict)
    throttled_users: dict[str, int] = field(default_factory=dict)
    exceeded_daily_quota_devices: dict[str, int] = field(default_factory=dict)
    exceeded_daily_quota_users: dict[str, int] = field(default_factory=dict)
    throttled_events: list[int] = field(default_factory=list)


def event_id_keys(record: Mapping[str, object]) -> list[IdKey]:
    """The ids an event or identification is attributed to (device first)."""
    keys: list[IdKey] = []
    device_id = record.get("device_id")
    if isinstance(device_id, str):
        keys.append(("d", device_id))
    user_id = record.get("user_id")
    if isinstance(user_id, str):
        keys.append(("u", user_id))
    return keys


def utc_day(ms: int) -> str:
    """``YYYY-MM-DD`` of an epoch-ms instant, in UTC."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


class State:
    """Everything the emulator remembers between requests."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self.events: list[StoredEvent] = []
        self.identifies: list[IdentifyRecord] = []
        self.group_identifies: list[GroupIdentifyRecord] = []
        self.user_mappings: list[UserMappingRecord] = []
        self.deletions: list[DeletionRecord] = []
        self.global_user_ids: dict[tuple[str, str], str] = {}
        self._dedup: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._users_by_user_id: dict[tuple[str, str], _User] = {}
        self._users_by_device_id: dict[tuple[str, str], _User] = {}
        self._users_by_amplitude_id: dict[tuple[str, int], _User] = {}
        self._projects: dict[str, None] = {}
        self._groups: dict[tuple[str, str, str], dict[str, object]] = {}
        self._next_amplitude_id = _FIRST_AMPLITUDE_ID
        window_ms = int(config.eps_window_s * 1000)
        self._eps = _SlidingCounter(window_ms, max(1, window_ms // 30))
        self._daily = _SlidingCounter(_DAY_MS, _HOUR_MS)

    # -- users ---------------------------------------------------------------------------------

    def _new_user(self, api_key: str, user_id: str | None) -> _User:
        user = _User(api_key=api_key, amplitude_id=self._next_amplitude_id, user_id=user_id)
        self._next_amplitude_id += 1
        self._users_by_amplitude_id[(api_key, user.amplitude_id)] = user
        self._projects[api_key] = None
        return user

    def new_amplitude_id(self) -> int:
        """An Amplitude id not given to any user (for deletions of never-seen users)."""
        amplitude_id = self._next_amplitude_id
        self._next_amplitude_id += 1
        return amplitude_id

    def resolve_user(self, api_key: str, user_id: str | None, device_id: str | None, now_ms: int) -> _User:
        """The user an event/identification belongs to, created on first sight.

        A device first seen anonymously becomes the identified user the first time it arrives
        with a user_id (Amplitude merges them); a device then follows its latest user.
        """
        user: _User | None = None
        if user_id is not None:
            user = self._users_by_user_id.get((api_key, user_id))
            if user is None and device_id is not None:
                anonymous = self._users_by_device_id.get((api_key, device_id))
                if anonymous is not None and anonymous.user_id is None:
                    anonymous.user_id = user_id
                    user = anonymous
            if user is None:
                user = self._new_user(api_key, user_id)
            self._users_by_user_id[(api_key, user_id)] = user
        elif device_id is not None:
            user = self._users_by_device_id.get((api_key, device_id)) or self._new_user(api_key, None)
        else:
            raise ValueError("an event needs a user_id or a device_id")
        if device_id is not None:
            self._users_by_device_id[(api_key, device_id)] = user
            if device_id not in user.device_ids:
                user.device_ids.append(device_id)
        user.last_seen_ms = now_ms
        return user

    def _user_of(self, api_key: str, record: Mapping[str, object], now_ms: int) -> _User:
        """:meth:`resolve_user` for the (string) ids of an event or identification."""
        user_id, device_id = record.get("user_id"), record.get("device_id")
        return self.resolve_user(
            api_key,
            user_id if isinstance(user_id, str) else None,
            device_id if isinstance(device_id, str) else None,
            now_ms,
        )

    def find_user(self, user_or_device_id: str, api_key: str | None = None) -> _User | None:
        """A user by user_id, else by device_id (in ``api_key``'s project, or the first that has it)."""
        projects: Iterable[str] = (api_key,) if api_key is not None else self._projects
        for project in projects:
            user = self._users_by_user_id.get((project, user_or_device_id))
            if user is None:
                user = self._users_by_device_id.get((project, user_or_device_id))
            if user is not None:
                return user
        return None

    def user_by_amplitude_id(self, api_key: str, amplitude_id: int) -> _User | None:
        return self._users_by_amplitude_id.get((api_key, amplitude_id))

    def users_with_user_id_prefix(self, api_key: str, prefix: str) -> list[_User]:
        return [
            user
            for (project, user_id), user in self._users_by_user_id.items()
            if project == api_key and user_id.startswith(prefix)
        ]

    def group_properties(
        self, group_type: str, group_value: str, api_key: str | None
    ) -> dict[str, object] | None:
        projects: Iterable[str] = (api_key,) if api_key is not None else self._projects
        for project in projects:
            properties = self._groups.get((project, group_type, group_value))
            if properties is not None:
                return properties
        return None

    def _apply_user_properties(self, user: _User, update: object) -> None:
        if isinstance(update, dict):
            apply_property_update(user.properties, update, mixed_mode=self._config.mixed_properties_mode)

    def _apply_group_properties(
        self, api_key: str, group_type: str, group_value: object, update: object
    ) -> None:
        if not isinstance(update, dict):
            return
        values = group_value if isinstance(group_value, list) else [group_value]
        for value in values:
            key = (api_key, group_type, str(value))
            properties = self._groups.setdefault(key, {})
            self._projects[api_key] = None
            apply_property_update(
                properties, update, allowed=GROUP_OPERATIONS, mixed_mode=self._config.mixed_properties_mode
            )

    # -- events --------------------------------------------------------------------------------

    def throttle_verdict(
        self, api_key: str, endpoint: str, events: list[dict[str, object]], now_ms: int
    ) -> ThrottleVerdict | None:
        """Who the request would push over the EPS threshold or the daily quota; ``None`` if nobody."""
        threshold = self._config.eps_threshold_for(endpoint)
        quota = self._config.daily_quota
        if threshold is None and quota is None:
            return None
        in_request: Counter[IdKey] = Counter(key for event in events for key in event_id_keys(event))
        verdict = ThrottleVerdict()
        over: set[IdKey] = set()
        for id_key, count in in_request.items():
            kind, value = id_key
            if threshold is not None:
                rate = (self._eps.total((api_key, id_key), now_ms) + count) / self._config.eps_window_s
                if rate > threshold:
                    target = verdict.throttled_devices if kind == "d" else verdict.throttled_users
                    target[value] = math.ceil(rate)
                    over.add(id_key)
            if quota is not None:
                day_total = self._daily.total((api_key, id_key), now_ms) + count
                if day_total > quota:
                    target = (
                        verdict.exceeded_daily_quota_devices
                        if kind == "d"
                        else verdict.exceeded_daily_quota_users
                    )
                    target[value] = day_total
                    over.add(id_key)
        if not over:
            return None
        verdict.throttled_events = [
            index for index, event in enumerate(events) if any(key in over for key in event_id_keys(event))
        ]
        return verdict

    def _count_for_limits(self, api_key: str, records: Iterable[Mapping[str, object]], now_ms: int) -> None:
        if (
            self._config.eps_threshold is None
            and self._config.batch_eps_threshold is None
            and self._config.daily_quota is None
        ):
            return
        in_request: Counter[IdKey] = Counter(key for record in records for key in event_id_keys(record))
        for id_key, count in in_request.items():
            self._eps.add((api_key, id_key), count, now_ms)
            self._daily.add((api_key, id_key), count, now_ms)

    def _is_duplicate(self, api_key: str, event: Mapping[str, object], now_ms: int) -> bool:
        insert_id = event.get("insert_id")
        if not isinstance(insert_id, str) or not insert_id:
            return False
        window_ms = self._config.dedup_window_s * 1000
        while self._dedup:
            seen_ms = next(iter(self._dedup.values()))
            if now_ms - seen_ms < window_ms:
                break
            self._dedup.popitem(last=False)
        device_id = event.get("device_id")
        scope = f"d:{device_id}" if isinstance(device_id, str) else f"u:{event.get('user_id')}"
        key = (api_key, scope, insert_id)
        if key in self._dedup:
            return True
        self._dedup[key] = now_ms
        return False

    def store_events(
        self,
        api_key: str,
        endpoint: str,
        events: list[dict[str, object]],
        now_ms: int,
        region: Region | None,
        request_number: int,
    ) -> tuple[int, int]:
        """Store an accepted upload; ``(stored, duplicates)``."""
        stored = duplicates = 0
        for event in events:
            if self._is_duplicate(api_key, event, now_ms):
                duplicates += 1
                continue
            stored += 1
            self.events.append(StoredEvent(api_key, endpoint, event, now_ms, region, request_number))
            self._apply_event(api_key, event, now_ms)
        self._count_for_limits(api_key, events, now_ms)
        return stored, duplicates

    def _apply_event(self, api_key: str, event: Mapping[str, object], now_ms: int) -> None:
        user = self._user_of(api_key, event, now_ms)
        user.event_count += 1
        if event.get("$skip_user_properties_sync") is not True:
            self._apply_user_properties(user, event.get("user_properties"))
        groups = event.get("groups")
        if not isinstance(groups, dict):
            return
        # group_properties only count on $groupidentify events; there groups name the targets.
        if event.get("event_type") == "$groupidentify":
            for group_type, group_value in groups.items():
                self._apply_group_properties(api_key, group_type, group_value, event.get("group_properties"))
        else:
            user.groups.update(groups)

    # -- form APIs -----------------------------------------------------------------------------

    def store_identifies(
        self, api_key: str, identifications: list[dict[str, object]], now_ms: int, region: Region | None
    ) -> None:
        for identification in identifications:
            self.identifies.append(IdentifyRecord(api_key, identification, now_ms, region))
            user = self._user_of(api_key, identification, now_ms)
            self._apply_user_properties(user, identification.get("user_properties"))
            groups = identification.get("groups")
            if isinstance(groups, dict):
                user.groups.update(groups)
            for group in (_DEVICE_GROUP, _LOCATION_GROUP):
                if any(name in identification for name in group):
                    for name in group:
                        user.attributes[name] = identification.get(name)
            for name in _SINGLE_ATTRIBUTES:
                if name in identification:
                    user.attributes[name] = identification[name]
        self._count_for_limits(api_key, identifications, now_ms)

    def store_group_identifies(
        self, api_key: str, identifications: list[dict[str, object]], now_ms: int, region: Region | None
    ) -> None:
        for identification in identifications:
            self.group_identifies.append(GroupIdentifyRecord(api_key, identification, now_ms, region))
            self._apply_group_properties(
                api_key,
                str(identification["group_type"]),
                identification["group_value"],
                identification.get("group_properties") or {},
            )

    def store_mappings(self, api_key: str, mappings: list[dict[str, object]], now_ms: int) -> None:
        for mapping in mappings:
            user_id = str(mapping["user_id"])
            unmap = mapping.get("unmap") is True
            global_user_id = None if unmap else str(mapping["global_user_id"])
            self.user_mappings.append(UserMappingRecord(api_key, user_id, global_user_id, unmap, now_ms))
            if global_user_id is None:
                self.global_user_ids.pop((api_key, user_id), None)
            else:
                self.global_user_ids[(api_key, user_id)] = global_user_id

    # -- deletions -----------------------------------------------------------------------------

    def deletion_app_id(self, api_key: str) -> str:
        """A stable, numeric-looking project id for deletion job bodies."""
        return str(100_000 + zlib.crc32(api_key.encode("utf-8")) % 900_000)

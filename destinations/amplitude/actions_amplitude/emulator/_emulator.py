"""The emulator's request handling: routing, fault injection, validation and state updates.

Fault model (decided per request before it is processed, see ``_faults``):

* ``drop``: the connection closes without an answer; nothing is stored.
* ``timeout``: the request is processed (and stored) normally; its answer is held ``timeout_s``,
  so a client that gave up and retries sends a duplicate (which ``insert_id`` de-duplicates).
* ``error`` 503: nothing stored ("unavailable": safe to retry).
* ``error`` 500/502/504: with probability ``error_after_accept_rate`` the request is processed
  and stored *before* the error is answered, as Amplitude warns can happen; otherwise nothing is
  stored.
* ``throttle``: the request is validated (an invalid request still gets its 400); a valid one is
  answered 429 naming some of its users/devices/events, with ``Retry-After``; nothing is stored.

Any 400, 413 or 429 rejects the whole request. ``latency_ms`` delays every answer of an
Amplitude route. The inspection routes under ``/_emulator/`` are never faulted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from . import _admin
from ._config import EmulatorConfig, Region
from ._faults import ERROR_MESSAGES, FaultDecision, FaultInjector
from ._forms import (
    FormRequest,
    parse_form,
    validate_group_identifications,
    validate_identifications,
    validate_mappings,
)
from ._inspect import handle_inspection
from ._records import (
    DeletionRecord,
    EmulatorStats,
    Fault,
    GroupIdentifyRecord,
    IdentifyRecord,
    StoredEvent,
    UserMappingRecord,
    UserRecord,
)
from ._reply import Reply, error_reply, json_reply, text_reply
from ._state import State
from ._transport import EmulatorTransport
from ._validate import EventUpload, parse_event_upload, parse_json, quoted_eps_threshold

__all__ = ["Emulator"]

UPLOAD_ROUTES = ("/2/httpapi", "/batch")
FORM_ROUTES = ("/identify", "/groupidentify", "/usermap")
DELETIONS_ROUTE = "/api/2/deletions/users"
USERSEARCH_ROUTE = "/api/2/usersearch"
AMPLITUDE_ROUTES = (*UPLOAD_ROUTES, *FORM_ROUTES, DELETIONS_ROUTE, USERSEARCH_ROUTE)
INSPECTION_PREFIX = "/_emulator/"
UNKNOWN_ROUTE = "<unknown>"

# Identify documents 414 for over-long GET URLs; 8 KiB is the common server default.
MAX_URL_BYTES = 8192

_US_HOSTS = frozenset({"api2.amplitude.com", "api.amplitude.com", "amplitude.com"})
_EU_HOSTS = frozenset({"api.eu.amplitude.com", "analytics.eu.amplitude.com"})


def _system_ms() -> int:
    return time.time_ns() // 1_000_000


def region_of_host(host: str | None) -> Region | None:
    """``"us"``/``"eu"`` for Amplitude's hosts, ``None`` for any other (a local address)."""
    if not host:
        return None
    name = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
    if name in _EU_HOSTS or name.endswith(".eu.amplitude.com"):
        return "eu"
    if name in _US_HOSTS or name.endswith(".amplitude.com"):
        return "us"
    return None


def _route_of(path: str) -> str:
    if path.startswith(("http://", "https://")):
        path = urlsplit(path).path
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


def _method_not_allowed(allowed: str) -> Reply:
    return json_reply(405, {"code": 405, "error": "Method not allowed"}, {"Allow": allowed})


class Emulator:
    """A local Amplitude: answers requests exactly as :meth:`handle` says, and remembers them.

    Thread-safe: requests are processed one at a time (hold times are applied by the caller).

    Args:
        config: Behaviour; the defaults are a healthy project accepting any key.
        clock: Milliseconds since the epoch; drives ``server_upload_time``, de-duplication and
            throttling windows. Defaults to the system clock.
    """

    def __init__(self, config: EmulatorConfig | None = None, clock: Callable[[], int] | None = None) -> None:
        self.config = config if config is not None else EmulatorConfig()
        self._clock = clock if clock is not None else _system_ms
        self._lock = threading.RLock()
        self._reset_locked()

    def _reset_locked(self) -> None:
        self._state = State(self.config)
        self._faults = FaultInjector(self.config)
        self._requests: dict[str, Counter[int]] = {}
        self._fault_counts: Counter[str] = Counter()
        self._counters: Counter[str] = Counter()
        self._request_number = 0

    def reset(self) -> None:
        """Forget everything (state, stats, pending scripted faults) and re-seed the faults."""
        with self._lock:
            self._reset_locked()

    # -- queries -------------------------------------------------------------------------------

    @property
    def events(self) -> list[StoredEvent]:
        """Accepted events, in arrival order."""
        with self._lock:
            return list(self._state.events)

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Accepted ``/identify`` identifications, in order."""
        with self._lock:
            return list(self._state.identifies)

    @property
    def group_identifies(self) -> list[GroupIdentifyRecord]:
        """Accepted ``/groupidentify`` identifications, in order."""
        with self._lock:
            return list(self._state.group_identifies)

    @property
    def user_mappings(self) -> list[UserMappingRecord]:
        """Accepted ``/usermap`` mappings, in order."""
        with self._lock:
            return list(self._state.user_mappings)

    @property
    def deletions(self) -> list[DeletionRecord]:
        """Ids scheduled for deletion (revoked ones removed)."""
        with self._lock:
            return list(self._state.deletions)

    @property
    def stats(self) -> EmulatorStats:
        """Counters since the last reset."""
        with self._lock:
            return EmulatorStats(
                requests={route: dict(by_status) for route, by_status in self._requests.items()},
                events_received=self._counters["events_received"],
                events_stored=self._counters["events_stored"],
                duplicates_dropped=self._counters["duplicates_dropped"],
                events_rejected=self._counters["events_rejected"],
                faults=dict(self._fault_counts),
            )

    @property
    def pending_faults(self) -> list[Fault]:
        """Scripted faults not used up yet."""
        with self._lock:
            return self._faults.scripted

    def user_properties(self, user_or_device_id: str, api_key: str | None = None) -> dict[str, object]:
        """The current user properties of a user (by user_id, else device_id); ``{}`` if unknown."""
        user = self.user(user_or_device_id, api_key)
        return user.user_properties if user is not None else {}

    def user(self, user_or_device_id: str, api_key: str | None = None) -> UserRecord | None:
        """Everything known about a user (by user_id, else device_id), or ``None``."""
        with self._lock:
            user = self._state.find_user(user_or_device_id, api_key)
            return user.snapshot() if user is not None else None

    def group_properties(
        self, group_type: str, group_value: str, api_key: str | None = None
    ) -> dict[str, object]:
        """The current properties of a group; ``{}`` if unknown."""
        with self._lock:
            properties = self._state.group_properties(group_type, group_value, api_key)
            return dict(properties) if properties is not None else {}

    def global_user_id(self, user_id: str, api_key: str | None = None) -> str | None:
        """The global user id ``user_id`` is currently mapped to by ``/usermap``."""
        with self._lock:
            for (project, mapped), global_id in self._state.global_user_ids.items():
                if mapped == user_id and (api_key is None or project == api_key):
                    return global_id
            return None

    def insert_ids(self) -> Counter[str]:
        """How many stored events carry each ``insert_id``.

        A count above 1 means the same ``insert_id`` was stored twice, which de-duplication allows
        only across devices (or users, for device-less events) or outside its window.
        """
        with self._lock:
            return Counter(
                insert_id
                for stored in self._state.events
                if isinstance(insert_id := stored.event.get("insert_id"), str)
            )

    def transport(self) -> EmulatorTransport:
        """An httpx transport (sync and async) answering from this emulator in-process."""
        return EmulatorTransport(self)

    def inject(self, fault: Fault) -> None:
        """Script a fault for the next matching request(s)."""
        with self._lock:
            self._faults.add(fault)

    # -- requests ------------------------------------------------------------------------------

    def handle(self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (``path_and_query`` is the request target, e.g. ``/2/httpapi``)."""
        lower_headers = {name.lower(): value for name, value in headers.items()}
        path, _, query = path_and_query.partition("?")
        route = _route_of(path)
        method = method.upper()
        if route.startswith(INSPECTION_PREFIX):
            return handle_inspection(self, method, route, query, body)
        region = region_of_host(lower_headers.get("host"))
        counted_route = (
            route if route in AMPLITUDE_ROUTES or route.startswith(DELETIONS_ROUTE + "/") else None
        )
        with self._lock:
            self._request_number += 1
            if counted_route is None:
                reply = error_reply(404, "Invalid request path")
                self._count(UNKNOWN_ROUTE, reply.status)
                return reply
            stats_route = DELETIONS_ROUTE if counted_route.startswith(DELETIONS_ROUTE) else counted_route
            decision = self._faults.decide(stats_route)
            reply = self._handle_with_fault(
                decision, method, route, query, path_and_query, lower_headers, body, region
            )
            self._count(stats_route, 0 if reply.drop else reply.status)
        if self.config.latency_ms:
            reply = reply.delayed(self.config.latency_ms / 1000)
        return reply

    def _count_refused_request(self, path: str, status: int) -> None:
        """Count a request the server answered itself (e.g. a body over any limit)."""
        route = _route_of(path.partition("?")[0])
        with self._lock:
            self._request_number += 1
            self._count(route if route in AMPLITUDE_ROUTES else UNKNOWN_ROUTE, status)

    def _count(self, route: str, status: int) -> None:
        self._requests.setdefault(route, Counter())[status] += 1

    def _handle_with_fault(
        self,
        decision: FaultDecision | None,
        method: str,
        route: str,
        query: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        region: Region | None,
    ) -> Reply:
        if decision is None:
            return self._dispatch(method, route, query, target, headers, body, region, throttle=False)
        if decision.kind == "drop":
            self._fault_counts["drop"] += 1
            return Reply(status=0, drop=True)
        if decision.kind == "timeout":
            self._fault_counts["timeout"] += 1
            reply = self._dispatch(method, route, query, target, headers, body, region, throttle=False)
            return reply.delayed(decision.delay_s)
        if decision.kind == "throttle":
            reply = self._dispatch(method, route, query, target, headers, body, region, throttle=True)
            if reply.status == 429:
                self._fault_counts["throttle"] += 1
            return reply
        label = f"error_{decision.status}"
        if decision.accept:
            self._dispatch(method, route, query, target, headers, body, region, throttle=False)
            label += "_after_accept"
        self._fault_counts[label] += 1
        message = ERROR_MESSAGES.get(decision.status, "Internal server error")
        return error_reply(decision.status, message)

    def _dispatch(
        self,
        method: str,
        route: str,
        query: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        region: Region | None,
        *,
        throttle: bool,
    ) -> Reply:
        if route in UPLOAD_ROUTES:
            if method != "POST":
                return _method_not_allowed("POST")
            return self._upload(route, headers, body, region, throttle)
        if route in FORM_ROUTES:
            if method not in ("GET", "POST"):
                return _method_not_allowed("GET, POST")
            return self._form(route, method, query, target, headers, body, region, throttle)
        return self._admin(method, route, query, headers, body, throttle)

    def _is_known_key(self, api_key: str, region: Region | None) -> bool:
        config = self.config
        if config.api_keys is not None and api_key not in config.api_keys:
            return False
        home = config.api_key_regions.get(api_key)
        return home is None or region is None or home == region

    def _upload(
        self, endpoint: str, headers: dict[str, str], body: bytes, region: Region | None, throttle: bool
    ) -> Reply:
        parsed = parse_event_upload(
            endpoint, headers, body, self.config, lambda key: self._is_known_key(key, region)
        )
        if isinstance(parsed, Reply):
            self._count_rejected_events(body)
            return parsed
        now = self._clock()
        eps = quoted_eps_threshold(endpoint, self.config)
        if throttle:
            self._counters["events_rejected"] += len(parsed.events)
            return self._too_many_requests(self._faults.throttle_body(parsed.events, eps))
        limited = self._real_throttle(parsed, endpoint, now, eps)
        if limited is not None:
            return limited
        stored, duplicates = self._state.store_events(
            parsed.api_key, endpoint, parsed.events, now, region, self._request_number
        )
        self._counters["events_received"] += len(parsed.events)
        self._counters["events_stored"] += stored
        self._counters["duplicates_dropped"] += duplicates
        return json_reply(
            200,
            {
                "code": 200,
                "events_ingested": len(parsed.events),
                "payload_size_bytes": len(body),
                "server_upload_time": now,
            },
        )

    def _too_many_requests(self, payload: dict[str, object]) -> Reply:
        """A 429 with ``payload``; every 429 carries ``Retry-After``."""
        return json_reply(429, payload, {"Retry-After": str(self.config.retry_after_s)})

    def _count_rejected_events(self, body: bytes) -> None:
        # Best effort: a rejected body may not even be JSON.
        try:
            envelope = parse_json(body)
        except ValueError:
            return
        if isinstance(envelope, dict) and isinstance(events := envelope.get("events"), list):
            self._counters["events_rejected"] += len(events)

    def _real_throttle(self, parsed: EventUpload, endpoint: str, now: int, eps: int | float) -> Reply | None:
        verdict = self._state.throttle_verdict(parsed.api_key, endpoint, parsed.events, now)
        if verdict is None:
            return None
        self._counters["events_rejected"] += len(parsed.events)
        payload: dict[str, object] = {
            "code": 429,
            "error": "Too many requests for some devices and users",
            "eps_threshold": eps,
            "throttled_devices": verdict.throttled_devices,
            "throttled_users": verdict.throttled_users,
        }
        if verdict.exceeded_daily_quota_users or verdict.exceeded_daily_quota_devices:
            payload["exceeded_daily_quota_users"] = verdict.exceeded_daily_quota_users
            payload["exceeded_daily_quota_devices"] = verdict.exceeded_daily_quota_devices
        payload["throttled_events"] = verdict.throttled_events
        return self._too_many_requests(payload)

    def _form(
        self,
        route: str,
        method: str,
        query: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        region: Region | None,
        throttle: bool,
    ) -> Reply:
        if len(body) > self.config.max_form_body_bytes:
            return error_reply(413, "Payload too large")
        if method == "GET" and len(target.encode("utf-8")) > MAX_URL_BYTES:
            return text_reply(414, "URI Too Long")
        params = parse_form(query, headers, body)
        api_key = params.get("api_key", "")
        if not api_key or not self._is_known_key(api_key, region):
            return text_reply(400, "invalid_api_key")
        validate = {
            "/identify": validate_identifications,
            "/groupidentify": validate_group_identifications,
            "/usermap": validate_mappings,
        }[route]
        parsed = validate(params, api_key, self.config)
        if isinstance(parsed, Reply):
            return parsed
        if throttle:
            eps = quoted_eps_threshold("/2/httpapi", self.config)
            return self._too_many_requests(self._faults.throttle_body(parsed.items, eps))
        self._store_form(route, parsed, region)
        return text_reply(200, "success")

    def _store_form(self, route: str, parsed: FormRequest, region: Region | None) -> None:
        now = self._clock()
        if route == "/identify":
            self._state.store_identifies(parsed.api_key, parsed.items, now, region)
        elif route == "/groupidentify":
            self._state.store_group_identifies(parsed.api_key, parsed.items, now, region)
        else:
            self._state.store_mappings(parsed.api_key, parsed.items, now)

    def _admin(
        self, method: str, route: str, query: str, headers: dict[str, str], body: bytes, throttle: bool
    ) -> Reply:
        credentials = _admin.basic_credentials(headers)
        if credentials is None or not self._valid_credentials(*credentials):
            return error_reply(401, "Invalid API key or secret key")
        if throttle:
            return self._too_many_requests({"code": 429, "error": "Too many requests"})
        api_key = credentials[0]
        now = self._clock()
        if route == USERSEARCH_ROUTE:
            if method != "GET":
                return _method_not_allowed("GET")
            return _admin.user_search(self._state, api_key, query)
        if route == DELETIONS_ROUTE:
            if method == "POST":
                return _admin.post_deletions(self._state, api_key, body, now)
            if method == "GET":
                return _admin.list_deletions(self._state, api_key, query, now)
            return _method_not_allowed("GET, POST")
        parts = route[len(DELETIONS_ROUTE) + 1 :].split("/")
        if method != "DELETE":
            return _method_not_allowed("DELETE")
        if len(parts) != 2:
            return error_reply(404, "Invalid request path")
        return _admin.delete_deletion(self._state, api_key, parts[0], parts[1], now)

    def _valid_credentials(self, api_key: str, secret_key: str) -> bool:
        if not api_key:
            return False
        keys = self.config.api_keys
        return keys is None or keys.get(api_key) == secret_key

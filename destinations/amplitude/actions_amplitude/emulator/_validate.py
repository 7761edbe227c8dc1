"""Validation of ``/2/httpapi`` and ``/batch`` uploads, with Amplitude's exact error bodies.

Checks run in this order and the first failing stage answers: body size, body presence, content
type and JSON, ``api_key``/``events`` presence, event count, API key, event JSON, then the per-event
checks (missing fields, blocklisted ids, id lengths, field types), reported together in one body
whose ``error`` string is the first category found, then silenced devices. Throttling depends on
state and is decided by the emulator afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ._config import EmulatorConfig
from ._reply import Reply, error_reply

__all__ = [
    "ID_BLOCKLIST",
    "EventUpload",
    "default_eps_threshold",
    "id_problem",
    "min_id_length_from_options",
    "parse_event_upload",
    "parse_json",
    "quoted_eps_threshold",
]

# Compared lower-cased; "" is here too, so an empty id is an invalid value rather than a short one.
ID_BLOCKLIST = frozenset(
    {
        "anonymous",
        "nil",
        "none",
        "null",
        "n/a",
        "na",
        "undefined",
        "unknown",
        "",
        "00000000-0000-0000-0000-000000000000",
        "{}",
        "lmy47d",
        "0",
        "-1",
    }
)

_INT64 = range(-(2**63), 2**63)
_INTEGER_FIELDS = ("time", "session_id", "event_id", "quantity")
_NUMBER_FIELDS = ("price", "revenue", "location_lat", "location_lng")
_OBJECT_FIELDS = (
    "event_properties",
    "user_properties",
    "groups",
    "group_properties",
    "plan",
    "ingestion_metadata",
)
_STRING_FIELDS = (
    "app_version",
    "platform",
    "os_name",
    "os_version",
    "device_brand",
    "device_manufacturer",
    "device_model",
    "carrier",
    "country",
    "region",
    "city",
    "dma",
    "language",
    "productId",
    "revenueType",
    "ip",
    "idfa",
    "idfv",
    "adid",
    "android_id",
    "insert_id",
    "partner_id",
    "library",
    "version_name",
    "user_agent",
    "currency",
)

_MISSING_FIELD = "Request missing required field"
_INVALID_FIELDS = "Invalid field values on some events"
_INVALID_ID_LENGTHS = "Invalid id length for user_id or device_id"
_STAGE_ERRORS = {
    "missing": _MISSING_FIELD,
    "invalid_id": _INVALID_FIELDS,
    "id_length": _INVALID_ID_LENGTHS,
    "invalid_field": _INVALID_FIELDS,
}


def default_eps_threshold(endpoint: str) -> int:
    """Amplitude's documented per-user/device threshold for ``endpoint``."""
    return 1000 if endpoint == "/batch" else 30


def quoted_eps_threshold(endpoint: str, config: EmulatorConfig) -> int | float:
    """The ``eps_threshold`` that 429 and silenced bodies quote (an integer when it is one)."""
    threshold = config.eps_threshold_for(endpoint) or default_eps_threshold(endpoint)
    return int(threshold) if float(threshold).is_integer() else threshold


@dataclass
class EventUpload:
    """A well-formed upload: the project key and the events (as objects)."""

    api_key: str
    events: list[dict[str, object]]


@dataclass
class _Problems:
    missing: dict[str, list[int]] = field(default_factory=dict)
    invalid: dict[str, list[int]] = field(default_factory=dict)
    id_lengths: dict[str, list[int]] = field(default_factory=dict)
    # The stages in check order; the first one with a finding names the error.
    stages: set[str] = field(default_factory=set)

    def add(self, category: dict[str, list[int]], stage: str, name: str, index: int) -> None:
        category.setdefault(name, []).append(index)
        self.stages.add(stage)

    def error(self) -> str | None:
        for stage in ("missing", "invalid_id", "id_length", "invalid_field"):
            if stage in self.stages:
                return _STAGE_ERRORS[stage]
        return None


class _InvalidJSON(ValueError):
    pass


def _reject_constant(name: str) -> object:
    # Python accepts NaN/Infinity; JSON (and Amplitude) does not.
    raise _InvalidJSON(name)


def parse_json(body: bytes) -> object:
    """Strict JSON parsing: UTF-8 only, no NaN/Infinity. Raises ``ValueError`` when invalid.

    JSON nested too deeply to parse is invalid JSON too (Amplitude's 400), not an emulator error.
    """
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise _InvalidJSON("nested too deeply") from None


def min_id_length_from_options(options: object, default: int) -> int:
    """``options.min_id_length`` when it is a non-negative integer, else ``default``."""
    if isinstance(options, Mapping):
        value = options.get("min_id_length")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return default


def id_problem(value: object, min_length: int, config: EmulatorConfig) -> str | None:
    """Why an id value is unacceptable (``"invalid"`` or ``"length"``), or ``None`` when it is fine."""
    if not isinstance(value, str):
        return "invalid"
    if config.reject_blocklisted_ids and value.strip().lower() in ID_BLOCKLIST:
        return "invalid"
    if len(value) < min_length:
        return "length"
    return None


def _is_json_content_type(headers: Mapping[str, str]) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and "+json" in media_type
    )


def parse_event_upload(
    endpoint: str,
    headers: Mapping[str, str],
    body: bytes,
    config: EmulatorConfig,
    is_known_key: Callable[[str], bool],
) -> EventUpload | Reply:
    """Check an upload up to (not including) throttling: the parsed upload, or the error reply.

    ``headers`` must have lower-case names. Events are checked in place; with
    ``short_id_mode="drop"`` short ids are removed from them.
    """
    if len(body) > config.body_limit_for(endpoint):
        return error_reply(413, "Payload too large")
    if not body:
        return error_reply(400, "Missing request body")
    if config.require_json_content_type and not _is_json_content_type(headers):
        return error_reply(400, "Invalid JSON request body")
    try:
        envelope = parse_json(body)
    except ValueError:
        return error_reply(400, "Invalid JSON request body")
    if not isinstance(envelope, dict):
        return error_reply(400, "Invalid JSON request body")

    api_key = envelope.get("api_key")
    if not isinstance(api_key, str) or not api_key:
        return error_reply(400, _MISSING_FIELD, missing_field="api_key")
    events = envelope.get("events")
    if not isinstance(events, list):
        return error_reply(400, _MISSING_FIELD, missing_field="events")
    if len(events) > config.max_events_per_request:
        return error_reply(413, "Payload too large")
    if not is_known_key(api_key):
        return error_reply(400, f"Invalid API key: {api_key}")
    if not all(isinstance(event, dict) for event in events):
        return error_reply(400, "Invalid event JSON")

    min_length = min_id_length_from_options(envelope.get("options"), config.min_id_length)
    problems = _Problems()
    for index, event in enumerate(events):
        _check_event(index, event, min_length, config, problems)
    error = problems.error()
    if error is not None:
        extra: dict[str, object] = {}
        if problems.missing:
            extra["events_with_missing_fields"] = problems.missing
        if problems.invalid:
            extra["events_with_invalid_fields"] = problems.invalid
        if problems.id_lengths:
            extra["events_with_invalid_id_lengths"] = problems.id_lengths
        return error_reply(400, error, **extra)

    silenced = _silenced_reply(endpoint, events, config)
    if silenced is not None:
        return silenced
    return EventUpload(api_key=api_key, events=events)


def _check_event(
    index: int, event: dict[str, object], min_length: int, config: EmulatorConfig, problems: _Problems
) -> None:
    event_type = event.get("event_type")
    if event_type is None or event_type == "":
        problems.add(problems.missing, "missing", "event_type", index)
    elif not isinstance(event_type, str):
        problems.add(problems.invalid, "invalid_field", "event_type", index)

    has_id = False
    for name in ("user_id", "device_id"):
        value = event.get(name)
        if value is None:
            continue
        problem = id_problem(value, min_length, config)
        if problem == "invalid":
            problems.add(problems.invalid, "invalid_id", name, index)
        elif problem == "length" and config.short_id_mode == "reject":
            problems.add(problems.id_lengths, "id_length", name, index)
        elif problem == "length":
            del event[name]
            continue
        has_id = True
    if not has_id:
        problems.add(problems.missing, "missing", "device_id", index)

    if config.strict_types:
        for name in _wrongly_typed_fields(event):
            problems.add(problems.invalid, "invalid_field", name, index)


def _wrongly_typed_fields(event: Mapping[str, object]) -> list[str]:
    wrong: list[str] = []
    for name in _INTEGER_FIELDS:
        value = event.get(name)
        if value is not None and not (
            isinstance(value, int) and not isinstance(value, bool) and value in _INT64
        ):
            wrong.append(name)
    for name in _NUMBER_FIELDS:
        value = event.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            wrong.append(name)
    for name in _OBJECT_FIELDS:
        value = event.get(name)
        if value is not None and not isinstance(value, dict):
            wrong.append(name)
    for name in _STRING_FIELDS:
        value = event.get(name)
        if value is not None and not isinstance(value, str):
            wrong.append(name)
    skip = event.get("$skip_user_properties_sync")
    if skip is not None and not isinstance(skip, bool):
        wrong.append("$skip_user_properties_sync")
    return wrong


def _silenced_reply(endpoint: str, events: list[dict[str, object]], config: EmulatorConfig) -> Reply | None:
    if not config.silenced_devices:
        return None
    silenced_events = [
        index for index, event in enumerate(events) if event.get("device_id") in config.silenced_devices
    ]
    if not silenced_events:
        return None
    devices = sorted({str(events[index]["device_id"]) for index in silenced_events})
    return error_reply(
        400,
        "Events silenced for device_id",
        eps_threshold=quoted_eps_threshold(endpoint, config),
        exceeded_daily_quota_devices={},
        silenced_devices=devices,
        silenced_events=silenced_events,
        throttled_devices={},
        throttled_events=[],
    )

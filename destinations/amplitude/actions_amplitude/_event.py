"""Building Amplitude event and identification objects from a validated payload."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from actions.js import UNDEFINED, truthy

from ._revenue import REVENUE_KEYS
from ._time import session_id_ms, time_ms
from ._user_agent import parse_user_agent_properties
from ._user_properties import merge_utm_and_referrer

__all__ = [
    "EVENT_KEYS",
    "IDENTIFY_KEYS",
    "LOG_EVENT_CONTROLS",
    "PARSED_USER_AGENT_KEYS",
    "EventUpload",
    "add_properties",
    "apply_platform_rules",
    "close_event",
    "finish_event",
    "leading_fields",
    "library_name",
    "min_id_length_options",
    "normalise_platform",
    "prepare_properties",
    "sent_as_is",
    "split_payload",
    "user_agent_fields",
]

#: Keys of Amplitude's event object (HTTP V2 / Batch API) that the actions can fill. Anything else
#: in a payload (``use_batch_endpoint``, ``products``, the parsed ``device_type``) is not sent:
#: the reference leaks those keys into every event.
EVENT_KEYS: Final = frozenset(
    {
        "user_id", "device_id", "event_type", "time", "session_id", "event_properties", "user_properties",
        "groups", "app_version", "platform", "os_name", "os_version", "device_brand", "device_manufacturer",
        "device_model", "carrier", "country", "region", "city", "dma", "language", "price", "quantity",
        "revenue", "productId", "revenueType", "location_lat", "location_lng", "ip", "idfa", "idfv", "adid",
        "android_id", "event_id", "insert_id", "library", "user_agent",
    }
)  # fmt: skip
#: What user-agent parsing yields, in order (``device_type`` is not sent).
PARSED_USER_AGENT_KEYS: Final = (
    "os_name",
    "os_version",
    "device_manufacturer",
    "device_model",
    "device_type",
)
#: Keys of an Identify API identification: the event keys plus the identify-only ones.
IDENTIFY_KEYS: Final = EVENT_KEYS | {"paying", "start_version"}

# "ios" / "android" as whole words ("iOS", "ios-tablet"), never inside a word ("Bios", "studios").
# Letters match ASCII case-insensitively only, as in the reference: "ıos" (dotless i) is not "ios".
_IOS: Final = re.compile(r"(?<![^\W_])[iI][oO][sS](?![^\W_])")
_ANDROID: Final = re.compile(r"(?<![^\W_])[aA][nN][dD][rR][oO][iI][dD](?![^\W_])")

#: Payload fields that configure how the event is built rather than being sent.
LOG_EVENT_CONTROLS: Final = (
    "time", "session_id", "userAgent", "userAgentParsing", "includeRawUserAgent", "userAgentData",
    "utm_properties", "referrer", "min_id_length", "library", "library2",
)  # fmt: skip


@dataclass(frozen=True)
class EventUpload:
    """What one payload becomes: the events to upload, where to, and the request options."""

    url: str
    events: list[dict[str, Any]]
    options: dict[str, Any] | None


def normalise_platform(platform: str) -> str:
    """Spell the first ``ios`` word as ``iOS`` and the first ``android`` word as ``Android``.

    >>> normalise_platform("ios"), normalise_platform("ANDROID"), normalise_platform("Bios")
    ('iOS', 'Android', 'Bios')
    """
    return _ANDROID.sub("Android", _IOS.sub("iOS", platform, count=1), count=1)


# Platforms are a handful of names ("Web", "iOS", "android"): two regex substitutions each time
# cost more than the rest of the platform rules.
_normalised_platform: Final = lru_cache(maxsize=256)(normalise_platform)


def apply_platform_rules(properties: dict[str, Any], library: object) -> None:
    """Normalise ``platform``, and call analytics.js events without a platform ``Web``."""
    platform = properties.get("platform")
    if platform is not None and isinstance(platform, str) and platform:
        platform = properties["platform"] = (
            _normalised_platform(platform) if len(platform) <= 64 else normalise_platform(platform)
        )
    if library == "analytics.js" and not truthy(platform):
        properties["platform"] = "Web"


def library_name(library_settings: object) -> Any:
    """The ``library`` to send: the mapped name under ``use_mapping`` (``None`` if unmapped), else
    ``segment``."""
    if (
        (type(library_settings) is dict or isinstance(library_settings, Mapping))
        and library_settings.get("behavior") == "use_mapping"
    ):
        return library_settings.get("mapping")
    return "segment"


def min_id_length_options(value: object) -> dict[str, Any] | None:
    """``{"min_id_length": n}`` for a positive ``n``; ``None`` (Amplitude's default of 5) otherwise."""
    if value is not None and isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return {"min_id_length": value}
    return None


def user_agent_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Fields parsed from the user agent (when parsing is on), then the raw ``user_agent`` (when asked).

    Every parsed key holds its place even when the user agent does not give it (``UNDEFINED``), so a
    mapped value for it lands where the reference puts it; :func:`finish_event` drops the unfilled.
    """
    fields: dict[str, Any] = {}
    user_agent = payload.get("userAgent")
    if payload.get("userAgentParsing") and isinstance(user_agent, str) and user_agent:
        hints = payload.get("userAgentData")
        fields.update(dict.fromkeys(PARSED_USER_AGENT_KEYS, UNDEFINED))
        fields.update(parse_user_agent_properties(user_agent, hints if isinstance(hints, Mapping) else None))
    if payload.get("includeRawUserAgent") and user_agent is not None:
        fields["user_agent"] = user_agent
    return fields


@lru_cache(maxsize=16)
def _excluded(controls: tuple[str, ...]) -> frozenset[str]:
    """Control and revenue keys as one set: split_payload tests every payload key against it."""
    return frozenset(controls) | frozenset(REVENUE_KEYS)


def split_payload(payload: Mapping[str, Any], controls: Collection[str]) -> dict[str, Any]:
    """The payload fields to copy into the event: everything but revenue and control fields.

    ``user_properties`` is copied, since building the event may add operations to it.
    """
    excluded = _excluded(tuple(controls))
    properties = {k: v for k, v in payload.items() if k not in excluded}
    if isinstance(properties.get("user_properties"), dict):
        properties["user_properties"] = dict(properties["user_properties"])
    return properties


def prepare_properties(
    payload: Mapping[str, Any], controls: Collection[str], *, merge_utm: bool
) -> dict[str, Any]:
    """Event properties of logEvent, logEventV2 and logPurchase before the user agent and library.

    Platform rules, ``time`` and ``session_id`` in epoch milliseconds, and (logEvent, logPurchase)
    UTM and referrer merged into the user properties, with existing operations winning.
    """
    properties = split_payload(payload, controls)
    apply_platform_rules(properties, payload.get("library"))
    event_time = time_ms(payload.get("time"))
    if event_time is not None:
        properties["time"] = event_time
    session = session_id_ms(payload.get("session_id"))
    if session is not None:
        properties["session_id"] = session
    if merge_utm:
        merged = merge_utm_and_referrer(
            properties.get("user_properties"),
            payload.get("utm_properties"),
            payload.get("referrer"),
            traits_first=False,
        )
        if merged is not None:
            properties["user_properties"] = merged
    return properties


def finish_event(
    leading: Mapping[str, Any],
    properties: Mapping[str, Any],
    library: Any,
    allowed: frozenset[str] = EVENT_KEYS,
) -> dict[str, Any]:
    """``leading`` fields, then ``properties`` (which win), then ``library``; only Amplitude keys.

    Keys keep the reference's order: a property overriding a user-agent field stays in its place.
    """
    event = {k: v for k, v in leading.items() if k in allowed}
    for key, value in properties.items():
        if key in allowed:
            event[key] = value
    if UNDEFINED in event.values():  # an unfilled user-agent field (rare): one more pass
        event = {k: v for k, v in event.items() if v is not UNDEFINED}
    if library is not None:
        event["library"] = library
    return event


# --- The same rules in fewer passes ------------------------------------------------------------
# Building an event through the functions above walks the payload and the event several times
# (split, finish, the unfilled check) and parses client hints per event. The builders use these
# instead; the functions above stay the specification, and a test checks that both agree.

#: The parsed user-agent fields an event or identification sends (``device_type`` is never sent).
_SENT_USER_AGENT_KEYS: Final = tuple(key for key in PARSED_USER_AGENT_KEYS if key in EVENT_KEYS)
# Longer user agents are parsed (their parse is cached on a clipped text) but not kept here.
_MAX_CACHED_USER_AGENT: Final = 512


def sent_as_is(controls: Collection[str], allowed: frozenset[str] = EVENT_KEYS) -> frozenset[str]:
    """The ``allowed`` keys a payload's value is sent for as it is: neither control nor revenue keys."""
    return allowed - _excluded(tuple(controls))


@lru_cache(maxsize=4096)
def _sent_user_agent_fields(user_agent: str, model: str | None, version: str | None) -> dict[str, Any]:
    # A shared dict: callers copy it. User agents repeat heavily in real traffic.
    parsed = parse_user_agent_properties(user_agent, {"model": model, "platformVersion": version})
    return {key: parsed.get(key, UNDEFINED) for key in _SENT_USER_AGENT_KEYS}


def leading_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`user_agent_fields` less the keys :func:`finish_event` drops, cached by user agent."""
    user_agent = payload.get("userAgent")
    if payload.get("userAgentParsing") and isinstance(user_agent, str) and user_agent:
        hints = payload.get("userAgentData")
        model = version = None
        if type(hints) is dict or (hints is not None and isinstance(hints, Mapping)):
            model, version = hints.get("model"), hints.get("platformVersion")
        if (
            (model is None or type(model) is str)
            and (version is None or type(version) is str)
            and len(user_agent) <= _MAX_CACHED_USER_AGENT
        ):
            fields = dict(_sent_user_agent_fields(user_agent, model, version))
        else:
            return {k: v for k, v in user_agent_fields(payload).items() if k in EVENT_KEYS}
    else:
        fields = {}
    if payload.get("includeRawUserAgent") and user_agent is not None:
        fields["user_agent"] = user_agent
    return fields


def add_properties(
    event: dict[str, Any], payload: Mapping[str, Any], sent: frozenset[str], *, merge_utm: bool
) -> None:
    """Add :func:`prepare_properties` of the keys :func:`finish_event` keeps (``sent``: see
    :func:`sent_as_is`) to ``event``, which holds at most user-agent fields: as finish_event
    merges them, a property given a user-agent field's key takes its place.

    ``user_properties`` is the payload's own object: whatever changes it copies it first.
    """
    for key, value in payload.items():
        if key in sent:
            event[key] = value
    apply_platform_rules(event, payload.get("library"))
    raw_time = payload.get("time")
    if raw_time is not None:
        event_time = time_ms(raw_time)
        if event_time is not None:
            event["time"] = event_time
    raw_session = payload.get("session_id")
    if raw_session is not None:
        session = session_id_ms(raw_session)
        if session is not None:
            event["session_id"] = session
    if merge_utm:
        merged = merge_utm_and_referrer(
            event.get("user_properties"),
            payload.get("utm_properties"),
            payload.get("referrer"),
            traits_first=False,
        )
        if merged is not None:
            event["user_properties"] = merged


def close_event(event: dict[str, Any], library: Any) -> dict[str, Any]:
    """The end of :func:`finish_event` for an event of allowed keys only: unfilled fields out, library in."""
    if UNDEFINED in event.values():
        event = {k: v for k, v in event.items() if v is not UNDEFINED}
    if library is not None:
        event["library"] = library
    return event

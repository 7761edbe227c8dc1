"""Deterministic Segment test events: the usual context filled in, ids and times that never vary."""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from .._clock import get_clock, iso_ms

__all__ = ["TEST_USER_AGENT", "make_event", "stable_message_id"]

#: The user agent of the reference's test events (an iPhone, iOS 9.1, Safari).
TEST_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 "
    "(KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1"
)

_DEFAULTS: dict[str, Any] = {
    "anonymousId": "anonId1234",
    "context": {
        "ip": "8.8.8.8",
        "library": {"name": "analytics.js", "version": "2.11.1"},
        "locale": "en-US",
        "location": {
            "city": "San Francisco",
            "country": "United States",
            "latitude": 40.2964197,
            "longitude": -76.9411617,
            "speed": 0,
        },
        "page": {
            "path": "/academy/",
            "referrer": "",
            "search": "",
            "title": "Analytics Academy",
            "url": "https://segment.com/academy/",
        },
        "timezone": "Europe/Amsterdam",
        "userAgent": TEST_USER_AGENT,
    },
    "event": "Test Event",
    "properties": {},
    "traits": {},
    "type": "track",
    "userId": "user1234",
}


def stable_message_id(seed: str) -> str:
    """A UUID-shaped id derived from ``seed`` (same seed, same id, on every machine)."""
    return str(uuid.UUID(bytes=hashlib.sha1(seed.encode("utf-8")).digest()[:16], version=4))


def make_event(overrides: Mapping[str, Any] | None = None, /, **fields: Any) -> dict[str, Any]:
    """A complete Segment event: the reference's test defaults, shallowly overridden.

    ``timestamp``, ``sentAt`` and ``receivedAt`` default to the current clock (freeze it with
    :func:`actions.use_clock` for stable values); ``messageId`` is derived from the other fields,
    so the same event always gets the same id.

    >>> make_event(event="Order Completed", properties={"revenue": 9.5})["type"]
    'track'
    """
    given = {**(overrides or {}), **fields}
    event = copy.deepcopy(_DEFAULTS)
    event.update(copy.deepcopy(given))
    now = iso_ms(get_clock().now_ms())
    for key in ("receivedAt", "sentAt", "timestamp"):
        event.setdefault(key, now)
    if "messageId" not in given:
        event["messageId"] = stable_message_id(repr(sorted(given.items(), key=lambda kv: kv[0])))
    return dict(sorted(event.items()))

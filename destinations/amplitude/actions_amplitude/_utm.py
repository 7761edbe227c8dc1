"""UTM parameters and the referrer as Amplitude user-property operations (``$set`` / ``$setOnce``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["convert_referrer_property", "convert_utm_properties"]


def convert_utm_properties(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``$set`` every UTM value and ``$setOnce`` it as ``initial_<key>``; ``{}`` without UTM values.

    Values are passed on as they are, empty strings included.

    >>> convert_utm_properties({"utm_properties": {"utm_source": "news"}})
    {'$set': {'utm_source': 'news'}, '$setOnce': {'initial_utm_source': 'news'}}
    """
    utm = payload.get("utm_properties")
    if not isinstance(utm, Mapping) or not utm:
        return {}
    return {
        "$set": dict(utm),
        "$setOnce": {f"initial_{key}": value for key, value in utm.items()},
    }


def convert_referrer_property(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``$set`` the referrer and ``$setOnce`` it as ``initial_referrer``; ``{}`` without a referrer.

    >>> convert_referrer_property({"referrer": "https://example.com"})
    {'$set': {'referrer': 'https://example.com'}, '$setOnce': {'initial_referrer': 'https://example.com'}}
    """
    referrer = payload.get("referrer")
    if not referrer:
        return {}
    return {"$set": {"referrer": referrer}, "$setOnce": {"initial_referrer": referrer}}

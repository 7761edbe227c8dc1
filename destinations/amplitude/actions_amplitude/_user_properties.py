"""User properties: merging operation objects, and the UTM/referrer and setOnce/setAlways/add rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from actions.js import object_keys, spread, truthy

from ._utm import convert_referrer_property, convert_utm_properties

__all__ = [
    "apply_operation_fields",
    "compact",
    "merge_user_properties",
    "merge_utm_and_referrer",
]

#: Operations whose contents are merged key by key when user properties are combined.
_MERGED_OPERATIONS: Final = ("$set", "$setOnce")
#: Keys taken out of existing user properties when UTM/referrer values are merged in.
_UTM_AND_REFERRER_KEYS: Final = ("utm_properties", "referrer")
#: logEventV2 fields and the operation each one fills, in the order they are applied.
_OPERATION_FIELDS: Final = (("setOnce", "$setOnce"), ("setAlways", "$set"), ("add", "$add"))


def _in_js_order(obj: dict[Any, Any]) -> dict[Any, Any]:
    """The object with JavaScript's key order: array-index keys first, ascending, then the rest."""
    keys = object_keys(obj)
    return obj if keys == list(obj) else {key: obj[key] for key in keys}


def merge_user_properties(*objects: Mapping[str, Any]) -> dict[str, Any]:
    """Fold user-property objects left to right: later keys win, but ``$set`` and ``$setOnce``
    are merged key by key (later values win inside them).

    >>> merge_user_properties({"$set": {"a": 1}, "x": 1}, {"$set": {"b": 2}, "x": 2})
    {'$set': {'a': 1, 'b': 2}, 'x': 2}
    """
    merged: dict[str, Any] = {}
    for current in objects:
        combined = {**merged, **current}
        for operation in _MERGED_OPERATIONS:
            if truthy(merged.get(operation)) or truthy(current.get(operation)):
                combined[operation] = _in_js_order(
                    {**spread(merged.get(operation)), **spread(current.get(operation))}
                )
        merged = _in_js_order(combined)
    return merged


def compact(value: object) -> bool:
    """Whether an object holds at least one value other than ``""``.

    >>> compact({"initial_referrer": "", "initial_utm_source": "google"})
    True
    >>> compact({"initial_referrer": ""})
    False
    """
    if type(value) is not dict and (value is None or not isinstance(value, Mapping)):
        return False
    # A loop rather than any(): this runs three times per logEventV2 event.
    for item in value.values():  # noqa: SIM110
        if item != "" or not isinstance(item, str):
            return True
    return False


def merge_utm_and_referrer(
    user_properties: Mapping[str, Any] | None,
    utm_properties: Any,
    referrer: Any,
    *,
    traits_first: bool,
) -> dict[str, Any] | None:
    """User properties with UTM and referrer ``$set``/``$setOnce`` operations merged in.

    Returns ``None`` (leave the user properties alone) when there are no UTM values and no
    referrer. ``traits_first`` picks the precedence: logEvent and logPurchase let existing
    ``$set``/``$setOnce`` entries win (traits merged last); identifyUser lets UTM and referrer win.
    """
    has_utm = isinstance(utm_properties, Mapping) and bool(utm_properties)
    if not has_utm and not truthy(referrer):
        return None
    existing = {k: v for k, v in (user_properties or {}).items() if k not in _UTM_AND_REFERRER_KEYS}
    utm = convert_utm_properties({"utm_properties": utm_properties})
    referred = convert_referrer_property({"referrer": referrer})
    if traits_first:
        return merge_user_properties(existing, utm, referred)
    return merge_user_properties(utm, referred, existing)


def apply_operation_fields(event: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """logEventV2: put ``setOnce``, ``setAlways`` and ``add`` into the event's user properties as
    ``$setOnce``, ``$set`` and ``$add``.

    Each non-empty field (see :func:`compact`) replaces the operation of the same name already in
    the user properties; the object is sent whole, ``""`` values included.
    """
    user_properties: dict[str, Any] | None = None
    for field_key, operation in _OPERATION_FIELDS:
        value = fields.get(field_key)
        if not compact(value):
            continue
        if user_properties is None:  # copied: the event's may be the payload's own object
            existing = event.get("user_properties")
            user_properties = dict(existing) if isinstance(existing, dict) else {}
            event["user_properties"] = user_properties
        user_properties[operation] = value

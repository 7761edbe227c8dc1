"""User properties: merging operation objects, and the UTM/referrer and setOnce/setAlways/add rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._time import js_truthy
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


def _utf16_units(text: str) -> list[str]:
    """A string's UTF-16 code units, as JavaScript indexes it (an emoji is two units)."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(data), 2)]


def _spread(value: object) -> dict[Any, Any]:
    """What JavaScript's ``{...value}`` copies: an object's entries, an array's items or a string's
    code units under their index; nothing for other values."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        return {str(i): unit for i, unit in enumerate(_utf16_units(value))}
    if isinstance(value, list | tuple):
        return {str(i): item for i, item in enumerate(value)}
    return {}


def _is_array_index(key: object) -> bool:
    return (
        isinstance(key, str)
        and key.isascii()
        and key.isdigit()
        and (key == "0" or key[0] != "0")
        and int(key) < 2**32 - 1
    )


def _js_key_order(obj: dict[Any, Any]) -> dict[Any, Any]:
    """The object with JavaScript's key order: array-index keys first, ascending, then the rest."""
    indexes = sorted((key for key in obj if _is_array_index(key)), key=int)
    if not indexes:
        return obj
    return {**{key: obj[key] for key in indexes}, **{k: v for k, v in obj.items() if not _is_array_index(k)}}


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
            if js_truthy(merged.get(operation)) or js_truthy(current.get(operation)):
                combined[operation] = _js_key_order(
                    {**_spread(merged.get(operation)), **_spread(current.get(operation))}
                )
        merged = _js_key_order(combined)
    return merged


def compact(value: object) -> bool:
    """Whether an object holds at least one value other than ``""``.

    >>> compact({"initial_referrer": "", "initial_utm_source": "google"})
    True
    >>> compact({"initial_referrer": ""})
    False
    """
    if not isinstance(value, Mapping):
        return False
    return any(not (isinstance(v, str) and v == "") for v in value.values())


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
    if not has_utm and not js_truthy(referrer):
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
    for field_key, operation in _OPERATION_FIELDS:
        value = fields.get(field_key)
        if not compact(value):
            continue
        user_properties = event.get("user_properties")
        if not isinstance(user_properties, dict):
            user_properties = {}
            event["user_properties"] = user_properties
        user_properties[operation] = value

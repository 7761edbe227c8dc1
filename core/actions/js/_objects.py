"""JavaScript's view of objects: property access (``target && target[key]``) and spread (``{...value}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._strings import to_utf16_units, utf16_len
from ._values import UNDEFINED, truthy

__all__ = ["array_index", "member", "spread"]


_MAX_INDEX: Final = 2**32 - 2


def array_index(key: str) -> int:
    """The array index a property name denotes, or -1 (``"01"``, ``"-1"``, ``"1.0"`` and names
    beyond 2**32 - 2 are not indexes). Objects list such keys first, in ascending order."""
    if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
        index = int(key)
        return index if index <= _MAX_INDEX else -1
    return -1


def member(target: Any, key: str) -> Any:
    """``target && target[key]`` for JSON values: the reference's path lookups (lodash ``get``) do this.

    A falsy ``target`` (``0``, ``''``, ``false``, ``null``, ``undefined``, ``NaN``) is returned as it
    is; arrays and strings expose their indexes and ``length`` (strings in UTF-16 code units); other
    properties are :data:`UNDEFINED`. Prototype members (``constructor``, ``toString``...) are not
    emulated.
    """
    kind = type(target)
    if kind is dict:
        return target.get(key, UNDEFINED)
    if not truthy(target):
        return target
    if kind is list or kind is tuple:
        if key == "length":
            return len(target)
        index = array_index(key)
        return target[index] if 0 <= index < len(target) else UNDEFINED
    if kind is str:
        if key == "length":
            return utf16_len(target)
        index = array_index(key)
        if index < 0:
            return UNDEFINED
        units = to_utf16_units(target)
        return units[index] if index < len(units) else UNDEFINED
    if isinstance(target, Mapping):
        return target.get(key, UNDEFINED)
    return UNDEFINED


def spread(value: Any) -> dict[Any, Any]:
    """What ``{...value}`` copies: an object's entries, an array's items or a string's UTF-16 code
    units under their index; nothing for other values."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list | tuple):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, str):
        return {str(i): unit for i, unit in enumerate(to_utf16_units(value))}
    return {}

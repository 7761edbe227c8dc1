"""Removal of empty values before validation (the reference's ``removeEmptyValues``).

:func:`compile_remover` is what runs on every mapped event: the removal specialised for one schema
once, so cleaning a payload walks only what the schema can change. :func:`remove_empty_values`
walks the schema generically, as the reference does; it is the specification the compiled
remover is held to (by a property test over random schemas and payloads).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED, truthy

__all__ = ["compile_remover", "remove_empty_values"]

# isinstance() with a tuple constant: a `X | Y` union is rebuilt at every call.
_ARRAYS: Final = (list, tuple)
_CONTAINERS: Final = (dict, list, tuple)

Remover = Callable[[Any], Any]


def _type_list(schema: Mapping[str, Any]) -> list[Any]:
    declared = schema.get("type")
    if declared is None or declared is UNDEFINED:
        return []
    return list(declared) if isinstance(declared, _ARRAYS) else [declared]


def remove_empty_values(payload: Any, schema: Mapping[str, Any] | None, is_root: bool = False) -> Any:
    """Drop values the validator could not coerce into something meaningful (``removeEmptyValues``).

    Only values whose schema has a ``type`` (or ``enum``) are touched: ``null`` goes unless the
    type allows null, ``""`` goes unless the type allows strings, and with ``is_root`` every
    top-level ``""`` goes (nested ones stay). Array items whose cleaned value is empty are
    dropped, though the items kept are the originals. Returns :data:`UNDEFINED` for a value that
    is removed entirely. ``payload`` is not modified.
    """
    schema = schema if isinstance(schema, Mapping) else {}
    if not truthy(schema.get("type")) and not truthy(schema.get("enum")):
        return payload
    if isinstance(payload, _ARRAYS):
        items = schema.get("items")
        if not truthy(items):
            return payload
        return [item for item in payload if remove_empty_values(item, items) is not UNDEFINED]
    if isinstance(payload, dict):
        properties = schema.get("properties")
        if not truthy(properties):
            return payload
        cleaned: dict[str, Any] = {}
        for key, value in payload.items():
            child_schema = properties.get(key) if isinstance(properties, Mapping) else None
            value = remove_empty_values(value, child_schema)
            if value is UNDEFINED or (is_root and value == "" and isinstance(value, str)):
                continue
            cleaned[key] = value
        return cleaned
    types = _type_list(schema)
    if payload is None and "null" not in types:
        return UNDEFINED
    if isinstance(payload, str) and payload == "" and "string" not in types:
        return UNDEFINED
    return payload


def _identity(value: Any) -> Any:
    return value


def _is_typed(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (truthy(schema.get("type")) or truthy(schema.get("enum")))


def _compile_remover(schema: Any, cache: dict[int, Remover]) -> Remover:
    """:func:`remove_empty_values` (not at the root) specialised for one schema."""
    if not _is_typed(schema):
        return _identity
    cached = cache.get(id(schema))
    if cached is not None:
        return cached
    types = _type_list(schema)
    keep_null = "null" in types
    keep_empty = "string" in types
    for_dict = _dict_cleaner(schema, cache)
    for_list = _list_cleaner(schema, cache)

    def remover(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return UNDEFINED if value == "" and not keep_empty else value
        if value is None:
            return None if keep_null else UNDEFINED
        if isinstance(value, dict):
            return value if for_dict is None else for_dict(value)
        if isinstance(value, _ARRAYS):
            return value if for_list is None else for_list(value)
        if isinstance(value, str):
            return UNDEFINED if value == "" and not keep_empty else value
        return value

    cache[id(schema)] = remover
    return remover


def _list_cleaner(schema: Any, cache: dict[int, Remover]) -> Remover | None:
    """Drops array items that clean to nothing (keeping the original items), or ``None`` if none can."""
    items = schema.get("items") if _is_typed(schema) else None
    if not truthy(items):
        return None
    item_remover = _compile_remover(items, cache)

    def clean_list(value: Any) -> Any:
        return [item for item in value if item_remover(item) is not UNDEFINED]

    return clean_list


def _dict_cleaner(schema: Any, cache: dict[int, Remover]) -> Remover | None:
    """Cleans an object's declared properties, or ``None`` when objects pass through untouched."""
    properties = schema.get("properties") if _is_typed(schema) else None
    if not truthy(properties):
        return None
    subschemas: Mapping[str, Any] = properties if isinstance(properties, Mapping) else {}
    removers = {key: _compile_remover(sub, cache) for key, sub in subschemas.items()}
    # Most objects hold nothing removable; when no property can be cleaned deeper, a scan for
    # null/undefined (and "" if some property drops it) tells.
    shallow = all(
        _dict_cleaner(sub, cache) is None and _list_cleaner(sub, cache) is None for sub in subschemas.values()
    )
    drops_empty = any(_is_typed(sub) and "string" not in _type_list(sub) for sub in subschemas.values())

    def clean_dict(value: dict[str, Any]) -> Any:
        if shallow:
            values = value.values()
            if None not in values and UNDEFINED not in values and not (drops_empty and "" in values):
                return value
        # The reference builds a new object; an unchanged one is returned as is here (nothing
        # downstream mutates it).
        cleaned: dict[str, Any] | None = None
        for index, (key, sub) in enumerate(value.items()):
            if type(sub) is str and sub:
                if cleaned is not None:
                    cleaned[key] = sub
                continue
            new = removers.get(key, _identity)(sub)
            # An undefined value is dropped even where it is "unchanged" (the remover returns it).
            if (new is not sub or new is UNDEFINED) and cleaned is None:
                cleaned = dict(list(value.items())[:index])
            if cleaned is not None and new is not UNDEFINED:
                cleaned[key] = new
        return value if cleaned is None else cleaned

    return clean_dict


def compile_remover(schema: Any) -> Callable[[Any, bool], Any]:
    """:func:`remove_empty_values` for one schema: ``remove(payload, is_root)``, with the same result.

    The root object's keys are cleaned by a loop specialised for the usual payload (flat values,
    a few objects and arrays); everything below the root by the removers compiled for its schemas.
    The root loop is kept for speed alone: cleaning the root with the compiled object cleaner
    plus a pass for root ``""`` gives the same results but nearly doubles the cost on a typical
    Log Event payload.
    """
    cache: dict[int, Remover] = {}
    below_root = _compile_remover(schema, cache)
    properties = schema.get("properties") if _is_typed(schema) else None
    if not truthy(properties):

        def remove_unstructured(payload: Any, is_root: bool) -> Any:
            return below_root(payload)

        return remove_unstructured
    subschemas: Mapping[str, Any] = properties if isinstance(properties, Mapping) else {}
    removers = {key: _compile_remover(sub, cache) for key, sub in subschemas.items()}
    dict_cleaners = {
        key: cleaner for key, sub in subschemas.items() if (cleaner := _dict_cleaner(sub, cache)) is not None
    }
    list_cleaners = {
        key: cleaner for key, sub in subschemas.items() if (cleaner := _list_cleaner(sub, cache)) is not None
    }
    typed = {key: _type_list(sub) for key, sub in subschemas.items() if _is_typed(sub)}
    drop_empty = frozenset(key for key, types in typed.items() if "string" not in types)
    drop_null = frozenset(key for key, types in typed.items() if "null" not in types)

    def remove(payload: Any, is_root: bool) -> Any:
        if not isinstance(payload, dict):
            return below_root(payload)
        cleaned: dict[str, Any] = {}
        for key, value in payload.items():
            kind = type(value)
            if kind is str:
                # "" goes at the root, and below it for fields that cannot hold a string.
                if value or (not is_root and key not in drop_empty):
                    cleaned[key] = value
            elif value is None:
                if key not in drop_null:
                    cleaned[key] = value
            elif kind is dict:
                cleaner = dict_cleaners.get(key)
                cleaned[key] = value if cleaner is None else cleaner(value)
            elif kind is list:
                cleaner = list_cleaners.get(key)
                cleaned[key] = value if cleaner is None else cleaner(value)
            elif kind is bool or kind is int or kind is float:
                cleaned[key] = value  # numbers and booleans are never empty
            elif value is not UNDEFINED:
                if isinstance(value, (str, *_CONTAINERS)):  # subclasses: the general rules
                    value = removers.get(key, _identity)(value)
                    if value is UNDEFINED or (is_root and isinstance(value, str) and value == ""):
                        continue
                cleaned[key] = value
        return cleaned

    return remove

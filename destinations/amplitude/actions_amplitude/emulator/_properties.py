"""User- and group-property operations (``$set``, ``$setOnce``, ``$add``, ``$append``...) on a store."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping
from typing import Literal

__all__ = ["GROUP_OPERATIONS", "USER_OPERATIONS", "apply_property_update", "is_operation_object"]

USER_OPERATIONS = frozenset(
    {
        "$set",
        "$setOnce",
        "$add",
        "$append",
        "$prepend",
        "$unset",
        "$preInsert",
        "$postInsert",
        "$remove",
        "$clearAll",
    }
)
GROUP_OPERATIONS = frozenset({"$set", "$setOnce", "$add", "$append", "$prepend", "$unset"})

Store = MutableMapping[str, object]


def is_operation_object(update: Mapping[str, object]) -> bool:
    """Whether ``update`` holds at least one operation key (else it is a plain set)."""
    return any(key in USER_OPERATIONS for key in update)


def apply_property_update(
    store: Store,
    update: Mapping[str, object],
    *,
    allowed: frozenset[str] = USER_OPERATIONS,
    mixed_mode: Literal["ignore", "set"] = "ignore",
) -> None:
    """Apply one ``user_properties``/``group_properties`` object to ``store``, in key order.

    Without operations every key is set. With operations, plain keys are ignored or set
    according to ``mixed_mode`` (Amplitude forbids mixing; what it does is undocumented).
    Operations not in ``allowed`` are ignored.
    """
    has_operations = is_operation_object(update)
    for key, value in update.items():
        if key not in USER_OPERATIONS:
            if not has_operations or mixed_mode == "set":
                store[key] = value
            continue
        if key not in allowed:
            continue
        if key == "$clearAll":
            store.clear()
        elif isinstance(value, Mapping):
            operation = _OPERATIONS[key]
            for name, argument in value.items():
                operation(store, str(name), argument)


def _set(store: Store, name: str, value: object) -> None:
    store[name] = value


def _set_once(store: Store, name: str, value: object) -> None:
    if store.get(name) is None:
        store[name] = value


def _unset(store: Store, name: str, _value: object) -> None:
    store.pop(name, None)


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                continue
    return None


def _add(store: Store, name: str, value: object) -> None:
    delta = _number(value)
    existing = store.get(name)
    current = 0 if existing is None else _number(existing)
    # A non-numeric increment or a non-numeric current value leaves the property alone.
    if delta is None or current is None:
        return
    store[name] = current + delta


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _current_list(store: Store, name: str) -> list[object]:
    current = store.get(name)
    if current is None:
        return []
    return _as_list(current)


def _append(store: Store, name: str, value: object) -> None:
    store[name] = _current_list(store, name) + _as_list(value)


def _prepend(store: Store, name: str, value: object) -> None:
    store[name] = _as_list(value) + _current_list(store, name)


def _canonical(value: object) -> str:
    # JSON text tells 1 from True and compares nested lists/objects by value.
    return json.dumps(value, sort_keys=True)


def _missing_values(existing: list[object], values: list[object]) -> list[object]:
    seen = {_canonical(item) for item in existing}
    missing: list[object] = []
    for item in values:
        key = _canonical(item)
        if key not in seen:
            seen.add(key)
            missing.append(item)
    return missing


def _pre_insert(store: Store, name: str, value: object) -> None:
    existing = _current_list(store, name)
    store[name] = _missing_values(existing, _as_list(value)) + existing


def _post_insert(store: Store, name: str, value: object) -> None:
    existing = _current_list(store, name)
    store[name] = existing + _missing_values(existing, _as_list(value))


def _remove(store: Store, name: str, value: object) -> None:
    if name not in store:
        return
    unwanted = {_canonical(item) for item in _as_list(value)}
    current = store[name]
    if isinstance(current, list):
        store[name] = [item for item in current if _canonical(item) not in unwanted]
    elif _canonical(current) in unwanted:
        del store[name]


_OPERATIONS: dict[str, Callable[[Store, str, object], None]] = {
    "$set": _set,
    "$setOnce": _set_once,
    "$add": _add,
    "$append": _append,
    "$prepend": _prepend,
    "$unset": _unset,
    "$preInsert": _pre_insert,
    "$postInsert": _post_insert,
    "$remove": _remove,
}

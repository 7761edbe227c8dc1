"""``JSON.stringify`` as V8 writes it: numbers as JavaScript prints them, keys in JavaScript's order."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

from ._values import UNDEFINED, number_to_string, to_string

__all__ = ["json_stringify", "object_keys"]

_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def _encode_str_escaping_surrogates(s: str) -> str:
    out = _encode_str(s)
    return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in out)


def _stringify(value: Any, enc: Callable[[str], str]) -> str | None:
    if isinstance(value, str):
        return enc(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return number_to_string(value)
    if isinstance(value, float):
        if value != value or math.isinf(value):
            return "null"
        return number_to_string(value)
    if isinstance(value, dict):
        parts = []
        items = value.items()
        if any(type(k) is str and k[:1].isdigit() for k in value):
            items = [(k, value[k]) for k in object_keys(value)]  # type: ignore[assignment]
        for k, v in items:
            text = _stringify(v, enc)
            if text is not None:
                parts.append(enc(k if isinstance(k, str) else to_string(k)) + ":" + text)
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_stringify(v, enc) or "null" for v in value) + "]"
    if value is UNDEFINED or callable(value):
        return None
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


_MAX_INDEX: Final = 2**32 - 2


def _is_array_index(key: Any) -> bool:
    return (
        type(key) is str
        and key.isdigit()
        and key.isascii()
        and (key == "0" or key[0] != "0")
        and int(key) <= _MAX_INDEX
    )


def object_keys(obj: dict[Any, Any]) -> list[Any]:
    """``Object.keys(obj)``: integer-like keys in ascending order first, then the rest as inserted."""
    keys = list(obj)
    indexes = [key for key in keys if _is_array_index(key)]
    if not indexes:
        return keys
    indexes.sort(key=int)
    return indexes + [key for key in keys if not _is_array_index(key)]


def json_stringify(value: Any) -> str | None:
    """``JSON.stringify(value)``: compact, non-ASCII kept, lone surrogates escaped, keys in
    JavaScript's property order (integer-like keys first, ascending).

    Returns ``None`` where JavaScript returns ``undefined`` (``value`` is :data:`UNDEFINED`).
    Object keys that are undefined are dropped; undefined array items become ``null``.
    """
    text = _stringify(value, _encode_str)
    if text is not None and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _stringify(value, _encode_str_escaping_surrogates)
    return text

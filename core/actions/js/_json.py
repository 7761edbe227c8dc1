"""``JSON.stringify`` as V8 writes it: numbers as JavaScript prints them, keys in JavaScript's order."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson

from ._objects import array_index
from ._strings import from_utf16_units, to_utf16_units
from ._values import UNDEFINED, number_to_string, to_number, to_string

__all__ = ["json_stringify", "object_keys"]

_encode_str: Final[Callable[[str], str]] = json.encoder.encode_basestring
_MAX_SAFE: Final = 2**53


def _encode_str_escaping_surrogates(s: str) -> str:
    # A surrogate pair written as two code points is the character it encodes, as in JavaScript.
    out = _encode_str(from_utf16_units(s))
    return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in out)


# Object keys seen before: their JSON text with the colon, and their array index (or -1). Keys
# repeat in every event of a batch, and writing them is a good part of writing an event.
_KEYS: dict[str, tuple[str, int]] = {}
_MAX_CACHED_KEYS: Final = 4096


def _key(key: Any, enc: Callable[[str], str]) -> tuple[str, int]:
    if type(key) is str and enc is _encode_str:
        known = _KEYS.get(key)
        if known is None:
            known = (enc(key) + ":", array_index(key))
            if len(_KEYS) < _MAX_CACHED_KEYS:
                _KEYS[key] = known
        return known
    text = key if isinstance(key, str) else to_string(key)
    return enc(text) + ":", array_index(text)


def _object(value: Mapping[Any, Any], enc: Callable[[str], str]) -> str:
    parts = []
    indexed: list[tuple[int, str]] | None = None
    keys = _KEYS if enc is _encode_str else {}
    for key, item in value.items():
        # The common value types are written directly: several times faster than the general path.
        kind = type(item)
        if kind is str:
            text = enc(item)
        elif item is None:
            text = "null"
        elif kind is bool:
            text = "true" if item else "false"
        elif kind is int and -_MAX_SAFE <= item <= _MAX_SAFE:
            text = str(item)
        elif kind is float and 1e-4 <= abs(item) < 1e16 and not item.is_integer():
            text = repr(item)  # where Python's shortest repr is JavaScript's too
        elif kind is dict:
            text = _object(item, enc)
        else:
            written = _stringify(item, enc)
            if written is None:  # undefined: the key is left out
                continue
            text = written
        prefix, index = keys.get(key) or _key(key, enc)
        if index < 0:
            parts.append(prefix + text)
        else:
            if indexed is None:
                indexed = []
            indexed.append((index, prefix + text))
    if indexed is not None:
        indexed.sort(key=lambda entry: entry[0])
        parts[:0] = [part for _, part in indexed]
    return "{" + ",".join(parts) + "}"


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
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return str(value)
        value = to_number(value)  # the double JavaScript holds: rounded, or an infinity
    if isinstance(value, float):
        if value != value or math.isinf(value):
            return "null"
        return number_to_string(value)
    if isinstance(value, Mapping):
        return _object(value, enc)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_stringify(v, enc) or "null" for v in value) + "]"
    if value is UNDEFINED or callable(value):
        return None
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


def object_keys(obj: Mapping[Any, Any]) -> list[Any]:
    """``Object.keys(obj)``: integer-like keys in ascending order first, then the rest as inserted."""
    indexes: list[Any] = []
    rest: list[Any] = []
    for key in obj:
        (indexes if type(key) is str and array_index(key) >= 0 else rest).append(key)
    if not indexes:
        return rest
    indexes.sort(key=int)
    return indexes + rest


# orjson writes most JSON byte for byte as JSON.stringify does, several times faster. It refuses
# integers beyond 2**53 (OPT_STRICT_INTEGER), which JavaScript rounds. Where else it may differ,
# its output shows it once reduced to a shape (0 stays "0", other digits become "1", "e" stays,
# signs become "+", the bytes around values become ",", quotes and dots stay, all else a space):
# - ".0," or a final ".0": an integral float (orjson: 100.0 and -0.0; JavaScript: 100 and 0);
# - "1e+1": an exponent (orjson: 1e-6 and 1e+16; JavaScript: 0.000001 and every digit), since
#   orjson writes neither a mantissa ending in 0 nor an exponent starting with 0;
# - ',"0' or ',"1': a key starting with a digit, maybe an array index, which JavaScript writes first.
# Strings that happen to look so (a UUID's "9e-1") only cost the exact path.
_SHAPE: Final = bytes(
    0x30 if byte == 0x30
    else 0x31 if 0x31 <= byte <= 0x39
    else 0x65 if byte in b"eE"
    else 0x2B if byte in b"+-"
    else 0x2C if byte in b",{}[]"
    else byte if byte in b'."'
    else 0x20
    for byte in range(256)
)


def _orjson(value: Any) -> str | None:
    """``value`` written by orjson when that is certainly what JSON.stringify writes, else None."""
    try:
        # Refuses undefined, lone surrogates, keys that are not strings and unsafe integers.
        data = orjson.dumps(value, option=orjson.OPT_STRICT_INTEGER)
    except TypeError:
        return None
    shape = data.translate(_SHAPE)
    if b".0," in shape or b"1e+1" in shape or b',"0' in shape or b',"1' in shape or shape.endswith(b".0"):
        return None
    return data.decode("utf-8")


def _gap(space: Any) -> str | None:
    """V8's indentation for ``JSON.stringify``'s ``space`` (``None``: compact output): up to 10
    spaces, or a string's first 10 UTF-16 units. A number above 0 turns indentation on even when
    it rounds down to no spaces."""
    if isinstance(space, bool):
        return None
    if isinstance(space, int | float):
        width = min(space, 10)
        return " " * int(width) if width > 0 else None
    if isinstance(space, str):
        return from_utf16_units(to_utf16_units(space)[:10]) or None
    return None


def _pretty(value: Any, enc: Callable[[str], str], gap: str, current: str) -> str | None:
    """``JSON.stringify`` with indentation: one member per line, ``gap`` deeper at each level."""
    inner = current + gap
    if isinstance(value, Mapping):
        parts = []
        for key in object_keys(value):
            text = _pretty(value[key], enc, gap, inner)
            if text is not None:
                parts.append(enc(key if isinstance(key, str) else to_string(key)) + ": " + text)
        return "{\n" + inner + f",\n{inner}".join(parts) + "\n" + current + "}" if parts else "{}"
    if isinstance(value, list | tuple):
        items = [_pretty(item, enc, gap, inner) or "null" for item in value]
        return "[\n" + inner + f",\n{inner}".join(items) + "\n" + current + "]" if items else "[]"
    return _stringify(value, enc)


def _exact_json(value: Any, gap: str | None = None) -> str | None:
    """``JSON.stringify`` written in Python, indented by ``gap`` (``None``: compact).

    Strings go through the standard library's encoder, which leaves lone surrogates raw; when the
    text has one (it cannot be UTF-8), it is written again with them escaped, as JavaScript does.
    """

    def write(enc: Callable[[str], str]) -> str | None:
        return _stringify(value, enc) if gap is None else _pretty(value, enc, gap, "")

    text = write(_encode_str)
    if text is not None and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = write(_encode_str_escaping_surrogates)
    return text


def json_stringify(value: Any, space: Any = None) -> str | None:
    """``JSON.stringify(value, null, space)``: non-ASCII kept, lone surrogates escaped, keys in
    JavaScript's property order (integer-like keys first, ascending); compact without ``space``.

    Returns ``None`` where JavaScript returns ``undefined`` (``value`` is :data:`UNDEFINED`).
    Object keys that are undefined are dropped; undefined array items become ``null``.
    """
    gap = _gap(space)
    if gap is None:
        text = _orjson(value)
        if text is not None:
            return text
    return _exact_json(value, gap)

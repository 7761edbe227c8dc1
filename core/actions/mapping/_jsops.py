"""JavaScript operations the mapping language depends on: truthiness, UTF-16 strings, literal replace."""

from __future__ import annotations

import math
from typing import Any, Final

from .._js import UNDEFINED

__all__ = [
    "MISSING",
    "from_utf16_units",
    "js_canonical_case",
    "js_json_stringify",
    "js_literal_replace",
    "js_loose_not_empty",
    "js_object_keys",
    "js_to_number",
    "js_trim",
    "js_truthy",
    "js_typeof",
    "to_utf16_units",
    "utf16_len",
]


class _Missing:
    """A key that is absent from a mapping object (as opposed to present with a value)."""

    def __repr__(self) -> str:
        return "MISSING"


#: Sentinel for "the option key is not in the directive object"; it behaves like ``undefined``.
MISSING: Final = _Missing()

# JavaScript's String.prototype.trim() whitespace: WhiteSpace and LineTerminator code points.
_JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``0``, ``NaN``, ``''``, ``false``, ``null`` and ``undefined`` are falsy.

    Unlike Python, empty arrays and objects are truthy.
    """
    if value is None or value is UNDEFINED or value is MISSING or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int):
        return value != 0
    if isinstance(value, float):
        return value == value and value != 0.0
    return True


def js_typeof(value: Any) -> str:
    """JavaScript's ``typeof``: ``object`` for objects, arrays and ``null``."""
    if value is UNDEFINED or value is MISSING:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def js_to_number(value: Any) -> float | int:
    """JavaScript's ``Number(value)`` for JSON values (``NaN`` where JavaScript gives ``NaN``)."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    if isinstance(value, str):
        text = js_trim(value)
        if text == "":
            return 0
        lowered = text.lower()
        if lowered.startswith(("0x", "0o", "0b")) and text[:2] == lowered[:2]:
            try:
                return int(text, 0)
            except ValueError:
                return math.nan
        if text in ("Infinity", "+Infinity"):
            return math.inf
        if text == "-Infinity":
            return -math.inf
        if not all(c in "0123456789+-.eE" for c in text):
            return math.nan
        try:
            number = float(text)
        except ValueError:
            return math.nan
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, list | tuple):
        if not value:
            return 0
        if len(value) == 1:
            return js_to_number(_array_join(value))
        return math.nan
    return math.nan


def _array_join(value: list[Any] | tuple[Any, ...]) -> str:
    from .._js import js_string

    return js_string(value)


def js_trim(text: str) -> str:
    """JavaScript's ``String.prototype.trim``."""
    return text.strip(_JS_WHITESPACE)


def js_loose_not_empty(value: Any) -> bool:
    """JavaScript's ``value != ''`` for a value known not to be ``null``/``undefined``."""
    if isinstance(value, str):
        return value != ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0  # NaN != 0 is True, as in JavaScript
    if isinstance(value, list | tuple):
        return _array_join(value) != ""
    return True  # an object becomes "[object Object]"


def utf16_len(text: str) -> int:
    """``text.length`` in JavaScript: characters outside the BMP count twice."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def to_utf16_units(text: str) -> str:
    """Split every non-BMP character into its two surrogate code points (JavaScript's view of a string)."""
    if text.isascii() or all(ord(c) <= 0xFFFF for c in text):
        return text
    out = []
    for c in text:
        code = ord(c)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(chr(0xD800 + (code >> 10)))
            out.append(chr(0xDC00 + (code & 0x3FF)))
        else:
            out.append(c)
    return "".join(out)


def from_utf16_units(text: str) -> str:
    """Join adjacent surrogate pairs back into single characters; lone surrogates stay."""
    if text.isascii():
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in text)


_CANONICAL_CACHE: dict[str, str] = {}


def js_canonical_case(char: str) -> str:
    """The case-folded form a non-unicode JavaScript regex with the ``i`` flag compares.

    JavaScript upper-cases the code unit and keeps the original when the result is not a single
    code unit, or when it would turn a non-ASCII character into an ASCII one (so ``ß`` does not
    match ``ẞ`` and ``ſ`` does not match ``s``).
    """
    cached = _CANONICAL_CACHE.get(char)
    if cached is not None:
        return cached
    code = ord(char)
    result = char
    if code < 128:
        result = char.upper()
    elif code <= 0xFFFF and not 0xD800 <= code <= 0xDFFF:
        upper = char.upper()
        if len(upper) == 1 and 128 <= ord(upper) <= 0xFFFF:
            result = upper
    if len(_CANONICAL_CACHE) < 65536:
        _CANONICAL_CACHE[char] = result
    return result


def _canonical(text: str) -> str:
    if text.isascii():
        return text.upper()
    return "".join(map(js_canonical_case, text))


def _expand_replacement(replacement: str, matched: str, position: int, source: str) -> str:
    """JavaScript's GetSubstitution for a pattern without capture groups."""
    out = []
    i = 0
    size = len(replacement)
    while i < size:
        char = replacement[i]
        if char == "$" and i + 1 < size:
            follower = replacement[i + 1]
            if follower == "$":
                out.append("$")
                i += 2
                continue
            if follower == "&":
                out.append(matched)
                i += 2
                continue
            if follower == "`":
                out.append(source[:position])
                i += 2
                continue
            if follower == "'":
                out.append(source[position + len(matched) :])
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


#: The longest text one ``@replace`` pass may build (V8 itself stops near 2**29 code units).
MAX_REPLACE_RESULT: Final = 100_000_000


def js_literal_replace(value: str, pattern: str, replacement: str, *, global_: bool, ignorecase: bool) -> str:
    """``value.replace(new RegExp(escaped(pattern), flags), replacement)`` in JavaScript.

    The pattern is literal text; matching is on UTF-16 code units, the ``i`` flag uses
    JavaScript's simple case canonicalisation, and ``$$``, ``$&``, ``$``` and ``$'`` in the
    replacement are interpreted (``$1`` stays literal: there are no capture groups).
    """
    units = _has_surrogate(pattern)
    source = to_utf16_units(value) if units else value
    needle = pattern
    haystack = source
    if ignorecase:
        haystack = _canonical(source)
        needle = _canonical(pattern)
    expand = "$" in replacement
    pieces: list[str] = []
    start = 0
    step = len(needle)
    size = 0
    while True:
        found = haystack.find(needle, start)
        if found < 0:
            break
        matched = source[found : found + step]
        pieces.append(source[start:found])
        pieces.append(_expand_replacement(replacement, matched, found, source) if expand else replacement)
        size += len(pieces[-2]) + len(pieces[-1])
        if size > MAX_REPLACE_RESULT:
            # "$'" and "$`" copy the rest of the text at every match: quadratic in the input.
            from .._errors import MappingError

            raise MappingError(
                f"@replace result is over the limit of {MAX_REPLACE_RESULT} characters", kind="RangeError"
            )
        start = found + step
        if not global_:
            break
    if not pieces:
        return value
    pieces.append(source[start:])
    result = "".join(pieces)
    return from_utf16_units(result) if units else result


_MAX_INDEX: Final = 2**32 - 2


def _is_array_index(key: Any) -> bool:
    return (
        type(key) is str
        and key.isdigit()
        and key.isascii()
        and (key == "0" or key[0] != "0")
        and int(key) <= _MAX_INDEX
    )


def js_object_keys(obj: dict[Any, Any]) -> list[Any]:
    """``Object.keys(obj)``: integer-like keys in ascending order first, then the rest as inserted."""
    keys = list(obj)
    indexes = [key for key in keys if _is_array_index(key)]
    if not indexes:
        return keys
    indexes.sort(key=int)
    return indexes + [key for key in keys if not _is_array_index(key)]


def _js_ordered(value: Any) -> Any:
    if type(value) is dict or isinstance(value, dict):
        return {key: _js_ordered(value[key]) for key in js_object_keys(value)}
    if isinstance(value, list | tuple):
        return [_js_ordered(item) for item in value]
    return value


def js_json_stringify(value: Any) -> str | None:
    """``JSON.stringify(value)`` with JavaScript's property order (integer-like keys first)."""
    from .._js import json_stringify

    return json_stringify(_js_ordered(value))

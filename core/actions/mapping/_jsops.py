"""JavaScript operations only the mapping language needs: absent keys, loose comparison, literal replace."""

from __future__ import annotations

from typing import Any, Final

from actions.js import Undefined, from_utf16_units, has_surrogate, to_string, to_utf16_units

__all__ = [
    "MAX_REPLACE_RESULT",
    "MISSING",
    "js_canonical_case",
    "js_literal_replace",
    "js_loose_not_empty",
]


class _Missing(Undefined):
    """A key that is absent from a mapping object (as opposed to present with a value).

    It is a kind of ``undefined``, so :func:`actions.js.truthy` and :func:`actions.js.typeof` treat it so.
    """

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


#: Sentinel for "the option key is not in the directive object"; it behaves like ``undefined``.
MISSING: Final = _Missing()

def js_loose_not_empty(value: Any) -> bool:
    """JavaScript's ``value != ''`` for a value known not to be ``null``/``undefined``."""
    if isinstance(value, str):
        return value != ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0  # NaN != 0 is True, as in JavaScript
    if isinstance(value, list | tuple):
        return to_string(value) != ""
    return True  # an object becomes "[object Object]"


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
    units = has_surrogate(pattern)
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



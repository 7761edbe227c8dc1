"""JavaScript's view of strings: its white space, and lengths and indexes in UTF-16 code units."""

from __future__ import annotations

from typing import Final

__all__ = [
    "LINE_TERMINATORS",
    "WHITE_SPACE",
    "WHITE_SPACE_CLASS",
    "from_utf16_units",
    "has_surrogate",
    "to_utf16_units",
    "to_well_formed",
    "trim",
    "utf16_len",
    "utf16_slice",
]

#: ``WhiteSpace`` and ``LineTerminator`` code points: what ``trim()`` strips and ``\s`` matches.
#: Python's ``str.isspace`` differs (it adds U+001C..U+001F and U+0085, and lacks U+FEFF).
WHITE_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

#: ``LineTerminator`` code points: where ``.`` stops matching and where ``^``/``$`` match with the
#: ``m`` flag. Python's ``str.splitlines`` adds others (U+000B, U+000C, U+001C..U+001E, U+0085);
#: its ``re`` knows only LF.
LINE_TERMINATORS: Final = "\n\r\u2028\u2029"

#: :data:`WHITE_SPACE` as the body of a regular-expression character class (``f"[{WHITE_SPACE_CLASS}]"``).
WHITE_SPACE_CLASS: Final = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def trim(text: str) -> str:
    """``String.prototype.trim``."""
    return text.strip(WHITE_SPACE)


def utf16_len(text: str) -> int:
    """``text.length``: characters outside the BMP count twice."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def utf16_slice(text: str, start: int, end: int | None = None) -> str:
    """``text.slice(start, end)`` for non-negative indexes: counted in UTF-16 code units, so a cut
    through a surrogate pair leaves its lone half, as in JavaScript."""
    if text.isascii():
        return text[start:end]
    return from_utf16_units(to_utf16_units(text)[start:end])


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


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point (half of a UTF-16 pair, as JSON can carry)."""
    return not text.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def to_well_formed(text: str) -> str:
    """``text.toWellFormed()``: what Node's UTF-8 encoder and web APIs make of a string.

    Surrogate pairs written as two code points become the character they encode; lone surrogates
    (JSON can carry them) become U+FFFD.
    """
    if not has_surrogate(text):
        return text
    joined = from_utf16_units(text)
    return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in joined)

"""Liquid filters with LiquidJS 10 semantics (JavaScript numbers, strings, arrays and dates).

Every filter receives the render context, the input value and the list of evaluated arguments,
and behaves like LiquidJS's: extra arguments are ignored, missing ones are ``undefined`` (which
picks the default), keyword arguments arrive as ``[name, value]`` lists, and inputs are coerced
the JavaScript way (``'abc' | plus: 2`` is ``2``, ``5 | minus`` is ``NaN``).
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Final, Protocol

from actions.js import (
    LINE_TERMINATORS,
    UNDEFINED,
    WHITE_SPACE,
    WHITE_SPACE_CLASS,
    from_utf16_units,
    json_stringify,
    to_string,
    to_utf16_units,
    trim,
    truthy,
    utf16_len,
)

from ._dates import LiquidDate, parse_liquid_date
from ._lexer import Token, Tokenizer
from ._math import js_ceil, js_div, js_floor, js_mod, js_mul, js_pow, js_round, js_sign, unsafe_as_double
from ._strftime import strftime
from ._values import (
    BlockDrop,
    Drop,
    JsError,
    is_nil,
    js_add,
    js_compare,
    js_to_integer,
    js_to_primitive,
    liquid_equals,
    liquid_falsy,
    number_value,
    stringify,
    to_liquid_number,
    to_value,
)

__all__ = ["DISABLED_FILTERS", "FILTERS", "Limiter", "RenderContext", "js_filter_for"]

#: Filters the reference registers as throwing ``filter "<name>" is disabled``.
DISABLED_FILTERS: Final = (
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
)

_DEFAULT_DATE_FORMAT: Final = "%A, %B %-e, %Y at %-l:%M %P %z"


class Limiter:
    """LiquidJS's resource limiter: the amounts ``use`` adds up may not pass ``limit``."""

    def __init__(self, resource: str, limit: float) -> None:
        self.base: float = 0
        self.limit = limit
        self.message = f"{resource} limit exceeded"

    def use(self, count: Any) -> None:
        amount = number_value(js_to_primitive(count))
        if amount > 0:
            if not self.base + amount <= self.limit:
                raise JsError(self.message, "AssertionError")
            self.base += amount


class RenderContext(Protocol):
    """What filters need from a render."""

    memory: Limiter

    def now_ms(self) -> int: ...

    def spawn(self, item: Any) -> RenderContext: ...

    def evaluate(self, token: Token) -> Any: ...

    def read_path(self, target: Any, props: list[Any]) -> Any: ...


Filter = Callable[[Any, Any, list[Any]], Any]


def _arg(args: list[Any], index: int, default: Any = UNDEFINED) -> Any:
    """Argument ``index``; ``default`` when it is missing or undefined (JavaScript default parameters)."""
    if index < len(args) and args[index] is not UNDEFINED:
        return args[index]
    return default


def _length(value: Any) -> Any:
    """``value.length`` for a raw value (``UNDEFINED`` when it has none)."""
    if isinstance(value, str):
        return utf16_len(value)
    if isinstance(value, list | tuple):
        return len(value)
    if isinstance(value, dict):
        return value.get("length", UNDEFINED)
    return UNDEFINED


# --- numbers ---------------------------------------------------------------------------------


def _numbers(args: list[Any]) -> list[float | int]:
    """``argumentsToNumber``: each passed argument through ``toNumber`` (missing ones stay missing)."""
    return [to_liquid_number(argument) for argument in args]


def _missing_nan(numbers: list[float | int], index: int) -> float | int:
    return numbers[index] if index < len(numbers) else math.nan


def _abs(ctx: Any, value: Any, args: list[Any]) -> Any:
    number = to_liquid_number(value)
    return abs(number) if number == number else number


def _at_least(ctx: Any, value: Any, args: list[Any]) -> Any:
    numbers = [to_liquid_number(value), *_numbers(args)]
    return max(numbers)


def _at_most(ctx: Any, value: Any, args: list[Any]) -> Any:
    numbers = [to_liquid_number(value), *_numbers(args)]
    return min(numbers)


def _ceil(ctx: Any, value: Any, args: list[Any]) -> Any:
    return js_ceil(to_liquid_number(value))


def _floor(ctx: Any, value: Any, args: list[Any]) -> Any:
    return js_floor(to_liquid_number(value))


def _divided_by(ctx: Any, value: Any, args: list[Any]) -> Any:
    numbers = _numbers(args)
    result = js_div(to_liquid_number(value), _missing_nan(numbers, 0))
    if len(numbers) > 1 and truthy(numbers[1]):
        return js_floor(result)
    return result


def _minus(ctx: Any, value: Any, args: list[Any]) -> Any:
    return unsafe_as_double(to_liquid_number(value) - _missing_nan(_numbers(args), 0))


def _plus(ctx: Any, value: Any, args: list[Any]) -> Any:
    return unsafe_as_double(to_liquid_number(value) + _missing_nan(_numbers(args), 0))


def _times(ctx: Any, value: Any, args: list[Any]) -> Any:
    return js_mul(to_liquid_number(value), _missing_nan(_numbers(args), 0))


def _modulo(ctx: Any, value: Any, args: list[Any]) -> Any:
    return js_mod(to_liquid_number(value), _missing_nan(_numbers(args), 0))


def _round(ctx: Any, value: Any, args: list[Any]) -> Any:
    number = to_liquid_number(value)
    places = to_liquid_number(_arg(args, 0, 0))
    amp = js_pow(10.0, places)
    scaled = number * amp
    rounded = js_round(abs(scaled)) if scaled == scaled else scaled
    result = js_div(js_mul(js_sign(number), rounded), amp)
    return _tidy(result)


_MAX_SAFE: Final = 2**53


def _tidy(number: float | int) -> float | int:
    if isinstance(number, float) and number.is_integer() and abs(number) < _MAX_SAFE:
        return -0.0 if number == 0 and math.copysign(1, number) < 0 else int(number)
    return number


# --- html ------------------------------------------------------------------------------------

_ESCAPES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}
_UNESCAPES: Final = {value: key for key, value in _ESCAPES.items()}
_ESCAPE: Final = re.compile(r"[&<>\"']")
_UNESCAPE: Final = re.compile(r"&(amp|lt|gt|#34|#39);")


def _escape_text(ctx: Any, value: Any) -> str:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text)


def _escape(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _escape_text(ctx, value)


def _escape_once(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _escape_text(ctx, _UNESCAPE.sub(lambda m: _UNESCAPES[m.group(0)], text))


_LINE_END: Final = re.compile(f"[{LINE_TERMINATORS}]")


class _NextFind:
    """``text.find(needle, start)`` for non-decreasing starts, remembering the last answer.

    A later start at or before the remembered hit has the same answer, and a miss stays a miss,
    so a whole scan costs one pass over ``text`` per needle.
    """

    def __init__(self, text: str, needle: str | re.Pattern[str]) -> None:
        self.text = text
        self.needle = needle
        self.hit = -2  # -2: not searched yet; -1: no occurrence after the last start

    def __call__(self, start: int) -> int:
        if self.hit == -1 or start <= self.hit:
            return self.hit
        if isinstance(self.needle, str):
            self.hit = self.text.find(self.needle, start)
        else:
            found = self.needle.search(self.text, start)
            self.hit = found.start() if found else -1
        return self.hit


def _strip_html_text(text: str) -> str:
    """LiquidJS's ``/<script[\\s\\S]*?<\\/script>|<style[\\s\\S]*?<\\/style>|<.*?>|<!--[\\s\\S]*?-->/g``.

    The regex is quadratic on hostile input (many ``<`` with no closing ``>`` on the line, or many
    ``<script`` without ``</script>``); this scan tries the alternatives in the same order at each
    ``<`` but answers every "next closer" question from a cache, so it is linear.
    """
    script_end = _NextFind(text, "</script>")
    style_end = _NextFind(text, "</style>")
    comment_end = _NextFind(text, "-->")
    tag_end = _NextFind(text, ">")
    line_end = _NextFind(text, _LINE_END)
    out: list[str] = []
    kept = 0
    position = text.find("<")
    while position >= 0:
        end = -1
        if text.startswith("<script", position):
            close = script_end(position + 7)
            end = close + 9 if close >= 0 else -1
        if end < 0 and text.startswith("<style", position):
            close = style_end(position + 6)
            end = close + 8 if close >= 0 else -1
        if end < 0:
            close = tag_end(position + 1)
            stop = line_end(position + 1)
            end = close + 1 if close >= 0 and (stop < 0 or close < stop) else -1
        if end < 0 and text.startswith("<!--", position):
            close = comment_end(position + 4)
            end = close + 3 if close >= 0 else -1
        if end < 0:
            position = text.find("<", position + 1)
            continue
        out.append(text[kept:position])
        kept = end
        position = text.find("<", end)
    out.append(text[kept:])
    return "".join(out)


def _strip_html(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _strip_html_text(text)


# --- URLs ------------------------------------------------------------------------------------

_COMPONENT_SAFE: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
_URI_SAFE: Final = _COMPONENT_SAFE | frozenset(";,/?:@&=+$#")


def _encode_uri(text: str, safe: frozenset[str]) -> str:
    """``encodeURIComponent`` / ``encodeURI``: lone surrogates throw ``URI malformed``."""
    out: list[str] = []
    for char in from_utf16_units(text):
        if char in safe:
            out.append(char)
            continue
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise JsError("URI malformed", "URIError")
        out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


def _decode_uri_component(text: str) -> str:
    out: list[str] = []
    pending = bytearray()
    i = 0
    size = len(text)

    def flush() -> None:
        if pending:
            try:
                out.append(pending.decode("utf-8"))
            except UnicodeDecodeError as error:
                raise JsError("URI malformed", "URIError") from error
            pending.clear()

    while i < size:
        char = text[i]
        if char == "%":
            pair = text[i + 1 : i + 3]
            if len(pair) < 2 or not all(c in _HEX_DIGITS for c in pair):
                raise JsError("URI malformed", "URIError")
            byte = int(pair, 16)
            if byte < 0x80:
                flush()
                out.append(chr(byte))
            else:
                if byte & 0xC0 != 0x80:
                    flush()
                pending.append(byte)
            i += 3
            continue
        flush()
        out.append(char)
        i += 1
    flush()
    return "".join(out)


def _url_decode(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _decode_uri_component(from_utf16_units(stringify(value))).replace("+", " ")


def _url_encode(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _encode_uri(stringify(value), _COMPONENT_SAFE).replace("%20", "+")


def _cgi_escape(ctx: Any, value: Any, args: list[Any]) -> Any:
    encoded = _encode_uri(stringify(value), _COMPONENT_SAFE).replace("%20", "+")
    return re.sub(r"[!'()*]", lambda m: f"%{ord(m.group(0)):X}", encoded)


def _uri_escape(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _encode_uri(stringify(value), _URI_SAFE).replace("%5B", "[").replace("%5D", "]")


def _is_slug_char(char: str, extra: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in ("L", "M") or category == "Nd" or char in extra


def _slug_replace(text: str, extra: str) -> str:
    out: list[str] = []
    in_run = False
    for char in from_utf16_units(text):
        if _is_slug_char(char, extra):
            out.append(char)
            in_run = False
        elif not in_run:
            out.append("-")
            in_run = True
    return "".join(out)


_ACCENTS: Final = (
    ("àáâãäå", "a"),
    ("æ", "ae"),
    ("ç", "c"),
    ("èéêë", "e"),
    ("ìíîï", "i"),
    ("ð", "d"),
    ("ñ", "n"),
    ("òóôõöø", "o"),
    ("ùúûü", "u"),
    ("ýÿ", "y"),
    ("ß", "ss"),
    ("œ", "oe"),
    ("þ", "th"),
    ("ẞ", "SS"),
    ("Œ", "OE"),
    ("Þ", "TH"),
)
_ACCENT_TABLE: Final = {ord(char): plain for chars, plain in _ACCENTS for char in chars}
_JS_SPACE_RUN: Final = re.compile(f"[{WHITE_SPACE_CLASS}]+")
_ASCII_RUN: Final = re.compile(r"[^A-Za-z0-9]+")
_EDGE_DASHES: Final = re.compile(r"^-|-$")
_SLUG_MODES: Final = frozenset({"raw", "default", "pretty", "ascii", "latin"})


def _slugify(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    mode = _arg(args, 0, "default")
    cased = _arg(args, 1, False)
    # The mode is a property key: ["raw"] finds "raw"; a drop prints as "[object Object]".
    name = mode if isinstance(mode, str) else "" if isinstance(mode, Drop) else to_string(mode)
    if name in _SLUG_MODES:
        if name == "latin":
            text = from_utf16_units(text).translate(_ACCENT_TABLE)
        if name == "raw":
            text = _JS_SPACE_RUN.sub("-", text)
        elif name == "ascii":
            text = _ASCII_RUN.sub("-", text)
        elif name == "pretty":
            text = _slug_replace(text, "._~!$&'()+,;=@")
        else:
            text = _slug_replace(text, "")
        text = _EDGE_DASHES.sub("", text)
    return text if truthy(cased) else _lower(text)


# --- strings ---------------------------------------------------------------------------------


def _lower(text: str) -> str:
    return from_utf16_units(text).lower()


def _upper(text: str) -> str:
    return from_utf16_units(text).upper()


def _append(ctx: Any, value: Any, args: list[Any]) -> Any:
    if len(args) != 1:
        raise JsError("append expect 2 arguments", "AssertionError")
    left, right = stringify(value), stringify(args[0])
    ctx.memory.use(utf16_len(left) + utf16_len(right))
    return left + right


def _prepend(ctx: Any, value: Any, args: list[Any]) -> Any:
    if len(args) != 1:
        raise JsError("prepend expect 2 arguments", "AssertionError")
    left, right = stringify(value), stringify(args[0])
    ctx.memory.use(utf16_len(left) + utf16_len(right))
    return right + left


def _char_set(chars: Any) -> frozenset[str]:
    # new Set(string) iterates code points; membership is then tested per code unit.
    return frozenset(from_utf16_units(stringify(chars)))


def _lstrip(ctx: Any, value: Any, args: list[Any]) -> Any:
    units = to_utf16_units(stringify(value))
    ctx.memory.use(len(units))
    chars = _arg(args, 0)
    if truthy(chars):
        pool = _char_set(chars)
        ctx.memory.use(utf16_len(stringify(chars)))
        for index, unit in enumerate(units):
            if unit not in pool:
                return units[index:]
        return ""
    return units.lstrip(WHITE_SPACE)


def _rstrip(ctx: Any, value: Any, args: list[Any]) -> Any:
    units = to_utf16_units(stringify(value))
    ctx.memory.use(len(units))
    chars = _arg(args, 0)
    if truthy(chars):
        pool = _char_set(chars)
        ctx.memory.use(utf16_len(stringify(chars)))
        for index in range(len(units) - 1, -1, -1):
            if units[index] not in pool:
                return units[: index + 1]
        return ""
    return units.rstrip(WHITE_SPACE)


def _strip(ctx: Any, value: Any, args: list[Any]) -> Any:
    units = to_utf16_units(stringify(value))
    ctx.memory.use(len(units))
    chars = _arg(args, 0)
    if truthy(chars):
        pool = _char_set(chars)
        ctx.memory.use(len(pool))
        start, end = 0, len(units) - 1
        while start < len(units) and units[start] in pool:
            start += 1
        while end >= start and units[end] in pool:
            end -= 1
        return units[start : end + 1]
    return trim(units)


def _downcase(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _lower(text)


def _upcase(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _upper(text)


def _capitalize(ctx: Any, value: Any, args: list[Any]) -> Any:
    units = to_utf16_units(stringify(value))
    ctx.memory.use(len(units))
    return _upper(units[:1]) + _lower(units[1:])


def _split_text(text: str, separator: str) -> list[str]:
    """``text.split(separator)`` for a string separator."""
    if separator == "":
        return list(to_utf16_units(text))
    return to_utf16_units(text).split(to_utf16_units(separator))


def _remove(ctx: Any, value: Any, args: list[Any]) -> Any:
    text, target = stringify(value), stringify(_arg(args, 0))
    ctx.memory.use(utf16_len(text) + utf16_len(target))
    return "".join(_split_text(text, target))


def _remove_first(ctx: Any, value: Any, args: list[Any]) -> Any:
    text, target = to_utf16_units(stringify(value)), to_utf16_units(stringify(_arg(args, 0)))
    ctx.memory.use(len(text) + len(target))
    return text.replace(target, "", 1)


def _remove_last(ctx: Any, value: Any, args: list[Any]) -> Any:
    text, target = to_utf16_units(stringify(value)), to_utf16_units(stringify(_arg(args, 0)))
    ctx.memory.use(len(text) + len(target))
    index = text.rfind(target)
    if index < 0:
        return text
    return text[:index] + text[index + len(target) :]


def _replace(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    pattern = stringify(_arg(args, 0))
    replacement = stringify(_arg(args, 1))
    parts = _split_text(text, pattern)
    size = utf16_len(text) + (len(parts) - 1) * (utf16_len(replacement) - utf16_len(pattern))
    ctx.memory.use(size)
    return to_utf16_units(replacement).join(parts)


def _replace_first(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = to_utf16_units(stringify(value))
    pattern = to_utf16_units(stringify(_arg(args, 0)))
    replacement = to_utf16_units(stringify(_arg(args, 1)))
    ctx.memory.use(len(text) + len(pattern) + len(replacement))
    return text.replace(pattern, replacement, 1)


def _replace_last(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = to_utf16_units(stringify(value))
    pattern = to_utf16_units(stringify(_arg(args, 0)))
    replacement = to_utf16_units(stringify(_arg(args, 1)))
    ctx.memory.use(len(text) + len(pattern) + len(replacement))
    index = text.rfind(pattern)
    if index < 0:
        return text
    return text[:index] + replacement + text[index + len(pattern) :]


def _split(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    parts = _split_text(text, stringify(_arg(args, 0)))
    while parts and parts[-1] == "":
        parts.pop()
    return parts


_NEWLINES: Final = re.compile(r"\r?\n")


def _strip_newlines(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _NEWLINES.sub("", text)


def _substring(units: str, start: float, end: float) -> str:
    """``String.prototype.substring`` (NaN and negatives clamp to 0; the bounds may be swapped)."""
    size = len(units)

    def clamp(position: float) -> int:
        if position != position:
            return 0
        return int(max(0, min(size, position)))

    low, high = clamp(start), clamp(end)
    if low > high:
        low, high = high, low
    return units[low:high]


def _truncate(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = to_utf16_units(stringify(value))
    limit = _arg(args, 0, 50)
    ellipsis = to_utf16_units(stringify(_arg(args, 1, "...")))
    ctx.memory.use(len(text) + len(ellipsis))
    if js_compare(len(text), limit) in (-1, 0):
        return value
    end = number_value(js_to_primitive(limit)) - len(ellipsis)
    return _substring(text, 0, js_to_integer(end)) + ellipsis


_WHITESPACE_RUN: Final = re.compile(f"[{WHITE_SPACE_CLASS}]+")


def _slice_count(items: list[Any], start: Any, end: Any) -> list[Any]:
    """``Array.prototype.slice(start, end)``."""
    size = len(items)

    def position(value: Any, default: float) -> int:
        if value is UNDEFINED:
            return int(default)
        number = js_to_integer(value)
        if number < 0:
            return int(max(0, size + number))
        return int(min(number, size))

    low, high = position(start, 0), position(end, size)
    return items[low:high] if low < high else []


def _truncatewords(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    words = _arg(args, 0, 15)
    ellipsis = stringify(_arg(args, 1, "..."))
    ctx.memory.use(utf16_len(text) + utf16_len(ellipsis))
    parts = _WHITESPACE_RUN.split(text)
    if js_compare(words, 0) in (-1, 0):
        words = 1
    result = " ".join(_slice_count(parts, 0, words))
    if js_compare(len(parts), words) in (0, 1):
        result += ellipsis
    return result


def _normalize_whitespace(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return _WHITESPACE_RUN.sub(" ", text)


_CJK: Final = "\u4e00-\u9fff\uf900-\ufaff\u3400-\u4dbf\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af"
_CJK_CHAR: Final = re.compile(f"[{_CJK}]")
_NON_CJK_WORD: Final = re.compile(f"[^{_CJK}{WHITE_SPACE_CLASS}]+")


def _number_of_words(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    text = trim(from_utf16_units(text))
    if not text:
        return 0
    mode = _arg(args, 0)
    if mode == "cjk" and isinstance(mode, str):
        return len(_CJK_CHAR.findall(text)) + len(_NON_CJK_WORD.findall(text))
    if mode == "auto" and isinstance(mode, str) and _CJK_CHAR.search(text):
        return len(_CJK_CHAR.findall(text)) + len(_NON_CJK_WORD.findall(text))
    return len(_WHITESPACE_RUN.split(text))


# --- base64 ----------------------------------------------------------------------------------

_BASE64: Final = {
    char: index
    for index, char in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_BASE64.update({"-": 62, "_": 63})
_B64_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _utf8(text: str) -> bytes:
    """Node's UTF-8 encoding: lone surrogates become U+FFFD."""
    joined = from_utf16_units(text)
    cleaned = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in joined)
    return cleaned.encode("utf-8")


def _base64_encode(ctx: Any, value: Any, args: list[Any]) -> Any:
    import base64

    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    return base64.b64encode(_utf8(text)).decode("ascii")


def _base64_decode(ctx: Any, value: Any, args: list[Any]) -> Any:
    text = stringify(value)
    ctx.memory.use(utf16_len(text))
    # Node skips characters outside the alphabet (both alphabets) and stops at the first "=".
    out = bytearray()
    bits = 0
    count = 0
    for char in text:
        if char == "=":
            break
        digit = _BASE64.get(char)
        if digit is None:
            continue
        bits = (bits << 6) | digit
        count += 6
        if count >= 8:
            count -= 8
            out.append((bits >> count) & 0xFF)
    return out.decode("utf-8", "replace")


# --- arrays ----------------------------------------------------------------------------------


def _to_array(value: Any) -> list[Any]:
    value = to_value(value)
    if is_nil(value):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _join_item(item: Any) -> str:
    return "" if is_nil(item) else to_string(item)


def _join(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    separator = to_value(_arg(args, 0))
    glue = " " if is_nil(separator) else stringify(separator)
    ctx.memory.use(len(items) * (1 + utf16_len(glue)))
    return glue.join(_join_item(item) for item in items)


def _array_like(value: Any) -> bool:
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list | tuple):
        return True
    if isinstance(value, dict):
        length = value.get("length", UNDEFINED)
        return isinstance(length, int | float) and not isinstance(length, bool)
    return False


def _index(value: Any, position: Any) -> Any:
    if isinstance(value, str):
        units = to_utf16_units(value)
        return units[position] if isinstance(position, int) and 0 <= position < len(units) else UNDEFINED
    if isinstance(value, list | tuple):
        return value[position] if isinstance(position, int) and 0 <= position < len(value) else UNDEFINED
    if isinstance(value, dict):
        return value.get(to_string(position), UNDEFINED)
    return UNDEFINED  # pragma: no cover - only array-likes are indexed


def _first(ctx: Any, value: Any, args: list[Any]) -> Any:
    value = to_value(value)
    if not _array_like(value):
        return ""
    return _index(value, 0)


def _last(ctx: Any, value: Any, args: list[Any]) -> Any:
    value = to_value(value)
    if not _array_like(value):
        return ""
    length = _length(value)
    position = js_add(length, -1)
    if isinstance(position, float) and position.is_integer():
        position = int(position)
    return _index(value, position)


def _size(ctx: Any, value: Any, args: list[Any]) -> Any:
    if not truthy(value):
        return 0
    length = _length(value)
    return length if truthy(length) else 0


def _sum(ctx: Any, value: Any, args: list[Any]) -> Any:
    total: float | int = 0
    prop = _arg(args, 0)
    for item in _to_array(value):
        if truthy(prop):
            item = ctx.read_path(item, stringify(prop).split("."))
        data = number_value(item)
        total = unsafe_as_double(total + (0 if data != data else data))
    return total


def _compact(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    ctx.memory.use(len(items))
    return [item for item in items if not is_nil(to_value(item))]


def _push(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    item = args[0] if args else UNDEFINED
    ctx.memory.use(len(items) + 1)
    return [*items, item]


def _unshift(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    ctx.memory.use(len(items))
    return [args[0] if args else UNDEFINED, *items]


def _pop(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _to_array(value)[:-1]


def _shift(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    ctx.memory.use(len(items))
    return items[1:]


def _slice(ctx: Any, value: Any, args: list[Any]) -> Any:
    value = to_value(value)
    if is_nil(value):
        return []
    sequence: Any = list(value) if isinstance(value, list | tuple) else to_utf16_units(stringify(value))
    begin = _arg(args, 0)
    length = _arg(args, 1, 1)
    if js_compare(begin, 0) == -1:
        begin = js_add(len(sequence), begin)
    ctx.memory.use(length)
    end = js_add(begin, length)
    if isinstance(sequence, list):
        return _slice_count(sequence, begin, end)
    picked = _slice_count(list(sequence), begin, end)
    return "".join(picked)


def _where(ctx: Any, value: Any, args: list[Any]) -> Any:
    items = _to_array(value)
    ctx.memory.use(len(items))
    token = Tokenizer(stringify(_arg(args, 0))).read_scope_value()
    values = [ctx.spawn(item).evaluate(token) for item in items]
    expected = args[1] if len(args) > 1 else UNDEFINED
    if expected is UNDEFINED:
        return [item for item, found in zip(items, values, strict=True) if not liquid_falsy(found)]
    return [item for item, found in zip(items, values, strict=True) if liquid_equals(found, expected)]


def _sample(ctx: Any, value: Any, args: list[Any]) -> Any:
    value = to_value(value)
    if is_nil(value):
        return []
    items = list(value) if isinstance(value, list | tuple) else list(from_utf16_units(stringify(value)))
    count = _arg(args, 0, 1)
    ctx.memory.use(count)
    shuffled = random.sample(items, len(items))
    if count == 1 and isinstance(count, int | float) and not isinstance(count, bool):
        return shuffled[0] if shuffled else UNDEFINED
    return _slice_count(shuffled, 0, count)


# --- misc ------------------------------------------------------------------------------------


def _default(ctx: Any, value: Any, args: list[Any]) -> Any:
    value = to_value(value)
    fallback = args[0] if args else UNDEFINED
    if isinstance(value, list | tuple | str):
        return value if len(value) else fallback
    if value is False:
        options: dict[Any, Any] = {}
        for entry in args[1:]:
            if isinstance(entry, list | tuple):
                options[_map_key(entry[0] if entry else UNDEFINED)] = (
                    entry[1] if len(entry) > 1 else UNDEFINED
                )
            elif isinstance(entry, dict):
                options[_map_key(entry.get("0", UNDEFINED))] = entry.get("1", UNDEFINED)
            elif isinstance(entry, Drop):
                options[_map_key(UNDEFINED)] = UNDEFINED
            else:
                raise JsError(f"Iterator value {to_string(entry)} is not an entry object", "TypeError")
        if truthy(options.get("allow_false", UNDEFINED)):
            return False
    return fallback if liquid_falsy(value) else value


def _map_key(key: Any) -> Any:
    return key if isinstance(key, str) else ("#other", repr(key))


def _json(ctx: Any, value: Any, args: list[Any]) -> Any:
    """``JSON.stringify(value, null, space)``; a drop as ``space`` is ignored, like any object."""
    space = _arg(args, 0, 0)
    text = json_stringify(_json_value(value), None if isinstance(space, Drop) else space)
    return UNDEFINED if text is None else text


def _to_integer(ctx: Any, value: Any, args: list[Any]) -> Any:
    return number_value(value)


def _raw(ctx: Any, value: Any, args: list[Any]) -> Any:
    return value


def _json_value(value: Any) -> Any:
    """A Liquid value as the JSON value ``JSON.stringify`` sees: a drop has no own properties."""
    if isinstance(value, str) and not value.isascii():
        return from_utf16_units(value)  # template strings are UTF-16 code units
    if value is None or value is UNDEFINED or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, Drop | BlockDrop):
        return {}
    return UNDEFINED


# --- dates -----------------------------------------------------------------------------------


def _date_value(ctx: Any, value: Any, timezone: Any = UNDEFINED) -> LiquidDate | None:
    return parse_liquid_date(to_value(value), ctx.now_ms(), timezone)


def _date_size(value: Any) -> Any:
    length = _length(value) if isinstance(value, str | list | tuple | dict) else UNDEFINED
    return 0 if is_nil(length) else length


def _date(ctx: Any, value: Any, args: list[Any]) -> Any:
    fmt = args[0] if args else UNDEFINED
    timezone = args[1] if len(args) > 1 else UNDEFINED
    ctx.memory.use(js_add(js_add(_date_size(value), _date_size(fmt)), _date_size(timezone)))
    moment = _date_value(ctx, value, timezone)
    if moment is None:
        return value
    fmt = to_value(fmt)
    pattern = _DEFAULT_DATE_FORMAT if is_nil(fmt) else stringify(fmt)
    return strftime(moment, pattern, ctx.memory.use)


def _date_to_xmlschema(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _date(ctx, value, ["%Y-%m-%dT%H:%M:%S%:z"])


def _date_to_rfc822(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _date(ctx, value, ["%a, %d %b %Y %H:%M:%S %z"])


def _stringify_date(ctx: Any, value: Any, month: str, args: list[Any]) -> Any:
    moment = _date_value(ctx, value)
    if moment is None:
        return value
    kind = args[0] if args else UNDEFINED
    style = args[1] if len(args) > 1 else UNDEFINED
    if kind == "ordinal" and isinstance(kind, str):
        day = str(moment.fields().day)
        if style == "US" and isinstance(style, str):
            return strftime(moment, f"{month} {day}%q, %Y")
        return strftime(moment, f"{day}%q {month} %Y")
    return strftime(moment, f"%d {month} %Y")


def _date_to_string(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _stringify_date(ctx, value, "%b", args)


def _date_to_long_string(ctx: Any, value: Any, args: list[Any]) -> Any:
    return _stringify_date(ctx, value, "%B", args)


def _disabled(name: str) -> Filter:
    def disabled(ctx: Any, value: Any, args: list[Any]) -> Any:
        raise JsError(f'filter "{name}" is disabled')

    return disabled


FILTERS: Final[dict[str, Filter]] = {
    "escape": _escape,
    "xml_escape": _escape,
    "escape_once": _escape_once,
    "strip_html": _strip_html,
    "abs": _abs,
    "at_least": _at_least,
    "at_most": _at_most,
    "ceil": _ceil,
    "divided_by": _divided_by,
    "floor": _floor,
    "minus": _minus,
    "plus": _plus,
    "modulo": _modulo,
    "times": _times,
    "round": _round,
    "url_decode": _url_decode,
    "url_encode": _url_encode,
    "cgi_escape": _cgi_escape,
    "uri_escape": _uri_escape,
    "slugify": _slugify,
    "join": _join,
    "last": _last,
    "first": _first,
    "size": _size,
    "sum": _sum,
    "compact": _compact,
    "push": _push,
    "unshift": _unshift,
    "pop": _pop,
    "shift": _shift,
    "slice": _slice,
    "where": _where,
    "sample": _sample,
    "date": _date,
    "date_to_xmlschema": _date_to_xmlschema,
    "date_to_rfc822": _date_to_rfc822,
    "date_to_string": _date_to_string,
    "date_to_long_string": _date_to_long_string,
    "append": _append,
    "prepend": _prepend,
    "lstrip": _lstrip,
    "downcase": _downcase,
    "upcase": _upcase,
    "remove": _remove,
    "remove_first": _remove_first,
    "remove_last": _remove_last,
    "rstrip": _rstrip,
    "split": _split,
    "strip": _strip,
    "strip_newlines": _strip_newlines,
    "capitalize": _capitalize,
    "replace": _replace,
    "replace_first": _replace_first,
    "replace_last": _replace_last,
    "truncate": _truncate,
    "truncatewords": _truncatewords,
    "normalize_whitespace": _normalize_whitespace,
    "number_of_words": _number_of_words,
    "base64_encode": _base64_encode,
    "base64_decode": _base64_decode,
    "default": _default,
    "raw": _raw,
    "jsonify": _json,
    "to_integer": _to_integer,
    "json": _json,
    "inspect": _json,
    **{name: _disabled(name) for name in DISABLED_FILTERS},
}


class _CallContext(dict[str, Any]):
    """The ``this`` LiquidJS calls filters with (``{context, token, liquid}``), seen from a template."""


_OWN_CALL_KEYS: Final = frozenset({"context", "token", "liquid"})


def _identity(ctx: Any, value: Any, args: list[Any]) -> Any:
    return value


def _inherited(name: str) -> Filter | None:
    """Filters named like ``Object.prototype`` members resolve to those functions in LiquidJS."""
    if name in ("toString", "toLocaleString"):
        return lambda ctx, value, args: "[object Object]"
    if name == "valueOf":
        return lambda ctx, value, args: _CallContext()
    if name in ("hasOwnProperty", "propertyIsEnumerable"):
        return lambda ctx, value, args: to_string(to_value(value)) in _OWN_CALL_KEYS
    if name == "isPrototypeOf":
        return lambda ctx, value, args: False
    if name in ("__lookupGetter__", "__lookupSetter__"):
        return lambda ctx, value, args: UNDEFINED
    if name in ("__defineGetter__", "__defineSetter__"):

        def define(ctx: Any, value: Any, args: list[Any]) -> Any:
            raise JsError(f"Object.prototype.{name}: Expecting function", "TypeError")

        return define
    return None


def js_filter_for(name: str) -> Filter:
    """The handler for a name that is not a registered filter (unknown filters pass values through)."""
    return _inherited(name) or _identity

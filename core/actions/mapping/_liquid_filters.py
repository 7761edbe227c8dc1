"""Liquid filters with LiquidJS semantics (JavaScript numbers, strings and URL encoding).

python-liquid's own filters follow Ruby; the reference runs LiquidJS, whose results differ
(``7 | divided_by: 2`` is ``3.5``, ``9.5 | times: 2`` prints ``19``), so every filter the
reference allows is re-implemented here.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote

from liquid import Undefined as LiquidUndefined
from liquid.exceptions import LiquidTypeError

from .._js import UNDEFINED, js_number, js_string, json_stringify
from ._jsops import (
    from_utf16_units,
    js_to_number,
    js_trim,
    js_trim_end,
    js_trim_start,
    to_utf16_units,
    utf16_len,
)
from ._liquid_dates import parse_date, strftime

__all__ = ["DISABLED_FILTERS", "FILTERS", "FilterFailure", "liquid_text"]

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
#: LiquidJS's memoryLimit (1e8): string-building filters refuse to go past it.
_MEMORY_LIMIT: Final = 100_000_000


class FilterFailure(LiquidTypeError):
    """A filter threw; reported as the reference's ``RenderError``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, token=None)


def _value(value: Any) -> Any:
    return UNDEFINED if isinstance(value, LiquidUndefined) else value


def _nil(value: Any) -> bool:
    return value is None or value is UNDEFINED or isinstance(value, LiquidUndefined)


def liquid_text(value: Any) -> str:
    """LiquidJS's ``stringify``: nil prints nothing, arrays print their items back to back."""
    if type(value) is str:
        return value
    if _nil(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list | tuple):
        return "".join(liquid_text(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _number(value: Any) -> float | int:
    """LiquidJS's ``toNumber``: ``Number(value)``, with ``NaN`` read as 0."""
    value = _value(value)
    if value is UNDEFINED:
        return 0
    number = js_to_number(value)
    return 0 if isinstance(number, float) and math.isnan(number) else number


def _tidy(number: float | int) -> float | int:
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def _js_div(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1, right)
    return left / right


def _js_round(number: float) -> float:
    if math.isnan(number) or math.isinf(number):
        return number
    floor = math.floor(number)
    return floor + 1 if number - floor >= 0.5 else floor


# --- math ------------------------------------------------------------------------------------


def _abs(value: Any) -> Any:
    return _tidy(abs(_number(value)))


def _at_least(value: Any, other: Any = UNDEFINED) -> Any:
    return _tidy(max(_number(value), _number(other)))


def _at_most(value: Any, other: Any = UNDEFINED) -> Any:
    return _tidy(min(_number(value), _number(other)))


def _ceil(value: Any) -> Any:
    number = _number(value)
    return number if math.isinf(number) else math.ceil(number)


def _floor(value: Any) -> Any:
    number = _number(value)
    return number if math.isinf(number) else math.floor(number)


def _divided_by(value: Any, divisor: Any = UNDEFINED, integer_arithmetic: Any = False) -> Any:
    result = _js_div(float(_number(value)), float(_number(divisor)))
    if integer_arithmetic and not math.isnan(result) and not math.isinf(result):
        return math.floor(result)
    return _tidy(result)


def _minus(value: Any, other: Any = UNDEFINED) -> Any:
    return _tidy(_number(value) - _number(other))


def _plus(value: Any, other: Any = UNDEFINED) -> Any:
    return _tidy(_number(value) + _number(other))


def _times(value: Any, other: Any = UNDEFINED) -> Any:
    return _tidy(_number(value) * _number(other))


def _modulo(value: Any, other: Any = UNDEFINED) -> Any:
    left, right = float(_number(value)), float(_number(other))
    if right == 0 or math.isinf(left):
        return math.nan
    return _tidy(math.fmod(left, right))


def _round(value: Any, places: Any = 0) -> Any:
    number = float(_number(value))
    digits = _number(places)
    try:
        scale = 10.0**digits
        return _tidy(_js_round(number * scale) / scale)
    except (OverflowError, ZeroDivisionError):
        return math.nan


# --- strings ---------------------------------------------------------------------------------


def _bounded(text: str) -> str:
    if len(text) > _MEMORY_LIMIT:
        raise FilterFailure("memory alloc limit exceeded")
    return text


def _append(value: Any, *rest: Any) -> str:
    if len(rest) != 1:
        raise FilterFailure("append expect 2 arguments")
    return _bounded(liquid_text(value) + liquid_text(rest[0]))


def _prepend(value: Any, *rest: Any) -> str:
    if len(rest) != 1:
        raise FilterFailure("prepend expect 2 arguments")
    return _bounded(liquid_text(rest[0]) + liquid_text(value))


def _strip_chars(text: str, chars: Any, left: bool, right: bool) -> str:
    if chars is not UNDEFINED and not _nil(chars) and liquid_text(chars):
        pool = set(liquid_text(chars))
        start, end = 0, len(text)
        if left:
            while start < end and text[start] in pool:
                start += 1
        if right:
            while end > start and text[end - 1] in pool:
                end -= 1
        return text[start:end]
    if left and right:
        return js_trim(text)
    return js_trim_start(text) if left else js_trim_end(text)


def _lstrip(value: Any, chars: Any = UNDEFINED) -> str:
    return _strip_chars(liquid_text(value), chars, True, False)


def _rstrip(value: Any, chars: Any = UNDEFINED) -> str:
    return _strip_chars(liquid_text(value), chars, False, True)


def _strip(value: Any, chars: Any = UNDEFINED) -> str:
    return _strip_chars(liquid_text(value), chars, True, True)


def _downcase(value: Any) -> str:
    return liquid_text(value).lower()


def _upcase(value: Any) -> str:
    return liquid_text(value).upper()


def _capitalize(value: Any) -> str:
    text = to_utf16_units(liquid_text(value))
    return from_utf16_units(text[:1].upper() + text[1:].lower())


def _js_split(text: str, separator: str) -> list[str]:
    if separator == "":
        return list(to_utf16_units(text))
    return text.split(separator)


def _remove(value: Any, target: Any = UNDEFINED) -> str:
    return "".join(_js_split(liquid_text(value), liquid_text(target)))


def _remove_first(value: Any, target: Any = UNDEFINED) -> str:
    return liquid_text(value).replace(liquid_text(target), "", 1)


def _remove_last(value: Any, target: Any = UNDEFINED) -> str:
    text, pattern = liquid_text(value), liquid_text(target)
    index = text.rfind(pattern)
    if index < 0:
        return text
    return text[:index] + text[index + len(pattern) :]


def _replace(value: Any, pattern: Any = UNDEFINED, replacement: Any = UNDEFINED) -> str:
    parts = _js_split(liquid_text(value), liquid_text(pattern))
    glue = liquid_text(replacement)
    if len(glue) * len(parts) > _MEMORY_LIMIT:
        raise FilterFailure("memory alloc limit exceeded")
    return _bounded(glue.join(parts))


def _replace_first(value: Any, pattern: Any = UNDEFINED, replacement: Any = UNDEFINED) -> str:
    return liquid_text(value).replace(liquid_text(pattern), liquid_text(replacement), 1)


def _replace_last(value: Any, pattern: Any = UNDEFINED, replacement: Any = UNDEFINED) -> str:
    text, target = liquid_text(value), liquid_text(pattern)
    index = text.rfind(target)
    if index < 0:
        return text
    return text[:index] + liquid_text(replacement) + text[index + len(target) :]


def _split(value: Any, separator: Any = UNDEFINED) -> list[str]:
    parts = _js_split(liquid_text(value), liquid_text(separator))
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _strip_newlines(value: Any) -> str:
    return re.sub(r"\r?\n", "", liquid_text(value))


def _truncate(value: Any, length: Any = 50, ellipsis: Any = "...") -> Any:
    text = liquid_text(value)
    suffix = liquid_text(ellipsis)
    limit = _number(length)
    if utf16_len(text) <= limit:
        return value
    units = to_utf16_units(text)
    keep = max(0, int(limit) - utf16_len(suffix))
    return from_utf16_units(units[:keep]) + suffix


_WHITESPACE_RUN: Final = re.compile(r"\s+")


def _truncatewords(value: Any, words: Any = 15, ellipsis: Any = "...") -> str:
    parts = _WHITESPACE_RUN.split(liquid_text(value))
    count = int(_number(words))
    if count <= 0:
        count = 1
    result = " ".join(parts[:count])
    if len(parts) >= count:
        result += liquid_text(ellipsis)
    return result


def _normalize_whitespace(value: Any) -> str:
    return _WHITESPACE_RUN.sub(" ", liquid_text(value))


def _number_of_words(value: Any, mode: Any = UNDEFINED) -> int:
    text = js_trim(liquid_text(value))
    if not text:
        return 0
    return len(_WHITESPACE_RUN.split(text))


# --- html ------------------------------------------------------------------------------------

_ESCAPES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}
_UNESCAPES: Final = {value: key for key, value in _ESCAPES.items()}


def _escape(value: Any) -> str:
    return re.sub(r"[&<>\"']", lambda m: _ESCAPES[m.group(0)], liquid_text(value))


def _escape_once(value: Any) -> str:
    text = re.sub(r"&(amp|lt|gt|#34|#39);", lambda m: _UNESCAPES[m.group(0)], liquid_text(value))
    return _escape(text)


def _strip_html(value: Any) -> str:
    return re.sub(
        r"<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<[\s\S]*?>|<!--[\s\S]*?-->",
        "",
        liquid_text(value),
    )


# --- URLs ------------------------------------------------------------------------------------

_URI_COMPONENT_SAFE: Final = "-_.!~*'()"
_URI_SAFE: Final = _URI_COMPONENT_SAFE + ";,/?:@&=+$#"


def _encode(text: str, safe: str) -> str:
    try:
        return quote(text, safe=safe, encoding="utf-8", errors="strict")
    except UnicodeEncodeError as error:
        raise FilterFailure("URI malformed") from error


def _decode_component(text: str) -> str:
    """``decodeURIComponent``: every ``%XX`` sequence must form valid UTF-8."""
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            hex_pair = text[i + 1 : i + 3]
            if len(hex_pair) < 2 or not all(c in "0123456789abcdefABCDEF" for c in hex_pair):
                raise FilterFailure("URI malformed")
            out.append(int(hex_pair, 16))
            i += 3
        else:
            out.extend(char.encode("utf-8", "surrogatepass"))
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FilterFailure("URI malformed") from error


def _url_encode(value: Any) -> str:
    return "+".join(_encode(part, _URI_COMPONENT_SAFE) for part in liquid_text(value).split(" "))


def _url_decode(value: Any) -> str:
    return " ".join(_decode_component(part) for part in liquid_text(value).split("+"))


def _cgi_escape(value: Any) -> str:
    encoded = _encode(liquid_text(value), _URI_COMPONENT_SAFE).replace("%20", "+")
    return re.sub(r"[!'()*]", lambda m: f"%{ord(m.group(0)):X}", encoded)


def _uri_escape(value: Any) -> str:
    return _encode(liquid_text(value), _URI_SAFE).replace("%5B", "[").replace("%5D", "]")


_SLUG_MODES: Final = {
    "raw": r"\s+",
    "default": r"[^\w\u0300-\u036f]+|_+",
    "pretty": r"[^\w\u0300-\u036f._~!$&'()+,;=@]+|_+",
    "ascii": r"[^A-Za-z0-9]+",
    "latin": r"[^A-Za-z0-9]+",
}


def _slugify(value: Any, mode: Any = "default", cased: Any = False) -> str:
    text = liquid_text(value)
    mode_name = liquid_text(mode) if not _nil(mode) else "default"
    pattern = _SLUG_MODES.get(mode_name)
    if pattern is None:
        return text if cased else text.lower()
    if mode_name == "latin":
        import unicodedata

        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(pattern, "-", text).strip("-")
    return slug if cased else slug.lower()


# --- arrays ----------------------------------------------------------------------------------


def _to_array(value: Any) -> list[Any]:
    value = _value(value)
    if _nil(value):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _join_text(item: Any) -> str:
    return "" if _nil(item) else js_string(item)


def _join(value: Any, separator: Any = UNDEFINED) -> Any:
    value = _value(value)
    if not isinstance(value, list | tuple):
        return value if not _nil(value) else ""
    glue = " " if _nil(separator) else liquid_text(separator)
    return glue.join(_join_text(item) for item in value)


def _first(value: Any) -> Any:
    value = _value(value)
    if isinstance(value, list | tuple):
        return value[0] if value else UNDEFINED
    if isinstance(value, str):
        units = to_utf16_units(value)
        return units[0] if units else UNDEFINED
    return ""


def _last(value: Any) -> Any:
    value = _value(value)
    if isinstance(value, list | tuple):
        return value[-1] if value else UNDEFINED
    if isinstance(value, str):
        units = to_utf16_units(value)
        return units[-1] if units else UNDEFINED
    return ""


def _size(value: Any) -> int:
    value = _value(value)
    if isinstance(value, str):
        return utf16_len(value)
    if isinstance(value, list | tuple):
        return len(value)
    return 0


def _property(item: Any, name: Any) -> Any:
    if isinstance(item, dict):
        return item.get(liquid_text(name), UNDEFINED)
    return UNDEFINED


def _sum(value: Any, name: Any = UNDEFINED) -> Any:
    items = _to_array(value)
    if not _nil(name):
        items = [_property(item, name) for item in items]
    total: float | int = 0
    for item in items:
        total += _number(item)
    return _tidy(total)


def _compact(value: Any) -> list[Any]:
    return [item for item in _to_array(value) if not _nil(item)]


def _push(value: Any, item: Any = UNDEFINED) -> list[Any]:
    return [*_to_array(value), _value(item)]


def _unshift(value: Any, item: Any = UNDEFINED) -> list[Any]:
    return [_value(item), *_to_array(value)]


def _pop(value: Any) -> list[Any]:
    return _to_array(value)[:-1]


def _shift(value: Any) -> list[Any]:
    return _to_array(value)[1:]


def _slice(value: Any, begin: Any = 0, length: Any = 1) -> Any:
    value = _value(value)
    if _nil(value):
        return []
    start = int(_number(begin))
    size = int(_number(length))
    if isinstance(value, list | tuple):
        sequence: Any = list(value)
        total = len(sequence)
    else:
        sequence = to_utf16_units(liquid_text(value))
        total = len(sequence)
    if start < 0:
        start = max(0, total + start)
    result = sequence[start : start + size] if size > 0 else sequence[0:0]
    return result if isinstance(result, list) else from_utf16_units(result)


def _loose_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def _where(value: Any, name: Any = UNDEFINED, expected: Any = UNDEFINED) -> list[Any]:
    items = _to_array(value)
    expected = _value(expected)
    picked = []
    for item in items:
        found = _property(item, name)
        if expected is UNDEFINED:
            keep = not _nil(found) and found is not False
        else:
            keep = _loose_equal(found, expected)
        if keep:
            picked.append(item)
    return picked


# --- misc ------------------------------------------------------------------------------------


def _default(value: Any, fallback: Any = UNDEFINED, **options: Any) -> Any:
    value = _value(value)
    if isinstance(value, list | tuple | str):
        return value if len(value) else fallback
    if value is False and options.get("allow_false"):
        return False
    if _nil(value) or value is False:
        return fallback
    return value


def _json(value: Any, space: Any = 0) -> Any:
    value = _value(value)
    indent = int(_number(space))
    if indent > 0:
        import json as jsonlib

        try:
            return jsonlib.dumps(value, indent=min(indent, 10), ensure_ascii=False)
        except (TypeError, ValueError):
            return json_stringify(value)
    text = json_stringify(value)
    return UNDEFINED if text is None else text


def _raw(value: Any) -> Any:
    return value


def _base64_encode(value: Any) -> str:
    return base64.b64encode(liquid_text(value).encode("utf-8", "surrogatepass")).decode("ascii")


def _base64_decode(value: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9+/]", "", liquid_text(value).replace("-", "+").replace("_", "/"))
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


# --- dates -----------------------------------------------------------------------------------


def _date(value: Any, template: Any = UNDEFINED, timezone: Any = UNDEFINED) -> Any:
    value = _value(value)
    zone = None if _nil(timezone) else _value(timezone)
    moment = parse_date(value, zone)
    if moment is None:
        return value
    pattern = _DEFAULT_DATE_FORMAT if _nil(template) else liquid_text(template)
    return strftime(moment, pattern)


def _date_to_xmlschema(value: Any) -> Any:
    return _date(value, "%Y-%m-%dT%H:%M:%S%:z")


def _date_to_rfc822(value: Any) -> Any:
    return _date(value, "%a, %d %b %Y %H:%M:%S %z")


def _date_to_string(value: Any, kind: Any = UNDEFINED, style: Any = UNDEFINED) -> Any:
    return _stringify_date(value, "%b", kind, style)


def _date_to_long_string(value: Any, kind: Any = UNDEFINED, style: Any = UNDEFINED) -> Any:
    return _stringify_date(value, "%B", kind, style)


def _stringify_date(value: Any, month: str, kind: Any, style: Any) -> Any:
    if liquid_text(kind) == "ordinal":
        moment = parse_date(_value(value))
        if moment is None:
            return _value(value)
        day = strftime(moment, "%-d%q")
        if liquid_text(style) == "US":
            return strftime(moment, f"{month} ") + day + strftime(moment, ", %Y")
        return day + strftime(moment, f" {month} %Y")
    return _date(value, f"%d {month} %Y")


def _disabled(name: str) -> Callable[..., Any]:
    def disabled(*args: Any, **kwargs: Any) -> Any:
        raise FilterFailure(f'filter "{name}" is disabled')

    return disabled


FILTERS: Final[dict[str, Callable[..., Any]]] = {
    "abs": _abs,
    "at_least": _at_least,
    "at_most": _at_most,
    "ceil": _ceil,
    "divided_by": _divided_by,
    "floor": _floor,
    "minus": _minus,
    "modulo": _modulo,
    "plus": _plus,
    "round": _round,
    "times": _times,
    "append": _append,
    "prepend": _prepend,
    "lstrip": _lstrip,
    "rstrip": _rstrip,
    "strip": _strip,
    "downcase": _downcase,
    "upcase": _upcase,
    "capitalize": _capitalize,
    "remove": _remove,
    "remove_first": _remove_first,
    "remove_last": _remove_last,
    "replace": _replace,
    "replace_first": _replace_first,
    "replace_last": _replace_last,
    "split": _split,
    "strip_newlines": _strip_newlines,
    "truncate": _truncate,
    "truncatewords": _truncatewords,
    "normalize_whitespace": _normalize_whitespace,
    "number_of_words": _number_of_words,
    "escape": _escape,
    "xml_escape": _escape,
    "escape_once": _escape_once,
    "strip_html": _strip_html,
    "url_encode": _url_encode,
    "url_decode": _url_decode,
    "cgi_escape": _cgi_escape,
    "uri_escape": _uri_escape,
    "slugify": _slugify,
    "join": _join,
    "first": _first,
    "last": _last,
    "size": _size,
    "sum": _sum,
    "compact": _compact,
    "push": _push,
    "unshift": _unshift,
    "pop": _pop,
    "shift": _shift,
    "slice": _slice,
    "where": _where,
    "default": _default,
    "json": _json,
    "jsonify": _json,
    "raw": _raw,
    "base64_encode": _base64_encode,
    "base64_decode": _base64_decode,
    "date": _date,
    "date_to_xmlschema": _date_to_xmlschema,
    "date_to_rfc822": _date_to_rfc822,
    "date_to_string": _date_to_string,
    "date_to_long_string": _date_to_long_string,
    **{name: _disabled(name) for name in DISABLED_FILTERS},
}

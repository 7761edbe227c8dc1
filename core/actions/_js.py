"""JavaScript value semantics the reference exposes: ``undefined``, ``String(x)``, ``JSON.stringify``.

Mappings written for the reference produce strings (templates, ``@json``) and request bodies
whose exact text depends on how JavaScript prints numbers and escapes strings. These functions
reproduce that, so a mapping gives the same bytes here as there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "UNDEFINED",
    "Undefined",
    "js_number",
    "js_string",
    "js_type",
    "json_stringify",
]


class Undefined:
    """JavaScript's ``undefined``: a value that is not there. Distinct from ``None`` (``null``)."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = Undefined()

_MAX_SAFE = 2**53


def js_number(x: float | int) -> str:
    """``String(x)`` for a number: ``1`` not ``1.0``, ``1e+21``, ``1.5e-7``, ``NaN``, ``Infinity``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        if -_MAX_SAFE <= x <= _MAX_SAFE:
            return str(x)
        x = float(x)
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    ax = abs(x)
    if x.is_integer():
        if ax < _MAX_SAFE:
            return str(int(x))
    elif 1e-4 <= ax < 1e16:
        return repr(x)  # Python's shortest repr agrees with JavaScript in this range
    sign = "-" if x < 0 else ""
    mantissa, _, exp_text = repr(ax).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exp10 = (int(exp_text) if exp_text else 0) - len(frac)
    stripped = digits.rstrip("0")
    exp10 += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = k + exp10
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        esign = "+" if e >= 0 else "-"
        head = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{head}e{esign}{abs(e)}"
    return sign + body


def js_type(value: Any) -> str:
    """The type word the reference's messages use: string, number, boolean, null, undefined, array, object."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def js_string(value: Any) -> str:
    """JavaScript's ``String(value)``: arrays join with commas, objects print ``[object Object]``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None or v is UNDEFINED else js_string(v) for v in value)
    return "[object Object]"


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
        return js_number(value)
    if isinstance(value, float):
        if value != value or math.isinf(value):
            return "null"
        return js_number(value)
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            text = _stringify(v, enc)
            if text is not None:
                parts.append(enc(k if isinstance(k, str) else js_string(k)) + ":" + text)
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_stringify(v, enc) or "null" for v in value) + "]"
    if value is UNDEFINED or callable(value):
        return None
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


def json_stringify(value: Any) -> str | None:
    """``JSON.stringify(value)``: compact, non-ASCII kept, lone surrogates escaped.

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

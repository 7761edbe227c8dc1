"""JavaScript values: ``undefined``, truthiness, ``typeof``, ``String(x)``, ``Number(x)``, ``ToPrimitive``.

Mappings written for the reference produce strings (templates, ``@json``) and decisions
(conditions, ``@if``) whose results depend on how JavaScript converts values. These functions
reproduce that, so a mapping gives the same bytes here as there.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from ._strings import WHITE_SPACE

__all__ = [
    "UNDEFINED",
    "Undefined",
    "number_to_string",
    "string_to_number",
    "to_number",
    "to_primitive",
    "to_string",
    "truthy",
    "type_name",
    "typeof",
]


class Undefined:
    """JavaScript's ``undefined``: a value that is not there. Distinct from ``None`` (``null``)."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        instance = cls.__dict__.get("_instance")  # a subclass (an absent key) is a singleton of its own
        if instance is None:
            instance = super().__new__(cls)
            cls._instance = instance
        return instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = Undefined()

_MAX_SAFE = 2**53


def number_to_string(x: float | int) -> str:
    """``String(x)`` for a number: ``1`` not ``1.0``, ``1e+21``, ``1.5e-7``, ``NaN``, ``Infinity``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        if -_MAX_SAFE <= x <= _MAX_SAFE:
            return str(x)
        x = _as_double(x)
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


def type_name(value: Any) -> str:
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


def to_string(value: Any) -> str:
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
        return number_to_string(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None or v is UNDEFINED else to_string(v) for v in value)
    return "[object Object]"


def truthy(value: Any) -> bool:
    """JavaScript truthiness: ``0``, ``NaN``, ``''``, ``false``, ``null`` and ``undefined`` are falsy.

    Unlike Python, empty arrays and objects are truthy.
    """
    if value is None or value is False or isinstance(value, Undefined):
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int):
        return value != 0
    if isinstance(value, float):
        return value == value and value != 0.0
    return True


def typeof(value: Any) -> str:
    """``typeof value``: ``object`` for objects, arrays and ``null``."""
    if isinstance(value, Undefined):
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def to_primitive(value: Any) -> Any:
    """``ToPrimitive`` with the default hint for JSON values: arrays and objects become their string."""
    if isinstance(value, list | tuple):
        return to_string(value)
    if isinstance(value, dict):
        return "[object Object]"
    return value


_DECIMAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\Z")
_RADIX_DIGITS: Final = {"x": (16, "0123456789abcdefABCDEF"), "o": (8, "01234567"), "b": (2, "01")}


def string_to_number(text: str) -> float:
    """``Number(text)``: trims JS white space, ``""`` is 0, junk is ``NaN``.

    Accepts what JavaScript accepts (``" 12 "``, ``"1e3"``, ``".5"``, ``"0x1F"``, ``"-Infinity"``)
    and nothing Python's ``float()`` adds (``"inf"``, ``"nan"``, ``"1_000"``).
    """
    body = text.strip(WHITE_SPACE)
    if not body:
        return 0.0
    if _DECIMAL.match(body):
        return float(body.replace("Infinity", "inf"))
    if len(body) > 2 and body[0] == "0" and body[1] in "xXoObB":
        radix, digits = _RADIX_DIGITS[body[1].lower()]
        if all(char in digits for char in body[2:]):
            return float(int(body[2:], radix))
    return math.nan


def _as_double(value: int) -> float:
    try:
        return float(value)
    except OverflowError:  # beyond the double range JavaScript holds an infinity
        return math.inf if value > 0 else -math.inf


def to_number(value: Any) -> float | int:
    """``Number(value)`` for JSON values; integers within the safe range stay ``int``.

    A string spelling a safe integer gives an ``int`` too (``-0`` stays the float ``-0.0``).
    """
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value if -_MAX_SAFE <= value <= _MAX_SAFE else _as_double(value)
    if isinstance(value, float):
        return value
    if value is None:
        return 0
    if isinstance(value, str):
        number = string_to_number(value)
        negative_zero = number == 0 and math.copysign(1, number) < 0
        if number.is_integer() and abs(number) < _MAX_SAFE and not negative_zero:
            return int(number)
        return number
    if isinstance(value, list | tuple | dict):
        return to_number(to_primitive(value))
    return math.nan  # undefined, and anything that is not a JSON value

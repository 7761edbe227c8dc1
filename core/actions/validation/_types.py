"""JSON types as ajv sees them: its type tests, its coercions (``coerceTypes: "array"``) and its equality.

Values are JavaScript's: a number is any finite int or float (never a bool, never an integer
too large for a double), and what ajv's coercion accepts is what JavaScript's conversions allow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED, number_to_string, string_to_number, typeof

__all__ = [
    "ARRAYS",
    "COERCERS",
    "CONTAINERS",
    "INT_SAFE",
    "NOT_COERCIBLE",
    "TYPE_TESTS",
    "is_array",
    "is_integer",
    "is_number",
    "js_equal",
    "schema_types",
]

#: What a coercer returns when the value cannot be coerced to its type.
NOT_COERCIBLE: Final = object()

INT_SAFE: Final = 2**53
# isinstance() with a tuple constant: a `X | Y` union is rebuilt at every call.
ARRAYS: Final = (list, tuple)
_NUMBERS: Final = (int, float)
CONTAINERS: Final = (dict, list, tuple)
_SCALARS: Final = (str, bool, int, float)


def _int_is_finite(value: int) -> bool:
    # A JSON integer too large for a double is Infinity in JavaScript.
    if -INT_SAFE <= value <= INT_SAFE:
        return True
    try:
        float(value)
    except OverflowError:
        return False
    return True


def is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return _int_is_finite(value)
    if kind is float:
        finite: bool = value - value == 0.0  # inf - inf and nan - nan are nan
        return finite
    if kind is bool or not isinstance(value, _NUMBERS):
        return False
    return math.isfinite(value)


def is_integer(value: Any) -> bool:
    if not is_number(value):
        return False
    return isinstance(value, int) or float(value).is_integer()


def is_array(value: Any) -> bool:
    return isinstance(value, ARRAYS)


TYPE_TESTS: Final[dict[str, Callable[[Any], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "number": is_number,
    "integer": is_integer,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": is_array,
    "object": lambda v: isinstance(v, dict),
}


def _number_value(value: float) -> int | float:
    """A coerced number as Python prefers it: integral values as ``int``."""
    if value - value == 0.0 and value.is_integer():
        return int(value)
    return value


def _coerce_to_string(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if typeof(value) == "number":
        return number_to_string(value)
    if value is None:
        return ""
    return NOT_COERCIBLE


def _numeric_string(value: Any) -> float | None:
    # ajv: `typeof data == "string" && data && data == +data`
    if isinstance(value, str) and value:
        number = string_to_number(value)
        if number == number:
            return number
    return None


def _coerce_to_number(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return 0
    number = _numeric_string(value)
    return NOT_COERCIBLE if number is None else _number_value(number)


def _coerce_to_integer(value: Any) -> Any:
    number = _coerce_to_number(value)
    # Only fractions are left as floats (integral values are ints by now). `!(data % 1)` also
    # holds for Infinity (Infinity % 1 is NaN), so "Infinity" coerces.
    if type(number) is float and math.isfinite(number):
        return NOT_COERCIBLE
    return number


def _coerce_to_boolean(value: Any) -> Any:
    if value is None or value == "false" or (typeof(value) == "number" and value == 0):
        return False
    if value == "true" or (typeof(value) == "number" and value == 1):
        return True
    return NOT_COERCIBLE


def _coerce_to_null(value: Any) -> Any:
    if (
        value is False
        or (isinstance(value, str) and value == "")
        or (typeof(value) == "number" and value == 0)
    ):
        return None
    return NOT_COERCIBLE


def _coerce_to_array(value: Any) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return [value]
    return NOT_COERCIBLE


COERCERS: Final[dict[str, Callable[[Any], Any]]] = {
    "string": _coerce_to_string,
    "number": _coerce_to_number,
    "integer": _coerce_to_integer,
    "boolean": _coerce_to_boolean,
    "null": _coerce_to_null,
    "array": _coerce_to_array,
}


def js_equal(a: Any, b: Any) -> bool:
    """Deep equality as fast-deep-equal sees it (what ajv's ``const``/``enum`` use)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if typeof(a) == "number" and typeof(b) == "number":
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None or b is None or a is UNDEFINED or b is UNDEFINED:
        return a is b
    if is_array(a) and is_array(b):
        return len(a) == len(b) and all(js_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(js_equal(a[k], b[k]) for k in a)
    return False


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    types: list[str] = list(declared) if isinstance(declared, ARRAYS) else ([declared] if declared else [])
    for kind in types:
        if kind not in TYPE_TESTS:
            raise ValueError(f'"type" keyword must be allowed string or string[]: {kind!r}')
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types

"""JavaScript's arithmetic and ``Math`` functions on numbers, as LiquidJS's math filters use them.

Numbers are ``int`` while they are safe integers and ``float`` otherwise, as elsewhere in Liquid:
results keep that form (``-0`` and non-integral results are floats).
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "js_ceil",
    "js_div",
    "js_floor",
    "js_mod",
    "js_mul",
    "js_pow",
    "js_round",
    "js_sign",
    "unsafe_as_double",
]

_MAX_SAFE: Final = 2**53


def unsafe_as_double(value: float | int) -> float | int:
    """An ``int`` beyond 2**53 as the double JavaScript would hold."""
    if isinstance(value, int) and abs(value) > _MAX_SAFE:
        return float(value)
    return value


def js_div(left: float | int, right: float | int) -> float | int:
    if left != left or right != right:
        return math.nan
    if right == 0:
        if left == 0:
            return math.nan
        sign = math.copysign(1, left) * math.copysign(1, right)
        return math.inf if sign > 0 else -math.inf
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return unsafe_as_double(left // right)
    return left / right


def js_mod(left: float | int, right: float | int) -> float | int:
    if left != left or right != right or math.isinf(left) or right == 0:
        return math.nan
    if math.isinf(right):
        return left
    if isinstance(left, int) and isinstance(right, int):
        result = abs(left) % abs(right)
        return result if left >= 0 else (-result if result else -0.0)
    return math.fmod(left, right)


def js_floor(value: float | int) -> float | int:
    if isinstance(value, int) or value != value or math.isinf(value):
        return value
    return unsafe_as_double(math.floor(value))


def js_ceil(value: float | int) -> float | int:
    if isinstance(value, int) or value != value or math.isinf(value):
        return value
    result = math.ceil(value)
    if result == 0 and value < 0:
        return -0.0
    return unsafe_as_double(result)


def js_round(value: float | int) -> float | int:
    if isinstance(value, int) or value != value or math.isinf(value):
        return value
    floor = math.floor(value)
    result = floor + 1 if value - floor >= 0.5 else floor
    if result == 0 and (value < 0 or math.copysign(1, value) < 0):
        return -0.0
    return unsafe_as_double(result)


def js_pow(base: float, exponent: float | int) -> float:
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def js_mul(left: float | int, right: float | int) -> float | int:
    if isinstance(left, int) and isinstance(right, int):
        return unsafe_as_double(left * right)
    try:
        return left * right
    except OverflowError:  # pragma: no cover - float multiplication never raises
        return math.inf


def js_sign(value: float | int) -> float | int:
    if value != value:
        return math.nan
    if value > 0:
        return 1
    if value < 0:
        return -1
    return value

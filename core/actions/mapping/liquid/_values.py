"""JavaScript value semantics for ``@liquid``: LiquidJS's drops, printing, numbers, comparisons, lookups.

LiquidJS evaluates templates with JavaScript values. Python values stand in for them:
``UNDEFINED``/``None`` for ``undefined``/``null``, ``int``/``float`` for numbers, ``list`` for arrays
(filter keyword arguments such as ``allow_false: true`` arrive as two-item lists, as in LiquidJS),
``dict`` for objects, and the drops below for the ``nil``/``empty``/``blank`` literals. Strings may
hold UTF-16 code units (surrogate pairs) or whole code points; everything that depends on length
or position works on code units, as JavaScript does.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from actions.js import UNDEFINED, from_utf16_units, number_to_string, to_utf16_units

__all__ = [
    "ABSENT",
    "BLANK",
    "EMPTY",
    "LITERALS",
    "NIL",
    "OBJECT_PROTOTYPE_NAMES",
    "BlockDrop",
    "Drop",
    "JsError",
    "Overlay",
    "js_add",
    "js_compare",
    "js_equals_strict",
    "js_is_truthy",
    "js_string",
    "js_to_integer",
    "js_to_number",
    "js_to_primitive",
    "liquid_equals",
    "liquid_falsy",
    "own_property",
    "property_key",
    "read_property",
    "stringify",
    "to_liquid_number",
    "to_value",
]

_MAX_SAFE: Final = 2**53


class JsError(Exception):
    """A JavaScript exception thrown while parsing or rendering (``Error``, ``TypeError``...).

    LiquidJS wraps these into ``ParseError``/``RenderError`` with the position of the template
    that threw.
    """

    def __init__(self, message: str, name: str = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.name = name


# --- drops -----------------------------------------------------------------------------------


class Drop:
    """LiquidJS's ``Drop``: an object with a ``valueOf`` used by printing and comparisons."""

    def value_of(self) -> Any:
        return self

    def equals(self, other: Any) -> bool:  # pragma: no cover - every comparable drop overrides it
        return False

    comparable = False

    def __repr__(self) -> str:
        return type(self).__name__


class _NilDrop(Drop):
    comparable = True

    def value_of(self) -> Any:
        return None

    def equals(self, other: Any) -> bool:
        return is_nil(to_value(other))


class _EmptyDrop(Drop):
    comparable = True

    def value_of(self) -> Any:
        return ""

    def equals(self, other: Any) -> bool:
        if isinstance(other, _EmptyDrop):
            return False
        other = to_value(other)
        if isinstance(other, str):
            return other == ""
        if isinstance(other, list | tuple | dict):
            return len(other) == 0
        return False


class _BlankDrop(_EmptyDrop):
    def equals(self, other: Any) -> bool:
        if other is False:
            return True
        if is_nil(to_value(other)):
            return True
        if isinstance(other, str):
            return _JS_WHITESPACE_ONLY.fullmatch(other) is not None
        return super().equals(other)


class BlockDrop(Drop):
    """The ``block`` variable inside ``{% block %}``: prints ``[object Object]``; ``super`` is ``''``."""


NIL: Final = _NilDrop()
EMPTY: Final = _EmptyDrop()
BLANK: Final = _BlankDrop()

#: Literal words and their values (``nil`` and ``null`` are the same drop).
LITERALS: Final[dict[str, Any]] = {
    "true": True,
    "false": False,
    "nil": NIL,
    "null": NIL,
    "empty": EMPTY,
    "blank": BLANK,
}

#: Properties every plain JavaScript object inherits (``key in object`` is true for them).
OBJECT_PROTOTYPE_NAMES: Final = frozenset(
    {
        "constructor",
        "__defineGetter__",
        "__defineSetter__",
        "hasOwnProperty",
        "__lookupGetter__",
        "__lookupSetter__",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toString",
        "valueOf",
        "__proto__",
        "toLocaleString",
    }
)

# JavaScript's \s (WhiteSpace and LineTerminator).
JS_SPACE_CLASS: Final = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_WHITESPACE_ONLY: Final = re.compile(f"[{JS_SPACE_CLASS}]*")
_JS_TRIM: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def to_value(value: Any) -> Any:
    """LiquidJS's ``toValue``: a drop becomes its ``valueOf``; anything else is returned as is."""
    return value.value_of() if isinstance(value, Drop) else value


def is_nil(value: Any) -> bool:
    return value is None or value is UNDEFINED


def liquid_falsy(value: Any) -> bool:
    """Liquid truthiness: only ``false``, ``nil`` and undefined are false (``0`` and ``''`` are true)."""
    value = to_value(value)
    return value is False or value is None or value is UNDEFINED


def js_is_truthy(value: Any) -> bool:
    """JavaScript truthiness (``0``, ``NaN``, ``''``, ``null``, ``undefined``, ``false`` are falsy)."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return value == value and value != 0
    return True


# --- strings and numbers ---------------------------------------------------------------------


def js_string(value: Any) -> str:
    """JavaScript's ``String(value)``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    if isinstance(value, list | tuple):
        return ",".join("" if is_nil(item) else js_string(item) for item in value)
    return "[object Object]"


def stringify(value: Any) -> str:
    """LiquidJS's ``stringify``: nil prints nothing, arrays print their items back to back."""
    if type(value) is str:
        return value
    value = to_value(value)
    if isinstance(value, str):
        return value
    if is_nil(value):
        return ""
    if isinstance(value, list | tuple):
        return "".join(stringify(item) for item in value)
    return js_string(value)


def js_to_primitive(value: Any) -> Any:
    """``ToPrimitive`` with the default/number hint: drops use ``valueOf``, objects print."""
    if isinstance(value, Drop):
        inner = value.value_of()
        return "[object Object]" if isinstance(inner, Drop) else inner
    if isinstance(value, list | tuple):
        return js_string(value)
    if isinstance(value, dict):
        return "[object Object]"
    return value


_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_RADIX: Final = {"x": (16, "0123456789abcdefABCDEF"), "o": (8, "01234567"), "b": (2, "01")}


def _tidy(number: float) -> float | int:
    if number.is_integer() and abs(number) < _MAX_SAFE and not (number == 0 and math.copysign(1, number) < 0):
        return int(number)
    return number


def string_to_number(text: str) -> float | int:
    """JavaScript's ``Number(text)``."""
    text = text.strip(_JS_TRIM)
    if text == "":
        return 0
    if len(text) > 2 and text[0] == "0" and text[1] in "xXoObB":
        base, digits = _RADIX[text[1].lower()]
        if all(char in digits for char in text[2:]):
            value = int(text[2:], base)
            return value if value <= _MAX_SAFE else float(value)
        return math.nan
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    if _DECIMAL.fullmatch(text) is None:
        return math.nan
    return _tidy(float(text))


def js_to_number(value: Any) -> float | int:
    """JavaScript's ``Number(value)`` (``ToNumber`` after ``ToPrimitive``)."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value if -_MAX_SAFE <= value <= _MAX_SAFE else float(value)
    if isinstance(value, float):
        return value
    if value is None:
        return 0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, str):
        return string_to_number(value)
    primitive = js_to_primitive(value)
    if primitive is value:
        return math.nan
    return js_to_number(primitive)


def to_liquid_number(value: Any) -> float | int:
    """LiquidJS's ``toNumber``: ``+toValue(value) || 0`` (``NaN`` and ``-0`` become ``0``)."""
    number = js_to_number(to_value(value))
    if number != number or number == 0:
        return 0
    return number


def js_to_integer(value: Any) -> float:
    """``ToIntegerOrInfinity``: ``NaN`` is 0, fractions are truncated toward zero."""
    number = js_to_number(value)
    if number != number:
        return 0
    if math.isinf(number):
        return number
    return float(math.trunc(number))


def js_add(left: Any, right: Any) -> Any:
    """JavaScript's ``left + right`` (string concatenation when either side is a string)."""
    left, right = js_to_primitive(left), js_to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return js_string(left) + js_string(right)
    result = js_to_number(left) + js_to_number(right)
    return result if not isinstance(result, int) or abs(result) <= _MAX_SAFE else float(result)


def _units(text: str) -> str:
    return to_utf16_units(text)


def js_compare(left: Any, right: Any) -> int | None:
    """JavaScript's relational comparison: -1, 0 or 1, or ``None`` when it is undefined (``NaN``)."""
    left, right = js_to_primitive(left), js_to_primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        a, b = _units(left), _units(right)
        return -1 if a < b else (1 if a > b else 0)
    x, y = js_to_number(left), js_to_number(right)
    if x != x or y != y:
        return None
    return -1 if x < y else (1 if x > y else 0)


def js_equals_strict(left: Any, right: Any) -> bool:
    """``left === right`` for these values (objects compare by identity)."""
    if left is right:
        return not (isinstance(left, float) and left != left)
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    if isinstance(left, int | float) and isinstance(right, int | float):
        return bool(left == right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right or _units(left) == _units(right)
    return False


def liquid_equals(left: Any, right: Any) -> bool:
    """LiquidJS's ``equals``: drops decide for themselves, arrays compare item by item, else ``===``."""
    if isinstance(left, Drop) and left.comparable:
        return left.equals(right)
    if isinstance(right, Drop) and right.comparable:
        return right.equals(left)
    left, right = to_value(left), to_value(right)
    if isinstance(left, list | tuple):
        if not isinstance(right, list | tuple) or len(left) != len(right):
            return False
        return all(liquid_equals(a, b) for a, b in zip(left, right, strict=True))
    return js_equals_strict(left, right)


# --- property access -------------------------------------------------------------------------


def property_key(key: Any) -> str:
    """JavaScript's ``ToPropertyKey`` for a lookup key."""
    if isinstance(key, str):
        return key
    if isinstance(key, Drop):
        return "[object Object]"
    return js_string(key)


def _array_index(key: str, length: int) -> int:
    if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
        index = int(key)
        if index < length:
            return index
    return -1


#: What :func:`own_property` returns for a property the target does not have.
ABSENT: Final = object()


class Overlay:
    """A non-object scope (``Object(5)``, ``Object("abc")``, an array) with properties ``increment`` set."""

    __slots__ = ("base", "props")

    def __init__(self, base: Any) -> None:
        self.base = base
        self.props: dict[str, Any] = {}


def own_property(target: Any, key: str) -> Any:
    """``target[key]`` if it is an own property of ``target`` (:data:`ABSENT` otherwise)."""
    if isinstance(target, dict):
        found = target.get(key, ABSENT)
        if found is ABSENT and not key.isascii():
            # Keys from a template are UTF-16 code units; the payload's are code points.
            found = target.get(code_points(key), ABSENT)
        return found
    if isinstance(target, Overlay):
        found = target.props.get(key, ABSENT)
        return own_property(target.base, key) if found is ABSENT else found
    if isinstance(target, list | tuple):
        if key == "length":
            return len(target)
        index = _array_index(key, len(target))
        return target[index] if index >= 0 else ABSENT
    if isinstance(target, str):
        units = _units(target)
        if key == "length":
            return len(units)
        index = _array_index(key, len(units))
        return units[index] if index >= 0 else ABSENT
    return ABSENT


def has_property(target: Any, key: str) -> bool:
    """JavaScript's ``key in Object(target)`` for the lookups LiquidJS does on scopes."""
    if own_property(target, key) is not ABSENT:
        return True
    return key in OBJECT_PROTOTYPE_NAMES


def _drop_property(drop: Drop, key: str) -> Any:
    if isinstance(drop, BlockDrop):
        return "" if key == "super" else UNDEFINED
    if key == "valueOf":
        return drop.value_of()
    if key == "equals" and drop.comparable:
        return drop.equals(UNDEFINED)
    if key in ("gt", "geq", "lt", "leq") and drop.comparable:
        return False
    return UNDEFINED


def _read_size(target: Any) -> Any:
    own = own_property(target, "size")
    if own is not ABSENT:
        return own
    if isinstance(target, Overlay):
        if isinstance(target.base, list | tuple):
            return own_property(target, "length")
        return len(target.props) + (len(_units(target.base)) if isinstance(target.base, str) else 0)
    if isinstance(target, list | tuple | str):
        return len(target) if isinstance(target, list | tuple) else len(_units(target))
    if isinstance(target, dict):
        return len(target)
    return UNDEFINED


def read_property(target: Any, key: Any) -> Any:
    """LiquidJS's ``Context.readProperty`` with ``ownPropertyOnly`` (its default).

    Own properties only, negative array indexes count from the end, and ``size``, ``first`` and
    ``last`` work on arrays, strings and objects.
    """
    key = to_value(key)
    if target is None or target is UNDEFINED:
        return target
    if isinstance(target, list | tuple) and js_compare(key, 0) == -1:
        position = js_add(len(target), js_to_number(key))
        if isinstance(position, int) or (isinstance(position, float) and position.is_integer()):
            index = int(position)
            if 0 <= index < len(target):
                return target[index]
        return UNDEFINED
    if isinstance(target, Drop):
        return _drop_property(target, property_key(key))
    name = property_key(key)
    value = own_property(target, name)
    if key == "size" and type(key) is str:
        return _read_size(target)
    if key == "first" and type(key) is str:
        if isinstance(target, list | tuple):
            return target[0] if target else UNDEFINED
        return UNDEFINED if value is ABSENT else value
    if key == "last" and type(key) is str:
        if isinstance(target, list | tuple):
            return target[-1] if target else UNDEFINED
        return UNDEFINED if value is ABSENT else value
    return UNDEFINED if value is ABSENT else value


def units_of(text: str) -> str:
    """The UTF-16 code units of ``text`` (surrogate pairs split)."""
    return to_utf16_units(text)


def code_points(text: str) -> str:
    """``text`` with surrogate pairs joined into code points (lone surrogates stay)."""
    return from_utf16_units(text)

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

from actions.js import (
    UNDEFINED,
    WHITE_SPACE_CLASS,
    from_utf16_units,
    member,
    to_number,
    to_primitive,
    to_string,
    to_utf16_units,
)

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
    "js_to_integer",
    "js_to_primitive",
    "liquid_equals",
    "liquid_falsy",
    "number_value",
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

_JS_WHITESPACE_ONLY: Final = re.compile(f"[{WHITE_SPACE_CLASS}]*")


def to_value(value: Any) -> Any:
    """LiquidJS's ``toValue``: a drop becomes its ``valueOf``; anything else is returned as is."""
    return value.value_of() if isinstance(value, Drop) else value


def is_nil(value: Any) -> bool:
    return value is None or value is UNDEFINED


def liquid_falsy(value: Any) -> bool:
    """Liquid truthiness: only ``false``, ``nil`` and undefined are false (``0`` and ``''`` are true)."""
    value = to_value(value)
    return value is False or value is None or value is UNDEFINED


# --- strings and numbers ---------------------------------------------------------------------


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
    return to_string(value)


def js_to_primitive(value: Any) -> Any:
    """:func:`actions.js.to_primitive` (default/number hint) knowing drops: they give their ``valueOf``."""
    if isinstance(value, Drop):
        inner = value.value_of()
        return "[object Object]" if isinstance(inner, Drop) else inner
    return to_primitive(value)


def number_value(value: Any) -> float | int:
    """JavaScript's ``Number(value)`` (:func:`actions.js.to_number`) for Liquid values, drops included."""
    return to_number(js_to_primitive(value))


def to_liquid_number(value: Any) -> float | int:
    """LiquidJS's ``toNumber``: ``+toValue(value) || 0`` (``NaN`` and ``-0`` become ``0``)."""
    number = number_value(to_value(value))
    if number != number or number == 0:
        return 0
    return number


def js_to_integer(value: Any) -> float:
    """``ToIntegerOrInfinity``: ``NaN`` is 0, fractions are truncated toward zero."""
    number = number_value(value)
    if number != number:
        return 0
    if math.isinf(number):
        return number
    return float(math.trunc(number))


def js_add(left: Any, right: Any) -> Any:
    """JavaScript's ``left + right`` (string concatenation when either side is a string)."""
    left, right = js_to_primitive(left), js_to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_string(left) + to_string(right)
    result = number_value(left) + number_value(right)
    return result if not isinstance(result, int) or abs(result) <= _MAX_SAFE else float(result)


def js_compare(left: Any, right: Any) -> int | None:
    """JavaScript's relational comparison: -1, 0 or 1, or ``None`` when it is undefined (``NaN``)."""
    left, right = js_to_primitive(left), js_to_primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        a, b = to_utf16_units(left), to_utf16_units(right)
        return -1 if a < b else (1 if a > b else 0)
    x, y = number_value(left), number_value(right)
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
        return left == right or to_utf16_units(left) == to_utf16_units(right)
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
    return to_string(key)


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
            found = target.get(from_utf16_units(key), ABSENT)
        return found
    if isinstance(target, Overlay):
        found = target.props.get(key, ABSENT)
        return own_property(target.base, key) if found is ABSENT else found
    if isinstance(target, list | tuple | str):
        # Own properties of an array or a string: its indexes and length, as actions.js.member
        # reads them, but for an empty string too (member returns a falsy target itself).
        found = member(target, key) if target else (0 if key == "length" else UNDEFINED)
        return ABSENT if found is UNDEFINED else found
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
        return len(target.props) + (len(to_utf16_units(target.base)) if isinstance(target.base, str) else 0)
    if isinstance(target, list | tuple | str):
        return len(target) if isinstance(target, list | tuple) else len(to_utf16_units(target))
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
        position = js_add(len(target), number_value(key))
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

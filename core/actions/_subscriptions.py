"""Subscription filters: the FQL subset that decides which events reach an action.

A subscription such as ``type = "track" and event != "Order Completed"`` is parsed once, when a
configuration is loaded, into a frozen AST (:class:`Group` and :class:`Condition` nodes that carry
the reference's node kinds and operators) and compiled to closures, so :meth:`Filter.matches`
costs a few dictionary lookups per event. :func:`to_fql` prints an AST back as FQL text.

The surface syntax and the evaluation rules are the reference's; the grammar is a real one
(``and`` binds tighter than ``or``, parentheses nest, errors carry a column). ``docs/subscriptions.md``
lists every deliberate difference.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import eq, ge, gt, le, lt, ne
from typing import Any, Final, Literal, TypeAlias, get_args

from actions.js import (
    UNDEFINED,
    has_surrogate,
    member,
    number_to_string,
    string_to_number,
    to_number,
    to_string,
    to_utf16_units,
    trim,
)

from ._errors import SubscriptionError

__all__ = [
    "Condition",
    "ConditionKind",
    "ConditionOperator",
    "ConditionValue",
    "Filter",
    "FilterNode",
    "Group",
    "GroupOperator",
    "parse_filter",
    "to_fql",
]

# --- AST ---------------------------------------------------------------------------------------

ConditionKind: TypeAlias = Literal[
    # the reference's kinds
    "event-type",
    "event",
    "name",
    "userId",
    "event-property",
    "event-trait",
    "event-context",
    # our additions: more top-level fields (the kind is the field's name, as for name/userId)
    "anonymousId",
    "messageId",
    "groupId",
    "previousId",
    "channel",
    "category",
    "timestamp",
    "originalTimestamp",
    "sentAt",
    "receivedAt",
    # ... and paths below event.integrations
    "event-integration",
]

ConditionOperator: TypeAlias = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "not_contains",
    "starts_with",
    "not_starts_with",
    "ends_with",
    "not_ends_with",
    "exists",
    "not_exists",
    "is_true",
    "is_false",
    "number_equals",
    "number_not_equals",
]

GroupOperator: TypeAlias = Literal["and", "or"]

#: A value in a condition: strings, numbers and booleans, as the reference's AST holds them.
ConditionValue: TypeAlias = str | int | float | bool

_KINDS: Final = frozenset(get_args(ConditionKind))
_OPERATORS: Final = frozenset(get_args(ConditionOperator))
_VALUELESS_OPERATORS: Final = frozenset({"exists", "not_exists", "is_true", "is_false"})
_ORDERING_OPERATORS: Final = frozenset({"<", "<=", ">", ">="})

#: Top-level event fields addressed by a single name; ``kind`` is the AST kind.
_SCALAR_FIELD_KINDS: Final[dict[str, ConditionKind]] = {
    "type": "event-type",
    "event": "event",
    "name": "name",
    "userId": "userId",
    "anonymousId": "anonymousId",
    "messageId": "messageId",
    "groupId": "groupId",
    "previousId": "previousId",
    "channel": "channel",
    "category": "category",
    "timestamp": "timestamp",
    "originalTimestamp": "originalTimestamp",
    "sentAt": "sentAt",
    "receivedAt": "receivedAt",
}
_SCALAR_KIND_FIELDS: Final[dict[str, str]] = {kind: field for field, kind in _SCALAR_FIELD_KINDS.items()}

#: Top-level objects whose members are addressed by a path (``properties.price``).
_PATH_FIELD_KINDS: Final[dict[str, ConditionKind]] = {
    "properties": "event-property",
    "traits": "event-trait",
    "context": "event-context",
    "integrations": "event-integration",
}
_PATH_KIND_FIELDS: Final[dict[str, str]] = {kind: field for field, kind in _PATH_FIELD_KINDS.items()}

# How `<field> = null`, `= true` ... are classified (the reference's rules per field, §3.3):
# type and event take every value literally; name turns `= null`/`!= null` into not_exists/exists;
# userId (and the fields we added, which behave like it) also turns `= true`/`= false` into
# is_true/is_false.
_LITERAL_ONLY_FIELDS: Final = frozenset({"type", "event"})
_NULL_ONLY_FIELDS: Final = frozenset({"name"})


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """One test on one event field.

    ``kind`` names the field (``event-type`` is ``event.type``, ``event-property`` is a path below
    ``event.properties`` given by ``name``); ``value`` is absent (``None``) for ``exists``,
    ``not_exists``, ``is_true`` and ``is_false``.
    """

    kind: ConditionKind
    operator: ConditionOperator
    value: ConditionValue | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown condition kind {self.kind!r}")
        if self.operator not in _OPERATORS:
            raise ValueError(f"unknown condition operator {self.operator!r}")
        if self.kind in _PATH_KIND_FIELDS:
            if not self.name or not _split_path(self.name):
                raise ValueError(f"a {self.kind} condition needs a field name")
        elif self.name is not None:
            raise ValueError(f"a {self.kind} condition takes no field name")
        if self.value is None and self.operator not in _VALUELESS_OPERATORS:
            raise ValueError(f"operator {self.operator!r} needs a value")

    def _key(self) -> tuple[object, ...]:
        # `True == 1` in Python; tag the value's JavaScript type so `!= true` and `!= 1` differ.
        return (self.kind, self.operator, self.name, _type_tag(self.value), self.value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Condition):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def to_dict(self) -> dict[str, Any]:
        """The node as the reference's JSON AST: ``{"type": kind, "operator": ..., "name"?, "value"?}``."""
        node: dict[str, Any] = {"type": self.kind}
        if self.name is not None:
            node["name"] = self.name
        node["operator"] = self.operator
        if self.value is not None:
            node["value"] = self.value
        return node


@dataclass(frozen=True, slots=True)
class Group:
    """Children combined with ``and`` (all must match) or ``or`` (any must match)."""

    operator: GroupOperator
    children: tuple[FilterNode, ...]

    def __post_init__(self) -> None:
        if self.operator not in ("and", "or"):
            raise ValueError(f"unknown group operator {self.operator!r}")
        children: object = self.children
        if not isinstance(children, tuple):  # accept a list from hand-written trees
            object.__setattr__(self, "children", tuple(self.children))
        if not self.children:
            raise ValueError("a group needs at least one child")

    def to_dict(self) -> dict[str, Any]:
        """The node as the reference's JSON AST: ``{"type": "group", "operator": ..., "children": [...]}``."""
        return {
            "type": "group",
            "operator": self.operator,
            "children": [child.to_dict() for child in self.children],
        }


FilterNode: TypeAlias = Condition | Group


def _type_tag(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# --- lexer -------------------------------------------------------------------------------------

_TokenKind: TypeAlias = Literal[
    "word", "string", "number", "op", "not", "lparen", "rparen", "comma", "and", "or", "bool", "null", "eof"
]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _TokenKind
    value: str  # words and strings unescaped/unquoted; numbers and operators as written
    start: int
    end: int
    head: str = ""  # words: the first path segment
    rest: str | None = None  # words: the path after the first segment (`items[0].id`), if any


_WHITESPACE: Final = frozenset(" \t\n\r")
_NUMBER: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_MAX_NESTING: Final = 64


class _SyntaxError(Exception):
    """Internal: a problem at an offset. Turned into a SubscriptionError with line and column."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


def _is_segment_char(char: str) -> bool:
    return char.isalnum() or char in "_-$"


def _is_word_start(char: str) -> bool:
    return char.isalpha() or char in "_$\\"


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def tokens(self) -> list[_Token]:
        text = self.text
        tokens: list[_Token] = []
        while True:
            while self.pos < len(text) and text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos >= len(text):
                tokens.append(_Token("eof", "", self.pos, self.pos))
                return tokens
            tokens.append(self._token())

    def _token(self) -> _Token:
        text, start = self.text, self.pos
        char = text[start]
        following = text[start + 1] if start + 1 < len(text) else ""
        if char in "(),":
            self.pos += 1
            kind: _TokenKind = "lparen" if char == "(" else "rparen" if char == ")" else "comma"
            return _Token(kind, char, start, self.pos)
        if char in "\"'":
            return self._string(char)
        if char == "=":
            if following == "=":
                raise _SyntaxError("'==' is not an operator, use '='", start)
            self.pos += 1
            return _Token("op", "=", start, self.pos)
        if char in "!<>":
            if following == "=":
                self.pos += 2
                return _Token("op", char + "=", start, self.pos)
            self.pos += 1
            return _Token("not" if char == "!" else "op", char, start, self.pos)
        if (char.isdigit() and char.isascii()) or (
            char in "+-" and following.isdigit() and following.isascii()
        ):
            return self._number()
        if _is_word_start(char):
            return self._word()
        if char in "&|":
            hint = "and" if char == "&" else "or"
            raise _SyntaxError(f"unexpected character {char!r} (use '{hint}')", start)
        raise _SyntaxError(f"unexpected character {char!r}", start)

    def _string(self, quote: str) -> _Token:
        start = self.pos
        close = self.text.find(quote, start + 1)
        if close < 0:
            raise _SyntaxError(f"unterminated string (no closing {quote})", start)
        self.pos = close + 1
        return _Token("string", self.text[start + 1 : close], start, self.pos)

    def _number(self) -> _Token:
        start = self.pos
        match = _NUMBER.match(self.text, start)
        assert match is not None  # the caller saw a digit, optionally after a sign
        self.pos = match.end()
        if self.pos < len(self.text) and (
            _is_segment_char(self.text[self.pos]) or self.text[self.pos] in ".\\"
        ):
            raise _SyntaxError(f"invalid number {self._chunk(start)!r}", start)
        return _Token("number", match.group(), start, self.pos)

    def _chunk(self, start: int) -> str:
        end = start
        while end < len(self.text) and (_is_segment_char(self.text[end]) or self.text[end] in ".+"):
            end += 1
        return self.text[start:end]

    def _segment(self) -> tuple[str, bool]:
        """Read one path segment; return it unescaped and whether it used a backslash."""
        text = self.text
        chars: list[str] = []
        escaped = False
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                if self.pos + 1 >= len(text):
                    raise _SyntaxError("'\\' at the end of the filter escapes nothing", self.pos)
                chars.append(text[self.pos + 1])
                self.pos += 2
                escaped = True
            elif _is_segment_char(char):
                chars.append(char)
                self.pos += 1
            else:
                break
        if not chars:
            found = repr(text[self.pos]) if self.pos < len(text) else "the end of the filter"
            raise _SyntaxError(f"expected a field name, found {found}", self.pos)
        return "".join(chars), escaped

    def _word(self) -> _Token:
        start = self.pos
        text = self.text
        head, escaped = self._segment()
        pieces: list[str] = []
        while self.pos < len(text) and text[self.pos] in ".[":
            if text[self.pos] == ".":
                self.pos += 1
                segment, _ = self._segment()
                pieces.append("." + segment)
            else:
                bracket = self.pos
                self.pos += 1
                segment, _ = self._segment()
                if self.pos >= len(text) or text[self.pos] != "]":
                    raise _SyntaxError("unclosed '['", bracket)
                self.pos += 1
                pieces.append(f"[{segment}]")
        end = self.pos
        if "." in head:
            # The reference splits the unescaped text, so an escaped dot still ends the field name:
            # `properties\.price` is `properties.price`.
            head, _, first_key = head.partition(".")
            pieces.insert(0, "." + first_key)
        if pieces:
            rest = "".join(pieces)
            return _Token("word", head + rest, start, end, head, rest.removeprefix("."))
        if not escaped:
            if head == "and":
                return _Token("and", head, start, end)
            if head == "or":
                return _Token("or", head, start, end)
        # Values are read from the unescaped text, so `\true` and `nul\l` are true and null there too.
        if head in ("true", "false"):
            return _Token("bool", head, start, end)
        if head == "null":
            return _Token("null", head, start, end)
        return _Token("word", head, start, end, head)


# --- parser ------------------------------------------------------------------------------------

_FUNCTIONS: Final = frozenset({"contains", "match"})
_OPERATOR_LIST: Final = "=, !=, <, <=, >, >="
_FIELD_LIST: Final = ", ".join([*_SCALAR_FIELD_KINDS, *(f"{field}.<path>" for field in _PATH_FIELD_KINDS)])


@dataclass(frozen=True, slots=True)
class _Field:
    kind: ConditionKind
    field: str  # the top-level field: type, userId, properties...
    name: str | None  # the path below it, for path kinds


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _Lexer(text).tokens()
        self.index = 0

    # token helpers

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def _source(self, token: _Token) -> str:
        if token.kind == "eof":
            return "the end of the filter"
        source = self.text[token.start : token.end]
        if len(source) > 40:
            source = source[:37] + "..."
        if token.kind == "string":
            return source  # already quoted
        return f"'{source}'" if "'" not in source else f'"{source}"'

    def _found(self, token: _Token) -> str:
        return "" if token.kind == "eof" else f", found {self._source(token)}"

    # grammar: or_expr := and_expr ('or' and_expr)* ; and_expr := unary ('and' unary)*

    def parse(self) -> Group:
        if self._peek().kind == "eof":
            raise _SyntaxError("the filter is empty", 0)
        node = self._or_expr(0)
        token = self._peek()
        if token.kind == "rparen":
            raise _SyntaxError("unexpected ')' without a matching '('", token.start)
        if token.kind != "eof":
            raise _SyntaxError(
                f"expected 'and', 'or' or the end of the filter, found {self._source(token)}", token.start
            )
        return node if isinstance(node, Group) else Group("and", (node,))

    def _or_expr(self, depth: int) -> FilterNode:
        children = [self._and_expr(depth)]
        while self._peek().kind == "or":
            self._advance()
            children.append(self._and_expr(depth))
        return children[0] if len(children) == 1 else Group("or", tuple(children))

    def _and_expr(self, depth: int) -> FilterNode:
        children = [self._unary(depth)]
        while self._peek().kind == "and":
            self._advance()
            children.append(self._unary(depth))
        return children[0] if len(children) == 1 else Group("and", tuple(children))

    def _unary(self, depth: int) -> FilterNode:
        token = self._peek()
        if token.kind == "lparen":
            if depth >= _MAX_NESTING:
                raise _SyntaxError(f"parentheses nested deeper than {_MAX_NESTING} levels", token.start)
            self._advance()
            node = self._or_expr(depth + 1)
            closing = self._peek()
            if closing.kind != "rparen":
                if closing.kind == "eof":
                    raise _SyntaxError("unclosed '('", token.start)
                raise _SyntaxError(
                    f"expected 'and', 'or' or ')', found {self._source(closing)}", closing.start
                )
            self._advance()
            return node
        if token.kind == "not":
            self._advance()
            function = self._peek()
            if function.kind == "word" and function.value in _FUNCTIONS and self._peek(1).kind == "lparen":
                return self._function(negate=True)
            raise _SyntaxError("'!' can only negate contains() or match()", token.start)
        if token.kind == "word":
            if self._peek(1).kind == "lparen":
                if token.value in _FUNCTIONS:
                    return self._function(negate=False)
                raise _SyntaxError(
                    f"unknown function '{token.value}' (use contains() or match())", token.start
                )
            return self._comparison()
        previous = self.tokens[self.index - 1] if self.index else None
        after = f" after {self._source(previous)}" if previous is not None else ""
        raise _SyntaxError(f"expected a condition{after}{self._found(token)}", token.start)

    def _field(self, token: _Token) -> _Field:
        scalar_kind = _SCALAR_FIELD_KINDS.get(token.head)
        path_kind = _PATH_FIELD_KINDS.get(token.head)
        if token.rest is None:
            if scalar_kind is not None:
                return _Field(scalar_kind, token.head, None)
            if path_kind is not None:
                raise _SyntaxError(f"'{token.head}' needs a path, such as '{token.head}.price'", token.start)
        else:
            if path_kind is not None:
                if not _split_path(token.rest):
                    # `properties.\.` names no key; the reference fails on it for every event
                    raise _SyntaxError(
                        f"{self._source(token)} names no key below '{token.head}'", token.start
                    )
                return _Field(path_kind, token.head, token.rest)
            if scalar_kind is not None:
                raise _SyntaxError(
                    f"'{token.head}' has no sub-fields (found {self._source(token)})", token.start
                )
        candidates = [*_SCALAR_FIELD_KINDS, *_PATH_FIELD_KINDS]
        close = difflib.get_close_matches(token.head, candidates, n=1, cutoff=0.7)
        hint = f"did you mean '{close[0]}'?" if close else f"fields are {_FIELD_LIST}"
        raise _SyntaxError(f"unknown field '{token.value}' ({hint})", token.start)

    def _value(self, context: str) -> _Token:
        token = self._peek()
        if token.kind not in ("string", "number", "bool", "null", "word"):
            raise _SyntaxError(f"expected a value {context}{self._found(token)}", token.start)
        return self._advance()

    def _comparison(self) -> Condition:
        field_token = self._advance()
        field = self._field(field_token)
        operator_token = self._peek()
        if operator_token.kind != "op":
            raise _SyntaxError(
                f"expected an operator ({_OPERATOR_LIST}) after {self._source(field_token)}"
                f"{self._found(operator_token)}",
                operator_token.start,
            )
        self._advance()
        operator: ConditionOperator = operator_token.value  # type: ignore[assignment]
        value_token = self._value(f"after '{operator}'")
        return self._classify(field, operator, value_token)

    def _classify(self, field: _Field, operator: ConditionOperator, token: _Token) -> Condition:
        """Turn `field OP value` into a node exactly as the reference classifies it (§3.3)."""
        kind, name = field.kind, field.name
        if operator in _ORDERING_OPERATORS:
            typed = self._ordering_value(operator, token)
            # scalar fields keep String(value); paths keep the typed value, as the reference does
            return Condition(kind, operator, to_string(typed) if name is None else typed, name)
        if operator in ("=", "!="):
            is_path = name is not None
            null_rules = is_path or field.field not in _LITERAL_ONLY_FIELDS
            bool_rules = is_path or (null_rules and field.field not in _NULL_ONLY_FIELDS)
            if token.kind == "null" and null_rules:
                return Condition(kind, "not_exists" if operator == "=" else "exists", None, name)
            if token.kind == "bool" and operator == "=" and bool_rules:
                return Condition(kind, "is_true" if token.value == "true" else "is_false", None, name)
            if token.kind == "number" and name is not None:
                number_operator: ConditionOperator = (
                    "number_equals" if operator == "=" else "number_not_equals"
                )
                return Condition(kind, number_operator, _number_value(token.value), name)
        typed_value = _token_value(token)
        return Condition(kind, operator, to_string(typed_value) if name is None else typed_value, name)

    def _ordering_value(self, operator: str, token: _Token) -> ConditionValue:
        if token.kind == "number":
            return _number_value(token.value)
        # A numeric string, read as JavaScript's Number() reads it (blank text is 0 there: refused).
        text = token.value
        if (
            token.kind in ("string", "word")
            and trim(text)
            and math.isfinite(string_to_number(text))
        ):
            return text
        raise _SyntaxError(
            f"'{operator}' compares numbers; expected a number, found {self._source(token)}", token.start
        )

    def _function(self, *, negate: bool) -> Condition:
        function = self._advance().value
        self._advance()  # "(" (checked by the caller's lookahead)
        field_token = self._peek()
        if field_token.kind != "word":
            raise _SyntaxError(
                f"expected a field name as the first argument of {function}(){self._found(field_token)}",
                field_token.start,
            )
        self._advance()
        field = self._field(field_token)
        comma = self._peek()
        if comma.kind != "comma":
            raise _SyntaxError(
                f"expected ',' after the first argument of {function}(){self._found(comma)}", comma.start
            )
        self._advance()
        value_token = self._value(f"as the second argument of {function}()")
        closing = self._peek()
        if closing.kind != "rparen":
            raise _SyntaxError(f"expected ')' to close {function}(){self._found(closing)}", closing.start)
        self._advance()
        if function == "contains":
            operator: ConditionOperator = "not_contains" if negate else "contains"
            return Condition(field.kind, operator, to_string(_token_value(value_token)), field.name)
        if value_token.kind != "string":
            raise _SyntaxError('match() needs a quoted pattern, such as "abc*" or "*abc"', value_token.start)
        pattern = value_token.value
        if pattern.endswith("*"):
            operator = "not_starts_with" if negate else "starts_with"
            return Condition(field.kind, operator, pattern[:-1], field.name)
        if pattern.startswith("*"):
            operator = "not_ends_with" if negate else "ends_with"
            return Condition(field.kind, operator, pattern[1:], field.name)
        raise _SyntaxError(
            "match() pattern must start with '*' (ends with) or end with '*' (starts with)", value_token.start
        )


def _number_value(text: str) -> int | float:
    """``Number(text)`` for a number literal; integral literals stay ``int`` while exact in a double."""
    # Longer literals go through float(), which gives the same answer (exact up to 2**53, then
    # rounded) without int()'s 4300-digit limit.
    if "." not in text and "e" not in text and "E" not in text and len(text) <= 17:
        whole = int(text)
        if -(2**53) <= whole <= 2**53:
            return whole
    number = float(text)
    return int(number) if number.is_integer() and abs(number) <= 2**53 else number


def _token_value(token: _Token) -> ConditionValue:
    """The reference's ``getTokenValue``: typed strings, numbers and booleans; anything else as text."""
    if token.kind == "number":
        return _number_value(token.value)
    if token.kind == "bool":
        return token.value == "true"
    return token.value  # strings, bare words, and `null` (the text "null")


def _text(value: object) -> str:
    """``String(value)`` of a condition's value; an absent value is JavaScript's ``undefined``."""
    return to_string(UNDEFINED if value is None else value)


_SAFE_INTEGER: Final = 2**53


def _as_number(value: object) -> float:
    """``Number(value)`` of a condition's value, as a double; an absent value is ``undefined``."""
    return float(to_number(UNDEFINED if value is None else value))


# --- evaluation --------------------------------------------------------------------------------

_Predicate: TypeAlias = Callable[[Mapping[str, Any]], bool]
_Getter: TypeAlias = Callable[[Mapping[str, Any]], Any]
_Test: TypeAlias = Callable[[Any], bool]
_PATH_SEGMENT: Final = re.compile(r"[^.\[\]]+")


def _split_path(name: str) -> tuple[str, ...]:
    """Split ``a.b[0]`` into ``("a", "b", "0")``, as the reference's ``get`` does."""
    return tuple(_PATH_SEGMENT.findall(name))


def _step(container: Any, key: str) -> Any:
    """One step of the reference's ``get`` (``container && container[key]``), ``None`` for undefined."""
    value = member(container, key)
    return None if value is UNDEFINED else value


def _path_getter(field: str, name: str) -> _Getter:
    keys = _split_path(name)
    if len(keys) == 1:
        (key,) = keys

        def get_one(event: Mapping[str, Any]) -> Any:
            container = event.get(field)
            if type(container) is dict:
                return container.get(key)
            return _step(container, key)

        return get_one

    def get_path(event: Mapping[str, Any]) -> Any:
        value = event.get(field)
        for key in keys:
            value = value.get(key) if type(value) is dict else _step(value, key)
        return value

    return get_path


def _value_test(operator: str, expected: object) -> _Test:
    """The test one operator applies to the looked-up value (``None`` stands for missing), per §3.4."""
    text = _text(expected)
    number = _as_number(expected)
    if operator in ("=", "!=") and has_surrogate(text):
        # JavaScript sees a surrogate pair written as two code points as the emoji it encodes.
        units = to_utf16_units(text)
        if operator == "=":
            return lambda actual: isinstance(actual, str) and to_utf16_units(actual) == units
        return lambda actual: not isinstance(actual, str) or to_utf16_units(actual) != units
    if operator == "=":
        return lambda actual: actual == text  # only an equal string is == a str
    if operator == "!=":
        return lambda actual: actual != text
    if operator in _NUMBER_COMPARISONS:
        return _number_test(_NUMBER_COMPARISONS[operator], number)
    if operator in _TEXT_TESTS:
        if has_surrogate(text):
            # A lone surrogate can match half of an emoji in JavaScript: compare UTF-16 code units.
            test = _TEXT_TESTS[operator]
            units = to_utf16_units(text)
            return lambda actual: isinstance(actual, str) and test(to_utf16_units(actual), units)
        if operator == "contains":
            return lambda actual: isinstance(actual, str) and text in actual
        if operator == "not_contains":
            return lambda actual: isinstance(actual, str) and text not in actual
        if operator == "starts_with":
            return lambda actual: isinstance(actual, str) and actual.startswith(text)
        if operator == "not_starts_with":
            return lambda actual: isinstance(actual, str) and not actual.startswith(text)
        if operator == "ends_with":
            return lambda actual: isinstance(actual, str) and actual.endswith(text)
        return lambda actual: isinstance(actual, str) and not actual.endswith(text)
    if operator == "exists":
        return lambda actual: actual is not None and actual is not UNDEFINED
    if operator == "not_exists":
        return lambda actual: actual is None or actual is UNDEFINED
    if operator == "is_true":
        return lambda actual: actual is True
    if operator == "is_false":
        return lambda actual: actual is False
    return lambda actual: False


def _number_test(compare: Callable[[float, float], bool], number: float) -> _Test:
    """A comparison that holds only for numbers, which are compared as JavaScript doubles."""
    low, high = -_SAFE_INTEGER, _SAFE_INTEGER

    def test(actual: Any) -> bool:
        kind = type(actual)
        if kind is int:
            # JSON integers beyond 2**53 are rounded (beyond the double range, infinite) in JavaScript
            return compare(actual if low <= actual <= high else to_number(actual), number)
        return kind is float and compare(actual, number)

    return test


_NUMBER_COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "number_equals": eq,
    "number_not_equals": ne,
    "<": lt,
    "<=": le,
    ">": gt,
    ">=": ge,
}
_TEXT_TESTS: Final[dict[str, Callable[[str, str], bool]]] = {
    "contains": lambda actual, text: text in actual,
    "not_contains": lambda actual, text: text not in actual,
    "starts_with": str.startswith,
    "not_starts_with": lambda actual, text: not actual.startswith(text),
    "ends_with": str.endswith,
    "not_ends_with": lambda actual, text: not actual.endswith(text),
}


def _compile_condition(condition: Condition) -> _Predicate:
    operator, value = condition.operator, condition.value
    field = _SCALAR_KIND_FIELDS.get(condition.kind)
    if field is not None:
        # The hot path of every preset (`type = "track"`): one dict lookup and one comparison.
        text = _text(value)
        if operator == "=" and not has_surrogate(text):
            return lambda event: event.get(field) == text
        if operator == "!=" and not has_surrogate(text):
            return lambda event: event.get(field) != text
        test = _value_test(operator, value)
        return lambda event: test(event.get(field))
    assert condition.name is not None  # Condition.__post_init__ guarantees it for path kinds
    getter = _path_getter(_PATH_KIND_FIELDS[condition.kind], condition.name)
    test = _value_test(operator, value)
    return lambda event: test(getter(event))


def _compile(node: FilterNode) -> _Predicate:
    if isinstance(node, Condition):
        return _compile_condition(node)
    predicates = tuple(_compile(child) for child in node.children)
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        if node.operator == "and":
            return lambda event: first(event) and second(event)
        return lambda event: first(event) or second(event)
    if node.operator == "and":

        def all_match(event: Mapping[str, Any]) -> bool:
            # a plain loop: about twice as fast as all() over a generator
            for predicate in predicates:  # noqa: SIM110
                if not predicate(event):
                    return False
            return True

        return all_match

    def any_match(event: Mapping[str, Any]) -> bool:
        for predicate in predicates:  # noqa: SIM110
            if predicate(event):
                return True
        return False

    return any_match


class Filter:
    """A parsed, compiled subscription. Build one with :func:`parse_filter`.

    ``text`` is the subscription as written and ``ast`` its syntax tree (always a :class:`Group`;
    a lone condition is wrapped in an ``and`` group, as in the reference).
    """

    __slots__ = ("_predicate", "ast", "text")

    def __init__(self, text: str, ast: Group) -> None:
        self.text: Final = text
        self.ast: Final = ast
        self._predicate = _compile(ast)

    @classmethod
    def from_ast(cls, ast: FilterNode) -> Filter:
        """A filter for a tree built in code; its ``text`` is :func:`to_fql` of the tree."""
        group = ast if isinstance(ast, Group) else Group("and", (ast,))
        return cls(to_fql(group), group)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` (a Segment event as a mapping) passes the filter. Never raises."""
        candidate: object = event
        if type(candidate) is not dict and not isinstance(candidate, Mapping):
            return False  # the reference would fail on null and see only undefined fields otherwise
        return self._predicate(event)

    def __repr__(self) -> str:
        return f"Filter({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Filter):
            return NotImplemented
        return self.text == other.text and self.ast == other.ast

    def __hash__(self) -> int:
        return hash((self.text, self.ast))


def _location(text: str, offset: int) -> str:
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    if "\n" in text:
        return f"line {text.count(chr(10), 0, offset) + 1}, column {column}"
    return f"column {column}"


def _display(text: str) -> str:
    shown = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return shown if len(shown) <= 200 else shown[:197] + "..."


@functools.lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Filter:
    try:
        ast = _Parser(text).parse()
    except _SyntaxError as error:
        message = (
            f"Invalid subscription '{_display(text)}': {error.reason} at {_location(text, error.offset)}"
        )
        raise SubscriptionError(message) from None
    return Filter(text, ast)


def parse_filter(text: str) -> Filter:
    """Parse and compile a subscription such as ``type = "track" and event != "Order Completed"``.

    Results are cached by text, so loading the same subscription again is free.

    Raises:
        SubscriptionError: the text is not a valid filter; the message names the problem and
            its column, e.g. ``Invalid subscription 'type = ': expected a value after '=' at column 8``.
    """
    candidate: object = text
    if not isinstance(candidate, str):
        raise SubscriptionError(f"Invalid subscription: expected a string, got {type(candidate).__name__}")
    return _parse_cached(candidate)


# --- printer -----------------------------------------------------------------------------------

_PLAIN_PATH_CHAR: Final = re.compile(r"[^a-zA-Z0-9._-]")


def _quote(text: str) -> str:
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    raise SubscriptionError(f"Cannot write {text!r} as an FQL string: it contains both kinds of quote")


def _literal(value: ConditionValue | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_literal(value)
    return _quote(_text(value))


def _number_literal(value: object) -> str:
    number = _as_number(value)
    if not math.isfinite(number):
        raise SubscriptionError(f"Cannot write {value!r} as an FQL number")
    return number_to_string(int(number) if number.is_integer() and abs(number) <= 2**53 else number)


def _field_text(condition: Condition) -> str:
    field = _SCALAR_KIND_FIELDS.get(condition.kind)
    if field is not None:
        return field
    # Escape as the reference's printer does; dots stay path separators.
    name = _PLAIN_PATH_CHAR.sub(lambda match: "\\" + match.group(), condition.name or "")
    return f"{_PATH_KIND_FIELDS[condition.kind]}.{name}"


def _condition_text(condition: Condition) -> str:
    field, operator, value = _field_text(condition), condition.operator, condition.value
    text = _text(value)
    if operator in ("contains", "not_contains"):
        return f"{'!' if operator == 'not_contains' else ''}contains({field}, {_literal(value)})"
    if operator in ("starts_with", "not_starts_with"):
        return f"{'!' if operator == 'not_starts_with' else ''}match({field}, {_quote(text + '*')})"
    if operator in ("ends_with", "not_ends_with"):
        if text.endswith("*"):
            # `match(f, "*ab*")` would read back as starts_with "*ab"
            raise SubscriptionError(f"Cannot write ends_with {text!r} with match(): the value ends with '*'")
        return f"{'!' if operator == 'not_ends_with' else ''}match({field}, {_quote('*' + text)})"
    if operator == "exists":
        return f"{field} != null"
    if operator == "not_exists":
        return f"{field} = null"
    if operator == "is_true":
        return f"{field} = true"
    if operator == "is_false":
        return f"{field} = false"
    if operator in _ORDERING_OPERATORS or operator in ("number_equals", "number_not_equals"):
        symbol = {"number_equals": "=", "number_not_equals": "!="}.get(operator, operator)
        return f"{field} {symbol} {_number_literal(value)}"
    return f"{field} {operator} {_literal(value)}"


def _group_text(group: Group) -> str:
    parts = (
        f"({_group_text(child)})" if isinstance(child, Group) else _condition_text(child)
        for child in group.children
    )
    return f" {group.operator} ".join(parts)


def to_fql(node: Filter | FilterNode) -> str:
    """Print a filter or AST as FQL text that :func:`parse_filter` reads back to the same tree.

    Nested groups are parenthesised; a top-level group holding a single group is printed
    without the outer parentheses.

    Raises:
        SubscriptionError: the tree holds something FQL cannot spell (a string containing both
            quote characters, a non-finite number, an ``ends_with`` value ending in ``*``).
    """
    if isinstance(node, Filter):
        node = node.ast
    if isinstance(node, Condition):
        return _condition_text(node)
    while len(node.children) == 1 and isinstance(node.children[0], Group):
        node = node.children[0]
    return _group_text(node)

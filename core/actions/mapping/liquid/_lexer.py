"""``@liquid`` tokens and tokenizer, reading templates exactly as LiquidJS 10 does.

LiquidJS's tokenizer is lenient in its own way (an expression stops at the first thing it cannot
read, an unterminated string runs to the end, ``a[1 2]`` skips to ``]``) and reports problems as
``TokenizationError`` at precise positions. The reference's messages and results depend on all
of that, so this is a line-by-line port of its behaviour rather than a grammar. Positions are
UTF-16 code unit offsets into the template, as in JavaScript.
"""

from __future__ import annotations

from typing import Any, Final

from actions.js import from_utf16_units, json_stringify, to_number

from ._values import LITERALS

__all__ = [
    "BLANK",
    "INLINE_BLANK",
    "FilterToken",
    "FilteredValueToken",
    "HTMLToken",
    "IdentifierToken",
    "LiquidError",
    "LiquidTagToken",
    "LiteralToken",
    "NumberToken",
    "OperatorToken",
    "OutputToken",
    "PropertyAccessToken",
    "QuotedToken",
    "RangeToken",
    "TagToken",
    "Token",
    "Tokenizer",
    "char_type",
]

WORD: Final = 1
BLANK: Final = 4
QUOTE: Final = 8
INLINE_BLANK: Final = 16
NUMBER: Final = 32
SIGN: Final = 64

# Character classes of the ASCII range, as LiquidJS defines them ('-' and '?' are word characters).
_ASCII_TYPES: Final = (
    [0] * 9
    + [20, 4, 4, 4, 20]
    + [0] * 18
    + [20, 2, 8, 0, 0, 0, 0, 8, 0, 0, 0, 64, 0, 65, 0, 0]
    + [33] * 10
    + [0, 0, 2, 2, 2, 1, 0]
    + [1] * 26
    + [0, 0, 0, 0, 1, 0]
    + [1] * 26
    + [0, 0, 0, 0, 0]
)
_PUNCTUATION: Final = 128
_HIGH_TYPES: Final = {
    **dict.fromkeys(
        (160, 5760, 6158, *range(8192, 8203), 8232, 8233, 8239, 8287, 12288),
        BLANK,
    ),
    8220: _PUNCTUATION,
    8221: _PUNCTUATION,
}


def char_type(char: str) -> int:
    """The LiquidJS character class bits of ``char`` (0 for ``''``)."""
    if not char:
        return 0
    code = ord(char)
    return _ASCII_TYPES[code] if code < 128 else _HIGH_TYPES.get(code, 0)


def is_word(char: str) -> bool:
    """Word characters: letters, digits, ``_``, ``-``, ``?`` and almost everything non-ASCII."""
    if not char:
        return False
    code = ord(char)
    if code >= 128:
        return code not in _HIGH_TYPES
    return bool(_ASCII_TYPES[code] & WORD)


class LiquidError(Exception):
    """A LiquidJS error (``TokenizationError``, ``ParseError``, ``RenderError``) with its position."""

    def __init__(self, kind: str, message: str, source: str, index: int) -> None:
        line = source.count("\n", 0, index) + 1
        column = index - (source.rfind("\n", 0, index) + 1) + 1
        self.kind = kind
        self.text = f"{message}, line:{line}, col:{column}"
        super().__init__(self.text)


# --- tokens ----------------------------------------------------------------------------------


class Token:
    __slots__ = ("begin", "end", "input")

    def __init__(self, source: str, begin: int, end: int) -> None:
        self.input = source
        self.begin = begin
        self.end = end

    def text(self) -> str:
        return self.input[self.begin : self.end]

    def size(self) -> int:
        return self.end - self.begin

    def error(self, kind: str, message: str) -> LiquidError:
        return LiquidError(kind, message, self.input, self.begin)


class HTMLToken(Token):
    __slots__ = ("trim_left", "trim_right")

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.trim_left = 0
        self.trim_right = 0

    def content(self) -> str:
        return self.input[self.begin + self.trim_left : self.end - self.trim_right]


class DelimitedToken(Token):
    __slots__ = ("content_begin", "content_end", "trim_left", "trim_right")

    def __init__(self, source: str, content_begin: int, content_end: int, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        left_dash = 0 <= content_begin < len(source) and source[content_begin] == "-"
        right_dash = 0 <= content_end - 1 < len(source) and source[content_end - 1] == "-"
        low = content_begin + 1 if left_dash else content_begin
        high = content_end - 1 if right_dash else content_end
        while low < high and char_type(source[low]) & BLANK:
            low += 1
        while high > low and char_type(source[high - 1]) & BLANK:
            high -= 1
        self.content_begin = low
        self.content_end = high
        self.trim_left = left_dash
        self.trim_right = right_dash


class TagToken(DelimitedToken):
    __slots__ = ("name", "tokenizer")

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin + 2, end - 2, begin, end)
        self.tokenizer = Tokenizer(source, (self.content_begin, self.content_end))
        self.name = self.tokenizer.read_tag_name()
        self.tokenizer.check(bool(self.name), "illegal tag syntax, tag name expected")
        self.tokenizer.skip_blank()

    @property
    def args(self) -> str:
        return self.input[self.tokenizer.p : self.content_end]


class LiquidTagToken(DelimitedToken):
    """One line of a ``{% liquid %}`` tag: a tag without delimiters."""

    __slots__ = ("name", "tokenizer")

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end, begin, end)
        self.tokenizer = Tokenizer(source, (self.content_begin, self.content_end))
        self.name = self.tokenizer.read_tag_name()
        self.tokenizer.check(bool(self.name), "illegal liquid tag syntax")
        self.tokenizer.skip_blank()

    @property
    def args(self) -> str:
        return self.input[self.tokenizer.p : self.content_end]


class OutputToken(DelimitedToken):
    __slots__ = ()

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin + 2, end - 2, begin, end)


class NumberToken(Token):
    __slots__ = ("content",)

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.content = to_number(self.text())


class IdentifierToken(Token):
    __slots__ = ("content",)

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.content = self.text()


class LiteralToken(Token):
    __slots__ = ("content", "literal")

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.literal = self.text()
        self.content = LITERALS[self.literal]


class QuotedToken(Token):
    __slots__ = ("content",)

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.content = parse_string_literal(self.text())


class OperatorToken(Token):
    __slots__ = ("operator",)

    def __init__(self, source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.operator = self.text()

    def precedence(self) -> int:
        return _PRECEDENCE.get(self.operator, 1)


class PropertyAccessToken(Token):
    __slots__ = ("props", "variable")

    def __init__(self, variable: Token | None, props: list[Token], source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.variable = variable
        self.props = props


class RangeToken(Token):
    __slots__ = ("high", "low")

    def __init__(self, source: str, begin: int, end: int, low: Token, high: Token) -> None:
        super().__init__(source, begin, end)
        self.low = low
        self.high = high


class FilterToken(Token):
    """A filter and its arguments; a keyword argument is ``[name, value token or None]``."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: list[Any], source: str, begin: int, end: int) -> None:
        super().__init__(source, begin, end)
        self.name = name
        self.args = args


class FilteredValueToken(Token):
    __slots__ = ("filters", "initial")

    def __init__(
        self, initial: list[Token], filters: list[FilterToken], source: str, begin: int, end: int
    ) -> None:
        super().__init__(source, begin, end)
        self.initial = initial
        self.filters = filters


_PRECEDENCE: Final = {
    "==": 2,
    "!=": 2,
    ">": 2,
    "<": 2,
    ">=": 2,
    "<=": 2,
    "contains": 2,
    "not": 1,
    "and": 0,
    "or": 0,
}
UNARY_OPERATORS: Final = frozenset({"not"})

_ESCAPES: Final = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\x0b"}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")


def _digit_value(char: str) -> int:
    code = ord(char)
    if code >= 97:
        return code - 87
    if code >= 65:
        return code - 55
    return code - 48


def parse_string_literal(text: str) -> str:
    """The value of a quoted literal (its first and last characters are dropped, whatever they are)."""
    out: list[str] = []
    i = 1
    end = len(text) - 1
    while i < end:
        char = text[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        follower = text[i + 1] if i + 1 < len(text) else ""
        if follower in _ESCAPES:
            out.append(_ESCAPES[follower])
            i += 2
        elif follower == "u":
            value = 0
            j = i + 2
            while j <= i + 5 and j < len(text) and text[j] in _HEX:
                value = value * 16 + _digit_value(text[j])
                j += 1
            out.append(chr(value))
            i = j
        elif follower not in _OCTAL or follower == "":
            # A backslash before anything else keeps that character (a trailing one keeps nothing).
            if follower:
                out.append(follower)
            i += 2
        else:
            j = i + 1
            value = 0
            while j <= i + 3 and j < len(text) and text[j] in _OCTAL:
                value = value * 8 + _digit_value(text[j])
                j += 1
            out.append(chr(value))
            i = j
    return "".join(out)


class _Trie:
    """A character trie for operators and literals, matched greedily as LiquidJS does."""

    def __init__(self, words: list[str]) -> None:
        self.root: dict[str, Any] = {}
        for word in words:
            node = self.root
            for index, char in enumerate(word):
                node = node.setdefault(char, {})
                if index == len(word) - 1 and is_word(char):
                    node["#boundary"] = True
            node["#end"] = True


_OPERATORS: Final = _Trie(list(_PRECEDENCE))
_LITERALS: Final = _Trie(list(LITERALS))


def snapshot(text: str) -> str:
    """``JSON.stringify`` of ``text`` cut to 32 code units with ``...``."""
    if len(text) > 32:
        text = text[:29] + "..."
    return json_stringify(from_utf16_units(text)) or '""'


class Tokenizer:
    """Reads tokens from ``source[range]`` (the whole template when no range is given)."""

    def __init__(self, source: str, bounds: tuple[int, int] | None = None) -> None:
        self.input = source
        self.p = bounds[0] if bounds else 0
        self.n = bounds[1] if bounds else len(source)
        self.raw_begin_at = -1

    # --- errors ---------------------------------------------------------------------------

    def error(self, message: str, position: int | None = None) -> LiquidError:
        at = self.p if position is None else position
        return LiquidError("TokenizationError", message, self.input, at)

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            raise self.error(message)

    def snapshot(self, begin: int | None = None) -> str:
        start = self.p if begin is None else begin
        return snapshot(self.input[start : self.n])

    # --- characters -----------------------------------------------------------------------

    def peek(self, offset: int = 0) -> str:
        at = self.p + offset
        return self.input[at] if at < self.n else ""

    def peek_type(self, offset: int = 0) -> int:
        at = self.p + offset
        return char_type(self.input[at]) if at < self.n else 0

    def end(self) -> bool:
        return self.p >= self.n

    def read(self) -> str:
        char = self.input[self.p] if self.p < len(self.input) else ""
        self.p += 1
        return char

    def skip_blank(self) -> None:
        while self.peek_type() & BLANK:
            self.p += 1

    def match(self, word: str) -> bool:
        return self.input.startswith(word, self.p)

    def rmatch(self, word: str) -> bool:
        start = self.p - len(word)
        return start >= 0 and self.input[start : self.p] == word

    def read_to(self, end: str) -> int:
        while self.p < self.n:
            self.p += 1
            if self.rmatch(end):
                return self.p
        return -1

    # --- top level ------------------------------------------------------------------------

    def read_top_level_tokens(self) -> list[Token]:
        tokens: list[Token] = []
        while self.p < self.n:
            tokens.append(self._read_top_level_token())
        _whitespace_control(tokens)
        return tokens

    def _read_top_level_token(self) -> Token:
        if self.raw_begin_at > -1:
            return self._read_endraw_or_raw_content()
        if self.match("{%"):
            return self._read_tag_token()
        if self.match("{{"):
            return self._read_output_token()
        return self._read_html_token()

    def _read_html_token(self) -> HTMLToken:
        begin = self.p
        while self.p < self.n:
            if self.match("{%") or self.match("{{"):
                break
            self.p += 1
        return HTMLToken(self.input, begin, self.p)

    def _read_tag_token(self) -> TagToken:
        begin = self.p
        if self._read_to_delimiter("%}") == -1:
            raise self.error(f"tag {self.snapshot(begin)} not closed", begin)
        token = TagToken(self.input, begin, self.p)
        if token.name == "raw":
            self.raw_begin_at = begin
        return token

    def _read_output_token(self) -> OutputToken:
        begin = self.p
        if self._read_to_delimiter("}}", respect_quoted=True) == -1:
            raise self.error(f"output {self.snapshot(begin)} not closed", begin)
        return OutputToken(self.input, begin, self.p)

    def _read_to_delimiter(self, delimiter: str, respect_quoted: bool = False) -> int:
        self.skip_blank()
        while self.p < self.n:
            if respect_quoted and self.peek_type() & QUOTE:
                self.read_quoted()
                continue
            self.p += 1
            if self.rmatch(delimiter):
                return self.p
        return -1

    def _read_endraw_or_raw_content(self) -> Token:
        begin = self.p
        left = self.read_to("{%") - 2
        while self.p < self.n:
            if self.read_identifier().text() != "endraw":
                left = self.read_to("{%") - 2
                continue
            while self.p <= self.n:
                if self.rmatch("%}"):
                    end = self.p
                    if begin == left:
                        self.raw_begin_at = -1
                        return TagToken(self.input, begin, end)
                    self.p = left
                    return HTMLToken(self.input, begin, left)
                if self.rmatch("{%"):
                    break
                self.p += 1
        raise self.error(f"raw {self.snapshot(self.raw_begin_at)} not closed", begin)

    def read_liquid_tag_tokens(self) -> list[LiquidTagToken]:
        tokens: list[LiquidTagToken] = []
        while self.p < self.n:
            self.skip_blank()
            if self.end():
                break
            begin = self.p
            self._read_to_delimiter("\n")
            tokens.append(LiquidTagToken(self.input, begin, self.p))
        return tokens

    # --- expressions ----------------------------------------------------------------------

    def read_expression_tokens(self) -> list[Token]:
        tokens: list[Token] = []
        while self.p < self.n:
            operator = self.read_operator()
            if operator is not None:
                tokens.append(operator)
                continue
            operand = self.read_value()
            if operand is not None:
                tokens.append(operand)
                continue
            break
        return tokens

    def read_operator(self) -> OperatorToken | None:
        self.skip_blank()
        end = self._match_trie(_OPERATORS)
        if end == -1:
            return None
        token = OperatorToken(self.input, self.p, end)
        self.p = end
        return token

    def _match_trie(self, trie: _Trie) -> int:
        node = trie.root
        i = self.p
        found: dict[str, Any] | None = None
        while i < self.n and self.input[i] in node:
            node = node[self.input[i]]
            i += 1
            if node.get("#end"):
                found = node
        if found is None:
            return -1
        if found.get("#boundary") and is_word(self.peek(i - self.p)):
            return -1
        return i

    def read_filtered_value(self) -> FilteredValueToken:
        begin = self.p
        initial = self.read_expression_tokens()
        self.check(bool(initial), f"invalid value expression: {self.snapshot()}")
        filters = self._read_filters()
        return FilteredValueToken(initial, filters, self.input, begin, self.p)

    def _read_filters(self) -> list[FilterToken]:
        filters: list[FilterToken] = []
        while True:
            found = self._read_filter()
            if found is None:
                return filters
            filters.append(found)

    def _read_filter(self) -> FilterToken | None:
        self.skip_blank()
        if self.end():
            return None
        self.check(self.read() == "|", 'expected "|" before filter')
        name = self.read_identifier()
        if not name.size():
            self.check(self.end(), "expected filter name")
            return None
        args: list[Any] = []
        self.skip_blank()
        if self.peek() == ":":
            while True:
                self.p += 1
                argument = self._read_filter_arg()
                if argument is not None:
                    args.append(argument)
                self.skip_blank()
                if not (self.end() or self.peek() in (",", "|")):
                    raise self.error(f"unexpected character {self.snapshot()}")
                if self.peek() != ",":
                    break
        elif not (self.peek() == "|" or self.end()):
            raise self.error('expected ":" after filter name')
        return FilterToken(name.text(), args, self.input, name.begin, self.p)

    def _read_filter_arg(self) -> Any:
        key = self.read_value()
        if key is None:
            return None
        self.skip_blank()
        if self.peek() != ":":
            return key
        self.p += 1
        return [key.text(), self.read_value()]

    def read_value(self) -> Token | None:
        self.skip_blank()
        begin = self.p
        variable = self._read_literal() or self.read_quoted() or self._read_range() or self._read_number()
        props = self._read_properties(variable is None)
        if not props:
            return variable
        return PropertyAccessToken(variable, props, self.input, begin, self.p)

    def read_scope_value(self) -> PropertyAccessToken | None:
        self.skip_blank()
        begin = self.p
        props = self._read_properties()
        if not props:
            return None
        return PropertyAccessToken(None, props, self.input, begin, self.p)

    def _read_properties(self, is_begin: bool = True) -> list[Token]:
        props: list[Token] = []
        while True:
            if self.peek() == "[":
                self.p += 1
                prop = self.read_value() or IdentifierToken(self.input, self.p, self.p)
                self.check(self.read_to("]") != -1, "[ not closed")
                props.append(prop)
                continue
            if is_begin and not props:
                identifier = self.read_non_empty_identifier()
                if identifier is not None:
                    props.append(identifier)
                    continue
            if self.peek() == "." and self.peek(1) != ".":
                self.p += 1
                identifier = self.read_non_empty_identifier()
                if identifier is None:
                    break
                props.append(identifier)
                continue
            break
        return props

    def _read_number(self) -> NumberToken | None:
        self.skip_blank()
        decimal = False
        digit = False
        n = 0
        if self.peek_type() & SIGN:
            n += 1
        while self.p + n <= self.n:
            if self.peek_type(n) & NUMBER:
                digit = True
                n += 1
            elif self.peek(n) == "." and self.peek(n + 1) != ".":
                if decimal or not digit:
                    return None
                decimal = True
                n += 1
            else:
                break
        if digit and not is_word(self.peek(n)):
            token = NumberToken(self.input, self.p, self.p + n)
            self.p += n
            return token
        return None

    def _read_literal(self) -> LiteralToken | None:
        self.skip_blank()
        end = self._match_trie(_LITERALS)
        if end == -1:
            return None
        token = LiteralToken(self.input, self.p, end)
        self.p = end
        return token

    def _read_range(self) -> RangeToken | None:
        self.skip_blank()
        begin = self.p
        if self.peek() != "(":
            return None
        self.p += 1
        low = self._read_value_or_throw()
        self.skip_blank()
        self.check(self.read() == "." and self.read() == ".", "invalid range syntax")
        high = self._read_value_or_throw()
        self.skip_blank()
        self.check(self.read() == ")", "invalid range syntax")
        return RangeToken(self.input, begin, self.p, low, high)

    def _read_value_or_throw(self) -> Token:
        value = self.read_value()
        if value is None:
            raise self.error(f"unexpected token {self.snapshot()}, value expected")
        return value

    def read_quoted(self) -> QuotedToken | None:
        self.skip_blank()
        begin = self.p
        if not self.peek_type() & QUOTE:
            return None
        self.p += 1
        escaped = False
        while self.p < self.n:
            self.p += 1
            previous = self.input[self.p - 1]
            if previous == self.input[begin] and not escaped:
                break
            if escaped:
                escaped = False
            elif previous == "\\":
                escaped = True
        return QuotedToken(self.input, begin, self.p)

    def read_identifier(self) -> IdentifierToken:
        self.skip_blank()
        begin = self.p
        while not self.end() and is_word(self.peek()):
            self.p += 1
        return IdentifierToken(self.input, begin, self.p)

    def read_non_empty_identifier(self) -> IdentifierToken | None:
        identifier = self.read_identifier()
        return identifier if identifier.size() else None

    def read_tag_name(self) -> str:
        self.skip_blank()
        if self.p < len(self.input) and self.input[self.p] == "#":
            self.p += 1
            return "#"
        return self.read_identifier().text()


def _whitespace_control(tokens: list[Token]) -> None:
    """Apply ``{%-``/``-%}`` trimming to the neighbouring text (greedy: newlines too)."""
    in_raw = False
    for index, token in enumerate(tokens):
        if not isinstance(token, DelimitedToken):
            continue
        if not in_raw and token.trim_left and index > 0:
            _trim_end_of(tokens[index - 1])
        if isinstance(token, TagToken):
            if token.name == "raw":
                in_raw = True
            elif token.name == "endraw":
                in_raw = False
        if not in_raw and token.trim_right and index + 1 < len(tokens):
            _trim_start_of(tokens[index + 1])


def _trim_end_of(token: Token) -> None:
    if not isinstance(token, HTMLToken):
        return
    source = token.input
    while True:
        at = token.end - 1 - token.trim_right
        if 0 <= at < len(source) and char_type(source[at]) & BLANK:
            token.trim_right += 1
        else:
            break


def _trim_start_of(token: Token) -> None:
    if not isinstance(token, HTMLToken):
        return
    source = token.input
    while True:
        at = token.begin + token.trim_left
        if 0 <= at < len(source) and char_type(source[at]) & BLANK:
            token.trim_left += 1
        else:
            break
    at = token.begin + token.trim_left
    if 0 <= at < len(source) and source[at] == "\n":
        token.trim_left += 1

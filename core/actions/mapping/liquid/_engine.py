"""``@liquid``: a Python implementation of the LiquidJS 10 subset the reference configures.

The reference renders ``@liquid`` with LiquidJS (``parseAndRenderSync`` with the payload as
scope; ``renderLimit`` 500 ms, ``parseLimit`` 1000, ``memoryLimit`` 1e8) and replaces six tags and
twenty filters with throwing stand-ins. Its results depend on LiquidJS's own semantics:
JavaScript values and coercions, its lenient tokenizer, its tags and their errors. This module
reproduces them: tokens come from :mod:`._lexer`, values follow :mod:`._values`,
filters live in :mod:`._filters`.

Errors are ``MappingError``\\ s whose ``kind`` is the LiquidJS class (``TokenizationError``,
``ParseError``, ``RenderError``) and whose message ends with ``, line:L, col:C``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from actions.js import UNDEFINED, from_utf16_units, json_stringify, to_string, to_utf16_units, truthy

from ..._clock import get_clock
from ..._errors import MappingError
from .._nodes import Resolver
from ._filters import FILTERS, Limiter, RenderContext, js_filter_for
from ._lexer import (
    UNARY_OPERATORS,
    FilteredValueToken,
    FilterToken,
    HTMLToken,
    IdentifierToken,
    LiquidError,
    LiquidTagToken,
    LiteralToken,
    NumberToken,
    OperatorToken,
    OutputToken,
    PropertyAccessToken,
    QuotedToken,
    RangeToken,
    TagToken,
    Token,
    Tokenizer,
)
from ._values import (
    ABSENT,
    OBJECT_PROTOTYPE_NAMES,
    BlockDrop,
    Drop,
    JsError,
    Overlay,
    has_property,
    js_add,
    js_compare,
    js_to_primitive,
    liquid_equals,
    liquid_falsy,
    number_value,
    own_property,
    property_key,
    read_property,
    stringify,
    to_value,
)

__all__ = ["DISABLED_TAGS", "compile_liquid", "render_liquid"]

#: Tags the reference replaces with stand-ins that fail to parse.
DISABLED_TAGS: Final = ("case", "for", "include", "layout", "render", "tablerow")

_MEMORY_LIMIT: Final = 100_000_000


# --- rendering context -----------------------------------------------------------------------


class Context(RenderContext):
    """A render: the scopes ``assign`` writes to, the payload, and per-render state."""

    def __init__(self, environment: Any, memory: Limiter | None = None, now_ms: int | None = None) -> None:
        self.scopes: list[dict[str, Any]] = [{}]
        self.environment = environment
        self.registers: dict[str, Any] = {}
        self.break_called = False
        self.continue_called = False
        self.memory = memory if memory is not None else Limiter("memory alloc", _MEMORY_LIMIT)
        self._now_ms = now_ms

    def now_ms(self) -> int:
        if self._now_ms is None:
            self._now_ms = get_clock().now_ms()
        return self._now_ms

    def spawn(self, item: Any) -> Context:
        """A context whose variables are the properties of ``item`` (``where`` reads with it)."""
        return Context(_environment(item), self.memory, self._now_ms)

    def evaluate(self, token: Token) -> Any:
        return evaluate_token(token, self)

    def find_scope(self, key: Any) -> Any:
        name = property_key(key)
        for scope in reversed(self.scopes):
            if has_property(scope, name):
                return scope
        if has_property(self.environment, name):
            return self.environment
        return _GLOBALS

    def lookup(self, props: list[Any]) -> Any:
        """A variable path: the first key picks the scope, the rest are property reads."""
        return self.read_path(self.find_scope(props[0]), props)

    @staticmethod
    def read_path(target: Any, props: list[Any]) -> Any:
        for key in props:
            target = read_property(target, key)
        return target


_GLOBALS: Final[dict[str, Any]] = {}


def _environment(payload: Any) -> Any:
    # LiquidJS wraps primitives with Object(); null/undefined become an empty object.
    if payload is None or payload is UNDEFINED:
        return {}
    return payload


# --- expressions -----------------------------------------------------------------------------


def _not(value: Any) -> bool:
    return liquid_falsy(to_value(value))


def _greater(left: Any, right: Any) -> bool:
    if _comparable(left) or _comparable(right):
        return False
    return js_compare(to_value(left), to_value(right)) == 1


def _less(left: Any, right: Any) -> bool:
    if _comparable(left) or _comparable(right):
        return False
    return js_compare(to_value(left), to_value(right)) == -1


def _greater_equal(left: Any, right: Any) -> bool:
    if _comparable(left) or _comparable(right):
        return False
    return js_compare(to_value(left), to_value(right)) in (0, 1)


def _less_equal(left: Any, right: Any) -> bool:
    if _comparable(left) or _comparable(right):
        return False
    return js_compare(to_value(left), to_value(right)) in (-1, 0)


def _comparable(value: Any) -> bool:
    return isinstance(value, Drop) and value.comparable


def _contains(left: Any, right: Any) -> bool:
    left = to_value(left)
    if isinstance(left, list | tuple):
        return any(liquid_equals(item, right) for item in left)
    if isinstance(left, str):
        needle = to_string(to_value(right))
        return to_utf16_units(needle) in to_utf16_units(left)
    return False


_BINARY: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": liquid_equals,
    "!=": lambda left, right: not liquid_equals(left, right),
    ">": _greater,
    "<": _less,
    ">=": _greater_equal,
    "<=": _less_equal,
    "contains": _contains,
    "and": lambda left, right: not liquid_falsy(to_value(left)) and not liquid_falsy(to_value(right)),
    "or": lambda left, right: not liquid_falsy(to_value(left)) or not liquid_falsy(to_value(right)),
}


class Expression:
    """Operands and operators in postfix order (``and``/``or`` bind loosest, right to left)."""

    def __init__(self, tokens: list[Token]) -> None:
        postfix: list[Token] = []
        operators: list[OperatorToken] = []
        for token in tokens:
            if isinstance(token, OperatorToken):
                while operators and operators[-1].precedence() > token.precedence():
                    postfix.append(operators.pop())
                operators.append(token)
            else:
                postfix.append(token)
        postfix.extend(reversed(operators))
        self.postfix = postfix

    def evaluate(self, ctx: Context) -> Any:
        operands: list[Any] = []
        for token in self.postfix:
            if isinstance(token, OperatorToken):
                right = operands.pop() if operands else UNDEFINED
                if token.operator in UNARY_OPERATORS:
                    operands.append(_not(right))
                else:
                    left = operands.pop() if operands else UNDEFINED
                    operands.append(_BINARY[token.operator](left, right))
            else:
                operands.append(evaluate_token(token, ctx))
        return operands[0] if operands else UNDEFINED


def evaluate_token(token: Any, ctx: Context) -> Any:
    """The value of one operand token."""
    if token is None:
        return UNDEFINED
    if isinstance(token, NumberToken | LiteralToken | QuotedToken | IdentifierToken):
        return token.content
    if isinstance(token, PropertyAccessToken):
        props = [evaluate_token(prop, ctx) for prop in token.props]
        if token.variable is not None:
            return ctx.read_path(evaluate_token(token.variable, ctx), props)
        return ctx.lookup(props)
    if isinstance(token, RangeToken):
        low = evaluate_token(token.low, ctx)
        high = evaluate_token(token.high, ctx)
        ctx.memory.use(js_add(js_sub(high, low), 1))
        return _range(number_value(low), number_value(high))
    return UNDEFINED  # pragma: no cover - every operand token is handled above


def js_sub(left: Any, right: Any) -> Any:
    """JavaScript's ``left - right``."""
    return number_value(js_to_primitive(left)) - number_value(js_to_primitive(right))


_MAX_RANGE: Final = 10_000_000


def _range(low: float | int, high: float | int) -> list[Any]:
    if low != low or high != high:
        return []
    stop = high + 1
    if stop - low > _MAX_RANGE:
        # LiquidJS would build it (up to its 1e8 memory limit); here that is a denial of service.
        raise JsError("memory alloc limit exceeded", "AssertionError")
    items: list[Any] = []
    value = low
    while value < stop:
        items.append(value)
        value += 1
    return items


class Filter:
    """One filter of a value: its handler and its (unevaluated) arguments."""

    def __init__(self, token: FilterToken) -> None:
        self.name = token.name
        self.token = token
        self.args = token.args
        self.handler = FILTERS.get(token.name) or js_filter_for(token.name)

    def render(self, value: Any, ctx: Context) -> Any:
        argv: list[Any] = []
        for argument in self.args:
            if isinstance(argument, list):
                argv.append([argument[0], evaluate_token(argument[1], ctx)])
            else:
                argv.append(evaluate_token(argument, ctx))
        return self.handler(ctx, value, argv)


class Value:
    """An expression followed by filters (``x | upcase``)."""

    def __init__(self, token: FilteredValueToken) -> None:
        self.initial = Expression(token.initial)
        self.filters = [Filter(filter_token) for filter_token in token.filters]

    def value(self, ctx: Context) -> Any:
        result = self.initial.evaluate(ctx)
        for filter_ in self.filters:
            result = filter_.render(result, ctx)
        return result


# --- templates -------------------------------------------------------------------------------


class Template:
    """A parsed piece of template; ``render`` writes to ``out`` or returns text to write."""

    token: Token

    def render(self, ctx: Context, out: list[str]) -> Any:
        raise NotImplementedError


class _HTML(Template):
    def __init__(self, token: HTMLToken) -> None:
        self.token = token
        self.text = token.content()

    def render(self, ctx: Context, out: list[str]) -> Any:
        out.append(self.text)


class _Output(Template):
    def __init__(self, token: OutputToken) -> None:
        self.token = token
        tokenizer = Tokenizer(token.input, (token.content_begin, token.content_end))
        self.value = Value(tokenizer.read_filtered_value())

    def render(self, ctx: Context, out: list[str]) -> Any:
        out.append(_charged(ctx, stringify(self.value.value(ctx))))


def _charged(ctx: Context, text: str) -> str:
    """``text``, counted against the memory limit: LiquidJS does not count output, but here
    ``{{x}}`` repeated 200 times in a 1000-character template would copy a 32 MiB field 200 times."""
    ctx.memory.use(len(text))
    return text


class TokenQueue:
    """The tokens still to parse; block tags take their bodies from it."""

    def __init__(self, tokens: list[Any]) -> None:
        self.tokens = tokens
        self.index = 0

    def shift(self) -> Any:
        if self.index >= len(self.tokens):
            return None
        token = self.tokens[self.index]
        self.index += 1
        return token


def render_templates(templates: list[Template], ctx: Context, out: list[str]) -> None:
    """Render in order; a JavaScript error becomes a ``RenderError`` at the failing template."""
    for template in templates:
        try:
            html = template.render(ctx, out)
            if html is not None and truthy(html):
                out.append(stringify(html))
        except JsError as error:
            raise template.token.error("RenderError", error.message) from None
        except Crash as crash:
            if isinstance(template, _ObjectTag):
                raise
            # The enclosing tag has a position, so LiquidJS can wrap the error here.
            raise template.token.error("RenderError", crash.message) from None
        if ctx.break_called or ctx.continue_called:
            break


def render_to_string(templates: list[Template], ctx: Context) -> str:
    out: list[str] = []
    render_templates(templates, ctx, out)
    return "".join(out)


# --- tags --------------------------------------------------------------------------------


class Tag(Template):
    """A tag; its constructor parses its arguments (and takes its body from ``remain``)."""

    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        self.token = token
        self.tokenizer: Tokenizer = token.tokenizer


def _not_closed(token: Any) -> JsError:
    return JsError(f"tag {token.text()} not closed")


def _assert_empty(args: str) -> None:
    if args:
        raise JsError(f"unexpected {json_stringify(from_utf16_units(args))}")


class _Assign(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        identifier = self.tokenizer.read_identifier()
        self.key = identifier.content
        self.tokenizer.check(bool(self.key), "expected variable name")
        self.tokenizer.skip_blank()
        self.tokenizer.check(self.tokenizer.peek() == "=", 'expected "="')
        self.tokenizer.p += 1
        self.value = Value(self.tokenizer.read_filtered_value())

    def render(self, ctx: Context, out: list[str]) -> Any:
        ctx.scopes[0][self.key] = self.value.value(ctx)


class _Capture(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        identifier = self.tokenizer.read_identifier()
        if identifier.content:
            self.variable: str = identifier.content
        else:
            quoted = self.tokenizer.read_quoted()
            if quoted is None:
                raise self.tokenizer.error("invalid capture name")
            self.variable = quoted.content
        self.templates: list[Template] = []
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken) and inner.name == "endcapture":
                return
            self.templates.append(parser.parse_token(inner, remain))
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        ctx.scopes[0][self.variable] = render_to_string(self.templates, ctx)


class _Comment(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken) and inner.name == "endcomment":
                return
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        return None


class _Raw(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.parts: list[str] = []
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken) and inner.name == "endraw":
                return
            self.parts.append(inner.text())
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        return "".join(self.parts)


class _Counter(Tag):
    step = 1

    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.variable = self.tokenizer.read_identifier().content

    def _current(self, ctx: Context) -> Any:
        value = own_property(ctx.environment, self.variable)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else 0

    def _store(self, ctx: Context, value: Any) -> None:
        scope = ctx.environment
        if isinstance(scope, dict):
            scope[self.variable] = value
        elif isinstance(scope, Overlay):
            if isinstance(scope.base, str) and own_property(scope.base, self.variable) is not ABSENT:
                raise JsError(
                    f"Cannot assign to read only property '{self.variable}' of object '[object String]'",
                    "TypeError",
                )
            scope.props[self.variable] = value


class _Increment(_Counter):
    def render(self, ctx: Context, out: list[str]) -> Any:
        value = self._current(ctx)
        self._store(ctx, value + 1)
        out.append(stringify(value))


class _Decrement(_Counter):
    def render(self, ctx: Context, out: list[str]) -> Any:
        value = self._current(ctx) - 1
        self._store(ctx, value)
        out.append(stringify(value))


class _Cycle(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.group: Token | None = None
        self.candidates: list[Token] = []
        first = self.tokenizer.read_value()
        self.tokenizer.skip_blank()
        if first is not None:
            if self.tokenizer.peek() == ":":
                self.group = first
                self.tokenizer.p += 1
            else:
                self.candidates.append(first)
        while not self.tokenizer.end():
            candidate = self.tokenizer.read_value()
            if candidate is not None:
                self.candidates.append(candidate)
            self.tokenizer.read_to(",")
        self.tokenizer.check(bool(self.candidates), f'empty candidates: "{from_utf16_units(token.text())}"')

    def render(self, ctx: Context, out: list[str]) -> Any:
        group = evaluate_token(self.group, ctx)
        # LiquidJS keys the counter on the group and on the candidates printed as objects,
        # so cycles with the same number of candidates share it.
        fingerprint = f"cycle:{to_string(group)}:" + ",".join("[object Object]" for _ in self.candidates)
        groups = ctx.registers.setdefault("cycle", {})
        index = groups.get(fingerprint, 0)
        candidate = self.candidates[index]
        groups[fingerprint] = (index + 1) % len(self.candidates)
        return evaluate_token(candidate, ctx)


class _If(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        current: list[Template] = []
        self.branches: list[tuple[Value, list[Template]]] = [
            (Value(self.tokenizer.read_filtered_value()), current)
        ]
        self.else_templates: list[Template] | None = None
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken):
                if inner.name == "elsif":
                    if self.else_templates is not None:
                        raise JsError("unexpected elsif after else")
                    current = []
                    self.branches.append((Value(inner.tokenizer.read_filtered_value()), current))
                    continue
                if inner.name == "else":
                    _assert_empty(inner.args)
                    if self.else_templates is not None:
                        raise JsError("duplicated else")
                    current = self.else_templates = []
                    continue
                if inner.name == "endif":
                    _assert_empty(inner.args)
                    return
            current.append(parser.parse_token(inner, remain))
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        for value, templates in self.branches:
            if not liquid_falsy(value.value(ctx)):
                render_templates(templates, ctx, out)
                return None
        render_templates(self.else_templates or [], ctx, out)
        return None


class _Unless(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        current: list[Template] = []
        self.branches: list[tuple[Value, bool, list[Template]]] = [
            (Value(self.tokenizer.read_filtered_value()), False, current)
        ]
        self.else_templates: list[Template] = []
        else_count = 0
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken):
                if inner.name == "elsif":
                    if else_count > 0:
                        current = []
                        continue
                    current = []
                    self.branches.append((Value(inner.tokenizer.read_filtered_value()), True, current))
                    continue
                if inner.name == "else":
                    else_count += 1
                    current = self.else_templates
                    continue
                if inner.name == "endunless":
                    return
            template = parser.parse_token(inner, remain)
            if current is not self.else_templates or else_count == 1:
                current.append(template)
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        for value, when_truthy, templates in self.branches:
            falsy = liquid_falsy(value.value(ctx))
            if falsy != when_truthy:
                render_templates(templates, ctx, out)
                return None
        render_templates(self.else_templates, ctx, out)
        return None


class _Echo(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.tokenizer.skip_blank()
        self.value = None if self.tokenizer.end() else Value(self.tokenizer.read_filtered_value())

    def render(self, ctx: Context, out: list[str]) -> Any:
        if self.value is not None:
            out.append(_charged(ctx, stringify(self.value.value(ctx))))


class _Liquid(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.templates = parser.parse_tokens(list(self.tokenizer.read_liquid_tag_tokens()))

    def render(self, ctx: Context, out: list[str]) -> Any:
        render_templates(self.templates, ctx, out)


_MULTILINE_COMMENT: Final = re.compile(r"\n\s*[^#\s]")


class _InlineComment(Tag):
    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        if _MULTILINE_COMMENT.search(token.args):
            raise JsError("every line of an inline comment must start with a '#' character")

    def render(self, ctx: Context, out: list[str]) -> Any:
        return None


_BLOCK_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


class _Block(Tag):
    """Outside layouts a block just renders its body, with ``block`` bound to a drop."""

    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        self.templates: list[Template] = []
        while (inner := remain.shift()) is not None:
            if isinstance(inner, TagToken | LiquidTagToken) and inner.name == "endblock":
                return
            self.templates.append(parser.parse_token(inner, remain))
        raise _not_closed(token)

    def render(self, ctx: Context, out: list[str]) -> Any:
        ctx.scopes.append({"block": BlockDrop()})
        try:
            render_templates(self.templates, ctx, out)
        finally:
            ctx.scopes.pop()


class _Break(Tag):
    def render(self, ctx: Context, out: list[str]) -> Any:
        ctx.break_called = True


class _Continue(Tag):
    def render(self, ctx: Context, out: list[str]) -> Any:
        ctx.continue_called = True


class Crash(Exception):
    """An error LiquidJS fails to wrap, so it surfaces as a plain JavaScript error without a position."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class _ObjectTag(Template):
    """``{% constructor %}``: LiquidJS builds ``Object(token)``, which cannot render or report itself."""

    def __init__(self, token: Any) -> None:
        self.token = token

    def render(self, ctx: Context, out: list[str]) -> Any:
        raise Crash("TypeError", "Cannot read properties of undefined (reading 'getPosition')")


class _Disabled(Tag):
    name = ""

    def __init__(self, token: Any, remain: TokenQueue, parser: Parser) -> None:
        super().__init__(token, remain, parser)
        raise JsError(f'tag "{self.name}" is disabled')


def _disabled(tag_name: str) -> type[Tag]:
    return type(f"_Disabled_{tag_name}", (_Disabled,), {"name": tag_name})


_TAGS: Final[dict[str, type[Tag]]] = {
    "assign": _Assign,
    "capture": _Capture,
    "comment": _Comment,
    "decrement": _Decrement,
    "increment": _Increment,
    "cycle": _Cycle,
    "if": _If,
    "block": _Block,
    "raw": _Raw,
    "unless": _Unless,
    "break": _Break,
    "continue": _Continue,
    "echo": _Echo,
    "liquid": _Liquid,
    "#": _InlineComment,
    **{name: _disabled(name) for name in DISABLED_TAGS},
}
_MUTATING_TAGS: Final = re.compile(r"\b(?:in|de)crement\b")


class Parser:
    """Turns tokens into templates, wrapping JavaScript errors as ``ParseError`` at the token."""

    def parse(self, source: str) -> list[Template]:
        tokens = Tokenizer(source).read_top_level_tokens()
        return self.parse_tokens(tokens)

    def parse_tokens(self, tokens: list[Any]) -> list[Template]:
        queue = TokenQueue(tokens)
        templates: list[Template] = []
        while (token := queue.shift()) is not None:
            templates.append(self.parse_token(token, queue))
        return templates

    def parse_token(self, token: Any, remain: TokenQueue) -> Template:
        try:
            if isinstance(token, TagToken | LiquidTagToken):
                tag_class = _TAGS.get(token.name)
                if tag_class is None:
                    if token.name == "constructor":
                        return _ObjectTag(token)
                    if token.name in OBJECT_PROTOTYPE_NAMES:
                        # LiquidJS's tag registry is a plain object: these names find methods.
                        raise JsError("TagClass is not a constructor", "TypeError")
                    raise JsError(f'tag "{from_utf16_units(token.name)}" not found')
                return tag_class(token, remain, self)
            if isinstance(token, OutputToken):
                return _Output(token)
            return _HTML(token)
        except JsError as error:
            raise token.error("ParseError", error.message) from None


# --- the directive -------------------------------------------------------------------------


class _Compiled:
    __slots__ = ("mutates", "templates")

    def __init__(self, templates: list[Template], mutates: bool) -> None:
        self.templates = templates
        self.mutates = mutates


def parse_liquid(source: str) -> _Compiled:
    """Parse ``source`` (raises :class:`LiquidError`)."""
    units = to_utf16_units(source)
    templates = Parser().parse(units)
    return _Compiled(templates, _MUTATING_TAGS.search(source) is not None)


def render_liquid(compiled: _Compiled, payload: Any) -> str:
    """Render parsed templates against ``payload`` (raises :class:`LiquidError`)."""
    environment = _environment(payload)
    if compiled.mutates:
        # increment/decrement write to the scope; keep the caller's event untouched.
        environment = dict(environment) if isinstance(environment, dict) else Overlay(environment)
    ctx = Context(environment)
    return from_utf16_units(render_to_string(compiled.templates, ctx))


def _failure(error: LiquidError) -> MappingError:
    return MappingError(from_utf16_units(error.text), kind=error.kind)


def compile_liquid(source: str) -> Resolver:
    """A resolver rendering ``source`` against the payload; parse errors surface when it runs."""
    try:
        compiled = parse_liquid(source)
    except LiquidError as error:
        failure = _failure(error)

        def failing(payload: Any) -> Any:
            raise MappingError(failure.messages, kind=failure.kind)

        return failing

    def render(payload: Any) -> Any:
        try:
            return render_liquid(compiled, payload)
        except LiquidError as error:
            raise _failure(error) from None
        except Crash as error:
            raise MappingError(error.message, kind=error.name) from None

    return render

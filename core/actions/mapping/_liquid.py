"""``@liquid``: python-liquid configured to behave like the reference's LiquidJS setup.

The reference disables some tags and filters, prints values the JavaScript way and reports
errors as ``ParseError``/``RenderError``/``TokenizationError`` with ``, line:L, col:C``. This
module bends python-liquid to that: a JavaScript output stringifier, LiquidJS property lookup,
LiquidJS filters (:mod:`._liquid_filters`), throwing stand-ins for the disabled tags, and a
translation of python-liquid's errors into the reference's messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final, TextIO

from liquid import BoundTemplate, Environment, RenderContext
from liquid.builtin import content, illegal
from liquid.builtin.expressions import FilteredExpression, Nil, tokenize
from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags import (
    assign_tag,
    capture_tag,
    comment_tag,
    cycle_tag,
    decrement_tag,
    echo_tag,
    if_tag,
    increment_tag,
    inline_comment_tag,
    liquid_tag,
    unless_tag,
)
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EXPRESSION, TOKEN_OUTPUT, Token
from liquid.utils import ReadOnlyChainMap

from .._errors import MappingError
from ._jsops import to_utf16_units, utf16_len
from ._liquid_filters import FILTERS, FilterFailure, liquid_text
from ._nodes import Resolver

__all__ = ["DISABLED_TAGS", "compile_liquid"]

#: Tags the reference replaces with throwing stand-ins.
DISABLED_TAGS: Final = ("case", "for", "include", "layout", "render", "tablerow")


class _ReferenceError(LiquidSyntaxError):
    """An error already shaped like the reference's: its class name and message, at ``index``."""

    def __init__(self, kind: str, message: str, index: int, token: Token | None) -> None:
        super().__init__(message, token=token)
        self.kind = kind
        self.text = message
        self.index = index


def _opener(source: str, index: int) -> int:
    """Where the ``{{`` or ``{%`` enclosing ``index`` starts (LiquidJS reports that position)."""
    found = max(source.rfind("{{", 0, index + 1), source.rfind("{%", 0, index + 1))
    return found if found >= 0 else max(index, 0)


def _position(source: str, index: int) -> str:
    line_start = source.rfind("\n", 0, index) + 1
    line = source.count("\n", 0, index) + 1
    column = utf16_len(source[line_start:index]) + 1
    return f"line:{line}, col:{column}"


class _DisabledTag(Tag):
    """Fails parsing the way the reference's registered stand-in does."""

    block = False

    def parse(self, stream: TokenStream) -> Any:
        token = stream.current
        index = _opener(token.source, token.start_index)
        raise _ReferenceError("ParseError", f'tag "{self.name}" is disabled', index, token)


def _disabled_tag(tag_name: str) -> type[Tag]:
    return type(f"Disabled_{tag_name}", (_DisabledTag,), {"name": tag_name})


class _JsOutputNode(OutputNode):
    """``{{ … }}`` printed with JavaScript conventions (``19`` not ``19.0``, ``[object Object]``)."""

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(liquid_text(self.expression.evaluate(context)))


class _JsEchoNode(echo_tag.EchoNode):
    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(liquid_text(self.expression.evaluate(context)))


class _JsEchoTag(echo_tag.EchoTag):
    node_class = _JsEchoNode


def _drop_empty_filters(expression: str) -> str:
    """Remove filters with no name (``x | ``): LiquidJS skips them, python-liquid rejects them."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for char in expression:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if len(parts) == 1:
        return expression
    kept = [parts[0], *(part for part in parts[1:] if part.strip())]
    return "|".join(kept)


class _JsOutput(Output):
    node_class = _JsOutputNode

    def parse(self, stream: TokenStream) -> OutputNode:
        token = stream.eat(TOKEN_OUTPUT)
        expression_token = stream.expect(TOKEN_EXPRESSION)
        text = _drop_empty_filters(expression_token.value)
        if not text.strip():
            return self.node_class(token, Nil(token))
        cleaned = expression_token._replace(value=text)
        return self.node_class(
            token, FilteredExpression.parse(self.env, TokenStream(tokenize(text, cleaned)))
        )


class _JsContext(RenderContext):
    """Variable lookup as LiquidJS does it: no ``now``/``today`` globals, JavaScript properties."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = ReadOnlyChainMap(self.locals, self.globals, self.counters)

    def get_item(self, obj: Any, key: Any) -> Any:
        if isinstance(obj, Mapping):
            if key in obj:
                return obj[key]
            if key == "size":
                return len(obj)
            raise KeyError(key)
        if isinstance(obj, list | tuple):
            if isinstance(key, int) and not isinstance(key, bool):
                index = key + len(obj) if key < 0 else key
                if 0 <= index < len(obj):
                    return obj[index]
                raise KeyError(key)
            if key in ("size", "length"):
                return len(obj)
            if key == "first" and obj:
                return obj[0]
            if key == "last" and obj:
                return obj[-1]
            if isinstance(key, str) and key.isdigit() and int(key) < len(obj):
                return obj[int(key)]
            raise KeyError(key)
        if isinstance(obj, str):
            if key in ("size", "length"):
                return utf16_len(obj)
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            if isinstance(key, int) and not isinstance(key, bool) and key >= 0:
                units = to_utf16_units(obj)
                if key < len(units):
                    return units[key]
            raise KeyError(key)
        raise KeyError(key)


class _JsTemplate(BoundTemplate):
    context_class = _JsContext

    def make_partial_namespace(
        self, partial: bool, render_args: Mapping[str, object]
    ) -> Mapping[str, object]:
        # python-liquid adds a "partial" variable; LiquidJS scopes hold only the payload.
        return render_args


class _LiquidJsEnvironment(Environment):
    """Tags and filters as the reference registers them, on top of python-liquid."""

    template_class = _JsTemplate
    output_stream_limit = 100_000_000  # LiquidJS's memoryLimit
    shorthand_indexes = True
    suppress_blank_control_flow_blocks = False
    keyword_assignment = False
    _TAGS: ClassVar[tuple[type[Tag], ...]] = (
        content.Literal,
        _JsOutput,
        illegal.Illegal,
        if_tag.IfTag,
        unless_tag.UnlessTag,
        comment_tag.CommentTag,
        capture_tag.CaptureTag,
        cycle_tag.CycleTag,
        assign_tag.AssignTag,
        increment_tag.IncrementTag,
        decrement_tag.DecrementTag,
        _JsEchoTag,
        liquid_tag.LiquidTag,
        inline_comment_tag.InlineCommentTag,
    )

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        for tag in self._TAGS:
            self.add_tag(tag)
        for name in DISABLED_TAGS:
            self.add_tag(_disabled_tag(name))
        for name, function in FILTERS.items():
            self.add_filter(name, function)


_ENVIRONMENT: Final = _LiquidJsEnvironment(strict_filters=False)

_BLOCKS: Final = {"if": "endif", "unless": "endunless", "capture": "endcapture", "comment": "endcomment"}
_TAG_TOKEN: Final = re.compile(r"\{%-?\s*(#|[A-Za-z_]\w*)?(?:[^%]|%(?!\}))*%\}")
_SNAPSHOT_LIMIT: Final = 32


def _snapshot(source: str, begin: int) -> str:
    """LiquidJS's ``JSON.stringify(ellipsis(rest, 32))`` of the unclosed markup."""
    from .._js import json_stringify

    rest = to_utf16_units(source[begin:])
    if len(rest) > _SNAPSHOT_LIMIT:
        rest = rest[: _SNAPSHOT_LIMIT - 3] + "..."
    return json_stringify(rest) or '""'


def _unclosed_block(source: str, end_tag: str) -> tuple[str, int] | None:
    """The innermost block tag still open at the end of ``source``, with its text and index."""
    stack: list[tuple[str, str, int]] = []
    for match in _TAG_TOKEN.finditer(source):
        name = match.group(1) or ""
        if name in _BLOCKS:
            stack.append((name, match.group(0), match.start()))
        elif name.startswith("end") and stack and _BLOCKS.get(stack[-1][0]) == name:
            stack.pop()
    wanted = [entry for entry in stack if _BLOCKS[entry[0]] == end_tag] or stack
    if not wanted:
        return None
    _, text, index = wanted[-1]
    return text, index


class _Source:
    """The template as written, the text actually parsed, and how to map positions between them."""

    def __init__(self, original: str, parsed: str, shifts: list[int]) -> None:
        self.original = original
        self.parsed = parsed
        self.shifts = shifts

    def to_original(self, index: int) -> int:
        return index - _GROWTH * sum(1 for shift in self.shifts if shift < index)

    def opener(self, index: int) -> int:
        """The original index of the markup (``{{``/``{%``) enclosing parsed ``index``."""
        return self.to_original(_opener(self.parsed, index))

    def position(self, original_index: int) -> str:
        return _position(self.original, original_index)


def _translate(error: Exception, where: _Source) -> MappingError:
    """The reference's error for a python-liquid failure."""
    if isinstance(error, _ReferenceError):
        at = where.to_original(error.index)
        return MappingError(f"{error.text}, {where.position(at)}", kind=error.kind)
    if isinstance(error, FilterFailure) or (
        isinstance(error, LiquidError) and not isinstance(error, LiquidSyntaxError)
    ):
        token = error.token if isinstance(error, LiquidError) else None
        message = str(error.args[0]) if error.args else type(error).__name__
        at = where.opener(token.start_index) if token is not None and token.start_index >= 0 else 0
        return MappingError(f"{message}, {where.position(at)}", kind="RenderError")
    if isinstance(error, LiquidSyntaxError):
        return _translate_syntax(error, where)
    return MappingError(f"{error}, line:1, col:1", kind="RenderError")


def _translate_syntax(error: LiquidSyntaxError, where: _Source) -> MappingError:
    message = str(error.args[0]) if error.args else ""
    token = error.token
    index = token.start_index if token is not None and token.start_index >= 0 else 0
    source = where.original
    opener = where.opener(index)
    unexpected = re.fullmatch(r"unexpected tag '(.+)'", message)
    if unexpected and unexpected.group(1) == "raw":
        text = source[opener : source.find("%}", opener) + 2]
        return MappingError(f"tag {text} not closed, {where.position(opener)}", kind="ParseError")
    if unexpected:
        return MappingError(
            f'tag "{unexpected.group(1)}" not found, {where.position(opener)}', kind="ParseError"
        )
    expected_end = re.fullmatch(r"expected tag (end\w+), found .*", message)
    if expected_end or message == "comment tag was never closed":
        end_tag = expected_end.group(1) if expected_end else "endcomment"
        found = _unclosed_block(source, end_tag)
        if found is not None:
            text, at = found
            return MappingError(f"tag {text} not closed, {where.position(at)}", kind="ParseError")
    start = where.to_original(index)
    if message.startswith("expected '}}'"):
        return MappingError(
            f"output {_snapshot(source, start)} not closed, {where.position(start)}", kind="TokenizationError"
        )
    if message == "missing tag name or closing delimiter" and "%}" not in source[start:]:
        return MappingError(
            f"tag {_snapshot(source, start)} not closed, {where.position(start)}", kind="TokenizationError"
        )
    return MappingError(f"{message}, {where.position(opener)}", kind="ParseError")


# Words python-liquid reads as keywords even after a dot, where LiquidJS sees a property name.
_KEYWORD_PROPERTY: Final = re.compile(
    r"(?<=[\w\]])\.(nil|null|empty|blank|true|false|and|or|contains|in|with|for|as|not|if|else|"
    r"limit|offset|reversed|cols|continue|required)(?![\w-])"
)
_MARKUP: Final = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_QUOTED: Final = re.compile(r"\"[^\"]*\"|'[^']*'")
_GROWTH: Final = len('[""]') - len(".")


def _quote_keyword_properties(source: str) -> tuple[str, list[int]]:
    """Rewrite ``a.nil`` as ``a["nil"]`` inside markup (outside string literals and raw blocks).

    Returns the new text and where each rewrite starts in it, so error positions can be mapped
    back to the text as written.
    """
    if "." not in source or _KEYWORD_PROPERTY.search(source) is None:
        return source, []
    out: list[str] = []
    shifts: list[int] = []
    length = 0

    def emit(text: str, rewrite: bool) -> None:
        nonlocal length
        if not rewrite:
            out.append(text)
            length += len(text)
            return
        position = 0
        for match in _KEYWORD_PROPERTY.finditer(text):
            plain = text[position : match.start()]
            out.append(plain)
            length += len(plain)
            shifts.append(length)
            replacement = f'["{match.group(1)}"]'
            out.append(replacement)
            length += len(replacement)
            position = match.end()
        rest = text[position:]
        out.append(rest)
        length += len(rest)

    position = 0
    for markup in _MARKUP.finditer(source):
        emit(source[position : markup.start()], False)
        text = markup.group(0)
        if re.match(r"\{%-?\s*raw", text):
            emit(text, False)
        else:
            inner = 0
            for quoted in _QUOTED.finditer(text):
                emit(text[inner : quoted.start()], True)
                emit(quoted.group(0), False)
                inner = quoted.end()
            emit(text[inner:], True)
        position = markup.end()
    emit(source[position:], False)
    return "".join(out), shifts


def compile_liquid(source: str) -> Resolver:
    """A resolver rendering ``source`` against the payload; parse errors surface when it runs."""
    parsed_source, shifts = _quote_keyword_properties(source)
    where = _Source(source, parsed_source, shifts)
    try:
        template = _ENVIRONMENT.from_string(parsed_source)
    except Exception as error:
        cause = error.__cause__ if type(error) is LiquidError and error.__cause__ else error
        failure = _translate(cause if isinstance(cause, Exception) else error, where)

        def failing(payload: Any) -> Any:
            raise MappingError(failure.messages, kind=failure.kind)

        return failing

    def render(payload: Any) -> Any:
        scope = payload if isinstance(payload, dict) else {}
        try:
            return template.render(scope)
        except MappingError:
            raise
        except RecursionError:
            raise
        except Exception as error:
            raise _translate(error, where) from error

    return render

"""``@template``: ``{{path}}`` placeholders, compiled once per template string."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from actions.js import UNDEFINED, to_string, trim

from ._paths import Getter, get, make_getter, split_path

__all__ = ["Renderer", "compile_template"]

Renderer = Callable[[Any], str]

# The reference substitutes triple braces first, then double braces in the resulting text.
_TRIPLE: Final = re.compile(r"\{\{\{([^}]+)\}\}\}")
_DOUBLE: Final = re.compile(r"\{\{([^}]+)\}\}")


def _text(value: Any) -> str:
    if value is None or value is UNDEFINED:
        return ""
    if type(value) is str:
        return value
    return to_string(value)


def _key_getter(inner: str) -> Getter:
    key = trim(inner)
    if key == "" or key == ".":
        return _whole
    return make_getter(split_path(key))


def _whole(value: Any) -> Any:
    return value


def _segments(template: str, pattern: re.Pattern[str]) -> list[str | Getter]:
    """Literal text and getters, in order, for one substitution pass."""
    parts: list[str | Getter] = []
    position = 0
    for match in pattern.finditer(template):
        if match.start() > position:
            parts.append(template[position : match.start()])
        parts.append(_key_getter(match.group(1)))
        position = match.end()
    if position < len(template):
        parts.append(template[position:])
    return parts


def _join(parts: list[str | Getter]) -> Renderer:
    if not parts:
        return lambda payload: ""
    if len(parts) == 1:
        only = parts[0]
        if isinstance(only, str):
            return lambda payload: only
        return lambda payload: _text(only(payload))
    frozen = tuple(parts)

    def render(payload: Any) -> str:
        return "".join(part if type(part) is str else _text(part(payload)) for part in frozen)  # type: ignore[operator]

    return render


def _second_pass(text: str, payload: Any) -> str:
    """``_DOUBLE.sub`` over event text, in one pass.

    The regex retries ``[^}]+`` from every ``{`` and is quadratic on text like ``{{{{…``; a match
    at ``{{`` ends at the first ``}`` after it, so remembering that ``}`` makes the scan linear.
    """
    out: list[str] = []
    kept = 0
    close = -1
    position = text.find("{{")
    while position >= 0:
        if close < position + 2:
            close = text.find("}", position + 2)
            if close < 0:
                break
        if close > position + 2 and text.startswith("}}", close):
            out.append(text[kept:position])
            out.append(_text(get(payload, trim(text[position + 2 : close]))))
            kept = close + 2
            position = text.find("{{", kept)
        else:
            position = text.find("{{", position + 1)
    out.append(text[kept:])
    return "".join(out)


@lru_cache(maxsize=2048)
def compile_template(template: str) -> Renderer:
    """A function rendering ``template`` against a payload, as the reference's ``render`` does.

    Values are looked up with ``get`` (after trimming the key) and printed JavaScript-style;
    ``null``/missing print nothing; nothing is HTML-escaped.
    """
    if _TRIPLE.search(template) is None:
        return _join(_segments(template, _DOUBLE))
    first = _join(_segments(template, _TRIPLE))
    # Text substituted by the first pass can itself contain ``{{…}}``; re-scan it like the reference.
    return lambda payload: _second_pass(first(payload), payload)

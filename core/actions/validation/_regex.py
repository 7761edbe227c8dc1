"""JavaScript regular expressions (the ``pattern`` keyword, the ``regex`` format) for Python's ``re``."""

from __future__ import annotations

from typing import Final

from actions.js import WHITE_SPACE_CLASS

__all__ = ["translate_js_regex"]

_ESCAPE_CLASSES: Final[dict[str, tuple[str, str | None]]] = {
    "d": ("[0-9]", "0-9"),
    "D": ("[^0-9]", None),
    "w": ("[A-Za-z0-9_]", "A-Za-z0-9_"),
    "W": ("[^A-Za-z0-9_]", None),
    "s": (f"[{WHITE_SPACE_CLASS}]", WHITE_SPACE_CLASS),
    "S": (f"[^{WHITE_SPACE_CLASS}]", None),
}


def translate_js_regex(source: str) -> str:
    """Rewrite a JavaScript pattern for Python's ``re`` (the common subset).

    ``$`` means end of input, ``\\d``/``\\w`` are ASCII and ``\\s`` is JavaScript's white space,
    ``(?<name>`` becomes ``(?P<name>``, ``\\u{...}`` a code point. Raises ``ValueError`` for what
    has no equivalent here (negated classes inside classes, ``\\c``).
    """
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n:
            escaped = source[i + 1]
            if escaped in _ESCAPE_CLASSES:
                outside, inside = _ESCAPE_CLASSES[escaped]
                if in_class and inside is None:
                    raise ValueError(f"\\{escaped} inside a character class")
                out.append(inside if in_class else outside)  # type: ignore[arg-type]
                i += 2
                continue
            if escaped == "u" and source.startswith("{", i + 2):
                end = source.index("}", i)
                out.append(f"\\U{int(source[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if escaped == "c":
                raise ValueError("control escapes are not supported")
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append("\\[" if char == "[" else char)
            i += 1
            continue
        if char == "[":
            if source.startswith("[^]", i):  # anything at all
                out.append(r"[\s\S]")
                i += 3
                continue
            if source.startswith("[]", i):  # nothing at all
                out.append(r"[^\s\S]")
                i += 2
                continue
            in_class = True
            out.append(char)
        elif char == "$":
            out.append(r"\Z")
        elif source.startswith("(?<", i) and not source.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)



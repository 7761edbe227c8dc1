"""The human messages of ajv-human-errors 2.16 (``fieldLabels: "title"``), written from raw errors.

The validator records what failed as a :data:`RawError`; only the errors that survive (composite
keywords discard their branches') are worded, here, in the reference's exact text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from actions.js import json_stringify, to_string, truthy, type_name, utf16_len

from .._errors import FieldError

__all__ = ["RawError", "field_errors"]

# One raw error: (keyword, instance pointer, schema holding the keyword, params, data).
RawError = tuple[str, str, Any, Any, Any]

_FORMAT_LABELS: Final = {
    "date-time": "date and time",
    "time": "time",
    "date": "date",
    "email": "email address",
    "hostname": "hostname",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "uri": "URI",
    "uri-reference": "URI Reference",
    "uri-template": "URI-template",
    "json-pointer": "JSON Pointer",
    "relative-json-pointer": "relative JSON Pointer",
    "regex": "regular expression",
}

_AJV_MESSAGES: Final = {
    "const": "must be equal to constant",
    "not": "must NOT be valid",
    "anyOf": "must match a schema in anyOf",
    "oneOf": "must match exactly one schema in oneOf",
    "false schema": "boolean schema is false",
}


def _article(word: str) -> str:
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def _humanize_list(items: list[str], conjunction: str) -> str:
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return f"{', '.join(items[:-1])}, {conjunction} {items[-1]}"


def _humanize_type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "an array"
    kind = "function" if callable(value) else type_name(value)
    if kind == "undefined":
        return kind
    return f"{_article(kind)} {kind}"


def _plural(word: str, count: Any) -> str:
    return word if count == 1 and not isinstance(count, bool) else f"{word}s"


def _capitalize(text: str) -> str:
    # JavaScript upper-cases the first UTF-16 unit; a surrogate has no upper case.
    if not text or ord(text[0]) > 0xFFFF:
        return text
    return text[0].upper() + text[1:]


def _describe(error: RawError) -> str:
    keyword, ptr, schema, params, data = error
    title = schema.get("title") if isinstance(schema, Mapping) else None
    if truthy(title):
        subject = to_string(title)
    else:
        subject = "the root value" if ptr == "" else f"the value at {ptr}"
    custom = schema.get("errorMessage") if isinstance(schema, Mapping) else None
    if truthy(custom):
        return f"{subject} {to_string(custom)}"

    if keyword == "enum":
        allowed = _humanize_list([json_stringify(v) or "undefined" for v in params], "or")
        return f"{subject} must be one of: {allowed}"
    if keyword == "type":
        declared = schema.get("type")
        if isinstance(declared, list | tuple):
            names = [to_string(t) for t in declared]
            # ajv appends "null" for `nullable` to the schema's own type array (not to a string).
            if schema.get("nullable") is True and "null" not in names:
                names.append("null")
        else:
            names = to_string(declared).split(",")
        expected = _humanize_list(names, "or")
        return f"{subject} must be {_article(expected)} {expected} but it was {_humanize_type_of(data)}"
    if keyword in ("minLength", "maxLength"):
        actual = utf16_len(data)
        bound = "more" if keyword == "minLength" else "fewer"
        return (
            f"{subject} must be {to_string(params)} {_plural('character', params)} or {bound} "
            f"but it was {actual} {_plural('character', actual)}"
        )
    if keyword == "pattern":
        label = schema.get("patternLabel")
        return (
            f"{subject} must be {to_string(label)} but it was not"
            if truthy(label)
            else f"{subject} is an invalid string"
        )
    if keyword == "format":
        return f"{subject} must be a valid {_FORMAT_LABELS.get(params, params)} string but it was not"
    if keyword == "multipleOf":
        return f"{subject} must be a multiple of {to_string(params)}"
    if keyword == "minimum":
        return f"{subject} must be equal to or greater than {to_string(params)}"
    if keyword == "exclusiveMinimum":
        return f"{subject} must be greater than {to_string(params)}"
    if keyword == "maximum":
        return f"{subject} must be equal to or less than {to_string(params)}"
    if keyword == "exclusiveMaximum":
        return f"{subject} must be less than {to_string(params)}"
    if keyword == "required":
        return f"{subject} is missing the required field '{params}'"
    if keyword in ("minProperties", "maxProperties"):
        bound = "more" if keyword == "minProperties" else "fewer"
        return f"{subject} must have {to_string(params)} or {bound} properties but it has {len(data)}"
    if keyword in ("minItems", "maxItems"):
        bound = "more" if keyword == "minItems" else "fewer"
        return f"{subject} must have {to_string(params)} or {bound} items but it has {len(data)}"
    if keyword == "uniqueItems":
        i, j = params
        return f"{subject} must be unique but elements {j} and {i} are the same"
    if keyword == "if":
        return f'{subject} must match "{params}" schema'
    return f"{subject} {_AJV_MESSAGES.get(keyword, keyword)}"


def field_errors(errors: Iterable[RawError]) -> list[FieldError]:
    return [FieldError(_json_path(e[1]), e[1], _capitalize(_describe(e)) + ".") for e in errors]


def _json_path(pointer: str) -> str:
    """ajv-human-errors' JSONPath for a JSON pointer: ``/a/0/b.c`` is ``$.a[0].b\\.c``."""
    if pointer == "":
        return "$"
    parts = []
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~").replace(".", "\\.")
        parts.append(f"[{part}]" if part.isascii() and part.isdigit() else f".{part}")
    return "$" + "".join(parts)

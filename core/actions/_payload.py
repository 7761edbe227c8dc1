"""The payload pipeline after mapping: field schemas, empty-value removal, coercing validation.

This reproduces what the reference does with a resolved mapping: ``removeEmptyValues`` against
the JSON Schema derived from the action's fields, then ajv 8 with ``coerceTypes: "array"``,
``removeAdditional: true`` and ``allErrors``, and the human messages of ``ajv-human-errors``
(``The root value is missing the required field 'event_type'.``). ajv's keyword order, its
coercion rules and its quirks are kept, because the messages and the coerced payloads are
compared with the reference's byte for byte.

A schema is compiled once into closures (:class:`PayloadValidator`); validating a payload walks
only the parts the schema describes. The caller's payload is never mutated: changed objects and
arrays are copied, untouched free-form values (``event_properties``...) are shared.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED, json_stringify, number_to_string, string_to_number, to_string, type_name

from ._dates import date_like_string
from ._errors import FieldError, SchemaValidationError, SettingsValidationError
from ._fields import Condition, DependsOn, Field

__all__ = [
    "PayloadValidator",
    "datetime_value_is_valid",
    "fields_to_json_schema",
    "remove_empty_values",
    "validate_settings",
]

_SCHEMA_URI: Final = "http://json-schema.org/schema#"
_MISSING: Final = object()

# =============================================================================================
# Field definitions -> JSON Schema
# =============================================================================================

_JSON_TYPE: Final[dict[str, str | list[str]]] = {
    "string": "string",
    "text": "string",
    "password": "string",
    "datetime": ["string", "number"],
    "number": "number",
    "integer": "integer",
    "boolean": "boolean",
    "object": "object",
}


def fields_to_json_schema(fields: Mapping[str, Field]) -> dict[str, Any]:
    """The JSON Schema the reference derives from an action's (or settings') fields.

    Root and every object field with ``properties`` get ``additionalProperties`` (unknown keys
    are then dropped by validation); ``required: True`` fields are listed in ``required``;
    conditional requirements become ``allOf: [{if, then}]``. ``datetime`` is ``["string",
    "number"]`` with format ``date-like``; ``multiple`` makes an array of the type; ``allow_null``
    adds ``"null"``; ``choices`` become ``enum``. ``minimum``/``maximum`` apply to numbers (and,
    as lengths, to strings) only when they are non-zero, and never to integers (as in the
    reference).
    """
    return _object_schema(fields, additional_properties=False, omit_required=False)


def _object_schema(
    fields: Mapping[str, Field], additional_properties: bool, omit_required: bool
) -> dict[str, Any]:
    required: list[str] = []
    properties: dict[str, Any] = {}
    conditions: dict[str, DependsOn] = {}
    for key, field in fields.items():
        base_type = _JSON_TYPE[field.type]
        # Keys the reference copies from the field appear when the field sets them (JSON drops the
        # `undefined` ones), so a schema printed here and there is the same text.
        given = field.model_fields_set
        schema: dict[str, Any] = {"title": field.label}
        if field.description or "description" in given:
            schema["description"] = field.description
        schema["type"] = list(base_type) if isinstance(base_type, list) else base_type
        fmt = {"datetime": "date-like", "password": "password", "text": "text"}.get(field.type, field.format)
        if fmt is not None or "format" in given:
            schema["format"] = fmt
        if field.default is not None or "default" in given:
            schema["default"] = field.default
        # The reference tests the bounds for truthiness: 0 is no bound, and integers get none.
        if field.type == "string":
            if field.minimum:
                schema["minLength"] = _whole(field.minimum)
            if field.maximum:
                schema["maxLength"] = _whole(field.maximum)
        elif field.type == "number":
            if field.minimum:
                schema["minimum"] = _whole(field.minimum)
            if field.maximum:
                schema["maximum"] = _whole(field.maximum)
        if field.choices is not None:
            schema["enum"] = [choice.value for choice in field.choices]
        if field.allow_null:
            schema["type"] = [*(base_type if isinstance(base_type, list) else [base_type]), "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        if field.multiple:
            items: dict[str, Any] = {"type": list(base_type) if isinstance(base_type, list) else base_type}
            schema["type"] = "array"
            if "enum" in schema:
                items["enum"] = schema.pop("enum")
            schema["items"] = items
        if base_type == "object" and field.properties is not None:
            # An object whose properties carry conditions leaves all its requirements (even the
            # unconditional ones) to the root, where the conditions are checked as "key.prop".
            nested_conditional = any(isinstance(p.required, DependsOn) for p in field.properties.values())
            nested = _object_schema(field.properties, field.additional_properties, nested_conditional)
            if field.multiple:
                schema["items"] = nested
            else:
                schema.update(nested)
            for prop_key, prop in field.properties.items():
                if isinstance(prop.required, DependsOn):
                    conditions[f"{key}.{prop_key}"] = prop.required
        properties[key] = schema
        if field.required is True:
            required.append(key)
        elif isinstance(field.required, DependsOn):
            conditions[key] = field.required

    result: dict[str, Any] = {
        "$schema": _SCHEMA_URI,
        "type": "object",
        "additionalProperties": additional_properties,
        "properties": properties,
    }
    if not omit_required:
        result["required"] = required
        if conditions:
            result["allOf"] = [_conditional_requirement(key, cond) for key, cond in conditions.items()]
    return result


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _condition_value(condition: Condition) -> Any:
    """The condition's value, or ``_MISSING`` when it was left out ("has a value")."""
    return condition.value if "value" in condition.model_fields_set else _MISSING


def _value_test(operator: str, value: Any) -> dict[str, Any]:
    # A missing value gives `const: undefined` in the reference, i.e. no constraint at all.
    matches: dict[str, Any] = {} if value is _MISSING else {"const": value}
    return matches if operator == "is" else {"not": matches}


def _then_required(field_key: str) -> dict[str, Any]:
    if "." in field_key:
        parent, child = field_key.split(".")[:2]
        return {"required": [parent], "properties": {parent: {"required": [child]}}}
    return {"required": [field_key]}


def _nested_test(dependant: str, test: dict[str, Any]) -> dict[str, Any]:
    parent, child = dependant.split(".")[:2]
    return {"properties": {parent: {"properties": {child: test}, "required": [child]}}, "required": [parent]}


def _conditional_requirement(field_key: str, depends: DependsOn) -> dict[str, Any]:
    """One ``{if, then}`` clause requiring ``field_key`` when ``depends`` holds."""
    conditions = depends.conditions
    if len(conditions) == 1:
        cond = conditions[0]
        value = _condition_value(cond)
        dependant = cond.field_key
        if "." in dependant:
            return {
                "if": _nested_test(dependant, _value_test(cond.operator, value)),
                "then": _then_required(field_key),
            }
        if value is _MISSING:
            absent: dict[str, Any] = {"not": {"required": [dependant]}}
            is_null: dict[str, Any] = {"properties": {dependant: {"type": "null"}}}
            test = (
                {"anyOf": [absent, is_null]}
                if cond.operator == "is"
                else {"allOf": [{"required": [dependant]}, {"not": is_null}]}
            )
            return {"if": test, "then": _then_required(field_key)}
        return {
            "if": {"required": [dependant], "properties": {dependant: _value_test(cond.operator, value)}},
            "then": _then_required(field_key),
        }

    tests: list[dict[str, Any]] = []
    for cond in conditions:
        value = _condition_value(cond)
        dependant = cond.field_key
        if "." in dependant:
            tests.append(_nested_test(dependant, _value_test(cond.operator, value)))
        elif value is _MISSING:
            tests.append(
                {"not": {"required": [dependant]}} if cond.operator == "is" else {"required": [dependant]}
            )
        else:
            tests.append(
                {"properties": {dependant: _value_test(cond.operator, value)}, "required": [dependant]}
            )
    # With several conditions the reference requires the key as written, even a "parent.child" one.
    return {"if": {"anyOf" if depends.match == "any" else "allOf": tests}, "then": {"required": [field_key]}}


# =============================================================================================
# removeEmptyValues
# =============================================================================================


def _js_truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED or value is False or value == "":
        return False
    if isinstance(value, _NUMBERS) and not isinstance(value, bool):
        return value == value and value != 0
    return True


def _type_list(schema: Mapping[str, Any]) -> list[Any]:
    declared = schema.get("type")
    if declared is None or declared is UNDEFINED:
        return []
    return list(declared) if isinstance(declared, _ARRAYS) else [declared]


def remove_empty_values(payload: Any, schema: Mapping[str, Any] | None, is_root: bool = False) -> Any:
    """Drop values the validator could not coerce into something meaningful (``removeEmptyValues``).

    Only values whose schema has a ``type`` (or ``enum``) are touched: ``null`` goes unless the
    type allows null, ``""`` goes unless the type allows strings, and with ``is_root`` every
    top-level ``""`` goes (nested ones stay). Array items whose cleaned value is empty are
    dropped, though the items kept are the originals. Returns :data:`UNDEFINED` for a value that
    is removed entirely. ``payload`` is not modified.
    """
    schema = schema if isinstance(schema, Mapping) else {}
    if not _js_truthy(schema.get("type")) and not _js_truthy(schema.get("enum")):
        return payload
    if isinstance(payload, _ARRAYS):
        items = schema.get("items")
        if not _js_truthy(items):
            return payload
        return [item for item in payload if remove_empty_values(item, items) is not UNDEFINED]
    if isinstance(payload, dict):
        properties = schema.get("properties")
        if not _js_truthy(properties):
            return payload
        cleaned: dict[str, Any] = {}
        for key, value in payload.items():
            child_schema = properties.get(key) if isinstance(properties, Mapping) else None
            value = remove_empty_values(value, child_schema)
            if value is UNDEFINED or (is_root and value == "" and isinstance(value, str)):
                continue
            cleaned[key] = value
        return cleaned
    types = _type_list(schema)
    if payload is None and "null" not in types:
        return UNDEFINED
    if isinstance(payload, str) and payload == "" and "string" not in types:
        return UNDEFINED
    return payload


def _identity(value: Any) -> Any:
    return value


def _is_typed(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (_js_truthy(schema.get("type")) or _js_truthy(schema.get("enum")))


def _compile_remover(schema: Any, cache: dict[int, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """:func:`remove_empty_values` (not at the root) specialised for one schema."""
    if not _is_typed(schema):
        return _identity
    cached = cache.get(id(schema))
    if cached is not None:
        return cached
    types = _type_list(schema)
    keep_null = "null" in types
    keep_empty = "string" in types
    for_dict = _dict_cleaner(schema, cache)
    for_list = _list_cleaner(schema, cache)

    def remover(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return UNDEFINED if value == "" and not keep_empty else value
        if value is None:
            return None if keep_null else UNDEFINED
        if isinstance(value, dict):
            return value if for_dict is None else for_dict(value)
        if isinstance(value, _ARRAYS):
            return value if for_list is None else for_list(value)
        if isinstance(value, str):
            return UNDEFINED if value == "" and not keep_empty else value
        return value

    cache[id(schema)] = remover
    return remover


def _list_cleaner(schema: Any, cache: dict[int, Callable[[Any], Any]]) -> Callable[[Any], Any] | None:
    """Drops array items that clean to nothing (keeping the original items), or ``None`` if none can."""
    items = schema.get("items") if _is_typed(schema) else None
    if not _js_truthy(items):
        return None
    item_remover = _compile_remover(items, cache)

    def clean_list(value: Any) -> Any:
        return [item for item in value if item_remover(item) is not UNDEFINED]

    return clean_list


def _dict_cleaner(schema: Any, cache: dict[int, Callable[[Any], Any]]) -> Callable[[Any], Any] | None:
    """Cleans an object's declared properties, or ``None`` when objects pass through untouched."""
    properties = schema.get("properties") if _is_typed(schema) else None
    if not _js_truthy(properties):
        return None
    subschemas: Mapping[str, Any] = properties if isinstance(properties, Mapping) else {}
    removers = {key: _compile_remover(sub, cache) for key, sub in subschemas.items()}
    # Most objects hold nothing removable; when no property can be cleaned deeper, a scan for
    # null/undefined (and "" if some property drops it) tells.
    shallow = all(
        _dict_cleaner(sub, cache) is None and _list_cleaner(sub, cache) is None for sub in subschemas.values()
    )
    drops_empty = any(_is_typed(sub) and "string" not in _type_list(sub) for sub in subschemas.values())

    def clean_dict(value: dict[str, Any]) -> Any:
        if shallow:
            values = value.values()
            if None not in values and UNDEFINED not in values and not (drops_empty and "" in values):
                return value
        # The reference builds a new object; an unchanged one is returned as is here (nothing
        # downstream mutates it).
        cleaned: dict[str, Any] | None = None
        for index, (key, sub) in enumerate(value.items()):
            if type(sub) is str and sub:
                if cleaned is not None:
                    cleaned[key] = sub
                continue
            new = removers.get(key, _identity)(sub)
            if new is not sub and cleaned is None:
                cleaned = dict(list(value.items())[:index])
            if cleaned is not None and new is not UNDEFINED:
                cleaned[key] = new
        return value if cleaned is None else cleaned

    return clean_dict


# =============================================================================================
# JavaScript value semantics used by the validator
# =============================================================================================

_INT_SAFE: Final = 2**53
# isinstance() with a tuple constant: a `X | Y` union is rebuilt at every call.
_ARRAYS: Final = (list, tuple)
_NUMBERS: Final = (int, float)
_CONTAINERS: Final = (dict, list, tuple)
_SCALARS: Final = (str, bool, int, float)


def _int_is_finite(value: int) -> bool:
    # A JSON integer too large for a double is Infinity in JavaScript.
    if -_INT_SAFE <= value <= _INT_SAFE:
        return True
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return _int_is_finite(value)
    if kind is float:
        finite: bool = value - value == 0.0  # inf - inf and nan - nan are nan
        return finite
    if kind is bool or not isinstance(value, _NUMBERS):
        return False
    return math.isfinite(value)


def _is_integer(value: Any) -> bool:
    if not _is_number(value):
        return False
    return isinstance(value, int) or float(value).is_integer()


def _is_array(value: Any) -> bool:
    return isinstance(value, _ARRAYS)


_TYPE_TESTS: Final[dict[str, Callable[[Any], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": _is_array,
    "object": lambda v: isinstance(v, dict),
}


def _number_value(value: float) -> int | float:
    """A coerced number as Python prefers it: integral values as ``int``."""
    if value - value == 0.0 and value.is_integer():
        return int(value)
    return value


def _js_number_like(value: Any) -> bool:
    return isinstance(value, _NUMBERS) and not isinstance(value, bool)


def _coerce_to_string(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if _js_number_like(value):
        return number_to_string(value)
    if value is None:
        return ""
    return _MISSING


def _numeric_string(value: Any) -> float | None:
    # ajv: `typeof data == "string" && data && data == +data`
    if isinstance(value, str) and value:
        number = string_to_number(value)
        if number == number:
            return number
    return None


def _coerce_to_number(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return 0
    number = _numeric_string(value)
    return _MISSING if number is None else _number_value(number)


def _coerce_to_integer(value: Any) -> Any:
    number = _coerce_to_number(value)
    # Only fractions are left as floats (integral values are ints by now). `!(data % 1)` also
    # holds for Infinity (Infinity % 1 is NaN), so "Infinity" coerces.
    if type(number) is float and math.isfinite(number):
        return _MISSING
    return number


def _coerce_to_boolean(value: Any) -> Any:
    if value is None or value == "false" or (_js_number_like(value) and value == 0):
        return False
    if value == "true" or (_js_number_like(value) and value == 1):
        return True
    return _MISSING


def _coerce_to_null(value: Any) -> Any:
    if value is False or (isinstance(value, str) and value == "") or (_js_number_like(value) and value == 0):
        return None
    return _MISSING


def _coerce_to_array(value: Any) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return [value]
    return _MISSING


_COERCERS: Final[dict[str, Callable[[Any], Any]]] = {
    "string": _coerce_to_string,
    "number": _coerce_to_number,
    "integer": _coerce_to_integer,
    "boolean": _coerce_to_boolean,
    "null": _coerce_to_null,
    "array": _coerce_to_array,
}


def _js_equal(a: Any, b: Any) -> bool:
    """Deep equality as fast-deep-equal sees it (what ajv's ``const``/``enum`` use)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _js_number_like(a) and _js_number_like(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None or b is None or a is UNDEFINED or b is UNDEFINED:
        return a is b
    if _is_array(a) and _is_array(b):
        return len(a) == len(b) and all(_js_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_js_equal(a[k], b[k]) for k in a)
    return False


def _pointer_segment(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _json_path(pointer: str) -> str:
    """ajv-human-errors' JSONPath for a JSON pointer: ``/a/0/b.c`` is ``$.a[0].b\\.c``."""
    if pointer == "":
        return "$"
    parts = []
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~").replace(".", "\\.")
        parts.append(f"[{part}]" if part.isascii() and part.isdigit() else f".{part}")
    return "$" + "".join(parts)


# =============================================================================================
# Formats: ajv-formats 2.1.1 ("full" mode) plus the reference's `text` and `date-like`
# =============================================================================================

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

# JavaScript's \s (with or without the u flag) and its line terminators; Python's differ.
_JS_SPACE_CLASS: Final = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_LINE_BREAKS: Final = re.compile(r"[\n\r\u2028\u2029]")

# The patterns are built from named parts. re.ASCII keeps \d and case folding ASCII-only, as in
# JavaScript without the u flag, and \Z stands for JavaScript's $ (which never matches before a
# final newline, unlike Python's).
_I: Final = re.IGNORECASE | re.ASCII
_OCTET: Final = r"(?:25[0-5]|2[0-4]\d|[01]?\d\d?)"
_IPV4_LOOSE: Final = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_H16: Final = r"[0-9a-f]{1,4}"
_PCT: Final = r"%[0-9a-f]{2}"


def _uri_pattern(extra: str, scheme_optional: bool) -> str:
    """RFC 3986 as ajv-formats spells it; ``extra`` adds characters uri-reference tolerates."""
    ipv6 = (
        rf"(?:(?:(?:{_H16}:){{6}}|::(?:{_H16}:){{5}}|(?:{_H16})?::(?:{_H16}:){{4}}"
        rf"|(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}|(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}"
        rf"|(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:|(?:(?:{_H16}:){{0,4}}{_H16})?::)"
        rf"(?:{_H16}:{_H16}|{_IPV4_LOOSE})"
        rf"|(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}|(?:(?:{_H16}:){{0,6}}{_H16})?::)"
    )
    sub_delims = r"a-z0-9\-._~!$&'()*+,;="
    userinfo = rf"(?:(?:[{sub_delims}:]|{_PCT})*@)?"
    ip_literal = rf"\[(?:{ipv6}|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]"
    reg_name = rf"(?:[{sub_delims}{extra}]|{_PCT})*"
    pchar = rf"(?:[{sub_delims}{extra}:@]|{_PCT})"
    with_authority = rf"\/?\/{userinfo}(?:{ip_literal}|{_IPV4_LOOSE}|{reg_name})(?::\d*)?(?:\/{pchar}*)*"
    absolute = rf"\/(?:{pchar}+(?:\/{pchar}*)*)?"
    rootless = rf"{pchar}+(?:\/{pchar}*)*"
    hierarchy = rf"(?:{with_authority}|{absolute}|{rootless})" + ("?" if scheme_optional else "")
    query = rf"(?:\?(?:[{sub_delims}{extra}:@/?]|{_PCT})*)?"
    fragment = rf"(?:#(?:[{sub_delims}{extra}:@/?]|{_PCT})*)?"
    scheme = r"(?:[a-z][a-z0-9+\-.]*:)" + ("?" if scheme_optional else "")
    return rf"{scheme}{hierarchy}{query}{fragment}\Z"


def _ipv6_pattern() -> str:
    octet = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    v4 = rf"{octet}(?:\.{octet}){{3}}"
    g = _H16
    return (
        "(?:"
        + "|".join(
            [
                rf"(?:{g}:){{7}}(?:{g}|:)",
                rf"(?:{g}:){{6}}(?::{g}|{v4}|:)",
                rf"(?:{g}:){{5}}(?:(?::{g}){{1,2}}|:{v4}|:)",
                rf"(?:{g}:){{4}}(?:(?::{g}){{1,3}}|(?::{g})?:{v4}|:)",
                rf"(?:{g}:){{3}}(?:(?::{g}){{1,4}}|(?::{g}){{0,2}}:{v4}|:)",
                rf"(?:{g}:){{2}}(?:(?::{g}){{1,5}}|(?::{g}){{0,3}}:{v4}|:)",
                rf"(?:{g}:)(?:(?::{g}){{1,6}}|(?::{g}){{0,4}}:{v4}|:)",
                rf":(?:(?::{g}){{1,7}}|(?::{g}){{0,5}}:{v4}|:)",
            ]
        )
        + r")\Z"
    )


_NOT_SPACE: Final = rf"[^{_JS_SPACE_CLASS}]"
_URL_LABEL: Final = r"[a-z0-9\u00a1-\uffff]"
_EMAIL_ATOM: Final = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_FORMAT_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "duration": re.compile(
        r"P(?!\Z)(?:(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?|(?:\d+W)?)\Z", re.ASCII
    ),
    "uri-reference": re.compile(_uri_pattern('"', scheme_optional=True), _I),
    "uri-template": re.compile(
        r"(?:(?:[^\x00-\x20\"'<>%\\^`{|}]|%[0-9a-f]{2})"
        r"|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?"
        r"(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*\Z",
        _I,
    ),
    "url": re.compile(
        rf"(?:https?|ftp):\/\/(?:{_NOT_SPACE}+(?::{_NOT_SPACE}*)?@)?"
        r"(?:(?!(?:10|127)(?:\.\d{1,3}){3})(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})"
        r"(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"
        r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"
        r"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"
        rf"|(?:(?:{_URL_LABEL}+-)*{_URL_LABEL}+)(?:\.(?:{_URL_LABEL}+-)*{_URL_LABEL}+)*"
        r"(?:\.(?:[a-z\u00a1-\uffff]{2,})))"
        rf"(?::\d{{2,5}})?(?:\/{_NOT_SPACE}*)?\Z",
        _I,
    ),
    "email": re.compile(
        rf"{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
        r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z",
        _I,
    ),
    "hostname": re.compile(
        r"(?=[^\n\r\u2028\u2029]{1,253}\.?\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
        r"(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?\Z",
        _I,
    ),
    "ipv4": re.compile(rf"{_IPV4_LOOSE}\Z", re.ASCII),
    "ipv6": re.compile(_ipv6_pattern(), _I),
    "uuid": re.compile(r"(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\Z", _I),
    "json-pointer": re.compile(r"(?:\/(?:[^~/]|~0|~1)*)*\Z"),
    "json-pointer-uri-fragment": re.compile(
        r"#(?:\/(?:[a-z0-9_\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*\Z", _I
    ),
    "relative-json-pointer": re.compile(r"(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)\Z"),
}
_URI: Final = re.compile(_uri_pattern("", scheme_optional=False), _I)
_BASE64_LINE: Final = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_DATE: Final = re.compile(r"(\d\d\d\d)-(\d\d)-(\d\d)\Z", re.ASCII)
_TIME: Final = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?\Z", _I)
_DATE_TIME_SEPARATOR: Final = re.compile(rf"[tT{_JS_SPACE_CLASS}]")
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None:
        return False
    year, month, day = (int(part) for part in match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS_IN_MONTH[month])


def _is_time(text: str) -> bool:
    match = _TIME.match(text)
    if match is None:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    # date-time asks for a zone, but ajv-formats 2.1.1 compares a missing zone with "" and so
    # accepts a date-time without one.
    return (hour <= 23 and minute <= 59 and second <= 59) or (hour == 23 and minute == 59 and second == 60)


def _is_date_time(text: str) -> bool:
    parts = _DATE_TIME_SEPARATOR.split(text)
    return len(parts) == 2 and _is_date(parts[0]) and _is_time(parts[1])


def _is_uri(text: str) -> bool:
    return ("/" in text or ":" in text) and _URI.match(text) is not None


def _is_base64(text: str) -> bool:
    # The pattern carries the m flag in the reference: one matching line (even empty) suffices.
    return any(_BASE64_LINE.match(line) for line in _JS_LINE_BREAKS.split(text))


def _is_regex(text: str) -> bool:
    if re.search(r"[^\\]\\Z", text):
        return False
    try:
        re.compile(_translate_js_regex(text))
    except (re.error, ValueError, OverflowError):
        return False
    return True


def _is_int32(value: Any) -> bool:
    return _is_integer(value) and -(2**31) <= value <= 2**31 - 1


def _always(_value: Any) -> bool:
    return True


def _pattern_test(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    match = pattern.match
    return lambda value: match(value) is not None


#: format name -> (the data type it constrains, predicate)
_FORMATS: Final[dict[str, tuple[str, Callable[[Any], bool]]]] = {
    **{name: ("string", _pattern_test(pattern)) for name, pattern in _FORMAT_PATTERNS.items()},
    "date": ("string", _is_date),
    "time": ("string", _is_time),
    "date-time": ("string", _is_date_time),
    "uri": ("string", _is_uri),
    "regex": ("string", _is_regex),
    "byte": ("string", _is_base64),
    "int32": ("number", _is_int32),
    "int64": ("number", _is_integer),
    "float": ("number", _always),
    "double": ("number", _always),
    "password": ("string", _always),
    "binary": ("string", _always),
    "text": ("string", _always),
    "date-like": ("string", date_like_string),
}

_ESCAPE_CLASSES: Final[dict[str, tuple[str, str | None]]] = {
    "d": ("[0-9]", "0-9"),
    "D": ("[^0-9]", None),
    "w": ("[A-Za-z0-9_]", "A-Za-z0-9_"),
    "W": ("[^A-Za-z0-9_]", None),
    "s": (f"[{_JS_SPACE_CLASS}]", _JS_SPACE_CLASS),
    "S": (f"[^{_JS_SPACE_CLASS}]", None),
}


def _translate_js_regex(source: str) -> str:
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


# =============================================================================================
# The compiled validator (ajv's semantics, keyword by keyword)
# =============================================================================================

# One raw error: (keyword, instance pointer, schema holding the keyword, params, data).
# Messages are only written for the errors that survive (composite keywords discard theirs).
_Err = tuple[str, str, Any, Any, Any]
_Node = Callable[[Any, str, list[_Err]], Any]

_KNOWN_TYPES: Final = frozenset(_TYPE_TESTS)
_COERCIBLE: Final = frozenset({"string", "number", "integer", "boolean", "null", "array"})

# Keyword groups in ajv's evaluation order. Untyped keywords always run; the others only when
# the data has the group's type (and they are all evaluated after the type is coerced).
_NUMBER_KEYWORDS: Final = (
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "format",
)
_STRING_KEYWORDS: Final = ("maxLength", "minLength", "pattern", "format")
_ARRAY_KEYWORDS: Final = ("maxItems", "minItems", "additionalItems", "items", "contains", "uniqueItems")
_OBJECT_KEYWORDS: Final = (
    "maxProperties",
    "minProperties",
    "required",
    "propertyNames",
    "additionalProperties",
    "dependencies",
    "properties",
    "patternProperties",
)
_UNTYPED_KEYWORDS: Final = (
    "nullable",
    "const",
    "enum",
    "not",
    "anyOf",
    "oneOf",
    "allOf",
    "if",
    "then",
    "else",
)
_RULE_KEYWORDS: Final = frozenset(
    ("type", *_UNTYPED_KEYWORDS, *_NUMBER_KEYWORDS, *_STRING_KEYWORDS, *_ARRAY_KEYWORDS, *_OBJECT_KEYWORDS)
)
_UNSUPPORTED: Final = frozenset(
    {
        "propertyNames",
        "dependencies",
        "patternProperties",
        "contains",
        "$ref",
        "$dynamicRef",
        "unevaluatedProperties",
    }
)
_GROUP_KEYWORDS: Final = {
    "number": _NUMBER_KEYWORDS,
    "string": _STRING_KEYWORDS,
    "array": _ARRAY_KEYWORDS,
    "object": _OBJECT_KEYWORDS,
}


def _always_valid(schema: Any) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    return isinstance(schema, Mapping) and not any(key in _RULE_KEYWORDS for key in schema)


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    types: list[str] = list(declared) if isinstance(declared, _ARRAYS) else ([declared] if declared else [])
    for kind in types:
        if kind not in _KNOWN_TYPES:
            raise ValueError(f'"type" keyword must be allowed string or string[]: {kind!r}')
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types


def _group_used(schema: Mapping[str, Any], group: str) -> bool:
    return any(key in schema for key in _GROUP_KEYWORDS.get(group, ()))


def _pass(data: Any, ptr: str, errs: list[_Err]) -> Any:
    return data


class _Split:
    """A location whose keywords now see one value while its parent still holds another.

    ajv unwraps a one-element array into the current data variable before trying to coerce it,
    and keeps the element there even when the coercion fails (without writing it back), so every
    later keyword at that location, including sibling ``anyOf``/``allOf`` branches, looks at the
    element. Nodes return this (instead of a plain value) in that rare state.
    """

    __slots__ = ("container", "visible")

    def __init__(self, visible: Any, container: Any) -> None:
        self.visible = visible
        self.container = container


def _follow(data: Any, out: Any, split: bool, result: Any) -> tuple[Any, Any, bool]:
    """Thread a same-location step's result: (visible value, parent's value, whether they differ)."""
    if result is data:
        return data, out, split
    if type(result) is _Split:
        # The step was given `data`; a container equal to it means "unchanged".
        return result.visible, (out if result.container is data else result.container), True
    if split and type(result) is type(data) and isinstance(result, (dict, list)):
        # ajv changed the unwrapped element in place, inside the array the parent still holds.
        return result, _rewrap(out, data, result), True
    return result, result, False


def _rewrap(out: Any, element: Any, changed: Any) -> Any:
    if isinstance(out, list) and len(out) == 1 and out[0] is element:
        return [changed]
    return out


def _stored(value: Any, result: Any) -> Any:
    """What a parent object or array must hold after validating ``value`` into ``result``."""
    return result.container if type(result) is _Split else result


class _Compiler:
    """Compiles schemas into node functions; one compiler per root schema, nodes cached by identity.

    A node ``(data, pointer, errors) -> data`` validates ``data`` (appending raw errors) and
    returns the value its parent must hold afterwards (coerced, or a pruned copy). Nodes exist in
    two flavours: "all errors" (the default) and "first error", which ajv uses inside ``if`` and
    ``not`` and where it stops evaluating, and so coercing, at the first failure.
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, bool], tuple[Any, _Node]] = {}

    def node(self, schema: Any, all_errors: bool) -> _Node:
        key = (id(schema), all_errors)
        cached = self._nodes.get(key)
        if cached is not None:
            return cached[1]
        built = self._build(schema, all_errors)
        self._nodes[key] = (schema, built)  # the schema is kept alive so its id stays unique
        return built

    # --- building ----------------------------------------------------------------------------

    def _build(self, schema: Any, all_errors: bool) -> _Node:
        if _always_valid(schema):
            return _pass
        if schema is False:

            def false_schema(data: Any, ptr: str, errs: list[_Err]) -> Any:
                errs.append(("false schema", ptr, None, None, data))
                return data

            return false_schema
        if not isinstance(schema, Mapping):
            raise ValueError(f"a schema must be an object or a boolean, got {to_string(schema)}")
        unsupported = sorted(_UNSUPPORTED.intersection(schema))
        if unsupported:
            raise ValueError(f"unsupported JSON Schema keyword(s): {', '.join(unsupported)}")

        types = _schema_types(schema)
        coerce_to = [t for t in types if t in _COERCIBLE]
        check_types = bool(types) and not (
            not coerce_to and len(types) == 1 and _group_used(schema, types[0])
        )
        wrong_type = self._wrong_type_test(types)
        unwrapped_fits = self._unwrapped_test(types)
        coercers = [_COERCERS[t] for t in coerce_to]

        groups: list[tuple[Callable[[Any], bool] | None, list[_Node], bool]] = []
        # "type" itself belongs to the untyped group, so in first-error mode a type error stops
        # every typed keyword of the schema (the guard after a used group).
        untyped = self._untyped_steps(schema, all_errors)
        if untyped or any(key in schema for key in ("type", *_UNTYPED_KEYWORDS)):
            groups.append((None, untyped, False))
        for group, test, build in (
            ("number", _is_number, self._number_steps),
            ("string", _TYPE_TESTS["string"], self._string_steps),
            ("array", _is_array, self._array_steps),
            ("object", _TYPE_TESTS["object"], self._object_steps),
        ):
            if not _group_used(schema, group):
                continue
            # A non-coercible single type with keywords of its own reports its type error in the
            # group's "else" branch, i.e. after the untyped keywords.
            report_in_else = not check_types and len(types) == 1 and types[0] == group
            groups.append((test, build(schema, all_errors), report_in_else))

        def type_error(data: Any, ptr: str, errs: list[_Err]) -> None:
            errs.append(("type", ptr, schema, None, data))

        # Values whose Python type already fits and that only one keyword group applies to skip
        # the general loop (no coercion, no untyped keywords): the common case.
        direct: dict[type, list[_Node]] = {}
        if not untyped:
            by_group = {test: steps for test, steps, _ in groups}
            for json_type, python_type, group_test in (
                ("string", str, _TYPE_TESTS["string"]),
                ("object", dict, _TYPE_TESTS["object"]),
                ("array", list, _is_array),
                ("boolean", bool, None),
                ("null", type(None), None),
            ):
                if json_type in types:
                    direct[python_type] = by_group.get(group_test, []) if group_test is not None else []

        # Finite numbers of the right kind likewise go straight to the number keywords.
        numeric_steps: list[_Node] | None = None
        if not untyped and ("number" in types or "integer" in types):
            numeric_steps = {test: steps for test, steps, _ in groups}.get(_is_number, [])
        integer_only = "number" not in types

        def node(data: Any, ptr: str, errs: list[_Err]) -> Any:
            kind = type(data)
            if numeric_steps is not None and (
                (kind is float and data - data == 0.0 and (not integer_only or data.is_integer()))
                or (kind is int and -_INT_SAFE <= data <= _INT_SAFE)
            ):
                steps: list[_Node] | None = numeric_steps
            else:
                steps = direct.get(kind)
            if steps is not None:
                if all_errors:
                    for step in steps:
                        data = step(data, ptr, errs)
                else:
                    for step in steps:
                        before = len(errs)
                        data = step(data, ptr, errs)
                        if len(errs) != before:
                            break
                return data
            start = len(errs)
            out = data  # what the parent holds
            tied = True  # whether keywords see `out` itself (see _Split)
            if check_types and wrong_type(data):
                if coercers:
                    candidate = data
                    coerced: Any = _MISSING
                    # coerceTypes "array": a one-element array is unwrapped first, and ajv keeps
                    # looking at the element even when nothing can be made of it.
                    if isinstance(candidate, _ARRAYS) and len(candidate) == 1:
                        candidate = candidate[0]
                        if unwrapped_fits(candidate):
                            coerced = candidate
                    if coerced is _MISSING:
                        for coerce in coercers:
                            coerced = coerce(candidate)
                            if coerced is not _MISSING:
                                break
                    if coerced is _MISSING:
                        type_error(candidate, ptr, errs)
                        if candidate is not data:
                            data = candidate
                            tied = False
                    else:
                        data = out = coerced
                else:
                    type_error(data, ptr, errs)
            for test, steps, report_in_else in groups:
                if test is None or test(data):
                    for step in steps:
                        before = len(errs)
                        result = step(data, ptr, errs)
                        if result is not data:
                            if type(result) is _Split:
                                if result.container is not data:
                                    out = result.container
                                data = result.visible
                                tied = False
                            elif (
                                tied or type(result) is not type(data) or not isinstance(result, (dict, list))
                            ):
                                data = out = result
                                tied = True
                            else:  # an unwrapped element changed in place (see _follow)
                                out = _rewrap(out, data, result)
                                data = result
                        if not all_errors and len(errs) != before:
                            break
                elif report_in_else:
                    type_error(data, ptr, errs)
                if not all_errors and len(errs) != start:
                    break
            return data if tied else _Split(data, out)

        return node

    @staticmethod
    def _wrong_type_test(types: list[str]) -> Callable[[Any], bool]:
        if len(types) == 1:
            single = _TYPE_TESTS[types[0]]
            if types[0] == "string":
                return lambda v: not isinstance(v, str)
            return lambda v: not single(v)
        tests = [_TYPE_TESTS[t] for t in types]
        return lambda v: not any(test(v) for test in tests)

    @staticmethod
    def _unwrapped_test(types: list[str]) -> Callable[[Any], bool]:
        """ajv's check on an unwrapped one-element array.

        ajv builds it by AND-ing the type tests, so with two or more distinct types it never
        passes (and the element goes through scalar coercion instead).
        """
        if len(types) == 1:
            return _TYPE_TESTS[types[0]]
        names = list(dict.fromkeys(types))
        parts: list[Callable[[Any], bool]] = []
        if "array" in names and "object" in names:
            with_null = "null" in names

            def not_object(v: Any) -> bool:
                return not (v is None or isinstance(v, _CONTAINERS))

            parts.append(not_object if with_null else (lambda v: not _js_truthy(v) or not_object(v)))
            names = [t for t in names if t not in ("null", "array", "object")]
        if "number" in names:
            names = [t for t in names if t != "integer"]
        parts.extend(_TYPE_TESTS[t] for t in names)
        return lambda v: all(part(v) for part in parts)

    def _fast_types(self, schema: Any) -> frozenset[type]:
        """Python types whose values the node would leave untouched and error-free.

        Parents skip the call for those, which is most of a typical payload.
        """
        if _always_valid(schema):
            return frozenset({str, int, float, bool, type(None), dict, list})
        if not isinstance(schema, Mapping) or any(k in schema for k in _UNTYPED_KEYWORDS if k != "nullable"):
            return frozenset()
        try:
            types = _schema_types(schema)
        except ValueError:
            return frozenset()
        fast: set[type] = set()
        formats = schema.get("format")
        number_format = formats is not None and _FORMATS.get(formats, ("", None))[0] == "number"
        if "string" in types and not _group_used(schema, "string"):
            fast.add(str)
        if ("number" in types or "integer" in types) and not (
            number_format or any(k in schema for k in _NUMBER_KEYWORDS if k != "format")
        ):
            fast.add(int)  # Python ints are whole numbers; floats need the finiteness check
        if "boolean" in types:
            fast.add(bool)
        if "null" in types:
            fast.add(type(None))
        if "object" in types and not _group_used(schema, "object"):
            fast.add(dict)
        if "array" in types and not _group_used(schema, "array"):
            fast.add(list)
        return frozenset(fast)

    # --- untyped keywords --------------------------------------------------------------------

    def _untyped_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[_Node]:
        steps: list[_Node] = []
        if "const" in schema:
            expected = schema["const"]

            def const_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                if not _js_equal(data, expected):
                    errs.append(("const", ptr, schema, expected, data))
                return data

            steps.append(const_step)
        if "enum" in schema:
            allowed = list(schema["enum"])
            primitive = {v for v in allowed if isinstance(v, str)}
            others = [v for v in allowed if not isinstance(v, str)]

            def enum_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                if isinstance(data, str) and data in primitive:
                    return data
                if not any(_js_equal(data, v) for v in others):
                    errs.append(("enum", ptr, schema, allowed, data))
                return data

            steps.append(enum_step)
        if "not" in schema:
            steps.append(self._not_step(schema))
        if "anyOf" in schema:
            steps.append(self._any_of_step(schema, all_errors))
        if "oneOf" in schema:
            steps.append(self._one_of_step(schema, all_errors))
        if "allOf" in schema:
            branches = [self.node(s, all_errors) for s in schema["allOf"] if not _always_valid(s)]

            def all_of_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                out, split = data, False
                for branch in branches:
                    before = len(errs)
                    data, out, split = _follow(data, out, split, branch(data, ptr, errs))
                    if not all_errors and len(errs) != before:
                        break
                return _Split(data, out) if split else data

            if branches:
                steps.append(all_of_step)
        if "if" in schema:
            step = self._if_step(schema, all_errors)
            if step is not None:
                steps.append(step)
        return steps

    def _not_step(self, schema: Mapping[str, Any]) -> _Node:
        inner = schema["not"]
        if _always_valid(inner):

            def never(data: Any, ptr: str, errs: list[_Err]) -> Any:
                errs.append(("not", ptr, schema, None, data))
                return data

            return never
        branch = self.node(inner, False)

        def not_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            before = len(errs)
            data, out, split = _follow(data, data, False, branch(data, ptr, errs))
            valid = len(errs) == before
            del errs[before:]
            if valid:
                errs.append(("not", ptr, schema, None, data))
            return _Split(data, out) if split else data

        return not_step

    def _any_of_step(self, schema: Mapping[str, Any], all_errors: bool) -> _Node:
        options = schema["anyOf"]
        if any(_always_valid(s) for s in options):
            return _pass  # ajv skips the keyword (and its coercions) entirely
        branches = [self.node(s, all_errors) for s in options]

        def any_of_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            before = len(errs)
            out, split = data, False
            for branch in branches:
                mark = len(errs)
                data, out, split = _follow(data, out, split, branch(data, ptr, errs))
                if len(errs) == mark:
                    del errs[before:]
                    break
            else:
                errs.append(("anyOf", ptr, schema, None, data))
            return _Split(data, out) if split else data

        return any_of_step

    def _one_of_step(self, schema: Mapping[str, Any], all_errors: bool) -> _Node:
        branches = [None if _always_valid(s) else self.node(s, all_errors) for s in schema["oneOf"]]

        def one_of_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            before = len(errs)
            out, split = data, False
            passing: list[int] = []
            for index, branch in enumerate(branches):
                mark = len(errs)
                if branch is not None:
                    data, out, split = _follow(data, out, split, branch(data, ptr, errs))
                if len(errs) == mark:
                    passing.append(index)
                    if len(passing) > 1:
                        break
            if len(passing) == 1:
                del errs[before:]
            else:
                errs.append(("oneOf", ptr, schema, passing or None, data))
            return _Split(data, out) if split else data

        return one_of_step

    def _if_step(self, schema: Mapping[str, Any], all_errors: bool) -> _Node | None:
        then_schema, else_schema = schema.get("then"), schema.get("else")
        has_then = then_schema is not None and not _always_valid(then_schema)
        has_else = else_schema is not None and not _always_valid(else_schema)
        if not has_then and not has_else:
            return None  # ajv ignores a lone "if", including its coercions
        condition = self.node(schema["if"], False)
        then_node = self.node(then_schema, all_errors) if has_then else None
        else_node = self.node(else_schema, all_errors) if has_else else None

        def if_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            before = len(errs)
            data, out, split = _follow(data, data, False, condition(data, ptr, errs))
            holds = len(errs) == before
            del errs[before:]
            branch, clause = (then_node, "then") if holds else (else_node, "else")
            if branch is not None:
                data, out, split = _follow(data, out, split, branch(data, ptr, errs))
                if len(errs) != before:
                    errs.append(("if", ptr, schema, clause, data))
            return _Split(data, out) if split else data

        return if_step

    # --- numbers and strings -----------------------------------------------------------------

    def _format_step(self, schema: Mapping[str, Any], applies_to: str) -> _Node | None:
        name = schema.get("format")
        if name is None:
            return None
        spec = _FORMATS.get(name)
        if spec is None:
            raise ValueError(f'unknown format "{name}"')
        kind, check = spec
        if kind != applies_to:
            return None

        def format_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            if not check(data):
                errs.append(("format", ptr, schema, name, data))
            return data

        return format_step

    def _number_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[_Node]:
        steps: list[_Node] = []
        comparisons: dict[str, Callable[[Any, Any], bool]] = {
            "maximum": lambda d, lim: d <= lim,
            "minimum": lambda d, lim: d >= lim,
            "exclusiveMaximum": lambda d, lim: d < lim,
            "exclusiveMinimum": lambda d, lim: d > lim,
        }
        for keyword, holds in comparisons.items():
            if keyword in schema:
                steps.append(self._limit_step(schema, keyword, schema[keyword], holds))
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]

            def multiple_of_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                if not _is_multiple(data, divisor):
                    errs.append(("multipleOf", ptr, schema, divisor, data))
                return data

            steps.append(multiple_of_step)
        fmt = self._format_step(schema, "number")
        if fmt is not None:
            steps.append(fmt)
        return steps

    @staticmethod
    def _limit_step(
        schema: Mapping[str, Any], keyword: str, limit: Any, holds: Callable[[Any, Any], bool]
    ) -> _Node:
        def limit_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            if not holds(data, limit):
                errs.append((keyword, ptr, schema, limit, data))
            return data

        return limit_step

    def _length_steps(self, schema: Mapping[str, Any], longest: str, shortest: str) -> list[_Node]:
        """The ``longest``/``shortest`` keywords bounding ``len(data)``, in that order."""
        steps: list[_Node] = []
        if longest in schema:
            steps.append(self._limit_step(schema, longest, schema[longest], lambda d, lim: len(d) <= lim))
        if shortest in schema:
            steps.append(self._limit_step(schema, shortest, schema[shortest], lambda d, lim: len(d) >= lim))
        return steps

    def _string_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[_Node]:
        # Lengths count code points (ajv's ucs2length), not UTF-16 units.
        steps = self._length_steps(schema, "maxLength", "minLength")
        if "pattern" in schema:
            source = schema["pattern"]
            regex = re.compile(_translate_js_regex(source))

            def pattern_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                if regex.search(data) is None:
                    errs.append(("pattern", ptr, schema, source, data))
                return data

            steps.append(pattern_step)
        fmt = self._format_step(schema, "string")
        if fmt is not None:
            steps.append(fmt)
        return steps

    # --- arrays ------------------------------------------------------------------------------

    def _array_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[_Node]:
        steps = self._length_steps(schema, "maxItems", "minItems")
        items = schema.get("items")
        if isinstance(items, _ARRAYS):
            raise ValueError("tuple-style items are not supported")
        if items is not None and not _always_valid(items):
            steps.append(self._items_step(items, all_errors))
        if schema.get("uniqueItems") is True:  # ajv checks it after the items (so after coercion)
            steps.append(self._unique_step(schema))
        return steps

    def _items_step(self, items: Any, all_errors: bool) -> _Node:
        child = self.node(items, all_errors)
        fast = self._fast_types(items)

        def items_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            copy: list[Any] | None = None
            for index, value in enumerate(data):
                if type(value) in fast:
                    continue
                before = len(errs)
                result = child(value, f"{ptr}/{index}", errs)
                if result is not value and (result := _stored(value, result)) is not value:
                    if copy is None:
                        copy = list(data)
                    copy[index] = result
                if not all_errors and len(errs) != before:
                    break
            if copy is not None:
                return copy
            return data

        return items_step

    def _unique_step(self, schema: Mapping[str, Any]) -> _Node:
        items = schema.get("items")
        item_types = _schema_types(items) if isinstance(items, Mapping) else []
        by_key = bool(item_types) and not any(t in ("object", "array") for t in item_types)
        item_tests = [_TYPE_TESTS[t] for t in item_types]
        mark_strings = len(item_types) > 1

        def duplicate(data: Any) -> tuple[int, int] | None:
            if len(data) <= 1:
                return None
            if by_key:
                # ajv indexes scalar items by their string form, scanning from the end.
                seen: dict[str, int] = {}
                for i in range(len(data) - 1, -1, -1):
                    item = data[i]
                    if not any(test(item) for test in item_tests):
                        continue
                    key = to_string(item) + ("_" if mark_strings and isinstance(item, str) else "")
                    if key in seen:
                        return i, seen[key]
                    seen[key] = i
                return None
            for i in range(len(data) - 1, 0, -1):
                for j in range(i - 1, -1, -1):
                    if _js_equal(data[i], data[j]):
                        return i, j
            return None

        def unique_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            found = duplicate(data)
            if found is not None:
                errs.append(("uniqueItems", ptr, schema, found, data))
            return data

        return unique_step

    # --- objects -----------------------------------------------------------------------------

    def _object_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[_Node]:
        max_props = schema.get("maxProperties")
        min_props = schema.get("minProperties")
        required = list(schema.get("required") or ())
        properties: Mapping[str, Any] = schema.get("properties") or {}
        declared = frozenset(properties)
        additional = schema.get("additionalProperties")
        remove_unknown = additional is False  # removeAdditional: true deletes instead of failing
        extra_node = (
            self.node(additional, all_errors)
            if additional is not None and additional is not False and not _always_valid(additional)
            else None
        )
        plan = [
            (key, _pointer_segment(key), self._fast_types(sub), self.node(sub, all_errors))
            for key, sub in properties.items()
            if not _always_valid(sub)
        ]
        fast_by_key = {key: fast for key, _, fast, _ in plan}
        by_key = {key: (segment, child) for key, segment, _, child in plan}

        def in_field_order(
            data: dict[str, Any], copy: dict[str, Any] | None, ptr: str, errs: list[_Err]
        ) -> Any:
            """The ``properties`` keyword as ajv runs it: field by field, in the fields' order."""
            for key, segment, fast, child in plan:
                value = data.get(key, UNDEFINED)
                if value is UNDEFINED or type(value) in fast:
                    continue
                before = len(errs)
                result = child(value, ptr + segment, errs)
                if result is not value and (result := _stored(value, result)) is not value:
                    if copy is None:
                        copy = dict(data)
                        if errs:
                            _retarget(errs, data, copy)
                        data = copy
                    copy[key] = result
                if not all_errors and len(errs) != before:
                    break
            return data

        def in_payload_order(
            data: dict[str, Any], copy: dict[str, Any] | None, ptr: str, errs: list[_Err]
        ) -> Any:
            """The same, walking the payload's keys (usually fewer than the fields).

            Errors must come in the fields' order, so when there are any the walk is redone that
            way; children are pure functions, so repeating them is safe.
            """
            mark = len(errs)
            changes: list[tuple[str, Any]] | None = None
            for key, value in data.items():
                fast = fast_by_key.get(key)
                if fast is None or type(value) in fast or value is UNDEFINED:
                    continue
                segment, child = by_key[key]
                result = child(value, ptr + segment, errs)
                if result is not value and (result := _stored(value, result)) is not value:
                    if changes is None:
                        changes = []
                    changes.append((key, result))
            if len(errs) != mark:
                del errs[mark:]
                return in_field_order(data, copy, ptr, errs)
            if changes:
                if copy is None:
                    copy = dict(data)
                    if errs:
                        _retarget(errs, data, copy)
                    data = copy
                for key, result in changes:
                    copy[key] = result
            return data

        def without_unknown(data: dict[str, Any], errs: list[_Err]) -> dict[str, Any]:
            copy = dict(data)
            for key in data.keys() - declared:
                del copy[key]
            if errs:
                _retarget(errs, data, copy)
            return copy

        if all_errors and max_props is None and min_props is None and extra_node is None:
            # The shape every field schema has.
            def common_object_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
                for key in required:
                    if data.get(key, UNDEFINED) is UNDEFINED:
                        errs.append(("required", ptr, schema, key, data))
                if remove_unknown and not declared.issuperset(data):
                    data = without_unknown(data, errs)
                    return in_payload_order(data, data, ptr, errs)
                return in_payload_order(data, None, ptr, errs)

            return [common_object_step]

        def object_step(data: Any, ptr: str, errs: list[_Err]) -> Any:
            if max_props is not None and len(data) > max_props:
                errs.append(("maxProperties", ptr, schema, max_props, data))
                if not all_errors:
                    return data
            if min_props is not None and len(data) < min_props:
                errs.append(("minProperties", ptr, schema, min_props, data))
                if not all_errors:
                    return data
            for key in required:
                if data.get(key, UNDEFINED) is UNDEFINED:
                    errs.append(("required", ptr, schema, key, data))
                    if not all_errors:
                        return data
            copy: dict[str, Any] | None = None
            if remove_unknown and not declared.issuperset(data):
                data = copy = without_unknown(data, errs)
            elif extra_node is not None:
                for key in [k for k in data if k not in declared]:
                    before = len(errs)
                    value = data[key]
                    result = extra_node(value, ptr + _pointer_segment(key), errs)
                    if result is not value and (result := _stored(value, result)) is not value:
                        if copy is None:
                            copy = dict(data)
                            if errs:
                                _retarget(errs, data, copy)
                            data = copy
                        copy[key] = result
                    if not all_errors and len(errs) != before:
                        return data
            if all_errors:
                return in_payload_order(data, copy, ptr, errs)
            return in_field_order(data, copy, ptr, errs)

        return [object_step]


def _retarget(errs: list[_Err], old: dict[str, Any], new: dict[str, Any]) -> None:
    """Point property-count errors about ``old`` at its pruned copy.

    ajv prunes objects in place and writes messages afterwards, so "it has N" counts what is
    left once every keyword has run.
    """
    for index, error in enumerate(errs):
        if error[4] is old and error[0] in ("minProperties", "maxProperties"):
            errs[index] = (*error[:4], new)


def _is_multiple(data: Any, divisor: Any) -> bool:
    # ajv: `res = data / divisor; res === parseInt(res)` (parseInt reads the printed number).
    try:
        quotient = data / divisor
    except ZeroDivisionError:
        return False
    text = number_to_string(quotient)
    match = re.match(r"[+-]?\d+", text)
    return match is not None and float(int(match.group())) == quotient


# =============================================================================================
# Human messages (ajv-human-errors 2.16, fieldLabels "title")
# =============================================================================================

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
    if _is_array(value):
        return "an array"
    kind = "function" if callable(value) else type_name(value)
    if kind == "undefined":
        return kind
    return f"{_article(kind)} {kind}"


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _plural(word: str, count: Any) -> str:
    return word if count == 1 and not isinstance(count, bool) else f"{word}s"


def _capitalize(text: str) -> str:
    # JavaScript upper-cases the first UTF-16 unit; a surrogate has no upper case.
    if not text or ord(text[0]) > 0xFFFF:
        return text
    return text[0].upper() + text[1:]


def _describe(error: _Err) -> str:
    keyword, ptr, schema, params, data = error
    title = schema.get("title") if isinstance(schema, Mapping) else None
    if _js_truthy(title):
        subject = to_string(title)
    else:
        subject = "the root value" if ptr == "" else f"the value at {ptr}"
    custom = schema.get("errorMessage") if isinstance(schema, Mapping) else None
    if _js_truthy(custom):
        return f"{subject} {to_string(custom)}"

    if keyword == "enum":
        allowed = _humanize_list([json_stringify(v) or "undefined" for v in params], "or")
        return f"{subject} must be one of: {allowed}"
    if keyword == "type":
        declared = schema.get("type")
        if isinstance(declared, _ARRAYS):
            names = [to_string(t) for t in declared]
            # ajv appends "null" for `nullable` to the schema's own type array (not to a string).
            if schema.get("nullable") is True and "null" not in names:
                names.append("null")
        else:
            names = to_string(declared).split(",")
        expected = _humanize_list(names, "or")
        return f"{subject} must be {_article(expected)} {expected} but it was {_humanize_type_of(data)}"
    if keyword in ("minLength", "maxLength"):
        actual = _utf16_length(data)
        bound = "more" if keyword == "minLength" else "fewer"
        return (
            f"{subject} must be {to_string(params)} {_plural('character', params)} or {bound} "
            f"but it was {actual} {_plural('character', actual)}"
        )
    if keyword == "pattern":
        label = schema.get("patternLabel")
        return (
            f"{subject} must be {to_string(label)} but it was not"
            if _js_truthy(label)
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


def _field_errors(errors: Iterable[_Err]) -> list[FieldError]:
    return [FieldError(_json_path(e[1]), e[1], _capitalize(_describe(e)) + ".") for e in errors]


# =============================================================================================
# Public validator
# =============================================================================================


class PayloadValidator:
    """A field set compiled for validating payloads the way the reference does.

    >>> from actions import Field
    >>> v = PayloadValidator({"n": Field(label="Count", type="integer", required=True)})
    >>> v.validate({"n": "3", "junk": 1})
    {'n': 3}
    >>> v.clean({"n": ""})
    Traceback (most recent call last):
    ...
    actions._errors.SchemaValidationError: The root value is missing the required field 'n'.

    ``validate`` is the reference's ``validateSchema`` (coerce, prune, check); ``clean`` is the
    whole step after mapping: ``removeEmptyValues`` and then ``validate``. Neither modifies its
    argument; both raise :class:`~actions._errors.SchemaValidationError` with every problem.
    """

    __slots__ = (
        "_array_keys",
        "_dict_cleaners",
        "_drop_empty",
        "_drop_null",
        "_list_cleaners",
        "_root",
        "schema",
    )

    def __init__(self, fields: Mapping[str, Field]) -> None:
        self._setup(fields_to_json_schema(fields))

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> PayloadValidator:
        """Compile a JSON Schema directly (the subset of keywords ajv applies to field schemas)."""
        validator = cls.__new__(cls)
        validator._setup(dict(schema))
        return validator

    def _setup(self, schema: dict[str, Any]) -> None:
        from ._errors import ConfigurationError

        self.schema = schema
        compiler = _Compiler()
        try:
            self._root = compiler.node(schema, True)
        except (ValueError, re.error) as exc:
            raise ConfigurationError(f"invalid payload schema: {exc}") from exc
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        properties = properties if isinstance(properties, Mapping) else {}
        # Top-level array fields get non-array values wrapped before validation (arrifyFields),
        # objects included, which ajv's own coercion would not do.
        self._array_keys = frozenset(
            k for k, s in properties.items() if isinstance(s, Mapping) and s.get("type") == "array"
        )
        # Root keys' empty-value removal, precompiled (None when the root is not a typed object
        # with properties; then the generic function does it).
        self._dict_cleaners: dict[str, Callable[[Any], Any]] | None = None
        self._list_cleaners: dict[str, Callable[[Any], Any]] = {}
        self._drop_empty: frozenset[str] = frozenset()
        self._drop_null: frozenset[str] = frozenset()
        if _is_typed(schema) and isinstance(schema.get("properties"), Mapping):
            cache: dict[int, Callable[[Any], Any]] = {}
            self._dict_cleaners = {
                key: cleaner
                for key, sub in properties.items()
                if (cleaner := _dict_cleaner(sub, cache)) is not None
            }
            self._list_cleaners = {
                key: cleaner
                for key, sub in properties.items()
                if (cleaner := _list_cleaner(sub, cache)) is not None
            }
            typed = {key: _type_list(sub) for key, sub in properties.items() if _is_typed(sub)}
            self._drop_empty = frozenset(key for key, types in typed.items() if "string" not in types)
            self._drop_null = frozenset(key for key, types in typed.items() if "null" not in types)

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Coerce, prune and check ``payload``; return the result (a new object).

        Raises:
            SchemaValidationError: one :class:`~actions._errors.FieldError` per problem, in the
                reference's order.
        """
        result = self._run(self._arrify(payload))
        return dict(result) if result is payload else result

    def clean(self, payload: Mapping[str, Any], is_root: bool = True) -> dict[str, Any]:
        """``remove_empty_values`` then :meth:`validate`: what runs on every mapped event.

        ``is_root=False`` keeps top-level ``""`` values, as the reference's batch path does.
        """
        cleaned = self._remove_empty(payload, is_root)
        result = self._run(self._arrify(cleaned))
        return dict(result) if result is payload else result

    def errors(self, payload: Mapping[str, Any]) -> list[FieldError]:
        """The problems :meth:`validate` would raise, without raising (empty when valid)."""
        try:
            self.validate(payload)
        except SchemaValidationError as exc:
            return exc.errors
        return []

    # --- internals -------------------------------------------------------------------------

    def _run(self, data: Any) -> Any:
        errs: list[_Err] = []
        result = _stored(data, self._root(data, "", errs))
        if errs:
            raise SchemaValidationError(_field_errors(errs))
        return result

    def _arrify(self, payload: Any) -> Any:
        if not isinstance(payload, dict) or not self._array_keys:
            return payload
        copy: dict[str, Any] | None = None
        for key in self._array_keys.intersection(payload):
            value = payload[key]
            if value is None or value is UNDEFINED or _is_array(value):
                continue
            if copy is None:
                copy = dict(payload)
            copy[key] = [value]
        return payload if copy is None else copy

    def _remove_empty(self, payload: Any, is_root: bool) -> Any:
        dict_cleaners = self._dict_cleaners
        if dict_cleaners is None or not isinstance(payload, dict):
            return remove_empty_values(payload, self.schema, is_root)
        list_cleaners, drop_empty, drop_null = self._list_cleaners, self._drop_empty, self._drop_null
        cleaned: dict[str, Any] = {}
        for key, value in payload.items():
            kind = type(value)
            if kind is str:
                # "" goes at the root, and below it for fields that cannot hold a string.
                if value or (not is_root and key not in drop_empty):
                    cleaned[key] = value
            elif value is None:
                if key not in drop_null:
                    cleaned[key] = value
            elif kind is dict:
                cleaner = dict_cleaners.get(key)
                cleaned[key] = value if cleaner is None else cleaner(value)
            elif kind is list:
                cleaner = list_cleaners.get(key)
                cleaned[key] = value if cleaner is None else cleaner(value)
            elif kind is bool or kind is int or kind is float:
                cleaned[key] = value  # numbers and booleans are never empty
            elif value is not UNDEFINED:
                if isinstance(value, (str, *_CONTAINERS)):  # subclasses: the general rules
                    value = remove_empty_values(value, self.schema["properties"].get(key))
                    if value is UNDEFINED or (is_root and isinstance(value, str) and value == ""):
                        continue
                cleaned[key] = value
        return cleaned


# --- settings --------------------------------------------------------------------------------

_EXEMPT_SETTINGS: Final = ("dynamicAuthSettings",)
_SETTINGS_CACHE: OrderedDict[int, tuple[Mapping[str, Field], PayloadValidator]] = OrderedDict()
_SETTINGS_CACHE_SIZE: Final = 64


def _settings_validator(fields: Mapping[str, Field]) -> PayloadValidator:
    entry = _SETTINGS_CACHE.get(id(fields))
    if entry is not None and entry[0] is fields:
        _SETTINGS_CACHE.move_to_end(id(fields))
        return entry[1]
    validator = PayloadValidator(fields)
    _SETTINGS_CACHE[id(fields)] = (fields, validator)
    if len(_SETTINGS_CACHE) > _SETTINGS_CACHE_SIZE:
        _SETTINGS_CACHE.popitem(last=False)
    return validator


def validate_settings(fields: Mapping[str, Field], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate destination settings against their fields, as the reference does on every run.

    Same machinery as payloads (coercion, unknown settings dropped) without empty-value removal;
    ``dynamicAuthSettings`` is exempt and passed through unchanged.

    Raises:
        SettingsValidationError: one :class:`~actions._errors.FieldError` per problem.
    """
    validator = _settings_validator(fields)
    exempt = {key: raw[key] for key in _EXEMPT_SETTINGS if key in raw and raw[key] is not UNDEFINED}
    try:
        result = validator.validate(dict(raw))
    except SchemaValidationError as exc:
        raise SettingsValidationError(exc.errors) from None
    result.update(exempt)
    return result


# --- the datetime check on its own -----------------------------------------------------------

_DATETIME_NODE: Final = _Compiler().node({"type": ["string", "number"], "format": "date-like"}, True)


def datetime_value_is_valid(value: Any) -> bool:
    """Whether a ``datetime`` field accepts ``value`` (after the validator's coercions)."""
    errs: list[_Err] = []
    _DATETIME_NODE(value, "", errs)
    return not errs

"""Static validation of a mapping: every problem, with the reference's path-prefixed messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from actions.js import UNDEFINED, object_keys, type_name

from .._errors import MappingError

__all__ = ["check_mapping", "is_directive", "type_or_directive"]

Stack = tuple[str, ...]
Validator = Callable[[Any, Stack], None]


class _Problem(Exception):
    """One validation failure; its text is ``/<stack> <message>.``."""

    def __init__(self, message: str, stack: Stack) -> None:
        super().__init__(f"/{'/'.join(stack)} {message}.")
        self.text = f"/{'/'.join(stack)} {message}."


class _Problems(Exception):
    """Several failures collected while walking an object (the reference's AggregateError)."""

    def __init__(self, problems: list[_Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def _flatten(errors: list[_Problem | _Problems]) -> list[_Problem]:
    flat: list[_Problem] = []
    for error in errors:
        if isinstance(error, _Problems):
            flat.extend(error.problems)
        else:
            flat.append(error)
    return flat


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) else str(key)


def is_directive(value: Any) -> bool:
    """An object with an ``@`` key whose other keys are all ``@…`` or ``_metadata``."""
    if not isinstance(value, dict) or not value:
        return False
    has_directive = False
    for key in value:
        text = _key_text(key)
        if text.startswith("@"):
            has_directive = True
        elif text != "_metadata":
            return False
    return has_directive


def type_or_directive(value: Any) -> str:
    """The type word used in messages; objects with any ``@`` key are called ``directive``."""
    kind = type_name(value)
    if kind == "object" and isinstance(value, dict) and any(_key_text(k).startswith("@") for k in value):
        return "directive"
    return kind


def _article(word: str) -> str:
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def _a(word: str) -> str:
    return f"{_article(word)} {word}"


def _validate_directive(obj: Any, stack: Stack) -> None:
    if not isinstance(obj, dict):
        kind = type_name(obj)
        raise _Problem(f"should be a directive object but it is {_a(kind)}", stack)
    keys = [_key_text(k) for k in obj]
    directive_keys = [k for k in keys if k.startswith("@")]
    if len(directive_keys) > 1:
        raise _Problem(f"should only have one @-prefixed key but it has {len(directive_keys)} keys", stack)
    if any(not k.startswith("@") and k != "_metadata" for k in keys):
        raise _Problem(f"should only have one @-prefixed key but it has {len(keys)} keys", stack)
    name = directive_keys[0]
    validator = _DIRECTIVES.get(name)
    if validator is None:
        raise _Problem(f"has an invalid directive: {name}", stack)
    validator(_directive_value(obj, name), (*stack, name))


def _directive_value(obj: dict[Any, Any], name: str) -> Any:
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if _key_text(key) == name:
            return value
    return UNDEFINED


def _directive_or_raw(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind not in ("object", "array", "boolean", "string", "number", "null"):
        raise _Problem(f"should be a mapping directive or a JSON value but it is {_a(kind)}", stack)


def _directive_or_string(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind != "string":
        raise _Problem(f"should be a string or a mapping directive but it is {_a(kind)}", stack)


def _directive_or_object(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind == "object":
        _validate_object(value, stack)
    else:
        raise _Problem(f"should be a object or a mapping directive but it is {_a(kind)}", stack)


def _string(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind != "string":
        raise _Problem(f"should be a string but it is {_a(kind)}", stack)


def _string_length(low: int, high: int) -> Validator:
    def check(value: Any, stack: Stack) -> None:
        _string(value, stack)
        size = _js_length(value)
        if size < low:
            raise _Problem(f"should be a string of length {low} or greater", stack)
        if size > high:
            raise _Problem(f"should be a string of length {high} or less", stack)

    return check


def _js_length(text: str) -> int:
    from actions.js import utf16_len

    return utf16_len(text)


def _one_of(*allowed: str) -> Validator:
    def check(value: Any, stack: Stack) -> None:
        _string(value, stack)
        if value.lower() not in allowed:
            from actions.js import json_stringify

            raise _Problem(f"should be one of {', '.join(allowed)} but it is {json_stringify(value)}", stack)

    return check


def _boolean(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind != "boolean":
        raise _Problem(f"should be a boolean but it is {_a(kind)}", stack)


def _array(value: Any, stack: Stack) -> None:
    kind = type_name(value)
    if kind != "array":
        raise _Problem(f"should be an array but it is {_a(kind)}", stack)


def _validate_object(value: Any, stack: Stack) -> None:
    kind = type_or_directive(value)
    if kind != "object":
        raise _Problem(f"should be an object but it is {_a(kind)}", stack)
    errors: list[_Problem | _Problems] = []
    # Python objects that are not dicts (JavaScript would see class instances) have no keys.
    # JavaScript walks integer-like keys first, so problems are reported in that order.
    items = [(key, value[key]) for key in object_keys(value)] if isinstance(value, dict) else ()
    for key, item in items:
        try:
            _validate(item, (*stack, _key_text(key)))
        except (_Problem, _Problems) as error:
            errors.append(error)
    if errors:
        raise _Problems(_flatten(errors))


_Fields = dict[str, tuple[bool, Validator]]


def _object_with_fields(value: Any, fields: _Fields, stack: Stack) -> None:
    _validate_object(value, stack)
    errors: list[_Problem | _Problems] = []
    for name, (required, check) in fields.items():
        try:
            present = isinstance(value, dict) and name in value and value[name] is not UNDEFINED
            if required and not present:
                raise _Problem(f'should have field "{name}" but it doesn\'t', stack)
            if present:
                check(value[name], (*stack, name))
        except (_Problem, _Problems) as error:
            errors.append(error)
    if errors:
        raise _Problems(_flatten(errors))


def _if(value: Any, stack: Stack) -> None:
    _object_with_fields(
        value,
        {
            "exists": (False, _directive_or_raw),
            "then": (False, _directive_or_raw),
            "else": (False, _directive_or_raw),
        },
        stack,
    )


def _case(value: Any, stack: Stack) -> None:
    _object_with_fields(value, {"operator": (False, _string), "value": (False, _directive_or_string)}, stack)


def _replace(value: Any, stack: Stack) -> None:
    _object_with_fields(
        value,
        {
            "pattern": (True, _string_length(1, 10)),
            "replacement": (False, _string_length(0, 10)),
            "value": (True, _directive_or_string),
            "ignorecase": (False, _boolean),
            "global": (False, _boolean),
        },
        stack,
    )


def _array_path(value: Any, stack: Stack) -> None:
    _array(value, stack)
    _directive_or_string(value[0] if len(value) > 0 else UNDEFINED, stack)
    _validate(value[1] if len(value) > 1 else UNDEFINED, stack)


def _json(value: Any, stack: Stack) -> None:
    _object_with_fields(
        value, {"value": (True, _directive_or_raw), "mode": (True, _one_of("encode", "decode"))}, stack
    )


def _flatten_directive(value: Any, stack: Stack) -> None:
    _object_with_fields(value, {"separator": (False, _string), "value": (True, _directive_or_raw)}, stack)


def _merge(value: Any, stack: Stack) -> None:
    _object_with_fields(
        value, {"direction": (False, _one_of("left", "right")), "objects": (True, _array)}, stack
    )
    # The reference checks each entry without the stack, so these messages start with "/ ".
    for item in value["objects"]:
        _directive_or_object(item, ())


def _transform(value: Any, stack: Stack) -> None:
    _object_with_fields(
        value, {"apply": (True, _directive_or_object), "mapping": (True, _directive_or_object)}, stack
    )


_DIRECTIVES: Final[dict[str, Validator]] = {
    "@if": _if,
    "@case": _case,
    "@replace": _replace,
    "@arrayPath": _array_path,
    "@path": _directive_or_string,
    "@json": _json,
    "@flatten": _flatten_directive,
    "@merge": _merge,
    "@template": _directive_or_string,
    "@literal": _directive_or_raw,
    "@transform": _transform,
    "@excludeWhenNull": _directive_or_raw,
    "@liquid": _string,
}


def _validate(mapping: Any, stack: Stack) -> None:
    kind = type_or_directive(mapping)
    if kind == "directive":
        _validate_directive(mapping, stack)
    elif kind == "object":
        _validate_object(mapping, stack)
    # Arrays are only checked to be arrays: directives inside them are not validated.


def check_mapping(mapping: Any) -> None:
    """Raise :class:`MappingError` listing every problem in ``mapping``, or return.

    One problem found outside any object walk is reported as ``ValidationError``; problems
    collected while walking objects (even a single one) as ``AggregateError``.
    """
    try:
        _validate(mapping, ())
    except _Problem as problem:
        raise MappingError([problem.text], kind="ValidationError") from None
    except _Problems as problems:
        raise MappingError([p.text for p in problems.problems], kind="AggregateError") from None

"""One builder per ``@directive``: each turns the directive's argument into a resolver closure.

Builders never fail: a malformed argument (possible where the validator does not look, such
as inside raw arrays) becomes a resolver that raises the reference's run-time error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from actions.js import (
    UNDEFINED,
    json_stringify,
    object_keys,
    to_string,
    to_utf16_units,
    truthy,
    type_name,
    typeof,
    utf16_len,
)

from .._errors import MappingError
from ._jsops import MISSING, js_literal_replace, js_loose_not_empty
from ._nodes import Compiler, Node, constant, raiser, undefined_node
from ._paths import cached_path_getter, path_getter
from ._template import compile_template

__all__ = ["BUILDERS", "Builder"]

Builder = Callable[[Any, Compiler], Node]

_MAX_PATTERN: Final = 10
_MAX_REPLACEMENT: Final = 10


def _opt(options: dict[str, Any], key: str) -> Any:
    value = options.get(key, MISSING)
    return MISSING if value is UNDEFINED else value


def _fail(message: str) -> MappingError:
    return MappingError(message, kind="Error")


# --- @path, @template, @literal ------------------------------------------------------------


def build_path(argument: Any, compiler: Compiler) -> Node:
    if type(argument) is str:
        return Node(path_getter(argument), False)
    inner = compiler.node(argument).fn

    def dynamic_path(payload: Any) -> Any:
        path = inner(payload)
        if type(path) is not str:
            raise _fail(f"@path: expected string, got {type_name(path)}")
        return cached_path_getter(path)(payload)

    return Node(dynamic_path, False)


def build_template(argument: Any, compiler: Compiler) -> Node:
    if type(argument) is str:
        return Node(compile_template(argument), True)
    inner = compiler.node(argument).fn

    def dynamic_template(payload: Any) -> Any:
        template = inner(payload)
        if type(template) is not str:
            raise _fail(f"@template: expected string, got {type_name(template)}")
        return compile_template(template)(payload)

    return Node(dynamic_template, True)


def build_literal(argument: Any, compiler: Compiler) -> Node:
    return compiler.node(argument)


# --- @if -------------------------------------------------------------------------------------


def _same_static_path(first: Any, second: Any) -> bool:
    return (
        type(first) is dict
        and type(second) is dict
        and len(first) == 1
        and len(second) == 1
        and type(first.get("@path")) is str
        and first.get("@path") == second.get("@path")
    )


def build_if(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@if requires an object with an "exists" key')
    exists = _opt(options, "exists")
    blank = _opt(options, "blank")
    if not truthy(exists) and not truthy(blank):
        return raiser('@if requires an "exists" key or a "blank" key')
    by_exists = exists is not MISSING
    condition = compiler.node(exists if by_exists else blank).fn
    then_raw = _opt(options, "then")
    else_raw = _opt(options, "else")
    then_node = compiler.node(then_raw) if then_raw is not MISSING else None
    # A falsy "else" (false, 0, "", null) is ignored by the reference.
    else_node = compiler.node(else_raw) if truthy(else_raw) else None
    fresh = (then_node is None or then_node.fresh) and (else_node is None or else_node.fresh)
    then_fn = then_node.fn if then_node else None
    else_fn = else_node.fn if else_node else None
    missing = UNDEFINED

    if by_exists and then_node is not None and _same_static_path(exists, then_raw):
        # "exists: X, then: X" (the usual default): look the path up once.
        if else_fn is None:

            def if_exists_same(payload: Any) -> Any:
                value = condition(payload)
                return value if value is not missing and value is not None else missing

            return Node(if_exists_same, False)
        otherwise = else_fn

        def if_exists_same_else(payload: Any) -> Any:
            value = condition(payload)
            if value is not missing and value is not None:
                return value
            return otherwise(payload)

        return Node(if_exists_same_else, False)

    def if_directive(payload: Any) -> Any:
        value = condition(payload)
        if by_exists:
            holds = value is not missing and value is not None
        else:
            holds = value is not missing and value is not None and js_loose_not_empty(value)
        if holds:
            return then_fn(payload) if then_fn is not None else missing
        return else_fn(payload) if else_fn is not None else missing

    return Node(if_directive, fresh)


# --- @case -----------------------------------------------------------------------------------


def build_case(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@case requires an object with a "operator" key')
    operator = _opt(options, "operator")
    if not truthy(operator):
        return raiser('@case requires a "operator" key')
    raw_value = _opt(options, "value")
    if not truthy(raw_value):
        return undefined_node()
    value_fn = compiler.node(raw_value).fn

    def case(payload: Any) -> Any:
        value = value_fn(payload)
        if type(value) is str:
            if operator == "lower":
                return value.lower()
            if operator == "upper":
                return value.upper()
            raise _fail('operator key should have a value of "lower" or "upper"')
        return value

    return Node(case, False)


# --- @replace --------------------------------------------------------------------------------


def _length_problem(pattern: str, replacement: str) -> str | None:
    if utf16_len(pattern) > _MAX_PATTERN:
        return f'@replace requires a "pattern" less than {_MAX_PATTERN} characters'
    if utf16_len(replacement) > _MAX_REPLACEMENT:
        return f'@replace requires a "replacement" less than {_MAX_REPLACEMENT} characters'
    return None


def build_replace(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@replace requires an object with a "pattern" key')
    pattern = _opt(options, "pattern")
    if not truthy(pattern):
        return raiser('@replace requires a "pattern" key')
    replacement = _opt(options, "replacement")
    if replacement is MISSING or replacement is None:
        replacement = ""
    pattern2 = _opt(options, "pattern2")
    replacement2 = _opt(options, "replacement2")
    if truthy(pattern2) and (replacement2 is MISSING or replacement2 is None):
        replacement2 = ""
    ignorecase = _opt(options, "ignorecase")
    if ignorecase is MISSING or ignorecase is None:
        ignorecase = False
    global_ = _opt(options, "global")
    if global_ is MISSING or global_ is None:
        global_ = True
    raw_value = _opt(options, "value")
    if not truthy(raw_value):
        return undefined_node()
    value_fn = compiler.node(raw_value).fn
    usable = (
        type(pattern) is str
        and type(replacement) is str
        and type(ignorecase) is bool
        and type(global_) is bool
    )
    if not usable:
        # The reference still resolves the value, then returns an empty string.
        return Node(lambda payload: (value_fn(payload), "")[1], True)
    first_problem = _length_problem(pattern, replacement)
    second = truthy(pattern2) and type(pattern2) is str and type(replacement2) is str
    second_problem = _length_problem(pattern2, replacement2) if second else None

    def replace(payload: Any) -> Any:
        value = value_fn(payload)
        kind = type(value)
        if kind is bool or kind is int or kind is float:
            value = to_string(value)
        elif kind is not str:
            return ""
        if first_problem:
            raise _fail(first_problem)
        result = js_literal_replace(value, pattern, replacement, global_=global_, ignorecase=ignorecase)
        if second:
            if second_problem:
                raise _fail(second_problem)
            result = js_literal_replace(
                result, pattern2, replacement2, global_=global_, ignorecase=ignorecase
            )
        return result

    return Node(replace, True)


# --- @arrayPath ------------------------------------------------------------------------------


def build_array_path(data: Any, compiler: Compiler) -> Node:
    if type(data) is not list and type(data) is not tuple:
        return raiser(f"@arrayPath expected array, got {type_name(data)}")
    path = data[0] if len(data) > 0 else UNDEFINED
    shape = data[1] if len(data) > 1 else UNDEFINED
    root_fn = path_getter(path) if type(path) is str else compiler.node(path).fn
    if type(shape) is not dict or not shape:
        return Node(root_fn, False)
    item_fn = compiler.node(shape).fn

    def array_path(payload: Any) -> Any:
        root = root_fn(payload)
        kind = type(root)
        if kind is list or kind is tuple:
            return [item_fn(item) for item in root]
        if kind is dict:
            return [item_fn(root)]
        return root

    return Node(array_path, False)


# --- @json -----------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _js_int(text: str) -> Any:
    if len(text) > 17:
        # Beyond 2**53 anyway, and int() refuses more than 4300 digits: a double, as in JavaScript.
        return float(text)
    number = int(text)
    if number == 0 and text.startswith("-"):
        return -0.0
    return number if -(2**53) <= number <= 2**53 else float(text)


_JSON_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_js_int)


def js_json_parse(text: str) -> Any:
    """``JSON.parse``: NaN/Infinity rejected, integers beyond 2**53 rounded like doubles."""
    return _JSON_DECODER.decode(text)


def build_json(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@json requires an object with a "value" key')
    mode = _opt(options, "mode")
    if not truthy(mode):
        return raiser('@json requires a "mode" key')
    raw_value = _opt(options, "value")
    if not truthy(raw_value):
        return raiser('@json requires a "value" key')
    value_fn = compiler.node(raw_value).fn
    if mode == "encode" and type(mode) is str:

        def encode(payload: Any) -> Any:
            text = json_stringify(value_fn(payload))
            return UNDEFINED if text is None else text

        return Node(encode, True)
    if mode == "decode" and type(mode) is str:

        def decode(payload: Any) -> Any:
            value = value_fn(payload)
            if type(value) is str:
                try:
                    return js_json_parse(value)
                except ValueError:
                    return value
            return value

        return Node(decode, False)
    # Validation accepts "ENCODE", but the run-time comparison is case-sensitive.
    return Node(lambda payload: (value_fn(payload), UNDEFINED)[1], True)


# --- @flatten --------------------------------------------------------------------------------


def _flatten_into(out: dict[str, Any], value: Any, prefix: str, separator: str, keep_arrays: bool) -> None:
    kind = type(value)
    if kind is dict:
        items: Any = ((key, value[key]) for key in object_keys(value))
    elif (kind is list or kind is tuple) and not keep_arrays:
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        out[prefix] = value
        return
    for key, item in items:
        # An empty prefix is falsy in the reference, so it never gets a separator.
        _flatten_into(out, item, f"{prefix}{separator}{key}" if prefix else key, separator, keep_arrays)


def build_flatten(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@flatten requires an object with a "separator" key')
    raw_separator = _opt(options, "separator")
    if not truthy(raw_separator):
        return raiser('@flatten requires a "separator" key')
    separator_fn = compiler.node(raw_separator).fn
    value_fn = compiler.node(_opt(options, "value"), keep_undefined=True).fn
    keep_arrays = truthy(_opt(options, "omitArrays"))
    missing = UNDEFINED

    def flatten(payload: Any) -> Any:
        separator = separator_fn(payload)
        if type(separator) is not str:
            raise _fail("@flatten requires a string separator")
        out: dict[str, Any] = {}
        _flatten_into(out, value_fn(payload), "", separator, keep_arrays)
        return {key: out[key] for key in object_keys(out) if out[key] is not missing}

    return Node(flatten, not keep_arrays)


# --- @merge ----------------------------------------------------------------------------------


def _assign(target: dict[str, Any], source: Any) -> None:
    """``Object.assign(target, source)`` for one JSON source."""
    kind = type(source)
    if kind is dict:
        for key in object_keys(source):
            target[key] = source[key]
    elif kind is list or kind is tuple:
        for index, item in enumerate(source):
            target[str(index)] = item
    elif kind is str:
        for index, unit in enumerate(to_utf16_units(source)):
            target[str(index)] = unit
    elif isinstance(source, dict):
        target.update(source)


def build_merge(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@merge requires an object with an "objects" key and a "direction" key')
    raw_direction = _opt(options, "direction")
    if not truthy(raw_direction):
        return raiser('@merge requires a "direction" key')
    direction_fn = compiler.node(raw_direction).fn
    objects = _opt(options, "objects")
    problem = None
    if not truthy(objects):
        problem = '@merge requires a "objects" key'
    elif type(objects) is not list and type(objects) is not tuple:
        problem = f"@merge: expected opts.array, got {typeof(objects)}"
    if problem is not None:
        message = problem

        def broken_merge(payload: Any) -> Any:
            direction_fn(payload)  # resolved before the reference checks "objects"
            raise _fail(message)

        return Node(broken_merge, True)
    sources = [compiler.node(item, keep_undefined=True).fn for item in objects]
    missing = UNDEFINED

    def merge(payload: Any) -> Any:
        direction = direction_fn(payload)
        values = [source(payload) for source in sources]
        if direction == "left" and type(direction) is str:
            values.reverse()
        out: dict[str, Any] = {}
        for value in values:
            _assign(out, value)
        return {key: out[key] for key in object_keys(out) if out[key] is not missing}

    return Node(merge, False)


# --- @transform ------------------------------------------------------------------------------


def build_transform(options: Any, compiler: Compiler) -> Node:
    if type(options) is not dict:
        return raiser('@transform requires an object with an "apply" key and a "mapping" key')
    raw_mapping = _opt(options, "mapping")
    if not truthy(raw_mapping):
        return raiser('@transform requires a "mapping" key')
    apply = _opt(options, "apply")
    if not truthy(apply):
        return raiser('@transform requires a "apply" key')
    if not isinstance(apply, dict):
        return raiser('@transform "apply" key should be an object')
    try:
        run_apply = compiler.program(apply).run
        deferred: MappingError | None = None
    except MappingError as error:
        # The reference validates "apply" when the directive runs, so the error waits until then.
        deferred = error
        run_apply = _never
    mapping_fn = compiler.node(raw_mapping).fn

    def transform(payload: Any) -> Any:
        if payload is UNDEFINED:
            payload = {}
        elif type(payload) is not dict:
            raise _fail(f"data must be an object, got {type_name(payload)}")
        if deferred is not None:
            raise MappingError(deferred.messages, kind=deferred.kind)
        return mapping_fn(run_apply(payload))

    return Node(transform, False)


def _never(payload: Any) -> Any:
    raise AssertionError("unreachable")  # pragma: no cover


# --- @excludeWhenNull ------------------------------------------------------------------------


def _drop_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _drop_nulls(item) if type(item) is dict else item
        for key, item in value.items()
        if item is not None
    }


def build_exclude_when_null(argument: Any, compiler: Compiler) -> Node:
    inner = compiler.node(argument).fn
    missing = UNDEFINED

    def exclude_when_null(payload: Any) -> Any:
        value = inner(payload)
        if value is None:
            return missing
        if type(value) is dict:
            return _drop_nulls(value)
        return value

    return Node(exclude_when_null, False)


# --- @liquid ---------------------------------------------------------------------------------


def build_liquid(argument: Any, compiler: Compiler) -> Node:
    if type(argument) is not str:
        return raiser("liquid template value must be a string")
    if argument == "":
        return constant("")
    if utf16_len(argument) > 1000:
        return raiser("liquid template values are limited to 1000 characters")
    from .liquid import compile_liquid

    return Node(compile_liquid(argument), True)


BUILDERS: Final[dict[str, Builder]] = {
    "@if": build_if,
    "@case": build_case,
    "@replace": build_replace,
    "@arrayPath": build_array_path,
    "@path": build_path,
    "@template": build_template,
    "@literal": build_literal,
    "@flatten": build_flatten,
    "@json": build_json,
    "@merge": build_merge,
    "@transform": build_transform,
    "@excludeWhenNull": build_exclude_when_null,
    "@liquid": build_liquid,
}

"""``clean`` in one walk of the payload, for the root schema every action's fields produce.

:meth:`PayloadValidator.clean` is three passes over the root object (remove empty values, wrap
array fields, validate and drop unknown keys), each building its own copy. For a root that is
a plain object schema (``type: object``, ``properties``, ``required``, no other rules and no
extra keys allowed) the passes act on each top-level key independently, so one loop does all
three per key, calling the same compiled children as the generic path. Anything unusual (a
value of another type, an error, a missing required field) answers ``None``: the caller then
runs the generic passes, which stay the specification (a property test holds the two equal)
and produce the errors in the reference's order. Children are pure, so running them twice
is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED

from ._compiler import Compiler
from ._containers import _pointer_segment
from ._empty import _dict_cleaner, _is_typed, _list_cleaner, _type_list
from ._messages import RawError
from ._unwrapped import stored
from ._vocabulary import always_valid

__all__ = ["compile_fused_clean"]

FusedClean = Callable[[dict[str, Any], bool], "dict[str, Any] | None"]

# Root keywords the fused walk reproduces; any other keyword means the generic path.
_ROOT_KEYWORDS: Final = frozenset(
    {"$schema", "type", "properties", "required", "additionalProperties", "title", "description"}
)
_SCALARS: Final = (bool, int, float)
_PLAIN: Final = (str, bool, int, type(None), dict, list)


def compile_fused_clean(compiler: Compiler, schema: Any) -> FusedClean | None:
    """The one-walk ``clean`` for ``schema``, or ``None`` when its root is not the plain shape."""
    if not isinstance(schema, dict) or not _ROOT_KEYWORDS.issuperset(schema):
        return None
    properties = schema.get("properties")
    required = schema.get("required", [])
    if (
        schema.get("type") != "object"
        or type(schema.get("type")) is not str
        or schema.get("additionalProperties") is not False
        or type(properties) is not dict
        or not properties
        or not all(type(key) is str and isinstance(sub, Mapping) for key, sub in properties.items())
        or type(required) is not list
        or not all(type(key) is str and key in properties for key in required)
    ):
        return None
    typed = {key: _type_list(sub) for key, sub in properties.items() if _is_typed(sub)}
    drop_empty = frozenset(key for key, types in typed.items() if "string" not in types)
    drop_null = frozenset(key for key, types in typed.items() if "null" not in types)
    cache: dict[int, Any] = {}
    dict_cleaners = {
        key: cleaner for key, sub in properties.items() if (cleaner := _dict_cleaner(sub, cache)) is not None
    }
    list_cleaners = {
        key: cleaner for key, sub in properties.items() if (cleaner := _list_cleaner(sub, cache)) is not None
    }
    array_keys = frozenset(key for key, sub in properties.items() if sub.get("type") == "array")
    # Per validated key: its pointer, the types its node leaves alone, the node (the root's own).
    checks = {
        key: (_pointer_segment(key), compiler.fast_types(sub), compiler.node(sub, True))
        for key, sub in properties.items()
        if not always_valid(sub)
    }
    # A "number" whose node leaves ints alone (no number keywords) leaves finite floats alone too.
    finite_floats = frozenset(
        key for key, (_, fast, _) in checks.items() if int in fast and "number" in typed.get(key, ())
    )
    needed = tuple(required)

    def untouched_types(key: str) -> frozenset[type]:
        """Types a value of ``key`` keeps through all three passes (non-empty, for strings)."""
        fast = checks[key][1] if key in checks else frozenset(_PLAIN)
        kept = {str, bool, int, dict, list}
        if key not in drop_null:
            kept.add(type(None))
        if key in dict_cleaners:
            kept.discard(dict)
        if key in list_cleaners:
            kept.discard(list)
        if key in array_keys:
            kept &= {list, type(None)}  # the rest are wrapped in an array
        return frozenset(kept & fast)

    # Every declared key (unknown keys are removed, whatever their value).
    untouched = {key: untouched_types(key) for key in properties}

    def fused_clean(payload: dict[str, Any], is_root: bool) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        errs: list[RawError] = []
        for key, value in payload.items():
            kind = type(value)
            passing = untouched.get(key)
            if passing is None:
                continue  # additionalProperties false: removed
            if kind in passing and (value or kind is not str):
                out[key] = value  # the usual value: nothing to remove, wrap or check
                continue
            # remove_empty_values at the root (as compile_remover's root loop)
            if kind is str:
                if not value and (is_root or key in drop_empty):
                    continue
            elif value is None:
                if key in drop_null:
                    continue
            elif kind is dict:
                cleaner = dict_cleaners.get(key)
                if cleaner is not None:
                    value = cleaner(value)
            elif kind is list:
                cleaner = list_cleaners.get(key)
                if cleaner is not None:
                    value = cleaner(value)
            elif value is UNDEFINED:
                continue
            elif kind not in _SCALARS:
                return None  # subclasses and foreign values: the generic rules
            if key in array_keys and value is not None and type(value) is not list:
                value = [value]
            check = checks.get(key)
            if (
                check is not None
                and type(value) not in check[1]
                and not (type(value) is float and value - value == 0.0 and key in finite_floats)
            ):
                value = stored(value, check[2](value, check[0], errs))
            out[key] = value
        if errs:
            return None
        for key in needed:
            if key not in out:
                return None
        return out

    return fused_clean

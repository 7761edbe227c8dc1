"""Compiling a mapping into closures once, and the cache of compiled mappings."""

from __future__ import annotations

import marshal
from functools import lru_cache
from typing import Any, Final

import orjson

from actions.js import UNDEFINED, object_keys, spread, to_utf16_units

from .._errors import MappingError
from ._codegen import generate_object
from ._directives import BUILDERS
from ._jsops import MISSING
from ._nodes import NOT_CONSTANT, Node, Program, constant, detach, raiser, undefined_node
from ._validate import check_mapping, is_directive

__all__ = ["ROOT_DIRECTIVE_KEY", "build_program", "cached_program", "prepare_mapping"]

#: A mapping key whose directive transforms the event before the other keys are resolved.
ROOT_DIRECTIVE_KEY: Final = "__segment_internal_directive"

_CACHE_SIZE: Final = 512
_SCALARS: Final = (str, int, float, bool, type(None))


def _directive_name(directive: dict[Any, Any]) -> tuple[str, Any]:
    for key, value in directive.items():
        text = key if isinstance(key, str) else str(key)
        if text.startswith("@"):
            return text, value
    raise AssertionError("not a directive")  # pragma: no cover - callers check is_directive


class _Compiler:
    """Turns mapping values into :class:`Node` closures, mirroring the reference's ``resolve``.

    With ``codegen`` (the default) raw objects become generated functions (:mod:`._codegen`);
    without it they use the generic closure builder, which tests compare against.
    """

    def __init__(self, *, codegen: bool = True) -> None:
        self.codegen = codegen

    def node(self, value: Any, *, keep_undefined: bool = False) -> Node:
        kind = type(value)
        if kind in _SCALARS:
            return constant(value)
        if value is UNDEFINED or value is MISSING:
            return undefined_node()
        if kind is list or kind is tuple:
            return self._array(
                [self.node(item, keep_undefined=keep_undefined) for item in value], keep_undefined
            )
        if isinstance(value, dict):
            if is_directive(value):
                name, argument = _directive_name(value)
                builder = BUILDERS.get(name)
                if builder is None:
                    return raiser(f"{name} is not a valid directive, got undefined")
                return builder(argument, self)
            if self.codegen and not keep_undefined and all(type(key) is str for key in value):
                return Node(generate_object(value, self.node), True)
            items = [
                (key, self.node(value[key], keep_undefined=keep_undefined)) for key in object_keys(value)
            ]
            return self._object(items, keep_undefined)
        # Not a JSON value: pass it through untouched, as the reference would.
        return Node(lambda payload: value, False)

    def program(self, mapping: Any) -> Program:
        return build_program(mapping, codegen=self.codegen)

    @staticmethod
    def _array(nodes: list[Node], keep_undefined: bool) -> Node:
        functions = tuple(node.fn for node in nodes)
        if keep_undefined:
            # As for objects below: the consumer (@merge/@flatten) cleans up, so copy nothing.
            return Node(lambda payload: [fn(payload) for fn in functions], False)
        if all(node.fresh for node in nodes):
            return Node(lambda payload: [fn(payload) for fn in functions], True)
        flags = tuple(node.fresh for node in nodes)

        def array(payload: Any) -> list[Any]:
            out = []
            for fn, fresh in zip(functions, flags, strict=True):
                value = fn(payload)
                out.append(value if fresh else detach(value))
            return out

        return Node(array, True)

    @staticmethod
    def _object(items: list[tuple[Any, Node]], keep_undefined: bool) -> Node:
        # Constant values go into a template dict copied per call; the rest are resolved into
        # their slots, so key order always follows the mapping.
        template: dict[Any, Any] = {}
        resolved: list[tuple[Any, Any, bool]] = []
        for key, node in items:
            if node.const is not NOT_CONSTANT:
                template[key] = node.const
            else:
                template[key] = None
                resolved.append((key, node.fn, node.fresh))
        if not resolved:
            return Node(lambda payload: template.copy(), True)
        missing = UNDEFINED
        slots = tuple(resolved)

        if keep_undefined:
            # Feeds @merge/@flatten, which remove the undefined values themselves; whoever
            # receives their (non-fresh) result copies it, so nothing is copied here.
            def object_keeping_undefined(payload: Any) -> dict[Any, Any]:
                out = template.copy()
                for key, fn, _fresh in slots:
                    out[key] = fn(payload)
                return out

            return Node(object_keeping_undefined, False)

        def object_(payload: Any) -> dict[Any, Any]:
            out = template.copy()
            for key, fn, fresh in slots:
                value = fn(payload)
                if value is missing:
                    del out[key]
                elif fresh:
                    out[key] = value
                else:
                    kind = type(value)
                    out[key] = detach(value) if kind is dict or kind is list or kind is tuple else value
            return out

        return Node(object_, True)


_COMPILERS: Final = {True: _Compiler(codegen=True), False: _Compiler(codegen=False)}


def _own_keys(value: Any) -> list[Any]:
    """``Object.keys(value)`` for a JSON value (throws for null, like JavaScript)."""
    if value is None or value is UNDEFINED:
        raise MappingError("Cannot convert undefined or null to object", kind="TypeError")
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return list(range(len(value)))
    if isinstance(value, str):
        return list(range(len(to_utf16_units(value))))
    return []


def prepare_mapping(mapping: Any) -> Any:
    """The mapping the reference actually resolves (its ``getMappingToProcess``).

    Copies the top level, and for a root directive (``__segment_internal_directive``) injects
    the other keys as that directive's ``mapping``. The caller's mapping is never modified.
    """
    keys = _own_keys(mapping)
    if ROOT_DIRECTIVE_KEY not in keys or not isinstance(mapping, dict):
        return spread(mapping)
    customer = {key: value for key, value in mapping.items() if key != ROOT_DIRECTIVE_KEY}
    container = mapping[ROOT_DIRECTIVE_KEY]
    container_keys = _own_keys(container)
    if len(container_keys) > 1:
        raise MappingError("The root mapping must only have a single directive object")
    if not container_keys:
        raise MappingError("The root directive must be an object")
    slot = container_keys[0]
    directive = container[slot] if not isinstance(container, str) else to_utf16_units(container)[slot]
    if directive is None or not isinstance(directive, dict | list | tuple):
        raise MappingError("The root directive must be an object")
    if not isinstance(directive, dict):
        # JavaScript sets a non-index property on the array: invisible to everything after.
        return container
    injected = dict(directive)
    injected["mapping"] = customer
    if isinstance(container, dict):
        return {key: (injected if key == slot else value) for key, value in container.items()}
    replaced = list(container)
    replaced[slot] = injected
    return replaced


def build_program(mapping: Any, *, codegen: bool = True) -> Program:
    """Prepare, validate and compile ``mapping`` (raises :class:`MappingError`)."""
    prepared = prepare_mapping(mapping)
    check_mapping(prepared)
    node = _COMPILERS[codegen].node(prepared)
    fn = node.fn
    if node.fresh:
        return Program(fn)

    def run(payload: Any) -> Any:
        return detach(fn(payload))

    return Program(run)


@lru_cache(maxsize=_CACHE_SIZE)
def _program_from_key(key: bytes) -> Program:
    # Compile from the cached snapshot, never from the caller's (mutable) mapping.
    return build_program(marshal.loads(key))


#: The last JSON-keyed mapping and its program (one tuple, so a reader never sees half of it).
_LAST: list[tuple[bytes, Program | None]] = [(b"", None)]


@lru_cache(maxsize=_CACHE_SIZE)
def _program_from_json(key: bytes) -> Program:
    return build_program(orjson.loads(key))


def cached_program(mapping: Any) -> Program:
    """The compiled program for ``mapping``, from a bounded LRU cache keyed on its value.

    The key is a snapshot of the mapping that preserves key order and tells ``1``, ``1.0`` and
    ``True`` apart. ``transform`` computes it on every call, so the usual mapping (plain JSON)
    is keyed by its orjson text, twice as fast as ``marshal``; ``marshal`` covers the rest:
    non-JSON values, dict and str subclasses, and any ``null`` in the text (orjson writes NaN
    and infinities as ``null`` too). Mappings neither can encode are compiled without caching.
    """
    try:
        text = orjson.dumps(mapping, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
    except TypeError:
        pass
    else:
        if b"null" not in text:
            # The same mapping again (the usual case): compared, not hashed and looked up.
            last_text, last_program = _LAST[0]
            if text == last_text and last_program is not None:
                return last_program
            program = _program_from_json(text)
            _LAST[0] = (text, program)
            return program
    try:
        key = marshal.dumps(mapping)
    except ValueError:
        return build_program(mapping)
    return _program_from_key(key)


def clear_cache() -> None:
    """Forget every compiled mapping."""
    _program_from_key.cache_clear()
    _program_from_json.cache_clear()
    _LAST[0] = (b"", None)

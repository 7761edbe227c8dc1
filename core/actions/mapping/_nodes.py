"""The compiled form of a mapping: resolver closures, and the value copying they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NamedTuple, Protocol

from actions.js import UNDEFINED

from .._errors import MappingError

__all__ = [
    "NOT_CONSTANT",
    "Compiler",
    "Node",
    "Program",
    "Resolver",
    "constant",
    "detach",
    "raiser",
]

#: Resolves one mapping node against a payload; may return ``UNDEFINED``.
Resolver = Callable[[Any], Any]


class _NotConstant:
    def __repr__(self) -> str:
        return "NOT_CONSTANT"


#: Marks a node whose value is only known at run time.
NOT_CONSTANT: Final = _NotConstant()


class Node(NamedTuple):
    """A compiled mapping node.

    ``fresh`` means every value ``fn`` returns is newly built (no references into the payload
    or into other results) and holds no ``UNDEFINED`` object values, so it can be placed in the
    output as it is. ``const`` is the value itself when it is an immutable constant.
    """

    fn: Resolver
    fresh: bool
    const: Any = NOT_CONSTANT


class Program(NamedTuple):
    """A validated, compiled mapping. ``run(payload)`` resolves it and removes undefined values."""

    run: Resolver


class Compiler(Protocol):
    """What directive builders may ask of the compiler."""

    def node(self, value: Any, *, keep_undefined: bool = False) -> Node:
        """Compile a nested mapping value."""

    def program(self, mapping: Any) -> Program:
        """Prepare, validate and compile a whole mapping (``@transform``'s ``apply``)."""


def constant(value: Any) -> Node:
    """A node that always yields ``value`` (an immutable JSON scalar)."""
    return Node(lambda payload: value, True, value)


_UNDEFINED_NODE: Final = Node(lambda payload: UNDEFINED, True)


def undefined_node() -> Node:
    """A node that always yields ``UNDEFINED``."""
    return _UNDEFINED_NODE


def raiser(message: str, kind: str = "Error") -> Node:
    """A node that fails with the reference's run-time error whenever it is resolved."""

    def fail(payload: Any) -> Any:
        raise MappingError(message, kind=kind)

    return Node(fail, True)


_NESTED: Final = frozenset({dict, list, tuple})


def detach(value: Any) -> Any:
    """Deep-copy objects and arrays, dropping ``UNDEFINED`` object values (the reference's removeUndefined).

    ``UNDEFINED`` array items stay, as JavaScript keeps them in arrays.
    """
    kind = type(value)
    if kind is dict:
        for item in value.values():
            if type(item) in _NESTED or item is UNDEFINED:
                break
        else:
            return value.copy()  # flat and nothing undefined (most properties and traits)
        out = {}
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is dict or item_kind is list or item_kind is tuple:
                out[key] = detach(item)
            elif item is not UNDEFINED:
                out[key] = item
        return out
    if kind is list or kind is tuple:
        return [detach(item) for item in value]
    if isinstance(value, dict):
        return detach(dict(value))
    return value

"""The state ajv leaves a location in after unwrapping a one-element array it could not coerce."""

from __future__ import annotations

from typing import Any

__all__ = ["Split", "follow", "rewrap", "stored"]


class Split:
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


def follow(data: Any, out: Any, split: bool, result: Any) -> tuple[Any, Any, bool]:
    """Thread a same-location step's result: (visible value, parent's value, whether they differ)."""
    if result is data:
        return data, out, split
    if type(result) is Split:
        # The step was given `data`; a container equal to it means "unchanged".
        return result.visible, (out if result.container is data else result.container), True
    if split and type(result) is type(data) and isinstance(result, (dict, list)):
        # ajv changed the unwrapped element in place, inside the array the parent still holds.
        return result, rewrap(out, data, result), True
    return result, result, False


def rewrap(out: Any, element: Any, changed: Any) -> Any:
    if isinstance(out, list) and len(out) == 1 and out[0] is element:
        return [changed]
    return out


def stored(value: Any, result: Any) -> Any:
    """What a parent object or array must hold after validating ``value`` into ``result``."""
    return result.container if type(result) is Split else result


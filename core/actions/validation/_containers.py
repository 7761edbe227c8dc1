"""The keywords that descend into data: an array's ``items``, an object's ``properties`` and their kin.

Children are compiled by the compiler given (the :class:`Compiler` protocol, which
:mod:`._compiler` implements); a changed child is stored in a copy of its container, never in
the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from actions.js import UNDEFINED

from ._keywords import Node, length_steps, unique_step
from ._messages import RawError
from ._types import ARRAYS
from ._unwrapped import stored
from ._vocabulary import always_valid

__all__ = ["Compiler", "array_steps", "object_steps", "quiet_object_tables"]


class Compiler(Protocol):
    """What compiling a container's keywords needs of the compiler (:mod:`._compiler` has it)."""

    def node(self, schema: Any, all_errors: bool) -> Node: ...

    def fast_types(self, schema: Any) -> frozenset[type]: ...


def array_steps(compiler: Compiler, schema: Mapping[str, Any], all_errors: bool) -> list[Node]:
    steps = length_steps(schema, "maxItems", "minItems")
    items = schema.get("items")
    if isinstance(items, ARRAYS):
        raise ValueError("tuple-style items are not supported")
    if items is not None and not always_valid(items):
        steps.append(_items_step(compiler, items, all_errors))
    if schema.get("uniqueItems") is True:  # ajv checks it after the items (so after coercion)
        steps.append(unique_step(schema))
    return steps

def _items_step(compiler: Compiler, items: Any, all_errors: bool) -> Node:
    child = compiler.node(items, all_errors)
    fast = compiler.fast_types(items)

    def items_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
        copy: list[Any] | None = None
        for index, value in enumerate(data):
            if type(value) in fast:
                continue
            before = len(errs)
            result = child(value, f"{ptr}/{index}", errs)
            if result is not value and (result := stored(value, result)) is not value:
                if copy is None:
                    copy = list(data)
                copy[index] = result
            if not all_errors and len(errs) != before:
                break
        if copy is not None:
            return copy
        return data

    return items_step

def object_steps(compiler: Compiler, schema: Mapping[str, Any], all_errors: bool) -> list[Node]:
    max_props = schema.get("maxProperties")
    min_props = schema.get("minProperties")
    required = list(schema.get("required") or ())
    properties: Mapping[str, Any] = schema.get("properties") or {}
    declared = frozenset(properties)
    additional = schema.get("additionalProperties")
    remove_unknown = additional is False  # removeAdditional: true deletes instead of failing
    extra_node = (
        compiler.node(additional, all_errors)
        if additional is not None and additional is not False and not always_valid(additional)
        else None
    )
    plan = [
        (key, _pointer_segment(key), compiler.fast_types(sub), compiler.node(sub, all_errors))
        for key, sub in properties.items()
        if not always_valid(sub)
    ]
    fast_by_key = {key: fast for key, _, fast, _ in plan}
    by_key = {key: (segment, child) for key, segment, _, child in plan}

    def in_field_order(
        data: dict[str, Any], copy: dict[str, Any] | None, ptr: str, errs: list[RawError]
    ) -> Any:
        """The ``properties`` keyword as ajv runs it: field by field, in the fields' order."""
        for key, segment, fast, child in plan:
            value = data.get(key, UNDEFINED)
            if value is UNDEFINED or type(value) in fast:
                continue
            before = len(errs)
            result = child(value, ptr + segment, errs)
            if result is not value and (result := stored(value, result)) is not value:
                if copy is None:
                    data = copy = _copy(data, errs)
                copy[key] = result
            if not all_errors and len(errs) != before:
                break
        return data

    def in_payload_order(
        data: dict[str, Any], copy: dict[str, Any] | None, ptr: str, errs: list[RawError]
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
            if result is not value and (result := stored(value, result)) is not value:
                if changes is None:
                    changes = []
                changes.append((key, result))
        if len(errs) != mark:
            del errs[mark:]
            return in_field_order(data, copy, ptr, errs)
        if changes:
            if copy is None:
                data = copy = _copy(data, errs)
            for key, result in changes:
                copy[key] = result
        return data

    def without_unknown(data: dict[str, Any], errs: list[RawError]) -> dict[str, Any]:
        copy = _copy(data, errs)
        for key in data.keys() - declared:
            del copy[key]
        return copy

    if all_errors and max_props is None and min_props is None and extra_node is None:
        # The shape every field schema has.
        def common_object_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            for key in required:
                if data.get(key, UNDEFINED) is UNDEFINED:
                    errs.append(("required", ptr, schema, key, data))
            if remove_unknown and not declared.issuperset(data):
                data = without_unknown(data, errs)
                return in_payload_order(data, data, ptr, errs)
            return in_payload_order(data, None, ptr, errs)

        return [common_object_step]

    def object_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
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
                if result is not value and (result := stored(value, result)) is not value:
                    if copy is None:
                        data = copy = _copy(data, errs)
                    copy[key] = result
                if not all_errors and len(errs) != before:
                    return data
        if all_errors:
            return in_payload_order(data, copy, ptr, errs)
        return in_field_order(data, copy, ptr, errs)

    return [object_step]


QuietTables = tuple[
    tuple[str, ...], "frozenset[str] | None", dict[str, frozenset[type]], dict[str, frozenset[str]]
]
_CHOICE_KEYWORDS = frozenset({"$schema", "title", "description", "type", "enum"})


def _string_choices(schema: Any) -> frozenset[str] | None:
    """The strings a ``{"type": "string", "enum": [...]}`` schema accepts as they are (else ``None``)."""
    if not isinstance(schema, Mapping) or not _CHOICE_KEYWORDS.issuperset(schema):
        return None
    choices = schema.get("enum")
    if schema.get("type") != "string" or type(schema.get("type")) is not str or type(choices) is not list:
        return None
    return frozenset(choice for choice in choices if type(choice) is str)


def quiet_object_tables(compiler: Compiler, schema: Mapping[str, Any]) -> QuietTables | None:
    """What tells, in one scan, that the common object step leaves an object as it is, error-free.

    ``(required, declared or None when unknown keys stay, fast types by key, string choices by
    key)``, or ``None`` when the object keywords are not the common shape. The object is left as
    it is when every required key is present, no key is unknown (if unknown keys go) and every
    validated value is of one of its fast types or one of its string choices.
    """
    if schema.get("maxProperties") is not None or schema.get("minProperties") is not None:
        return None
    additional = schema.get("additionalProperties")
    if additional is not None and additional is not False and not always_valid(additional):
        return None
    properties: Mapping[str, Any] = schema.get("properties") or {}
    fast_by_key = {key: compiler.fast_types(sub) for key, sub in properties.items() if not always_valid(sub)}
    declared = frozenset(properties) if additional is False else None
    choices = {key: found for key, sub in properties.items() if (found := _string_choices(sub)) is not None}
    return tuple(schema.get("required") or ()), declared, fast_by_key, choices


def _copy(data: dict[str, Any], errs: list[RawError]) -> dict[str, Any]:
    """A copy of ``data`` to change (the caller's object is never changed), errors retargeted."""
    copy = dict(data)
    if errs:
        _retarget(errs, data, copy)
    return copy


def _retarget(errs: list[RawError], old: dict[str, Any], new: dict[str, Any]) -> None:
    """Point property-count errors about ``old`` at its pruned copy.

    ajv prunes objects in place and writes messages afterwards, so "it has N" counts what is
    left once every keyword has run.
    """
    for index, error in enumerate(errs):
        if error[4] is old and error[0] in ("minProperties", "maxProperties"):
            errs[index] = (*error[:4], new)


def _pointer_segment(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")

"""An action's (or settings') fields as the JSON Schema the reference derives (``fieldsToJsonSchema``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._fields import Condition, DependsOn, Field

__all__ = ["fields_to_json_schema"]

_SCHEMA_URI: Final = "http://json-schema.org/schema#"
_MISSING: Final = object()

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



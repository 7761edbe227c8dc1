"""The validator the pipeline runs after mapping: empty-value removal, then coercing validation.

This reproduces what the reference does with a resolved mapping: ``removeEmptyValues`` against
the JSON Schema derived from the action's fields, then ajv (see :mod:`._compiler`) and the human
messages of ``ajv-human-errors`` (``The root value is missing the required field 'event_type'.``).
The caller's payload is never mutated.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED

from .._errors import ConfigurationError, FieldError, SchemaValidationError, SettingsValidationError
from .._fields import Field
from ._compiler import Compiler
from ._empty import compile_remover
from ._fused import FusedClean, compile_fused_clean
from ._messages import RawError, field_errors
from ._schema import fields_to_json_schema
from ._types import is_array
from ._unwrapped import stored

__all__ = ["PayloadValidator", "datetime_value_is_valid", "validate_settings"]


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

    __slots__ = ("_array_keys", "_fused", "_remove_empty", "_root", "schema")

    def __init__(self, fields: Mapping[str, Field]) -> None:
        self._setup(fields_to_json_schema(fields))

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> PayloadValidator:
        """Compile a JSON Schema directly (the subset of keywords ajv applies to field schemas)."""
        validator = cls.__new__(cls)
        validator._setup(dict(schema))
        return validator

    def _setup(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        compiler = Compiler()
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
        self._remove_empty: Callable[[Any, bool], Any] = compile_remover(schema)
        self._fused: FusedClean | None = compile_fused_clean(compiler, schema)

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
        fused = self._fused
        if fused is not None and type(payload) is dict:
            fast = fused(payload, is_root)
            if fast is not None:
                return fast
        return self._clean(payload, is_root)

    def _clean(self, payload: Mapping[str, Any], is_root: bool) -> dict[str, Any]:
        """:meth:`clean` as its three passes: the specification of the fused walk."""
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
        errs: list[RawError] = []
        result = stored(data, self._root(data, "", errs))
        if errs:
            raise SchemaValidationError(field_errors(errs))
        return result

    def _arrify(self, payload: Any) -> Any:
        if not isinstance(payload, dict) or not self._array_keys:
            return payload
        copy: dict[str, Any] | None = None
        for key in self._array_keys.intersection(payload):
            value = payload[key]
            if value is None or value is UNDEFINED or is_array(value):
                continue
            if copy is None:
                copy = dict(payload)
            copy[key] = [value]
        return payload if copy is None else copy


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

_DATETIME_NODE: Final = Compiler().node({"type": ["string", "number"], "format": "date-like"}, True)


def datetime_value_is_valid(value: Any) -> bool:
    """Whether a ``datetime`` field accepts ``value`` (after the validator's coercions)."""
    errs: list[RawError] = []
    _DATETIME_NODE(value, "", errs)
    return not errs

"""Payload and settings validation as the reference does it after mapping.

Fields become a JSON Schema (:mod:`._schema`); empty values are removed (:mod:`._empty`); the
schema is compiled (:mod:`._compiler`) into ajv's keyword validators: leaf keywords
(:mod:`._keywords`, with :mod:`._formats` and :mod:`._regex`), keywords that descend into
arrays and objects (:mod:`._containers`), over ajv's types and coercions (:mod:`._types`) and
its keyword order (:mod:`._vocabulary`). What fails is worded as ajv-human-errors words it
(:mod:`._messages`). :class:`PayloadValidator` (:mod:`._validator`) puts them together; its
per-event ``clean`` walks the root object once (:mod:`._fused`).
"""

from __future__ import annotations

from ._schema import fields_to_json_schema
from ._validator import PayloadValidator, validate_settings

__all__ = ["PayloadValidator", "fields_to_json_schema", "validate_settings"]

"""Payload and settings validation as the reference does it after mapping.

Fields become a JSON Schema (:mod:`._schema`); empty values are removed (:mod:`._empty`); the
schema is compiled into ajv's keyword validators (:mod:`._compiler`, :mod:`._keywords`, with
:mod:`._types`, :mod:`._formats` and :mod:`._regex`), and what fails is worded as
ajv-human-errors words it (:mod:`._messages`).
"""

from __future__ import annotations

from ._schema import fields_to_json_schema
from ._validator import PayloadValidator, validate_settings

__all__ = ["PayloadValidator", "fields_to_json_schema", "validate_settings"]

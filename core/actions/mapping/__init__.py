"""The mapping language: declarative mappings from an event onto an action's fields.

A mapping is a JSON value. Raw values are copied to the output; *directives* (objects whose
key starts with ``@``) read from the event and transform what they read::

    >>> from actions.mapping import transform
    >>> transform({"name": {"@path": "$.traits.name"}, "kind": "user"}, {"traits": {"name": "Ada"}})
    {'name': 'Ada', 'kind': 'user'}

Behaviour follows the reference implementation exactly, quirks included; see
``docs/mapping.md`` for the full language reference.
"""

from __future__ import annotations

from actions.js import json_stringify

from ._paths import get
from ._transform import compile, transform, transform_batch, validate  # noqa: A004 - the name the API promises

__all__ = ["compile", "get", "json_stringify", "transform", "transform_batch", "validate"]

"""JavaScript semantics the reference's behaviour depends on, in one place.

The reference runs on Node: its mappings, conditions, validation and request bodies convert values,
compare, measure strings, parse dates and print JSON the way JavaScript does. Everything here
reproduces one such rule for the JSON values events carry, so the same input gives the same
output as there. Destinations use it too: it is public.
"""

from __future__ import annotations

from ._json import json_stringify, object_keys
from ._strings import (
    LINE_TERMINATORS,
    WHITE_SPACE,
    WHITE_SPACE_CLASS,
    from_utf16_units,
    to_utf16_units,
    trim,
    utf16_len,
)
from ._values import (
    UNDEFINED,
    Undefined,
    number_to_string,
    string_to_number,
    to_number,
    to_primitive,
    to_string,
    truthy,
    type_name,
    typeof,
)

__all__ = [
    "LINE_TERMINATORS",
    "UNDEFINED",
    "WHITE_SPACE",
    "WHITE_SPACE_CLASS",
    "Undefined",
    "from_utf16_units",
    "json_stringify",
    "number_to_string",
    "object_keys",
    "string_to_number",
    "to_number",
    "to_primitive",
    "to_string",
    "to_utf16_units",
    "trim",
    "truthy",
    "type_name",
    "typeof",
    "utf16_len",
]

"""JavaScript semantics the reference's behaviour depends on, in one place.

The reference runs on Node: its mappings, conditions, validation and request bodies convert values,
compare, measure strings, parse dates and print JSON the way JavaScript does. Everything here
reproduces one such rule for the JSON values events carry, so the same input gives the same
output as there. Destinations use it too: it is public.
"""

from __future__ import annotations

from ._date import civil_from_days, date_parse, date_utc, days_from_civil, time_clip
from ._json import json_stringify, object_keys
from ._objects import array_index, member, spread
from ._strings import (
    LINE_TERMINATORS,
    WHITE_SPACE,
    WHITE_SPACE_CLASS,
    from_utf16_units,
    has_surrogate,
    to_utf16_units,
    to_well_formed,
    trim,
    utf16_len,
    utf16_slice,
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
    "array_index",
    "civil_from_days",
    "date_parse",
    "date_utc",
    "days_from_civil",
    "from_utf16_units",
    "has_surrogate",
    "json_stringify",
    "member",
    "number_to_string",
    "object_keys",
    "spread",
    "string_to_number",
    "time_clip",
    "to_number",
    "to_primitive",
    "to_string",
    "to_utf16_units",
    "to_well_formed",
    "trim",
    "truthy",
    "type_name",
    "typeof",
    "utf16_len",
    "utf16_slice",
]

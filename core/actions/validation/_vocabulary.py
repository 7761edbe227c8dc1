"""ajv's keyword vocabulary: the keywords it applies, grouped by the type they constrain, in its order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "ARRAY_KEYWORDS",
    "GROUP_KEYWORDS",
    "NUMBER_KEYWORDS",
    "OBJECT_KEYWORDS",
    "STRING_KEYWORDS",
    "UNSUPPORTED",
    "UNTYPED_KEYWORDS",
    "always_valid",
    "group_used",
]

# Keyword groups in ajv's evaluation order. Untyped keywords always run; the others only when
# the data has the group's type (and they are all evaluated after the type is coerced).
NUMBER_KEYWORDS: Final = (
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "format",
)
STRING_KEYWORDS: Final = ("maxLength", "minLength", "pattern", "format")
ARRAY_KEYWORDS: Final = ("maxItems", "minItems", "additionalItems", "items", "contains", "uniqueItems")
OBJECT_KEYWORDS: Final = (
    "maxProperties",
    "minProperties",
    "required",
    "propertyNames",
    "additionalProperties",
    "dependencies",
    "properties",
    "patternProperties",
)
UNTYPED_KEYWORDS: Final = (
    "nullable",
    "const",
    "enum",
    "not",
    "anyOf",
    "oneOf",
    "allOf",
    "if",
    "then",
    "else",
)
_RULE_KEYWORDS: Final = frozenset(
    ("type", *UNTYPED_KEYWORDS, *NUMBER_KEYWORDS, *STRING_KEYWORDS, *ARRAY_KEYWORDS, *OBJECT_KEYWORDS)
)
UNSUPPORTED: Final = frozenset(
    {
        "propertyNames",
        "dependencies",
        "patternProperties",
        "contains",
        "$ref",
        "$dynamicRef",
        "unevaluatedProperties",
    }
)
GROUP_KEYWORDS: Final = {
    "number": NUMBER_KEYWORDS,
    "string": STRING_KEYWORDS,
    "array": ARRAY_KEYWORDS,
    "object": OBJECT_KEYWORDS,
}


def always_valid(schema: Any) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    return isinstance(schema, Mapping) and not any(key in _RULE_KEYWORDS for key in schema)


def group_used(schema: Mapping[str, Any], group: str) -> bool:
    return any(key in schema for key in GROUP_KEYWORDS.get(group, ()))


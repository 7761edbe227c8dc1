"""Field definitions: the typed inputs of an action (and, derived, of a destination's settings).

A field is data. From an action's fields the runtime derives its JSON Schema
(:func:`actions.fields_to_json_schema`), the payload validator, documentation and test data.
Fields accept both Python spellings (``allow_null``) and the reference's camelCase
(``allowNull``), so definitions and golden cases written for the reference load unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from pydantic.alias_generators import to_camel

__all__ = [
    "Choice",
    "Condition",
    "DependsOn",
    "Field",
    "FieldType",
    "default_mapping",
]

FieldType = Literal["string", "text", "number", "integer", "datetime", "boolean", "password", "object"]

JSONScalar = str | int | float | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
    )


class Choice(_Model):
    """One allowed value of a field, with the label a UI shows for it."""

    value: str | int | float | bool
    label: str


class Condition(_Model):
    """``field_key`` ``is``/``is_not`` ``value``; ``value`` omitted means "has a value"."""

    field_key: str
    operator: Literal["is", "is_not"]
    value: Any = None
    type: Literal["field"] = "field"


class DependsOn(_Model):
    """A set of conditions; ``match`` says whether all or any must hold."""

    match: Literal["any", "all"] = "all"
    conditions: tuple[Condition, ...]


class Field(_Model):
    """One input of an action.

    Args:
        label: Human name; also the subject of validation messages (``Price must be a number``).
        description: What the field means, for docs and UIs.
        type: Value type. ``datetime`` accepts ISO strings and epoch numbers; ``password`` is a
            string that is treated as a secret.
        required: ``True``, or :class:`DependsOn` conditions under which the field is required.
        default: The default mapping (a raw value or a mapping directive such as
            ``{"@path": "$.userId"}``). Used by presets and "use default mappings"; never
            applied silently at run time.
        choices: Allowed values.
        multiple: The value is a list of ``type``.
        properties: Sub-fields of an ``object`` field. Undeclared keys are dropped unless
            ``additional_properties`` is set.
        allow_null: ``null`` is a meaningful value and is kept.
        format: A string format (``date-time``, ``uri``, ``email``, ``uuid``...).
        minimum: Lower bound (numbers) or minimum length (strings).
        maximum: Upper bound (numbers) or maximum length (strings).
        secret: The value must never appear in logs, errors, dry-run output or snapshots.
        depends_on: When a UI should show the field. Not enforced at run time.
    """

    label: str
    description: str = ""
    type: FieldType = "string"
    required: bool | DependsOn = False
    default: Any = None
    choices: tuple[Choice, ...] | None = None
    multiple: bool = False
    properties: dict[str, Field] | None = None
    additional_properties: bool = False
    allow_null: bool = False
    format: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    depends_on: DependsOn | None = None
    # Presentation hints carried for UIs and docs; no effect at run time.
    placeholder: str | None = None
    default_object_ui: str | None = PydanticField(default=None, alias="defaultObjectUI")
    unsafe_hidden: bool = PydanticField(default=False, alias="unsafe_hidden")
    dynamic: bool = False
    hidden: bool = False
    category: str | None = None
    display_mode: str | None = None
    read_only: bool = False
    disabled_input_methods: tuple[str, ...] | None = None

    @field_validator("choices", mode="before")
    @classmethod
    def _plain_choices(cls, value: Any) -> Any:
        """Allow ``choices=["a", "b"]`` as shorthand for value/label pairs."""
        if value is None:
            return None
        return [
            {"value": c, "label": str(c)} if isinstance(c, str | int | float | bool) else c for c in value
        ]

    @property
    def is_secret(self) -> bool:
        return self.secret or self.type == "password"

    @property
    def choice_values(self) -> list[JSONScalar] | None:
        return None if self.choices is None else [c.value for c in self.choices]


def default_mapping(fields: Mapping[str, Field]) -> dict[str, Any]:
    """``{key: field.default}`` for every field that has a default: the "use defaults" mapping."""
    return {key: f.default for key, f in fields.items() if f.default is not None}

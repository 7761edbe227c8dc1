"""Destination settings: a pydantic model per destination, with secret fields that are never shown.

Authors subclass :class:`Settings` and declare each setting with :func:`setting`; a secret setting is
annotated ``SecretStr`` (pydantic's: its ``repr`` and ``str`` are stars, and the code that sends it
asks for ``get_secret_value()``), so secrecy is a property of the value's type. The runtime derives
:class:`~actions.Field` definitions from the model (for ``describe``, docs and test data) and validates
raw settings with the same machinery as payloads, so messages read the same
(``The root value is missing the required field 'apiKey'.``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic import Field as PydanticField
from pydantic.fields import FieldInfo

from ._fields import Field

__all__ = ["SecretStr", "Settings", "is_secret", "setting", "settings_fields"]


class Settings(BaseModel):
    """Base class for a destination's settings. Unknown keys are ignored, as in the reference.

    The settings schema derived from the fields is the one validation; the model is built from
    its result without validating again, so constraints belong in :func:`setting` (pydantic
    validators written on a subclass do not run).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @classmethod
    def unchecked(cls, raw: Mapping[str, Any] | None) -> typing.Self:
        """Build settings without validating them, missing values as ``None``.

        The reference's test harness passes settings to actions unvalidated (a missing
        ``apiKey`` simply results in no ``api_key`` in the request); this reproduces that. It also
        builds the model from values the settings schema has already validated (one validation).
        A string given for a secret setting becomes a ``SecretStr``; any other value stays as given.
        """
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            if info.alias and raw and info.alias in raw:
                values[name] = raw[info.alias]
            elif raw and name in raw:
                values[name] = raw[name]
            elif not info.is_required():
                values[name] = info.get_default(call_default_factory=True)
            else:
                values[name] = None
            if is_secret(info.annotation) and isinstance(values[name], str):
                values[name] = SecretStr(values[name])
        return typing.cast("typing.Self", cls.model_construct(**values))


def setting(
    default: Any = ...,
    *,
    label: str,
    description: str = "",
    choices: Mapping[str, str] | None = None,
    format: str | None = None,  # noqa: A002 - the JSON Schema keyword
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """Declare one setting: its label (shown in messages and docs) and description.

    ``choices`` maps each allowed value to its label; annotate the attribute with a ``Literal``
    of the same values so the model enforces them too. A secret setting is annotated ``SecretStr``.
    """
    extra: dict[str, Any] = {}
    if choices is not None:
        extra["choices"] = [{"value": v, "label": label_} for v, label_ in choices.items()]
    if format is not None:
        extra["format"] = format
    if minimum is not None:
        extra["minimum"] = minimum
    if maximum is not None:
        extra["maximum"] = maximum
    return PydanticField(default, title=label, description=description, json_schema_extra=extra or None)


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def is_secret(annotation: Any) -> bool:
    """Whether a settings annotation declares a secret: ``SecretStr`` (or ``SecretStr | None``)."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return SecretStr in get_args(annotation)
    return annotation is SecretStr


def _key(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _field_type(annotation: Any) -> tuple[str, list[Any] | None, bool]:
    """(field type, literal choices, allows null) for a settings annotation."""
    allow_null = False
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        allow_null = len(args) < len(get_args(annotation))
        annotation = args[0] if len(args) == 1 else str
        origin = get_origin(annotation)
    if origin is Literal:
        values = list(get_args(annotation))
        kind = "number" if all(isinstance(v, int | float) for v in values) else "string"
        return kind, values, allow_null
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return kinds.get(annotation, "string"), None, allow_null


def settings_fields(model: type[BaseModel]) -> dict[str, Field]:
    """The settings model as field definitions (keys are the names users write: aliases win)."""
    fields: dict[str, Field] = {}
    for name, info in model.model_fields.items():
        extra = _extra(info)
        kind, literal_choices, allow_null = _field_type(info.annotation)
        choices = extra.get("choices")
        if choices is None and literal_choices is not None:
            choices = [{"value": v, "label": str(v)} for v in literal_choices]
        secret = is_secret(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        fields[_key(name, info)] = Field(
            label=info.title or name,
            description=info.description or "",
            type="password" if secret else kind,
            required=info.is_required(),
            default=default,
            choices=choices,
            allow_null=allow_null,
            secret=secret,
            format=extra.get("format"),
            minimum=extra.get("minimum"),
            maximum=extra.get("maximum"),
        )
    return fields

"""A destination described from its models: as JSON-ready data, Markdown (docs) or plain text.

Docs pages and ``actions describe`` come from here, never from hand-written tables, so they cannot
drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._action import Action
from ._destination import Destination
from ._enrichers import EnricherSpec
from ._fields import Field

__all__ = ["describe", "describe_markdown", "describe_text"]


def _field(field: Field) -> dict[str, Any]:
    data = field.model_dump(exclude_defaults=True, exclude_none=True, mode="json")
    data.setdefault("type", field.type)
    data["required"] = (
        field.required if isinstance(field.required, bool) else field.required.model_dump(mode="json")
    )
    if field.properties:
        data["properties"] = {k: _field(v) for k, v in field.properties.items()}
    return data


def _action(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": action.title,
        "description": action.description,
        "default_subscription": action.default_subscription,
        "batching": action.batching.model_dump() if action.batching else None,
        "fields": {k: _field(f) for k, f in action.fields.items()},
    }
    return data


def _enricher(spec: EnricherSpec) -> dict[str, Any]:
    return {"description": spec.description, "params": dict(spec.params)}


def describe(destination: Destination, enrichers: Sequence[EnricherSpec] = ()) -> dict[str, Any]:
    """Everything a user or tool needs to configure ``destination``, as JSON-ready data.

    ``enrichers`` are those its plugin offers (``actions run --enrich NAME``).
    """
    return {
        "slug": destination.slug,
        "name": destination.name,
        "description": destination.description,
        "settings": {k: _field(f) for k, f in destination.settings_fields.items()},
        "actions": {k: _action(a) for k, a in destination.actions.items() if not a.hidden},
        "presets": [p.model_dump(mode="json") for p in destination.presets],
        "enrichers": {spec.name: _enricher(spec) for spec in enrichers},
        "features": {
            "authentication_check": destination.test_authentication is not None,
            "deletion": destination.on_delete is not None,
            "emulator": destination.emulator is not None,
        },
    }


def _cell(text: Any) -> str:
    value = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    return value.replace("|", "\\|").replace("\n", " ")


def _required(field: Field) -> str:
    if isinstance(field.required, bool):
        return "yes" if field.required else ""
    return "conditionally"


def _type(field: Field) -> str:
    text: str = field.type
    if field.multiple:
        text += "[]"
    if field.allow_null:
        text += " or null"
    return text


def _field_rows(fields: dict[str, Field], prefix: str = "") -> list[str]:
    rows = []
    for key, field in fields.items():
        default = "" if field.default is None else f"`{_cell(field.default)}`"
        choices = ""
        if field.choices:
            choices = " One of: " + ", ".join(f"`{_cell(c.value)}`" for c in field.choices) + "."
        rows.append(
            f"| `{prefix}{key}` | {field.label} | {_type(field)} | {_required(field)} | {default} | "
            f"{_cell(field.description)}{choices} |"
        )
        if field.properties:
            rows.extend(_field_rows(field.properties, prefix=f"{prefix}{key}."))
    return rows


_TABLE_HEAD = [
    "| Key | Label | Type | Required | Default mapping | Description |",
    "| --- | --- | --- | --- | --- | --- |",
]


def describe_markdown(
    destination: Destination, heading_level: int = 2, enrichers: Sequence[EnricherSpec] = ()
) -> str:
    """The destination's reference as Markdown: settings, presets, enrichers, every action's fields."""
    h = "#" * heading_level
    lines = [f"{h} {destination.name} (`{destination.slug}`)", ""]
    if destination.description:
        lines += [destination.description.strip(), ""]
    lines += [f"{h}# Settings", ""]
    settings = destination.settings_fields
    if settings:
        lines += [
            "| Key | Label | Type | Required | Default | Description |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for key, field in settings.items():
            default = "" if field.default is None else f"`{_cell(field.default)}`"
            secret = " Secret: never logged or shown." if field.is_secret else ""
            choices = ""
            if field.choices:
                choices = (
                    " One of: " + ", ".join(f"`{_cell(c.value)}` ({c.label})" for c in field.choices) + "."
                )
            lines.append(
                f"| `{key}` | {field.label} | {field.type} | {_required(field)} | {default} | "
                f"{_cell(field.description)}{choices}{secret} |"
            )
    else:
        lines.append("No settings.")
    lines.append("")
    if destination.presets:
        lines += [f"{h}# Presets", "", "| Name | Subscription | Action |", "| --- | --- | --- |"]
        for preset in destination.presets:
            where = " (runs in the browser, not delivered here)" if preset.platform == "web" else ""
            lines.append(f"| {preset.name} | `{_cell(preset.subscribe)}` | `{preset.action}`{where} |")
        lines.append("")
    if enrichers:
        lines += [f"{h}# Enrichers", "", "Enable with `actions run --enrich NAME`.", ""]
        for spec in enrichers:
            lines += [f"- `{spec.name}`: {spec.description}"]
            lines += [f"  - `{param}`: {meaning}" for param, meaning in spec.params.items()]
        lines.append("")
    lines += [f"{h}# Actions", ""]
    for key, action in destination.actions.items():
        if action.hidden:
            continue
        lines += [f"{h}## {action.title} (`{key}`)", "", action.description.strip(), ""]
        if action.default_subscription:
            lines += [f"Default subscription: `{action.default_subscription}`", ""]
        if action.batching:
            b = action.batching
            keys = f", grouped by {', '.join(f'`{k}`' for k in b.keys)}" if b.keys else ""
            lines += [f"Batches: up to {b.max_events} events and {b.max_bytes} bytes per call{keys}.", ""]
        if action.fields:
            lines += [*_TABLE_HEAD, *_field_rows(action.fields), ""]
    return "\n".join(lines).rstrip() + "\n"


def describe_text(destination: Destination, enrichers: Sequence[EnricherSpec] = ()) -> str:
    """A compact plain-text summary for terminals."""
    lines = [f"{destination.name} ({destination.slug})"]
    if destination.description:
        lines.append(destination.description.strip().splitlines()[0])
    lines += ["", "Settings:"]
    for key, field in destination.settings_fields.items():
        flags: list[str] = [field.type]
        if field.required is True:
            flags.append("required")
        if field.is_secret:
            flags.append("secret")
        if field.default is not None:
            flags.append(f"default {json.dumps(field.default)}")
        lines.append(f"  {key:<22} {field.label} ({', '.join(flags)})")
    lines += ["", "Actions:"]
    for key, action in destination.actions.items():
        if action.hidden:
            continue
        batch = " [batch]" if action.perform_batch else ""
        lines.append(f"  {key}: {action.title}{batch}")
        if action.default_subscription:
            lines.append(f"    subscribe: {action.default_subscription}")
        for fkey, field in action.fields.items():
            req = " *" if field.required is True else (" (*)" if not isinstance(field.required, bool) else "")
            default = (
                f" <- {json.dumps(field.default, ensure_ascii=False)}" if field.default is not None else ""
            )
            lines.append(f"    {fkey}{req}: {_type(field)}{default}")
    if destination.presets:
        lines += ["", "Presets:"]
        for preset in destination.presets:
            where = " (browser only)" if preset.platform == "web" else ""
            lines.append(f"  {preset.name}: {preset.subscribe} -> {preset.action}{where}")
    if enrichers:
        lines += ["", "Enrichers (actions run --enrich NAME):"]
        lines += [f"  {spec.name}: {spec.description}" for spec in enrichers]
    return "\n".join(lines) + "\n"

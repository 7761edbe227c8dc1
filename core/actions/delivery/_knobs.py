"""Knobs: dataclass fields that are also user-facing options, declared once with name, help and bounds.

The command line and pipeline files read their options from these declarations, so the option
values (:mod:`._options`, :mod:`._retry`) need only this module to declare them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Knob", "knob", "knobs"]


@dataclass(frozen=True)
class Knob:
    """How one option is shown to people: its name (``--name`` on the command line), help, bounds."""

    name: str
    help: str
    cli: bool = True
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    metavar: str | None = None
    #: For a switch that is on by default: what turning it off does (``--no-NAME``).
    off_help: str | None = None


def knob(
    default: Any,
    text: str,
    *,
    name: str | None = None,
    cli: bool = True,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    metavar: str | None = None,
    off_help: str | None = None,
) -> Any:
    """A dataclass field that is also a user-facing option described by ``text`` (``name``: the field's)."""
    meta = {"knob": (name, text, cli, low, high, low_open, metavar, off_help)}
    return field(default=default, metadata=meta)


def knobs(cls: type) -> list[tuple[dataclasses.Field[Any], Knob]]:
    """The options a value class declares, in order, each with its field."""
    out = []
    for item in dataclasses.fields(cls):
        declared = item.metadata.get("knob")
        if declared is not None:
            name, text, cli, low, high, low_open, metavar, off_help = declared
            out.append((item, Knob(name or item.name, text, cli, low, high, low_open, metavar, off_help)))
    return out

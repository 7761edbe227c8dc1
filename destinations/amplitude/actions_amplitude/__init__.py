"""Amplitude destination for ``actions``: event, purchase, identify, group and alias actions.

Registered through the ``actions.destinations`` entry point; ``actions describe amplitude`` lists
the settings, actions, fields and presets.
"""

from __future__ import annotations

from typing import Any

from actions import hookimpl

from ._user_agent import parse_user_agent_properties
from .destination import AmplitudeSettings, destination
from .sessions import SESSIONS

__all__ = [
    "AmplitudeSettings",
    "destination",
    "parse_user_agent_properties",
    "register_destinations",
    "register_enrichers",
]


@hookimpl
def register_destinations(register: Any) -> None:
    register(destination)


@hookimpl
def register_enrichers(register: Any) -> None:
    register(SESSIONS)

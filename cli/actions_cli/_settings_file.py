"""Reading destination settings from a JSON or TOML file, with per-key environment overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from actions import ConfigurationError, Destination
from actions.delivery import env_overrides, env_prefix, read_config_file

__all__ = ["env_prefix", "load_settings", "read_config_file", "read_settings_file"]


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """Parse a settings file (``.toml`` as TOML, anything else as JSON) into a mapping."""
    data = read_config_file(path, "settings")
    if not isinstance(data, dict):
        raise ConfigurationError(f"settings file {str(path)!r} must hold an object of settings")
    return data


def load_settings(
    destination: Destination,
    path: str | Path | None,
    environ: Mapping[str, str] | None = None,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Raw settings: ``base``, then the file, then ``ACTIONS_<SLUG>_<KEY>`` variables.

    Variable names match setting keys ignoring case and punctuation, so both
    ``ACTIONS_AMPLITUDE_APIKEY`` and ``ACTIONS_AMPLITUDE_API_KEY`` set ``apiKey``.
    """
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        raw.update(read_settings_file(path))
    raw.update(env_overrides(destination, destination.slug, os.environ if environ is None else environ))
    return raw

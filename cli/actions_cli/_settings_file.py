"""Reading destination settings from a JSON or TOML file, with per-key environment overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from actions import ConfigurationError, Destination
from actions.delivery import env_overrides, env_prefix, read_config_file
from actions.delivery._pipeline import check_setting_keys
from actions.runtime import get_registry

#: Keys of a settings file that belong to the run (``actions run``), not to the destination.
RUN_KEYS = ("enrich", "enrich_options")

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

    Raises:
        ConfigurationError: a key of the file, or a variable with the prefix, names no setting
            (a typo would otherwise fall back to the default silently).
    """
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        data = read_settings_file(path)
        check_setting_keys(destination, [key for key in data if key not in RUN_KEYS], f" in {path}")
        raw.update(data)
    others = list(get_registry().destinations())
    env = os.environ if environ is None else environ
    raw.update(env_overrides(destination, destination.slug, env, others))
    return raw

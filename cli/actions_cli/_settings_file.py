"""Reading destination settings from a JSON or TOML file, with per-key environment overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions import ConfigurationError, Destination
from actions.delivery import env_overrides, env_prefix, read_config_file
from actions.delivery._pipeline import check_setting_keys
from actions.runtime import get_registry

__all__ = ["SettingsFile", "env_prefix", "load_settings", "read_config_file", "read_settings_file"]


@dataclass(frozen=True)
class SettingsFile:
    """What a settings file says: the destination's settings, and the run's enrichers.

    A settings file may name the enrichers of ``actions run`` (its top-level ``enrich`` and
    ``enrich_options`` keys, as ``--enrich`` and ``--enrich-option`` do). They are the run's, not
    the destination's: they are set apart when the file is read, so ``settings`` holds settings only.
    """

    settings: dict[str, Any] = field(default_factory=dict)
    #: The file's ``enrich`` value, unchecked (a name, a comma-separated list or a list), if any.
    enrich: Any = None
    #: The file's ``enrich_options`` value, unchecked (enricher names to tables of options), if any.
    enrich_options: Any = None


def read_settings_file(path: str | Path) -> SettingsFile:
    """Parse a settings file (``.toml`` as TOML, anything else as JSON)."""
    data = read_config_file(path, "settings")
    if not isinstance(data, dict):
        raise ConfigurationError(f"settings file {str(path)!r} must hold an object of settings")
    enrich = data.pop("enrich", None)
    enrich_options = data.pop("enrich_options", None)
    return SettingsFile(data, enrich, enrich_options)


def load_settings(
    destination: Destination,
    path: str | Path | None,
    environ: Mapping[str, str] | None = None,
    base: Mapping[str, Any] | None = None,
) -> SettingsFile:
    """Raw settings: ``base``, then the file, then ``ACTIONS_<SLUG>_<KEY>`` variables.

    Variable names match setting keys ignoring case and punctuation, so both
    ``ACTIONS_AMPLITUDE_APIKEY`` and ``ACTIONS_AMPLITUDE_API_KEY`` set ``apiKey``.

    Raises:
        ConfigurationError: a key of the file, or a variable with the prefix, names no setting
            (a typo would otherwise fall back to the default silently).
    """
    file = read_settings_file(path) if path is not None else SettingsFile()
    check_setting_keys(destination, list(file.settings), f" in {path}")
    others = list(get_registry().destinations())
    env = os.environ if environ is None else environ
    settings = {**(base or {}), **file.settings, **env_overrides(destination, destination.slug, env, others)}
    return SettingsFile(settings, file.enrich, file.enrich_options)

"""Reading destination settings from a JSON or TOML file, with per-key environment overrides."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from actions import ConfigurationError, Destination

__all__ = ["env_prefix", "load_settings", "read_config_file"]


def env_prefix(slug: str) -> str:
    """``ACTIONS_<SLUG>_``: the prefix of environment variables that override settings."""
    return "ACTIONS_" + re.sub(r"[^A-Za-z0-9]", "_", slug).upper() + "_"


def _norm(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name).upper()


def read_config_file(path: str | Path, what: str) -> Any:
    """Parse the ``what`` file at ``path``: ``.toml`` as TOML, anything else as JSON.

    Raises:
        ConfigurationError: the file cannot be read or parsed (text that is not UTF-8 included).
    """
    file = Path(path)
    kind = "TOML" if file.suffix.lower() == ".toml" else "JSON"
    try:
        text = file.read_text(encoding="utf-8")
        return tomllib.loads(text) if kind == "TOML" else json.loads(text)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError and UnicodeDecodeError
        raise ConfigurationError(f"{what} file {str(path)!r} is not valid {kind}: {exc}") from None


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
    env = os.environ if environ is None else environ
    prefix = env_prefix(destination.slug)
    keys = {_norm(key): key for key in destination.settings_fields}
    for name, value in env.items():
        if name.startswith(prefix) and _norm(name[len(prefix) :]) in keys:
            raw[keys[_norm(name[len(prefix) :])]] = value
    return raw

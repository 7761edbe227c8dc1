"""Pipeline files: sources and destinations (settings, subscriptions, enrichers, delivery options) in TOML.

``actions run --config FILE`` reads one, and so will ``actions serve``. The schema::

    [run]                                   # optional: the run as a whole
    buffer = 5000                           # RunOptions knobs
    dead_letter = "dead-letters.ndjson"

    [sources.web]                           # where events come from
    type = "ndjson"                         # a registered kind of source (`actions plugins`)
    path = "events.ndjson"                  # ... and its own settings
    destinations = ["amplitude"]            # optional: feed only these (default: all)

    [destinations.amplitude]                # a destination, by name
    type = "amplitude"                      # its slug (default: the name)
    settings = { apiKey = { env = "AMPLITUDE_API_KEY" }, secretKey = { env = "AMPLITUDE_SECRET_KEY" } }
    subscriptions = [{ subscribe = 'type = "track"', action = "logEventV2" }]   # default: presets
    enrich = ["amplitude-sessions"]
    enrich_options = { amplitude-sessions = { timeout_minutes = 30 } }
    state = "sessions.db"                   # enrichers' state file
    delivery = { concurrency = 4, max_attempts = 5 }   # Limits, BatchOptions, RetryPolicy knobs, base_url

A setting (or a source's parameter) written ``{ env = "NAME" }`` is read from the environment
variable ``NAME`` (secrets stay out of the file); ``ACTIONS_<NAME>_<KEY>`` variables override a
destination's settings as they do for ``actions run SLUG``. Every unknown key is an error naming
it, with a suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._destination import Destination
from .._enrichers import Enricher, EnricherOptions
from .._errors import ConfigurationError
from .._request import base_url_problem
from .._settings import Settings
from ._knobs import knobs
from ._options import BatchOptions, Lane, Limits, RunOptions
from ._retry import RetryPolicy
from ._sources import Source, SourceOptions

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = [
    "DestinationConfig",
    "Pipeline",
    "SourceConfig",
    "check_setting_keys",
    "delivery_values",
    "did_you_mean",
    "env_overrides",
    "env_prefix",
    "env_variable",
    "load_pipeline",
    "read_config_file",
]

#: The value classes a destination's ``delivery`` table fills, and the run's.
LANE_OPTIONS: tuple[type, ...] = (Limits, BatchOptions, RetryPolicy)
_DESTINATION_KEYS = ("type", "settings", "subscriptions", "enrich", "enrich_options", "state", "delivery")
_SOURCE_KEYS = ("type", "destinations")


def _json_int(text: str) -> int | float:
    # int() refuses more than 4300 digits; such a number is a double (infinity), as in JSON.parse.
    return int(text) if len(text) <= 4300 else float(text)


def read_config_file(path: str | Path, what: str) -> Any:
    """Parse the ``what`` file at ``path``: ``.toml`` as TOML, anything else as JSON.

    Raises:
        ConfigurationError: the file cannot be read or parsed (text that is not UTF-8 included).
    """
    file = Path(path)
    kind = "TOML" if file.suffix.lower() == ".toml" else "JSON"
    try:
        text = file.read_text(encoding="utf-8")
        return tomllib.loads(text) if kind == "TOML" else json.loads(text, parse_int=_json_int)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None
    except RecursionError:
        raise ConfigurationError(f"{what} file {str(path)!r} is nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError and UnicodeDecodeError
        raise ConfigurationError(f"{what} file {str(path)!r} is not valid {kind}: {exc}") from None


def did_you_mean(key: str, known: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for the closest of ``known``, else `` (known: a, b)``."""
    close = difflib.get_close_matches(key, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"


def _unknown(keys: Sequence[str], known: Sequence[str], where: str) -> None:
    for key in keys:
        if key not in known:
            raise ConfigurationError(f"{where}: unknown key {key!r}{did_you_mean(key, known)}")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where} must be a table (an object), not {type(value).__name__}")
    return value


def _names(value: Any, where: str) -> list[str]:
    """Names from ``a,b``, a list of such strings, or nothing."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ConfigurationError(f"{where} must be a name, a comma-separated list or a list of names")
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


def env_prefix(name: str) -> str:
    """``ACTIONS_<NAME>_``: the prefix of environment variables that override a destination's settings."""
    return "ACTIONS_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"


def _norm(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name).upper()


def env_variable(name: str, key: str) -> str:
    """The variable that sets ``key`` of destination ``name``: ``apiKey`` -> ``ACTIONS_<NAME>_API_KEY``."""
    return env_prefix(name) + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).upper().replace("-", "_")


def setting_keys(destination: Destination) -> list[str]:
    """The keys a settings file may hold for ``destination`` (aliases and field names)."""
    names = [name for name in destination.settings.model_fields if name not in destination.settings_fields]
    return [*destination.settings_fields, *names, "dynamicAuthSettings"]


def check_setting_keys(destination: Destination, keys: Sequence[str], where: str) -> None:
    """A key that is not a setting is a typo that would silently fall back to a default: refuse it."""
    known = setting_keys(destination)
    for key in keys:
        if key not in known:
            hint = did_you_mean(key, list(destination.settings_fields))
            raise ConfigurationError(f"unknown setting {key!r}{where} for {destination.slug}{hint}")


def env_overrides(
    destination: Destination, name: str, environ: Mapping[str, str], others: Sequence[str] = ()
) -> dict[str, str]:
    """Settings from ``ACTIONS_<NAME>_<KEY>`` variables (case and punctuation ignored in KEY).

    A variable with the prefix that names no setting is an error, unless it belongs to one of
    ``others`` (destinations whose own prefix starts with this one, such as ``ACTIONS_A_B_``).

    Raises:
        ConfigurationError: naming the variable, with the closest real one.
    """
    prefix = env_prefix(name)
    theirs = [env_prefix(other) for other in others if env_prefix(other) != prefix]
    theirs = [other for other in theirs if other.startswith(prefix)]
    keys = {_norm(key): key for key in destination.settings_fields}
    out: dict[str, str] = {}
    for variable, value in environ.items():
        if not variable.startswith(prefix) or any(variable.startswith(other) for other in theirs):
            continue
        key = keys.get(_norm(variable[len(prefix) :]))
        if key is None:
            known = [env_variable(name, key) for key in destination.settings_fields]
            close = difflib.get_close_matches(variable, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(known)})"
            raise ConfigurationError(
                f"environment variable {variable} names no setting of {destination.slug}{hint}"
            )
        out[key] = value
    return out


def _from_environment(value: Any, where: str, environ: Mapping[str, str]) -> Any:
    """``{ env = "NAME" }`` replaced by the variable's value, anywhere in ``value``."""
    if isinstance(value, dict):
        if set(value) == {"env"} and isinstance(value["env"], str):
            variable = value["env"]
            if variable not in environ:
                raise ConfigurationError(
                    f"{where} reads the environment variable {variable}, which is not set"
                )
            return environ[variable]
        return {key: _from_environment(item, f"{where}.{key}", environ) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_environment(item, f"{where}[{index}]", environ) for index, item in enumerate(value)]
    return value


def delivery_values(
    values: Mapping[str, Any], where: str, classes: Sequence[type]
) -> dict[type, dict[str, Any]]:
    """Knob values by option name (``concurrency``, ``max_retry_time``...) as field values per class.

    Raises:
        ConfigurationError: an unknown name, or a value of the wrong type or out of bounds.
    """
    by_name = {declared.name: (cls, item, declared) for cls in classes for item, declared in knobs(cls)}
    _unknown(list(values), list(by_name), where)
    out: dict[type, dict[str, Any]] = {cls: {} for cls in classes}
    for name, value in values.items():
        cls, item, declared = by_name[name]
        out[cls][item.name] = _checked(value, item, declared, f"{where}.{name}")
    return out


def _checked(value: Any, item: dataclasses.Field[Any], declared: Any, where: str) -> Any:
    kind = str(item.type)
    optional = "None" in kind
    if value is None and optional:
        return None
    if "bool" in kind:
        if not isinstance(value, bool):
            raise ConfigurationError(f"{where} must be true or false")
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or ("int" in kind and "float" not in kind and not isinstance(value, int)):
        raise ConfigurationError(f"{where} must be {'an integer' if 'float' not in kind else 'a number'}")
    if declared.low is not None and (value < declared.low or (declared.low_open and value == declared.low)):
        raise ConfigurationError(
            f"{where} must be {'above' if declared.low_open else 'at least'} {declared.low:g}"
        )
    if declared.high is not None and value > declared.high:
        raise ConfigurationError(f"{where} must be at most {declared.high:g}")
    return value


@dataclass
class DestinationConfig:
    """One destination as a pipeline file (or ``actions run SLUG``) describes it; settings unchecked."""

    name: str
    destination: Destination
    settings: dict[str, Any] = field(default_factory=dict)
    subscriptions: list[dict[str, Any]] | None = None
    enrich: list[str] = field(default_factory=list)
    enrich_options: dict[str, dict[str, str]] = field(default_factory=dict)
    state: str | None = None
    #: Knob values by class (``Limits``, ``BatchOptions``, ``RetryPolicy``), and ``base_url``.
    delivery: dict[type, dict[str, Any]] = field(default_factory=dict)
    base_url: str | None = None
    where: str = ""
    #: Where settings are written, for the hint of a missing one (variables are always named too).
    settings_given: str = "--settings FILE"

    def validated_settings(self, base: Mapping[str, Any] | None = None) -> Settings:
        """The settings, over ``base`` (an emulator's), validated once, errors naming this destination."""
        raw = {**(base or {}), **self.settings}
        try:
            return self.destination.validate_settings(raw)
        except ConfigurationError as exc:
            missing = [
                key
                for key, item in self.destination.settings_fields.items()
                if item.required and raw.get(key) in (None, "")
            ]
            variables = ", ".join(env_variable(self.name, key) for key in missing)
            hint = f" (give them in {self.settings_given} or with {variables})" if missing else ""
            raise ConfigurationError(f"invalid settings for {self.name!r}{self.where}: {exc}{hint}") from None

    def enrichers(self, registry: Registry) -> list[Enricher]:
        """Create this destination's enrichers, in order."""
        specs = [registry.enricher(name) for name in self.enrich]
        unknown = sorted(set(self.enrich_options) - set(self.enrich))
        if unknown:
            raise ConfigurationError(f"enrich_options{self.where} names {unknown[0]!r}, which is not enabled")
        state = Path(self.state) if self.state else None
        return [
            spec.factory(EnricherOptions(state_path=state, params=self.enrich_options.get(spec.name, {})))
            for spec in specs
        ]

    def lane(
        self,
        registry: Registry,
        *,
        overrides: Mapping[type, Mapping[str, Any]] | None = None,
        base_settings: Mapping[str, Any] | None = None,
        base_url: str | None = None,
    ) -> Lane:
        """The :class:`~.Lane`: settings validated, enrichers created, options with ``overrides`` on top."""
        values = {
            cls: {**self.delivery.get(cls, {}), **(overrides or {}).get(cls, {})} for cls in LANE_OPTIONS
        }
        return Lane(
            self.destination,
            self.validated_settings(base_settings),
            self.subscriptions,
            name=self.name,
            enrichers=self.enrichers(registry),
            retry=RetryPolicy(**values[RetryPolicy]),
            limits=Limits(**values[Limits]),
            batching=BatchOptions(**values[BatchOptions]),
            base_url=base_url or self.base_url,
        )


@dataclass
class SourceConfig:
    """One source of a pipeline file: its kind, its own settings, which destinations it feeds."""

    name: str
    type: str
    params: dict[str, Any]
    destinations: list[str] | None = None

    def create(self, registry: Registry) -> Source:
        """The source, made by its plugin's factory; whatever that raises is one ConfigurationError."""
        factory = registry.source(self.type).factory
        try:
            return factory(SourceOptions(self.name, self.params))
        except ConfigurationError:
            raise
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise ConfigurationError(
                f"source {self.name!r} ({self.type}) cannot start: {exc.strerror or exc}{where}"
            ) from exc
        except Exception as exc:  # a plugin's code: its failure named, not a traceback
            raise ConfigurationError(
                f"source {self.name!r} ({self.type}) cannot start: {type(exc).__name__}: {exc}"
            ) from exc


@dataclass
class Pipeline:
    """A pipeline file, read and checked."""

    destinations: list[DestinationConfig]
    sources: list[SourceConfig] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    dead_letter: str | None = None
    path: str | None = None

    def run_options(self, overrides: Mapping[str, Any] | None = None) -> RunOptions:
        return RunOptions(**{**self.run, **(overrides or {})})

    def fed_by(self, source: SourceConfig | None) -> list[DestinationConfig]:
        """The destinations ``source`` feeds (all of them when it does not say)."""
        if source is None or source.destinations is None:
            return self.destinations
        return [config for config in self.destinations if config.name in source.destinations]


def load_pipeline(path: str | Path, registry: Registry, environ: Mapping[str, str] | None = None) -> Pipeline:
    """Read and check a pipeline file (``.toml``, or JSON of the same shape).

    Raises:
        ConfigurationError: naming the file, the table and the key that is wrong.
    """
    env = os.environ if environ is None else environ
    data = _table(read_config_file(path, "pipeline"), f"pipeline file {str(path)!r}")
    where = str(path)
    _unknown(list(data), ["run", "sources", "destinations"], where)
    run = dict(_table(data.get("run", {}), f"{where}: [run]"))
    dead_letter = run.pop("dead_letter", None)
    if dead_letter is not None and not isinstance(dead_letter, str):
        raise ConfigurationError(f"{where}: [run] dead_letter must be a file name")
    run_values = delivery_values(run, f"{where}: [run]", (RunOptions,))[RunOptions]
    tables = _table(data.get("destinations", {}), f"{where}: [destinations]")
    destinations = [
        _destination(name, _table(table, f"{where}: [destinations.{name}]"), registry, env, where, [*tables])
        for name, table in tables.items()
    ]
    if not destinations:
        raise ConfigurationError(
            f"{where}: no [destinations.NAME] table: a pipeline needs at least one destination"
        )
    names = [config.name for config in destinations]
    sources = [
        _source(name, _table(table, f"{where}: [sources.{name}]"), names, where, registry, env)
        for name, table in _table(data.get("sources", {}), f"{where}: [sources]").items()
    ]
    return Pipeline(destinations, sources, run_values, dead_letter, where)


def _destination(
    name: str,
    table: dict[str, Any],
    registry: Registry,
    environ: Mapping[str, str],
    file: str,
    names: Sequence[str] = (),
) -> DestinationConfig:
    where = f"{file}: [destinations.{name}]"
    _unknown(list(table), list(_DESTINATION_KEYS), where)
    slug = table.get("type", name)
    if not isinstance(slug, str):
        raise ConfigurationError(f"{where}: type must be a destination slug")
    try:
        destination = registry.destination(slug)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{where}: type: {exc}") from None
    settings = _from_environment(
        _table(table.get("settings", {}), f"{where} settings"), f"{where} settings", environ
    )
    check_setting_keys(destination, list(settings), f" in {where} settings")
    settings.update(env_overrides(destination, name, environ, [*registry.destinations(), *names]))
    subscriptions = table.get("subscriptions")
    if subscriptions is not None and (
        not isinstance(subscriptions, list) or not all(isinstance(item, dict) for item in subscriptions)
    ):
        raise ConfigurationError(f"{where}: subscriptions must be a list of tables")
    options = _table(table.get("enrich_options", {}), f"{where} enrich_options")
    enrich_options = {
        enricher: {str(k): str(v) for k, v in _table(values, f"{where} enrich_options.{enricher}").items()}
        for enricher, values in options.items()
    }
    state = table.get("state")
    if state is not None and not isinstance(state, str):
        raise ConfigurationError(f"{where}: state must be a file name")
    delivery = dict(_table(table.get("delivery", {}), f"{where} delivery"))
    known = [declared.name for cls in LANE_OPTIONS for _, declared in knobs(cls)]
    _unknown(list(delivery), [*known, "base_url"], f"{where} delivery")
    base_url = delivery.pop("base_url", None)
    if base_url is not None and not isinstance(base_url, str):
        raise ConfigurationError(f"{where} delivery.base_url must be a URL")
    if base_url is not None and (problem := base_url_problem(base_url)) is not None:
        raise ConfigurationError(f"{where} delivery.base_url {base_url!r} cannot be used: {problem}")
    return DestinationConfig(
        name=name,
        destination=destination,
        settings=settings,
        subscriptions=subscriptions,
        enrich=_names(table.get("enrich"), f"{where} enrich"),
        enrich_options=enrich_options,
        state=state,
        delivery=delivery_values(delivery, f"{where} delivery", LANE_OPTIONS),
        base_url=base_url,
        where=f" in {file}",
        settings_given=f"the settings of [destinations.{name}]",
    )


def _source(
    name: str,
    table: dict[str, Any],
    destinations: list[str],
    file: str,
    registry: Registry,
    environ: Mapping[str, str],
) -> SourceConfig:
    where = f"{file}: [sources.{name}]"
    kind = table.get("type")
    if not isinstance(kind, str):
        raise ConfigurationError(f'{where}: type must name a kind of source (such as "ndjson")')
    try:
        registry.source(kind)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{where}: type: {exc}") from None
    fed = table.get("destinations")
    if fed is not None:
        fed = _names(fed, f"{where} destinations")
        for target in fed:
            if target not in destinations:
                _unknown([target], destinations, f"{where} destinations")
    params = {key: value for key, value in table.items() if key not in _SOURCE_KEYS}
    return SourceConfig(name, kind, _from_environment(params, where, environ), fed)

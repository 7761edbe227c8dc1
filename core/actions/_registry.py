"""The registry: which destinations, enrichers, sources and queues exist, which plugin gave each, what failed.

It is the only caller of ``pm.hook``. Each plugin's hooks run on their own (through pluggy, one
plugin at a time), so a plugin that raises while registering destinations, enrichers, sources or
commands is reported like one that failed to import, and the others still load.
"""

from __future__ import annotations

import difflib
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._destination import Destination
from ._enrichers import EnricherSpec
from ._errors import ConfigurationError, PluginLoadError, UnknownDestinationError
from ._plugins import (
    PluginFailure,
    PluginInfo,
    PluginManager,
    _location,
    _one_line,
    each_plugin,
    load_plugins,
    strict_from_env,
)
from .delivery._sources import SourceSpec
from .queues._queue import QueueSpec

__all__ = ["Registry", "SlugConflict", "get_registry"]


@dataclass(frozen=True)
class SlugConflict:
    """A destination slug that more than one plugin registers: refused, never silently taken over.

    Which plugin loads first is an accident of names, so neither is trusted with the slug; the
    other destinations of both plugins still work.
    """

    slug: str
    plugins: tuple[PluginInfo, ...]

    @property
    def error(self) -> str:
        claims = " and ".join(
            f"{p.package or 'a directly registered plugin'} (entry point {p.name!r})" for p in self.plugins
        )
        return (
            f"destination slug {self.slug!r} is registered by more than one plugin: {claims}; "
            "uninstall one of them (see `actions plugins`)"
        )


class Registry:
    """Destinations by slug, collected from plugins.

    Args:
        plugins: Plugin objects (modules or instances with ``@hookimpl`` functions) to register
            directly, in addition to entry points. Tests use this.
        entry_points: Load installed plugins (subject to ``ACTIONS_LOAD_PLUGINS``).
        strict: A plugin failure raises :class:`PluginLoadError`. Defaults to
            ``ACTIONS_STRICT_PLUGINS``.
    """

    def __init__(
        self,
        plugins: Iterable[Any] = (),
        *,
        entry_points: bool = True,
        strict: bool | None = None,
    ) -> None:
        self.strict = strict_from_env() if strict is None else strict
        self.pm = PluginManager()
        self.plugins: list[PluginInfo] = []
        self.failures: list[PluginFailure] = []
        self.conflicts: list[SlugConflict] = []
        for plugin in plugins:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            self.pm.register(plugin, name=name)
            self.plugins.append(
                PluginInfo(name, hooks=sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
            )
        if entry_points:
            loaded, failed = load_plugins(self.pm, strict=self.strict)
            self.plugins.extend(loaded)
            self.failures.extend(failed)
        self._destinations: dict[str, Destination] = {}
        self._enrichers: dict[str, EnricherSpec] = {}
        self._sources: dict[str, SourceSpec] = {}
        self._queues: dict[str, QueueSpec] = {}
        self._collect()
        self._collect_specs("register_enrichers", EnricherSpec, self._enrichers, "enricher")
        self._collect_specs("register_sources", SourceSpec, self._sources, "source")
        self._collect_specs("register_queues", QueueSpec, self._queues, "queue", key="scheme")

    def _collect(self) -> None:
        infos = {info.name: info for info in self.plugins}
        claims: dict[str, list[tuple[str, Destination]]] = {}
        for name, register_destinations in each_plugin(self.pm, "register_destinations"):
            found: list[Destination] = []
            try:
                register_destinations(register=found.append)
                for destination in found:
                    if not isinstance(destination, Destination):
                        raise TypeError(f"register() expects a Destination, got {type(destination).__name__}")
                    if sum(d.slug == destination.slug for d in found) > 1:
                        raise ValueError(f"destination slug {destination.slug!r} is registered twice")
            except Exception as exc:  # foreign code: reported like an import failure
                self._record_failure(name, exc)
                continue
            for destination in found:
                claims.setdefault(destination.slug, []).append((name, destination))
        for slug, claimants in claims.items():
            if len(claimants) > 1:
                plugins = tuple(infos.get(name) or PluginInfo(name) for name, _ in claimants)
                conflict = SlugConflict(slug, plugins)
                if self.strict:
                    raise PluginLoadError(conflict.error)
                self.conflicts.append(conflict)
                continue
            ((name, destination),) = claimants
            self._destinations[slug] = destination
            if name in infos:
                infos[name].destinations.append(slug)

    def _collect_specs(
        self, hook: str, kind: type[Any], table: dict[str, Any], what: str, key: str = "name"
    ) -> None:
        """Call each plugin's ``hook(register)`` and keep the specs it registers in ``table`` by ``key``."""
        for name, register in each_plugin(self.pm, hook):
            found: list[Any] = []
            try:
                register(register=found.append)
                for spec in found:
                    if not isinstance(spec, kind):
                        raise TypeError(f"register() expects {kind.__name__}, got {type(spec).__name__}")
                    if getattr(spec, key) in table:
                        raise ValueError(f"{what} {getattr(spec, key)!r} is already registered")
            except Exception as exc:  # foreign code: reported like an import failure
                self._record_failure(name, exc)
                continue
            for spec in found:
                table[getattr(spec, key)] = spec
                info = next((p for p in self.plugins if p.name == name), None)
                if info is not None:
                    getattr(info, what + "s").append(getattr(spec, key))

    def add_commands(self, cli: Any) -> None:
        """Let each plugin add its commands to ``cli`` (the ``actions`` click group).

        A plugin whose ``register_commands`` raises is listed as failed and the commands it added
        before raising are taken back, so the CLI starts with everyone else's.
        """
        for name, register_commands in each_plugin(self.pm, "register_commands"):
            commands = getattr(cli, "commands", None)
            before = dict(commands) if isinstance(commands, dict) else None
            try:
                register_commands(cli=cli)
            except Exception as exc:  # foreign code: reported like an import failure
                if isinstance(commands, dict) and before is not None:
                    commands.clear()
                    commands.update(before)
                self._record_failure(name, exc)

    def enrichers(self) -> dict[str, EnricherSpec]:
        return dict(sorted(self._enrichers.items()))

    def enricher(self, name: str) -> EnricherSpec:
        """The enricher registered as ``name``; unknown names are a configuration error."""
        spec: EnricherSpec = self._lookup(self._enrichers, name, "enricher")
        return spec

    def sources(self) -> dict[str, SourceSpec]:
        return dict(sorted(self._sources.items()))

    def source(self, name: str) -> SourceSpec:
        """The kind of source registered as ``name``; unknown names are a configuration error."""
        spec: SourceSpec = self._lookup(self._sources, name, "source")
        return spec

    def queues(self) -> dict[str, QueueSpec]:
        """Queue backends by URL scheme."""
        return dict(sorted(self._queues.items()))

    def queue(self, scheme: str) -> QueueSpec:
        """The queue backend for URL scheme ``scheme``; an unknown scheme is a configuration error."""
        spec: QueueSpec = self._lookup(self._queues, scheme, "queue backend")
        return spec

    def _lookup(self, table: dict[str, Any], name: str, what: str) -> Any:
        try:
            return table[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(table), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(sorted(table)) or "none"
            failed = self._failed()
            raise ConfigurationError(f"no {what} {name!r}{hint} (installed: {known}){failed}") from None

    def _failed(self) -> str:
        """What to add to "not installed": plugins that failed to load may be why."""
        failed = [f.name for f in self.failures]
        if not failed:
            return ""
        return f" ({len(failed)} plugin(s) failed to load: {', '.join(failed)}; see `actions plugins`)"

    def _record_failure(self, name: str, exc: Exception) -> None:
        info = next((p for p in self.plugins if p.name == name), None)
        failure = PluginFailure(
            name,
            info.package if info else None,
            info.version if info else None,
            _one_line(exc),
            traceback.format_exc(),
            entry_point=info.entry_point if info else None,
            location=_location(exc),
        )
        if self.strict:
            raise PluginLoadError(f"plugin {name!r} failed to register: {failure.error}") from exc
        self.failures.append(failure)
        self.plugins = [p for p in self.plugins if p.name != name]

    def destinations(self) -> dict[str, Destination]:
        return dict(sorted(self._destinations.items()))

    def destination(self, slug: str) -> Destination:
        """The destination registered as ``slug``.

        Raises:
            UnknownDestinationError: naming close matches and what is installed.
            ConfigurationError: more than one plugin registers ``slug`` (see :attr:`conflicts`).
        """
        try:
            return self._destinations[slug]
        except KeyError:
            pass
        for conflict in self.conflicts:
            if conflict.slug == slug:
                raise ConfigurationError(conflict.error)
        close = difflib.get_close_matches(slug, list(self._destinations), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        installed = ", ".join(sorted(self._destinations)) or "none"
        failed = self._failed()
        raise UnknownDestinationError(f"no destination {slug!r}{hint} (installed: {installed}){failed}")

    def enrichers_of(self, slug: str) -> list[EnricherSpec]:
        """The enrichers offered by the plugin that registered destination ``slug``."""
        info = self.plugin_for(slug)
        return [self._enrichers[name] for name in info.enrichers] if info else []

    def plugin_for(self, slug: str) -> PluginInfo | None:
        for info in self.plugins:
            if slug in info.destinations:
                return info
        return None


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry of installed plugins, loaded on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = Registry()
        return _registry


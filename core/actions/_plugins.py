"""Plugin loading: entry points in the ``actions.destinations`` group, one at a time, failures recorded.

pluggy's own ``load_setuptools_entrypoints`` stops at the first broken plugin; a CLI that cannot
start because one unrelated package is broken is useless, so each entry point is loaded and
registered on its own and a failure is kept as a :class:`PluginFailure` (fatal only in strict mode).

Environment:
    ``ACTIONS_LOAD_PLUGINS``: unset loads every installed plugin; empty loads none (isolated
    tests); a comma-separated list loads only those entry-point or distribution names. The
    core's own built-in plugins (its sources) always load.
    ``ACTIONS_STRICT_PLUGINS=1``: a plugin that fails to load is an error, not a warning.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from ._errors import PluginLoadError

__all__ = ["ENTRY_POINT_GROUP", "PluginFailure", "PluginInfo", "PluginManager", "each_plugin", "load_plugins"]

ENTRY_POINT_GROUP = "actions.destinations"


@dataclass
class PluginInfo:
    """A plugin that loaded: where it came from and which hooks it implements."""

    name: str
    package: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    enrichers: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    #: ``name = value`` of its entry point (``None`` for a plugin registered directly).
    entry_point: str | None = None


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that did not load, and why (one line; ``detail`` has the traceback)."""

    name: str
    package: str | None
    version: str | None
    error: str
    detail: str = ""
    #: ``name = value`` of the entry point that failed (``None`` for a plugin registered directly).
    entry_point: str | None = None
    #: ``file:line`` where the error was raised in the plugin's code, when it can be told.
    location: str | None = None


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with the ``actions`` hookspecs added."""

    def __init__(self) -> None:
        super().__init__("actions")
        self.add_hookspecs(hookspecs)


def each_plugin(pm: pluggy.PluginManager, hook: str) -> Iterator[tuple[str, pluggy.HookCaller]]:
    """``(plugin name, caller)`` for each plugin implementing ``hook``: the caller runs only that one.

    Calls still go through pluggy, which passes each implementation only the arguments it
    declares (so a hookspec can gain an argument without breaking older plugins), but one plugin
    at a time, so the caller can tell which plugin raised and carry on with the others. Each
    plugin is called through a manager of its own with the same hookspecs: pluggy's
    ``subset_hook_caller`` would need plugins to be hashable, and plugin objects need not be.
    """
    caller = getattr(pm.hook, hook)
    spec = caller.spec
    for impl in caller.get_hookimpls():
        solo = pluggy.PluginManager(pm.project_name)
        if spec is not None:
            solo.add_hookspecs(spec.namespace)
        solo.register(impl.plugin, name=impl.plugin_name)
        yield impl.plugin_name, getattr(solo.hook, hook)


#: The distribution whose own plugins (the built-in sources) always load: they are part of the runtime.
CORE_DISTRIBUTION = "action-destinations-core"


def _wanted(ep: EntryPoint, allow: set[str] | None) -> bool:
    dist = ep.dist.name if ep.dist else None
    if allow is None or dist == CORE_DISTRIBUTION:
        return True
    return ep.name in allow or (dist is not None and dist in allow)


def _allow_list() -> set[str] | None:
    raw = os.environ.get("ACTIONS_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def unmatched_allowed() -> list[str]:
    """The names of ``ACTIONS_LOAD_PLUGINS`` that match no installed plugin (entry point or distribution)."""
    allow = _allow_list()
    if not allow:
        return []
    known = set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        known.add(ep.name)
        if ep.dist is not None:
            known.add(ep.dist.name)
    return sorted(allow - known)


def strict_from_env() -> bool:
    return os.environ.get("ACTIONS_STRICT_PLUGINS", "").lower() in {"1", "true", "yes"}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _location(exc: BaseException) -> str | None:
    """``file:line`` of the plugin's code the error came from: not importlib's, pluggy's or ours."""
    if isinstance(exc, SyntaxError) and exc.filename:  # str(exc) names only the file's base name
        return f"{exc.filename}:{exc.lineno}"
    ours = (os.sep + "importlib" + os.sep, os.sep + "pluggy" + os.sep, __file__)
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith("<") and not any(part in frame.filename for part in ours)
    ]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def load_plugins(pm: PluginManager, *, strict: bool = False) -> tuple[list[PluginInfo], list[PluginFailure]]:
    """Load and register every wanted entry point; return what loaded and what failed."""
    loaded: list[PluginInfo] = []
    failures: list[PluginFailure] = []
    allow = _allow_list()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if not _wanted(ep, allow) or pm.get_plugin(ep.name) is not None:
            continue
        package = ep.dist.name if ep.dist else None
        version = ep.dist.version if ep.dist else None
        try:
            plugin: Any = ep.load()
            pm.register(plugin, name=ep.name)
            pm.check_pending()
        except Exception as exc:
            if pm.get_plugin(ep.name) is not None:
                pm.unregister(name=ep.name)
            failure = PluginFailure(
                ep.name, package, version, _one_line(exc), traceback.format_exc(),
                f"{ep.name} = {ep.value}", _location(exc),
            )  # fmt: skip
            if strict:
                raise PluginLoadError(
                    f"plugin {ep.name!r} ({package}) failed to load: {failure.error}"
                ) from exc
            failures.append(failure)
            continue
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        loaded.append(PluginInfo(ep.name, package, version, hooks, entry_point=f"{ep.name} = {ep.value}"))
    return loaded, failures

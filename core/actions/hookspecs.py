"""The hooks a plugin can implement. Each takes a ``register`` callback (or the object to extend)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._destination import Destination
    from ._enrichers import EnricherSpec
    from .delivery._sources import SourceSpec
    from .queues._queue import QueueSpec

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("actions")
hookimpl = pluggy.HookimplMarker("actions")


@hookspec
def register_destinations(register: Callable[[Destination], None]) -> None:
    """Register destinations by calling ``register(destination)`` for each."""


@hookspec
def register_enrichers(register: Callable[[EnricherSpec], None]) -> None:
    """Register event enrichers by calling ``register(spec)`` for each."""


@hookspec
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    """Register kinds of event source by calling ``register(spec)`` for each."""


@hookspec
def register_queues(register: Callable[[QueueSpec], None]) -> None:
    """Register queue backends for ``actions serve`` by calling ``register(spec)`` for each URL scheme."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``actions`` click group."""

"""Enrichers: named steps that see every event before subscriptions and mapping, and may add to it.

An enricher never drops an event: for each event it receives it returns that event (possibly
with more fields), possibly later (it may hold events back briefly, for example to put them in
time order), possibly with extra synthetic events. Plugins register enrichers with the
``register_enrichers`` hook; a run enables them by name, in the order given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Enricher", "EnricherOptions", "EnricherSpec"]

Event = dict[str, Any]


class Enricher(Protocol):
    """A running enricher.

    ``enrich`` takes one event and returns the events ready to go on (zero if it holds the
    event back for now, more than one if it releases held events or adds synthetic ones).
    ``flush`` releases everything still held (end of input, or shutdown). ``close`` releases
    resources such as a state file; it is called once, after the final ``flush``.
    """

    def enrich(self, event: Event) -> Iterable[Event]: ...

    def flush(self) -> Iterable[Event]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EnricherOptions:
    """What a run tells an enricher when creating it.

    Args:
        state_path: A file for state that outlives the run (``actions run --state FILE``); the
            enricher keeps its own tables in it. ``None`` means in memory for this run only.
        params: ``--enrich-option KEY=VALUE`` pairs, for this enricher's own settings.
    """

    state_path: Path | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnricherSpec:
    """A named enricher a plugin offers: ``factory(options)`` creates a running one."""

    name: str
    description: str
    factory: Callable[[EnricherOptions], Enricher]
    #: Parameters ``params`` understands, with their meaning (for ``actions describe``/docs).
    params: Mapping[str, str] = field(default_factory=dict)

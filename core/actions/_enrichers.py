"""Enrichers: named steps that see every event before subscriptions and mapping, and may add to it.

An enricher never drops an event: for each event it receives it returns that event (possibly
with more fields), possibly later (it may hold events back briefly, for example to put them in
time order), possibly with extra synthetic events. Plugins register enrichers with the
``register_enrichers`` hook; a run enables them by name and applies them in the order given.

Each event travels with an opaque ``origin`` (the runtime uses it to remember which input line
an event came from); an enricher hands it back with the event, and gives an event it adds the
origin of the event that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Enricher", "EnricherOptions", "EnricherSpec", "Tagged", "enrich_all", "flush_all"]

Event = dict[str, Any]
#: An event and the opaque origin that travels with it.
Tagged = tuple[Event, Any]


class Enricher(Protocol):
    """A running enricher.

    ``enrich(event, origin)`` returns the ``(event, origin)`` pairs ready to go on: none if it
    holds the event back for now, more than one if it releases held events or adds synthetic
    ones. ``flush`` releases everything still held (end of input, or shutdown). ``close``
    releases resources such as a state file; it is called once, after the final ``flush``.
    """

    def enrich(self, event: Event, origin: Any = None) -> Iterable[Tagged]: ...

    def flush(self) -> Iterable[Tagged]: ...

    def close(self) -> None: ...


def enrich_all(enrichers: Sequence[Enricher], event: Event, origin: Any = None) -> list[Tagged]:
    """Pass one event through ``enrichers`` in order."""
    items: list[Tagged] = [(event, origin)]
    for enricher in enrichers:
        items = [out for event_, origin_ in items for out in enricher.enrich(event_, origin_)]
    return items


def flush_all(enrichers: Sequence[Enricher]) -> list[Tagged]:
    """Release everything ``enrichers`` hold, each flushed event passing through the later ones."""
    released: list[Tagged] = []
    for position, enricher in enumerate(enrichers):
        for event, origin in enricher.flush():
            released.extend(enrich_all(enrichers[position + 1 :], event, origin))
    return released


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

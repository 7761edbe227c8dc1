"""The run report: what became of every event, in total, per destination and per action."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ActionReport", "DestinationReport", "Report"]


@dataclass
class ActionReport:
    """Counts for one action. ``events_in`` counts deliveries routed to it (one per subscription match)."""

    events_in: int = 0
    delivered: int = 0
    dead_lettered: int = 0
    requests: int = 0
    retries: int = 0


@dataclass
class DestinationReport:
    """Counts for one destination of the run: each event offered to it ends in exactly one of
    delivered, filtered, dead-lettered, (a stopped run whose source gives it back) left, or
    (its dead letter could not be written) unrecorded."""

    slug: str
    events_in: int = 0
    delivered: int = 0
    filtered: int = 0
    dead_lettered: int = 0
    left: int = 0
    #: Failed here, but the dead-letter file could not take the record: in no file (see ``Report.error``).
    unrecorded: int = 0
    requests: int = 0
    retries: int = 0
    #: Deliveries that waited on disk because this destination was behind the others.
    spilled: int = 0
    #: Why delivery to this destination was switched off early (credentials rejected), if it was.
    authentication_error: str | None = None
    #: Why delivery to this destination was switched off early (no answer to any request), if it was.
    unreachable_error: str | None = None
    actions: dict[str, ActionReport] = field(default_factory=dict)

    def action(self, key: str) -> ActionReport:
        stats = self.actions.get(key)
        if stats is None:
            stats = self.actions[key] = ActionReport()
        return stats

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["actions"] = {key: asdict(stats) for key, stats in sorted(self.actions.items())}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DestinationReport:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["actions"] = {key: ActionReport(**stats) for key, stats in data.get("actions", {}).items()}
        return cls(**values)


@dataclass
class Report:
    """What a run did. Every event read ends in exactly one of delivered, filtered, dead-lettered,
    left, unrecorded.

    An event is *delivered* when every destination it went to accepted it everywhere it was
    routed, *filtered* when it matched no subscription of any destination, and *dead-lettered*
    when at least one of its deliveries failed for good (one dead-letter record per failed
    delivery; the others may still have been delivered). *Left* events were not finished when
    the run stopped, and the source gives them back to the next run (a checkpointed file).
    *Unrecorded* events failed, but a dead letter of theirs could not be written (disk full...:
    see ``error``), and the source does not give them back: they are in no file. (With a source
    that gives them back, they are left instead.)
    """

    destination: str
    run_id: str
    started_at: str = ""
    finished_at: str | None = None
    elapsed_s: float = 0.0
    events_in: int = 0
    delivered: int = 0
    filtered: int = 0
    dead_lettered: int = 0
    left: int = 0
    unrecorded: int = 0
    requests: int = 0
    retries: int = 0
    dry_run: bool = False
    #: The source read from (a file, ``<stdin>``, ``<python>``).
    source: str | None = None
    #: The run stopped before the end of its input: ``"signal"`` or ``"error"`` (``None`` if not).
    stopped: str | None = None
    #: The last input line taken in; ``None`` when events came from Python.
    last_line: int | None = None
    #: Why delivery was switched off early (credentials rejected), if it was.
    authentication_error: str | None = None
    #: Why delivery was switched off early (a destination answered no request), if it was.
    unreachable_error: str | None = None
    #: Why the run could not go to the end (unreadable input, dead letters not writable).
    error: str | None = None
    dead_letter_file: str | None = None
    #: Records this run added to the dead-letter file (each carries this ``run_id``).
    dead_letter_records: int = 0
    #: Dead letters that could not be written (see ``error``): their events are unrecorded or left.
    dead_letters_unwritten: int = 0
    dead_letter_codes: dict[str, int] = field(default_factory=dict)
    destinations: dict[str, DestinationReport] = field(default_factory=dict)

    @property
    def in_flight(self) -> int:
        """Events taken in whose outcome is not settled yet (0 once a run has finished)."""
        settled = self.delivered + self.filtered + self.dead_lettered + self.left + self.unrecorded
        return self.events_in - settled

    @property
    def events_per_second(self) -> float:
        return self.events_in / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def actions(self) -> dict[str, ActionReport]:
        """Per-action counts: keyed by action for one destination, ``destination/action`` for several."""
        if len(self.destinations) == 1:
            return next(iter(self.destinations.values())).actions
        return {
            f"{name}/{key}": stats
            for name, lane in self.destinations.items()
            for key, stats in lane.actions.items()
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["elapsed_s"] = round(self.elapsed_s, 3)
        data["events_per_second"] = round(self.events_per_second, 1)
        data["dead_letter_codes"] = dict(sorted(self.dead_letter_codes.items()))
        data["destinations"] = {name: lane.to_dict() for name, lane in self.destinations.items()}
        data["actions"] = {key: asdict(stats) for key, stats in sorted(self.actions.items())}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["destinations"] = {
            name: DestinationReport.from_dict(lane) for name, lane in data.get("destinations", {}).items()
        }
        return cls(**values)

    def write(self, path: str | Path) -> None:
        """Write the JSON report atomically (a reader never sees half a file)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".report-", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(self.to_json() + "\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

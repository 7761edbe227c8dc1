"""The run report: what happened to every event, in total and per action, as data and JSON."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ActionReport", "Report"]


@dataclass
class ActionReport:
    """Counts for one action. ``events_in`` counts deliveries routed to it (one per subscription match)."""

    events_in: int = 0
    delivered: int = 0
    dead_lettered: int = 0
    requests: int = 0
    retries: int = 0


@dataclass
class Report:
    """What a run did. Every event read ends in exactly one of delivered, filtered, dead-lettered.

    An event is *delivered* when every action it was routed to accepted it, *filtered* when it
    matched no subscription, and *dead-lettered* when at least one of its deliveries failed for
    good (one dead-letter record per failed action; the others may still have been delivered).
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
    requests: int = 0
    retries: int = 0
    dry_run: bool = False
    #: The run stopped before the end of its input: ``"signal"`` or ``"error"`` (``None`` if not).
    stopped: str | None = None
    #: The last input line taken in (resume after it); ``None`` when events came from Python.
    last_line: int | None = None
    #: Why delivery was switched off early (credentials rejected), if it was.
    authentication_error: str | None = None
    #: Why the run could not go to the end (unreadable input, dead letters not writable).
    error: str | None = None
    dead_letter_file: str | None = None
    dead_letter_records: int = 0
    #: Dead letters that could not be written (see ``error``): counted, but not in the file.
    dead_letters_unwritten: int = 0
    dead_letter_codes: dict[str, int] = field(default_factory=dict)
    actions: dict[str, ActionReport] = field(default_factory=dict)

    @property
    def in_flight(self) -> int:
        """Events taken in whose outcome is not settled yet (0 once a run has finished)."""
        return self.events_in - self.delivered - self.filtered - self.dead_lettered

    @property
    def events_per_second(self) -> float:
        return self.events_in / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def action(self, key: str) -> ActionReport:
        stats = self.actions.get(key)
        if stats is None:
            stats = self.actions[key] = ActionReport()
        return stats

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["elapsed_s"] = round(self.elapsed_s, 3)
        data["events_per_second"] = round(self.events_per_second, 1)
        data["actions"] = {key: asdict(stats) for key, stats in sorted(self.actions.items())}
        data["dead_letter_codes"] = dict(sorted(self.dead_letter_codes.items()))
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["actions"] = {key: ActionReport(**stats) for key, stats in data.get("actions", {}).items()}
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

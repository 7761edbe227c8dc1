"""Outcomes: counts into the report, dead letters, and telling the source when a record is settled.

Every record taken in gets a :class:`Tracker`. Each destination lane holds *units* of it open
(deliveries, events inside its enrichers); when a lane's last unit closes, the record's outcome
for that destination is counted, and when every lane is done, the record is settled: counted
once in the totals and handed back to the source with its :class:`~._sources.Outcome`. A
record whose dead letter is written to a file is handed back only once that file is synced, so
a source that checkpoints never gets ahead of what is on disk. A record whose dead letter could
not be written (disk full) is never handed back: a source that gives records back reads it again
next run (it is *left*); otherwise it is counted *unrecorded*.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Final

from .._clock import get_clock, iso_ms
from .._redact import Redactor
from ._deadletter import DeadLetterWriter, redact_record
from ._report import DestinationReport, Report
from ._sources import Outcome, Record, Source, Status

__all__ = ["Outcomes", "Tracker"]

_DELIVERED: Final = 1
_FAILED: Final = 2
_DONE: Final = 4  # the lane has settled the record
_UNRECORDED: Final = 8  # a dead letter of it could not be written


class Tracker:
    """One record taken in, until every destination lane has settled it."""

    __slots__ = (
        "abandoned",
        "lane_open",
        "lane_state",
        "lanes_open",
        "orphan",
        "record",
        "resident",
        "size",
        "spilled",
        "state",
        "units",
    )

    def __init__(self, record: Record, lanes: int) -> None:
        self.record = record
        self.lanes_open = lanes
        self.lane_open = [0] * lanes  # units open per lane
        self.lane_state = [0] * lanes  # _DELIVERED / _FAILED / _DONE bits per lane
        self.state = 0  # _DELIVERED / _FAILED bits of all lanes together
        self.units = 0  # units open in all lanes
        self.spilled = 0  # of those, waiting on disk
        self.resident = True  # its event is in memory (counts against the buffer)
        self.size = record.size  # its input bytes (counts against the buffer's byte budget)
        self.abandoned = False  # a stop left it unfinished; the source redelivers it
        self.orphan = False  # not the source's (added by an enricher after its cause settled)


class Outcomes:
    """Counts, dead letters and settle callbacks for one run.

    Args:
        report: The report counts go into.
        lanes: The lanes' names, in order, with their reports.
        source: Told about every settled record.
        sink: Where dead-letter records go.
        writer: The dead-letter file behind ``sink``, if it is one (synced before settling).
        redactor: Redacts every secret of the run (messages that belong to no one lane).
        on_sink_error: Called when a dead letter cannot be written (the run must stop).
    """

    def __init__(
        self,
        report: Report,
        lanes: Sequence[tuple[str, DestinationReport]],
        source: Source,
        sink: Callable[[dict[str, Any]], None],
        writer: DeadLetterWriter | None,
        redactor: Redactor,
        on_sink_error: Callable[[], None],
    ) -> None:
        self.report = report
        self._names = [name for name, _ in lanes]
        self._lanes = [stats for _, stats in lanes]
        self._source = source
        self._sink = sink
        self._writer = writer
        self.redactor = redactor
        self._on_sink_error = on_sink_error
        self._redelivers = source.redelivers
        self._defer = source.redelivers and writer is not None and writer.path is not None
        self._waiting_for_sync: list[tuple[Record, Outcome]] = []
        #: Records taken in and not settled.
        self.pending = 0
        #: Of those, the ones whose event is in memory: reading waits while this is at the buffer.
        self.resident = 0
        self.space = asyncio.Event()  # set when the buffer may have room
        self.space.set()
        self.wake = asyncio.Event()  # set when the last pending record settles
        self.buffer = 1
        #: Input bytes of the resident records, and the most they may reach (one record always may).
        self.resident_bytes = 0
        self.buffer_bytes = 0
        self._last_line: int | None = None

    # --- taking records in ----------------------------------------------------------------------

    def take(self, record: Record) -> Tracker:
        """Count ``record`` in and track it (its lanes then open units on it)."""
        report = self.report
        report.events_in += 1
        if record.line is not None and (self._last_line is None or record.line > self._last_line):
            report.last_line = self._last_line = record.line
        tracker = Tracker(record, len(self._lanes))
        tracker.units = 1  # held until every lane was offered it (see offered): not evicted before
        self.pending += 1
        self.resident += 1
        self.resident_bytes += tracker.size
        return tracker

    def orphan(self, event: dict[str, Any], cause: Tracker) -> Tracker:
        """A tracker for an event an enricher added after its cause was settled: counted, not the source's."""
        tracker = self.take(Record(event, cause.record.line))
        tracker.orphan = True
        tracker.units = 0  # offered to one lane, its enricher's: no hold
        tracker.lanes_open = 1  # it exists in its enricher's lane only
        return tracker

    def refuse(self, record: Record, code: str | None, message: str | None, reason: str) -> None:
        """A record no destination can take (unreadable input; a replay naming no destination of
        this run): dead-lettered at once, for no destination."""
        tracker = self.take(record)
        tracker.lanes_open = 0
        base: dict[str, Any] = {}
        if len(self._names) == 1:
            base["destination"] = self._names[0]
        elif record.destination is not None:
            base["destination"] = record.destination
        self.dead_letter(
            self.failure_record(
                record, record.event, code=code, status=None, retryable=False, message=message, reason=reason,
                attempts=0, action=record.action, subscription=record.subscription, base=base,
            ),
            self.redactor,
            tracker,
        )  # fmt: skip
        self._settle(tracker, "dead_lettered", True)

    # --- lanes opening and closing units ----------------------------------------------------

    def offered(self, tracker: Tracker) -> None:
        """Every lane was offered ``tracker``'s event: it may leave memory once all its units are on disk."""
        tracker.units -= 1
        self._evict_if_all_spilled(tracker)

    def _evict_if_all_spilled(self, tracker: Tracker) -> None:
        if tracker.lanes_open and tracker.spilled and tracker.spilled == tracker.units:
            self._evict(tracker)

    def open(self, tracker: Tracker, lane: int, units: int) -> None:
        tracker.lane_open[lane] += units
        tracker.units += units

    def routed_nowhere(self, tracker: Tracker, lane: int) -> None:
        """``lane`` opened no unit for ``tracker``: filtered there."""
        self._lane_done(tracker, lane)

    def close(self, tracker: Tracker, lane: int, *, delivered: bool = False, failed: bool = False) -> None:
        """One unit of ``tracker`` in ``lane`` is done (a delivery settled, or routed nowhere)."""
        if delivered:
            tracker.lane_state[lane] |= _DELIVERED
            tracker.state |= _DELIVERED
        elif failed:
            tracker.lane_state[lane] |= _FAILED
            tracker.state |= _FAILED
        tracker.lane_open[lane] -= 1
        tracker.units -= 1
        if tracker.lane_open[lane] == 0:
            self._lane_done(tracker, lane)
        self._evict_if_all_spilled(tracker)

    def _lane_done(self, tracker: Tracker, lane: int) -> None:
        stats = self._lanes[lane]
        state = tracker.lane_state[lane]
        tracker.lane_state[lane] = state | _DONE
        if tracker.abandoned:
            stats.left += 1
        elif state & _UNRECORDED:
            stats.unrecorded += 1
        elif state & _FAILED:
            stats.dead_lettered += 1
        elif state & _DELIVERED:
            stats.delivered += 1
        else:
            stats.filtered += 1
        tracker.lanes_open -= 1
        if tracker.lanes_open == 0:
            state = tracker.state
            status: Status = (
                "dead_lettered" if state & _FAILED else "delivered" if state & _DELIVERED else "filtered"
            )
            self._settle(tracker, status, bool(state & _FAILED))

    def spilled(self, tracker: Tracker) -> None:
        """One unit of ``tracker`` went to disk; once all have, its event leaves memory."""
        tracker.spilled += 1
        self._evict_if_all_spilled(tracker)

    def unspilled(self, tracker: Tracker) -> None:
        """One unit of ``tracker`` came back from disk."""
        tracker.spilled -= 1
        if not tracker.resident:
            tracker.resident = True
            self.resident += 1
            self.resident_bytes += tracker.size

    def _evict(self, tracker: Tracker) -> None:
        if tracker.resident:
            tracker.resident = False
            tracker.record.event = None  # the deliveries on disk hold their own copy
            self.resident -= 1
            self.resident_bytes -= tracker.size
            self._room()

    def abandon(self, tracker: Tracker, lane: int) -> None:
        """A unit left unfinished by a stop, for a source that gives the record back next run."""
        tracker.abandoned = True
        self.close(tracker, lane)

    # --- settling -------------------------------------------------------------------------------

    def _settle(self, tracker: Tracker, status: Status, dead_letter: bool) -> None:
        report = self.report
        if tracker.abandoned:
            report.left += 1
        elif tracker.state & _UNRECORDED:
            report.unrecorded += 1
        elif status == "delivered":
            report.delivered += 1
        elif status == "filtered":
            report.filtered += 1
        else:
            report.dead_lettered += 1
        self.pending -= 1
        if tracker.resident:
            self.resident -= 1
            self.resident_bytes -= tracker.size
            self._room()
        if self.pending == 0:
            self.wake.set()
        if tracker.abandoned or tracker.orphan or tracker.state & _UNRECORDED:
            return
        outcome = Outcome(status, lazy=lambda: self._by_destination(tracker))
        if dead_letter and self._defer:
            self._waiting_for_sync.append((tracker.record, outcome))
        else:
            self._source.settled(tracker.record, outcome)

    def _by_destination(self, tracker: Tracker) -> dict[str, Status]:
        out: dict[str, Status] = {}
        for name, state in zip(self._names, tracker.lane_state, strict=True):
            if state & _DONE:
                out[name] = (
                    "dead_lettered" if state & _FAILED else "delivered" if state & _DELIVERED else "filtered"
                )
        return out

    def full(self) -> bool:
        """Whether reading must wait: ``buffer`` records, or the byte budget, are in memory."""
        return self.resident >= self.buffer or (
            0 < self.buffer_bytes <= self.resident_bytes and self.resident > 0
        )

    def _room(self) -> None:
        if not self.full():
            self.space.set()

    def sync(self) -> None:
        """Make the dead letters written so far durable, then settle the records waiting for that."""
        if not self._waiting_for_sync:
            return
        waiting, self._waiting_for_sync = self._waiting_for_sync, []
        if self._writer is not None:
            try:
                self._writer.sync()
            except OSError as exc:  # cannot promise they are on disk: do not settle them
                self._sink_failed(exc)
                return
        for record, outcome in waiting:
            self._source.settled(record, outcome)

    # --- dead letters ---------------------------------------------------------------------------

    def failure_record(
        self,
        record: Record,
        event: dict[str, Any] | None,
        *,
        code: str | None,
        status: int | None,
        retryable: bool,
        message: str | None,
        reason: str | None,
        attempts: int = 0,
        action: str | None = None,
        subscription: str | None = None,
        base: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A dead-letter record (fields in ``_deadletter``): the event, or the text of unreadable input."""
        out: dict[str, Any] = dict(base or {})
        out["run_id"] = self.report.run_id
        if record.line is not None:
            out["line"] = record.line
        if action is not None:
            out["action"] = action
            out["subscription"] = subscription
        out |= {
            "code": code, "status": status, "retryable": retryable, "message": message, "reason": reason,
            "attempts": attempts, "failed_at": iso_ms(get_clock().now_ms()),
        }  # fmt: skip
        if event is None:
            out["raw"] = record.raw
        else:
            out["event"] = event
        return out

    def dead_letter(
        self, record: dict[str, Any], redactor: Redactor, tracker: Tracker | None = None, lane: int = -1
    ) -> bool:
        """Write one dead-letter record of ``tracker`` (in ``lane``; -1: no lane). False if it could not be.

        An event with a dead letter not written is not dead-lettered: the source gives it back
        (left), or it is unrecorded.
        """
        if redactor:
            record = redact_record(record, redactor)
        report = self.report
        try:
            self._sink(record)
        except Exception as exc:  # the file cannot take them (disk full...): stop rather than lose more
            report.dead_letters_unwritten += 1
            if tracker is not None:
                if self._redelivers and not tracker.orphan:
                    tracker.abandoned = True  # not settled: the next run reads it again
                else:
                    tracker.state |= _UNRECORDED
                    if lane >= 0:
                        tracker.lane_state[lane] |= _UNRECORDED
            self._sink_failed(exc)
            return False
        code = str(record.get("code"))
        report.dead_letter_codes[code] = report.dead_letter_codes.get(code, 0) + 1
        report.dead_letter_records += 1
        return True

    def _sink_failed(self, exc: Exception) -> None:
        report = self.report
        if report.error is None:
            where = f" to {self._writer.path}" if self._writer is not None and self._writer.path else ""
            reason = (exc.strerror if isinstance(exc, OSError) else None) or f"{type(exc).__name__}: {exc}"
            report.error = self.redactor.text(f"dead letters cannot be written{where}: {reason}")
            report.stopped = "error"
        self._on_sink_error()

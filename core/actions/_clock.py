"""The injectable clock: what "now" means for mappings, actions and delivery.

Code asks :func:`get_clock` instead of calling :func:`time.time`, so tests and the conformance
runner can freeze time with :func:`use_clock` (a context variable, so concurrent tasks can each
have their own).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock", "get_clock", "use_clock"]


class Clock(Protocol):
    """Anything that can tell the current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


class SystemClock:
    """The real wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FixedClock:
    """A clock stopped at one instant (epoch ms, or an ISO-8601 string)."""

    def __init__(self, when: int | str | datetime) -> None:
        if isinstance(when, str):
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        if isinstance(when, datetime):
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            when = round(when.timestamp() * 1000)
        self._ms = when

    def now_ms(self) -> int:
        return self._ms


_SYSTEM = SystemClock()
_current: ContextVar[Clock] = ContextVar("actions_clock")


def get_clock() -> Clock:
    """The clock in effect for the current context."""
    return _current.get(_SYSTEM)


@contextlib.contextmanager
def use_clock(clock: Clock | int | str | datetime) -> Iterator[Clock]:
    """Make ``clock`` (or a :class:`FixedClock` at that instant) current inside the block."""
    current = FixedClock(clock) if isinstance(clock, int | str | datetime) else clock
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def iso_ms(ms: int) -> str:
    """Format epoch milliseconds the way JavaScript's ``Date.toISOString`` does."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

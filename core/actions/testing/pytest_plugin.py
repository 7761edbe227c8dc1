"""pytest plugin (entry point ``pytest11``): fixtures that expose the test harness to any test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .._clock import Clock, use_clock

#: The instant the reference's golden cases were produced at; tests freeze the clock here.
FROZEN_NOW = "2024-01-15T12:00:00.000Z"


@pytest.fixture
def frozen_clock() -> Iterator[Clock]:
    """Freeze :func:`actions.get_clock` at 2024-01-15T12:00:00Z for the test."""
    with use_clock(FROZEN_NOW) as clock:
        yield clock

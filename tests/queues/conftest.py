"""The queue contract's tests run against every backend listed here, each opened by its URL.

A new backend adds a URL maker to ``BACKENDS`` (and whatever server it needs) and gets the whole
suite: contract, concurrency and the ``kill -9`` crash tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions.queues import Queue, builtin, open_queue
from actions.runtime import Registry

sys.path.insert(0, str(Path(__file__).parent))

BACKENDS: dict[str, Callable[[Path], str]] = {
    "sqlite": lambda folder: f"sqlite:///{folder}/queue.db",
}


@pytest.fixture(params=sorted(BACKENDS))
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
def open_test_queue(queue_url: str) -> Callable[..., Queue]:
    """Opens the queue at ``queue_url`` (again, for a restart) with the given QueueOptions fields."""
    registry = Registry([builtin], entry_points=False)

    def open_(**options: Any) -> Queue:
        return open_queue(queue_url, registry, **options)

    return open_

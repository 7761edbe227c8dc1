from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from actions import Destination, hookimpl
from actions import _registry as registry_module
from actions.runtime import Registry


@pytest.fixture
def use_destinations() -> Iterator[Callable[..., Registry]]:
    """Make the CLI see exactly these destinations (no entry points)."""
    saved = registry_module._registry

    def install(*destinations: Destination) -> Registry:
        @hookimpl
        def register_destinations(register: Any) -> None:
            for destination in destinations:
                register(destination)

        plugin = SimpleNamespace(__name__="test-destinations", register_destinations=register_destinations)
        registry = Registry([plugin], entry_points=False)
        registry_module._registry = registry
        return registry

    yield install
    registry_module._registry = saved

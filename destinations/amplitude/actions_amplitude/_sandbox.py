"""``--sandbox`` and ``actions emulator amplitude``: the Amplitude emulator served on a local port."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from actions import SandboxRun

__all__ = ["SANDBOX_SETTINGS", "sandbox"]

#: Settings that work against the emulator (it accepts any API key by default).
SANDBOX_SETTINGS: Mapping[str, str] = {
    "apiKey": "sandbox-api-key",
    "secretKey": "sandbox-secret-key",
    "endpoint": "north_america",
}


def _summary(emulator: Any) -> dict[str, Any]:
    stats = emulator.stats
    return {
        "events_stored": stats.events_stored,
        "duplicates_dropped": stats.duplicates_dropped,
        # Events of uploads answered 4xx: the bad events are named and the others resent.
        "events_in_rejected_uploads": stats.events_rejected,
        "identifies": len(emulator.identifies),
        "group_identifies": len(emulator.group_identifies),
        "user_mappings": len(emulator.user_mappings),
        "deletions": len(emulator.deletions),
        "requests": {route: dict(by_status) for route, by_status in stats.requests.items()},
        "faults": dict(stats.faults),
    }


@contextlib.contextmanager
def sandbox(host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[SandboxRun]:
    """Serve an emulator configured by ``options`` (``EmulatorConfig`` fields) until the block ends."""
    from .emulator import Emulator, EmulatorConfig, serve

    emulator = Emulator(EmulatorConfig(**options))
    with serve(emulator, host=host, port=port) as server:
        yield SandboxRun(
            base_url=server.url, settings=dict(SANDBOX_SETTINGS), stats=lambda: _summary(emulator)
        )

"""``--sandbox`` and ``actions emulator amplitude``: the Amplitude emulator served on a local port."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from actions import ConfigurationError, SandboxRun
from pydantic import ValidationError

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


def _option_problem(exc: ValidationError, options: Mapping[str, Any], allowed: list[str]) -> str:
    """The first bad option of ``exc`` in one line, naming it (and, when unknown, every allowed one)."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else "?"
    if error["type"] == "extra_forbidden":
        return f"invalid emulator option {name!r}: there is no such option (allowed: {', '.join(allowed)})"
    if len(error["loc"]) > 1 or "key" in name:  # api_keys holds secret keys: never quote them
        return f"invalid emulator option {'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
    return f"invalid emulator option {name}={options.get(name)!r}: {error['msg']}"


@contextlib.contextmanager
def sandbox(host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[SandboxRun]:
    """Serve an emulator configured by ``options`` (``EmulatorConfig`` fields) until the block ends."""
    from .emulator import Emulator, EmulatorConfig, serve

    try:
        config = EmulatorConfig(**options)
    except ValidationError as exc:
        raise ConfigurationError(_option_problem(exc, options, list(EmulatorConfig.model_fields))) from None
    emulator = Emulator(config)
    with serve(emulator, host=host, port=port) as server:
        yield SandboxRun(
            base_url=server.url, settings=dict(SANDBOX_SETTINGS), stats=lambda: _summary(emulator)
        )

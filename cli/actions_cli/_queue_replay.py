"""``actions replay --queue URL``: make the dead letters kept by ``actions serve`` pending again.

Nothing is sent from here: the service (running now, or at its next start) delivers what is
pending, through the same lanes as everything else. ``--dry-run`` counts what would be re-queued.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import time
from collections import Counter
from typing import Any

import click

from ._output import EXIT_OK

__all__ = ["parse_time", "requeue"]

_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str, flag: str, now_s: float | None = None) -> int:
    """Epoch milliseconds of ISO 8601 ``text`` (no zone: UTC), or of ``30m``, ``2h``, ``7d`` ago."""
    now = time.time() if now_s is None else now_s
    ago = _AGO.fullmatch(text.strip())
    if ago:
        return int((now - float(ago[1]) * _UNITS[ago[2]]) * 1000)
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.UsageError(
            f"{flag} {text!r} is not a time: give ISO 8601 (2026-12-07T10:00:00Z) or an age (30m, 2h, 7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def requeue(
    url: str,
    dead_letter_file: str | None,
    destination: str | None,
    runs: tuple[str, ...],
    reasons: tuple[str, ...],
    since: str | None,
    until: str | None,
    options: dict[str, Any],
) -> int:
    if dead_letter_file is not None:
        raise click.UsageError("give a DEAD_LETTER_FILE or --queue URL, not both")
    if runs:
        raise click.UsageError("--run chooses records of a dead-letter file; with --queue, use --since")
    context = click.get_current_context()
    for name in options:
        if name != "dry_run" and context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            flag = "--" + name.removesuffix("_path").replace("_", "-")
            raise click.UsageError(
                f"{flag} does not apply with --queue: actions serve delivers re-queued events with its "
                "own pipeline file"
            )
    since_ms = parse_time(since, "--since") if since else None
    until_ms = parse_time(until, "--until") if until else None
    return asyncio.run(_requeue(url, destination, reasons, since_ms, until_ms, bool(options.get("dry_run"))))


async def _requeue(
    url: str,
    destination: str | None,
    reasons: tuple[str, ...],
    since_ms: int | None,
    until_ms: int | None,
    dry_run: bool,
) -> int:
    from actions.queues import open_queue
    from actions.runtime import get_registry

    queue = open_queue(url, get_registry())
    try:
        counts: Counter[tuple[str, str]] = Counter()
        total = 0
        for reason in reasons or (None,):
            if dry_run:
                dead = await queue.dead(destination, reason, since_ms, until_ms, limit=10_000_000)
                counts.update((item.destination, item.reason) for item in dead)
                total += len(dead)
            else:
                total += await queue.requeue(destination, reason, since_ms, until_ms)
    finally:
        await queue.close()
    if dry_run:
        for (name, reason), count in sorted(counts.items()):
            click.echo(f"{count:>8}  {name}  {reason}")
        click.echo(f"dry run: {total} dead letter(s) would be re-queued; nothing changed")
    else:
        click.echo(f"re-queued {total} dead letter(s): actions serve delivers them again")
    return EXIT_OK

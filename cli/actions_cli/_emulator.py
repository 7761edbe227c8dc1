"""``actions emulator``: run a destination's local stand-in for its vendor API until stopped."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

import click
from actions import ConfigurationError
from actions.runtime import get_registry

from ._run import open_emulator, parse_emulator_options

__all__ = ["emulator_command", "wait_for_signal"]


def wait_for_signal() -> str:
    """Block until SIGINT or SIGTERM arrives; return its name."""
    received: list[str] = []
    done = threading.Event()

    def handler(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        done.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not done.wait(0.5):  # a timed wait lets the handler run promptly on every platform
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    return received[0]


#: Replaced in tests, which cannot send themselves a signal from CliRunner's thread.
_wait: Callable[[], str] = wait_for_signal

_FAULTS = (
    ("error_rate", "Share of requests answered with a 5xx."),
    ("throttle_rate", "Share of requests answered 429 (with Retry-After)."),
    ("drop_rate", "Share of requests whose connection is closed without an answer."),
    ("timeout_rate", "Share of requests whose answer is held --timeout-s."),
)


@click.command("emulator")
@click.argument("slug")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port."
)
@click.option("--error-rate", type=click.FloatRange(0, 1), help=_FAULTS[0][1])
@click.option("--throttle-rate", type=click.FloatRange(0, 1), help=_FAULTS[1][1])
@click.option("--drop-rate", type=click.FloatRange(0, 1), help=_FAULTS[2][1])
@click.option("--timeout-rate", type=click.FloatRange(0, 1), help=_FAULTS[3][1])
@click.option("--timeout-s", type=click.FloatRange(0), help="How long a timeout fault holds the answer.")
@click.option("--latency-ms", type=click.FloatRange(0), help="Delay added to every answer.")
@click.option("--seed", type=int, help="Seed of the fault decisions (same seed, same faults).")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any other emulator option (repeatable; a value that parses as JSON is read as JSON).",
)
def emulator_command(slug: str, host: str, port: int, options: tuple[str, ...], **faults: Any) -> None:
    """Serve destination SLUG's emulator on HOST:PORT until SIGINT or SIGTERM.

    It prints its base URL and working settings; point `actions run SLUG --base-url URL` (or
    any client) at it. On exit it prints what it stored. Fault options make it misbehave on
    purpose, to watch retries and dead letters at work.
    """
    destination = get_registry().destination(slug)
    settings = {key: value for key, value in faults.items() if value is not None}
    settings.update(parse_emulator_options(options))
    with contextlib.ExitStack() as stack:
        try:
            sandbox = stack.enter_context(open_emulator(destination, host, port, settings))
        except OSError as exc:  # cannot bind: the port is taken, the host unknown or not ours
            raise ConfigurationError(
                f"cannot serve the {slug} emulator on {host}:{port}: {_why(exc)}"
            ) from None
        click.echo(f"{slug} emulator listening on {sandbox.base_url}")
        click.echo("settings: " + json.dumps(dict(sandbox.settings), ensure_ascii=False))
        click.echo(
            f"try: actions run {slug} --base-url {sandbox.base_url} --settings SETTINGS.json --events FILE"
        )
        name = _wait()
        click.echo(
            f"{name}: stopping; stored: " + json.dumps(sandbox.stats(), ensure_ascii=False, default=str)
        )


def _why(exc: OSError) -> str:
    """The reason in a few words (asyncio's bind errors repeat the address in a long sentence)."""
    if exc.errno == errno.EADDRINUSE:
        return f"{os.strerror(exc.errno)} (another program listens there; --port 0 picks a free port)"
    if isinstance(exc.errno, int) and exc.errno > 0:
        return os.strerror(exc.errno)
    return str(exc.strerror or exc)

"""``actions run``: deliver a stream of events to a destination, with a dead-letter file and a report.

The options shared with ``actions replay`` live here too (:func:`delivery_options`,
:func:`deliver`): both commands are the same pipeline fed by different readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from actions import (
    ConfigurationError,
    Destination,
    Enricher,
    EnricherOptions,
    Exchange,
    SandboxRun,
    Settings,
    get_registry,
)
from actions.delivery import Engine, EventReader, Report, RetryPolicy, format_request, read_events

from ._output import EXIT_FAILED, EXIT_OK
from ._settings_file import load_settings, read_config_file

__all__ = [
    "deliver",
    "delivery_options",
    "load_subscriptions",
    "open_emulator",
    "parse_emulator_options",
    "run_command",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Where dead letters go when ``--dead-letter`` is not given (and this is not a dry run).
DEFAULT_DEAD_LETTER = "dead-letters.ndjson"


def parse_emulator_options(options: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` texts to keyword arguments; a value is read as JSON when it parses."""
    parsed: dict[str, Any] = {}
    for text in options:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {text!r}")
        try:
            parsed[key.strip()] = json.loads(value)
        except ValueError:
            parsed[key.strip()] = value
    return parsed


@contextlib.contextmanager
def open_emulator(
    destination: Destination, host: str, port: int, options: dict[str, Any]
) -> Iterator[SandboxRun]:
    """Start ``destination``'s emulator; bad options are a configuration error."""
    if destination.emulator is None:
        raise ConfigurationError(f"destination {destination.slug!r} has no emulator")
    with contextlib.ExitStack() as stack:
        try:
            sandbox = stack.enter_context(destination.emulator(host, port, **options))
        except (TypeError, ValueError) as exc:  # unknown or invalid option (pydantic errors are ValueErrors)
            raise ConfigurationError(f"invalid emulator option: {str(exc).splitlines()[0]}") from None
        yield sandbox


def delivery_options(command: F) -> F:
    """The options every delivering command takes (``run`` and ``replay``)."""
    options = [
        click.option(
            "--settings",
            "settings_path",
            type=click.Path(dir_okay=False, exists=True),
            help="Destination settings (JSON or TOML); ACTIONS_<SLUG>_<KEY> variables override keys.",
        ),
        click.option(
            "--subscriptions",
            "subscriptions_path",
            type=click.Path(dir_okay=False, exists=True),
            help="JSON or TOML list of {subscribe, action, mapping?, name?}. "
            "Default: the destination's presets.",
        ),
        click.option(
            "--dead-letter",
            "dead_letter_path",
            type=click.Path(dir_okay=False),
            help=f"NDJSON file failed deliveries are appended to [default: {DEFAULT_DEAD_LETTER}; "
            "a dry run prints them instead].",
        ),
        click.option(
            "--report",
            "report_path",
            type=click.Path(dir_okay=False),
            help="Write the JSON summary of the run here.",
        ),
        click.option("--base-url", help="Send every request to this scheme://host:port (paths kept)."),
        click.option("--dry-run", is_flag=True, help="Send nothing; print each request that would be sent."),
        click.option(
            "--dry-run-format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="How --dry-run prints requests: readable text or one JSON object per line.",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            help="Deliver to the destination's local emulator (no account needed) and show what it stored.",
        ),
        click.option(
            "--emulator-option",
            "emulator_options",
            multiple=True,
            metavar="KEY=VALUE",
            help="With --sandbox: an emulator option (repeatable), e.g. error_rate=0.1.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 1000),
            default=8,
            show_default=True,
            help="Most requests in flight at once.",
        ),
        click.option(
            "--rate-limit",
            type=click.FloatRange(0, min_open=True),
            metavar="PER_SECOND",
            help="Most requests per second (default: the destination's own limit, if any).",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(1),
            help="Most events per batch (can only lower an action's own limit).",
        ),
        click.option(
            "--batch-bytes",
            type=click.IntRange(1),
            help="Most bytes per batch (can only lower an action's own limit).",
        ),
        click.option(
            "--linger",
            type=click.FloatRange(0),
            metavar="SECONDS",
            help="Longest an event waits for its batch to fill.",
        ),
        click.option("--no-batching", is_flag=True, help="One request per event, even for batching actions."),
        click.option(
            "--max-attempts",
            type=click.IntRange(1),
            default=RetryPolicy.max_attempts,
            show_default=True,
            help="Attempts per delivery (retries of transient failures included).",
        ),
        click.option(
            "--max-retry-time",
            type=click.FloatRange(0),
            default=RetryPolicy.max_elapsed_s,
            show_default=True,
            metavar="SECONDS",
            help="Give up on a delivery whose next attempt would start this long after its first.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(0, min_open=True),
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds per request.",
        ),
        click.option(
            "--shutdown-timeout",
            type=click.FloatRange(0),
            default=30.0,
            show_default=True,
            metavar="SECONDS",
            help="On SIGINT/SIGTERM: time to finish in-flight work before it is dead-lettered.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 64),
            default=1,
            show_default=True,
            help="Processes that parse and map events (the CPU-heavy part), for NDJSON input (Linux, macOS).",
        ),
        click.option(
            "--buffer",
            type=click.IntRange(1),
            default=5_000,
            show_default=True,
            help="Most events in flight (read, not yet settled): bounds memory.",
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Show a progress bar [default: when stderr is a terminal].",
        ),
        click.option("--json", "json_summary", is_flag=True, help="Print the JSON report on stdout."),
        click.option("-q", "--quiet", is_flag=True, help="No progress and no summary (errors still print)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_subscriptions(path: str | Path) -> list[dict[str, Any]]:
    """Read a subscriptions file: a JSON list, or ``{"subscriptions": [...]}`` in JSON or TOML."""
    data = read_config_file(path, "subscriptions")
    if isinstance(data, dict) and "subscriptions" in data:
        data = data["subscriptions"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ConfigurationError(
            f"subscriptions file {str(path)!r} must hold a list of subscriptions "
            '(or {"subscriptions": [...]}), each an object'
        )
    return data


@contextlib.contextmanager
def _sandbox(
    destination: Destination, enabled: bool, options: tuple[str, ...]
) -> Iterator[SandboxRun | None]:
    if not enabled:
        if options:
            raise click.UsageError("--emulator-option needs --sandbox")
        yield None
        return
    with open_emulator(destination, "127.0.0.1", 0, parse_emulator_options(options)) as sandbox:
        yield sandbox


def _settings(
    destination: Destination, path: str | None, sandbox: SandboxRun | None
) -> tuple[Settings, list[str], dict[str, dict[str, str]]]:
    """Validated settings, plus the enrichers the settings file asks for (its ``enrich`` and
    ``enrich_options`` keys, which are the run's, not the destination's)."""
    raw = load_settings(destination, path, base=sandbox.settings if sandbox else None)
    where = f" in {path}" if path else ""
    names = _names(raw.pop("enrich", None), f"the enrich setting{where}")
    options = raw.pop("enrich_options", None) or {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise ConfigurationError(f"enrich_options{where} must map enricher names to tables of options")
    params = {name: {str(k): str(v) for k, v in values.items()} for name, values in options.items()}
    try:
        return destination.validate_settings(raw), names, params
    except ConfigurationError as exc:
        raise ConfigurationError(f"invalid settings for {destination.slug!r}{where}: {exc}") from None


def _names(value: Any, what: str) -> list[str]:
    """Enricher names from ``a,b``, a list of such strings, or nothing."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ConfigurationError(f"{what} must be a name, a comma-separated list or a list of names")
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


def build_enrichers(
    names: list[str], options: tuple[str, ...], params: dict[str, dict[str, str]], state_path: str | None
) -> list[Enricher]:
    """Create the named enrichers, in order, with ``NAME.KEY=VALUE`` options (``KEY=VALUE`` when one)."""
    if not names:
        if options or state_path:
            raise click.UsageError("--enrich-option and --state need --enrich")
        return []
    params = {name: dict(params.get(name, {})) for name in names}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise click.UsageError(f"--enrich-option {option!r}: expected [NAME.]KEY=VALUE")
        name, dot, param = key.partition(".")
        if not dot or name not in params:
            if len(names) != 1:
                raise click.UsageError(f"--enrich-option {option!r}: say which enricher (NAME.KEY=VALUE)")
            name, param = names[0], key
        params[name][param] = value
    registry = get_registry()
    specs = [registry.enricher(name) for name in names]
    state = Path(state_path) if state_path else None
    return [spec.factory(EnricherOptions(state_path=state, params=params[spec.name])) for spec in specs]


class _Console:
    """Where the command talks: progress and summary on stderr, data (requests, JSON) on stdout."""

    def __init__(self, *, quiet: bool, progress: bool | None) -> None:
        self.quiet = quiet
        self.interactive = sys.stderr.isatty()
        self.progress = (self.interactive if progress is None else progress) and not quiet


def _dry_run_printer(
    destination: Destination, settings: Settings, fmt: str
) -> Callable[[Exchange, str | None], None]:
    redactor = destination.redactor(settings)
    shape: Literal["text", "json"] = "json" if fmt == "json" else "text"

    def show(exchange: Exchange, action: str | None) -> None:
        _echo(format_request(exchange.request, redactor, action=action, fmt=shape))

    return show


def _dead_letter_printer(record: dict[str, Any]) -> None:
    where = f"line {record['line']}" if "line" in record else "event"
    action = f" -> {record['action']}" if "action" in record else ""
    _echo(f"dead letter: {where}{action}: {record.get('code')}: {record.get('message')}", err=True)


def _echo(message: str, *, err: bool = False) -> None:
    """``click.echo`` that outlives a reader who went away (``actions run ... | head``)."""
    try:
        click.echo(message, err=err)
    except BrokenPipeError:
        # Later writes (and the flush at exit) would fail the same way: send them nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), (sys.stderr if err else sys.stdout).fileno())


async def _drive(engine: Engine, events: EventReader, console: _Console) -> Report:
    """Run the engine with signal handling (first signal: drain; second: stop now) and progress."""
    loop = asyncio.get_running_loop()
    received = 0

    def on_signal(name: str) -> None:
        nonlocal received
        received += 1
        engine.stop(immediate=received > 1)  # first: whatever printing does next
        if received == 1:
            _echo(
                f"{name}: stopping; finishing in-flight deliveries for up to {engine.shutdown_timeout:g}s "
                "(signal again to stop now)",
                err=True,
            )

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
    try:
        if not console.progress:
            return await engine.run(events)
        return await _with_progress(engine, events)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _with_progress(engine: Engine, events: EventReader) -> Report:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if events.total_bytes:
        columns += [BarColumn(), TextColumn("{task.percentage:>3.0f}%")]
    columns += [TextColumn("{task.fields[counts]}"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(
            f"{engine.destination.slug} <- {events.name}", total=events.total_bytes, counts=""
        )
        running = asyncio.ensure_future(engine.run(events))
        while not running.done():
            await asyncio.wait({running}, timeout=0.2)
            report = engine.report
            counts = (
                f"{report.events_in:,} in · {report.delivered:,} delivered · {report.filtered:,} filtered · "
                f"{report.dead_lettered:,} dead-lettered"
            )
            bar.update(task, completed=events.bytes_read, counts=counts)
        return running.result()


def _summarise(report: Report, console: _Console, sandbox: SandboxRun | None) -> None:
    if console.quiet:
        return
    if console.interactive:
        _rich_summary(report, sandbox)
        return
    line = (
        f"{report.destination}: {report.events_in} events in: {report.delivered} delivered, "
        f"{report.filtered} filtered, {report.dead_lettered} dead-lettered; {report.requests} requests, "
        f"{report.retries} retries in {report.elapsed_s:.2f}s"
    )
    click.echo(line, err=True)
    if sandbox is not None:
        click.echo("sandbox: " + json.dumps(sandbox.stats(), ensure_ascii=False, default=str), err=True)
    _epilogue(report)


def _rich_summary(report: Report, sandbox: SandboxRun | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    title = f"{report.destination}{' (dry run)' if report.dry_run else ''}: {report.elapsed_s:.2f}s"
    table = Table(title=title, title_justify="left")
    for column in ("action", "events in", "delivered", "dead-lettered", "requests", "retries"):
        table.add_column(column, justify="left" if column == "action" else "right")
    for key, stats in sorted(report.actions.items()):
        table.add_row(key, *(f"{n:,}" for n in (stats.events_in, stats.delivered, stats.dead_lettered,
                                                stats.requests, stats.retries)))  # fmt: skip
    table.add_section()
    table.add_row("all events", f"{report.events_in:,}", f"{report.delivered:,}", f"{report.dead_lettered:,}",
                  f"{report.requests:,}", f"{report.retries:,}")  # fmt: skip
    console.print(table)
    console.print(
        f"{report.filtered:,} filtered (no subscription matched) · {report.events_per_second:,.0f} events/s"
    )
    if sandbox is not None:
        stored = Table(title="sandbox: what the emulator stored", title_justify="left", show_header=False)
        stored.add_column("key")
        stored.add_column("value")
        for key, value in sandbox.stats().items():
            shown = value if isinstance(value, str | int | float) else json.dumps(value, default=str)
            stored.add_row(str(key), str(shown))
        console.print(stored)
    _epilogue(report)


def _epilogue(report: Report) -> None:
    if report.authentication_error:
        click.echo(f"the destination rejected the credentials: {report.authentication_error}", err=True)
    if report.stopped == "signal":
        resume = f"; input taken in up to line {report.last_line}" if report.last_line else ""
        click.echo(f"stopped early{resume}", err=True)
    if report.dead_letter_records and report.dead_letter_file:
        codes = ", ".join(f"{code} {count}" for code, count in sorted(report.dead_letter_codes.items()))
        click.echo(
            f"{report.dead_letter_records} dead-letter record(s) ({codes}) in {report.dead_letter_file}; "
            f"send them again with: actions replay {report.dead_letter_file}",
            err=True,
        )


def deliver(
    *,
    slug: str,
    events: Callable[[], EventReader],
    default_dead_letter: str,
    settings_path: str | None,
    subscriptions_path: str | None,
    dead_letter_path: str | None,
    report_path: str | None,
    base_url: str | None,
    dry_run: bool,
    dry_run_format: str,
    sandbox: bool,
    emulator_options: tuple[str, ...],
    concurrency: int,
    rate_limit: float | None,
    batch_size: int | None,
    batch_bytes: int | None,
    linger: float | None,
    no_batching: bool,
    max_attempts: int,
    max_retry_time: float | None,
    timeout: float,
    shutdown_timeout: float,
    workers: int,
    buffer: int,
    progress: bool | None,
    json_summary: bool,
    quiet: bool,
    enrich: tuple[str, ...] = (),
    enrich_options: tuple[str, ...] = (),
    state_path: str | None = None,
) -> int:
    """Configure, run and report one delivery; returns the exit code.

    Everything that can be wrong with the configuration is checked before any event is read.
    """
    if sandbox and base_url:
        raise click.UsageError("--sandbox and --base-url both choose where requests go; give one")
    destination = get_registry().destination(slug)
    subscriptions = load_subscriptions(subscriptions_path) if subscriptions_path else None
    console = _Console(quiet=quiet, progress=progress)
    if dry_run and progress is None:
        console.progress = False  # the requests are printed on the same terminal
    with _sandbox(destination, sandbox, emulator_options) as running:
        settings, setting_enrichers, enrich_params = _settings(destination, settings_path, running)
        names = _names(list(enrich), "--enrich") or setting_enrichers
        enrichers = build_enrichers(names, enrich_options, enrich_params, state_path)
        if dead_letter_path is None:
            dead_letter: Any = _dead_letter_printer if dry_run else default_dead_letter
        else:
            dead_letter = dead_letter_path
        engine = Engine(
            destination,
            settings,
            subscriptions,
            base_url=running.base_url if running else base_url,
            timeout=timeout,
            concurrency=concurrency,
            retry=RetryPolicy(max_attempts=max_attempts, max_elapsed_s=max_retry_time),
            batching=not no_batching,
            batch_size=batch_size,
            batch_bytes=batch_bytes,
            linger_s=linger,
            rate_limit=rate_limit,
            dead_letter=dead_letter,
            dry_run=dry_run,
            on_exchange=_dry_run_printer(destination, settings, dry_run_format) if dry_run else None,
            buffer=buffer,
            shutdown_timeout=shutdown_timeout,
            workers=workers,
            enrichers=enrichers,
        )
        report = asyncio.run(_drive(engine, events(), console))
        if report_path:
            report.write(report_path)
        if json_summary:
            _echo(report.to_json())
        with contextlib.suppress(BrokenPipeError):
            _summarise(report, console, running)
    if report.error:
        _echo(f"Error: the run could not go to the end: {report.error}", err=True)
    if report.dead_lettered or report.stopped:
        return EXIT_FAILED
    return EXIT_OK


@click.command("run")
@click.argument("slug")
@click.option(
    "--events",
    "events_path",
    default="-",
    show_default=True,
    type=click.Path(dir_okay=False, exists=True, allow_dash=True),
    help='NDJSON (an event or {"batch": [...]} per line) or a JSON array; - for stdin.',
)
@click.option(
    "--enrich",
    multiple=True,
    metavar="NAME[,NAME]",
    help="Pass every event through these enrichers, in this order, before subscriptions "
    "(`actions plugins` lists them). Default: the settings file's enrich key.",
)
@click.option(
    "--enrich-option",
    "enrich_options",
    multiple=True,
    metavar="[NAME.]KEY=VALUE",
    help="An enricher option (repeatable); NAME may be left out when one enricher is enabled.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    help="File where enrichers keep state between runs (for example, open sessions).",
)
@delivery_options
def run_command(slug: str, events_path: str, **options: Any) -> None:
    """Deliver events to destination SLUG: subscriptions, batching, retries, dead letters, a report.

    Every event ends delivered, filtered (no subscription matched) or dead-lettered: failed
    deliveries are appended to the dead-letter file with the reason, ready for `actions replay`.

    Exit code 0 when nothing was dead-lettered, 1 when some events were (or the run was
    stopped early), 2 for usage or configuration errors (nothing was sent).
    """
    events = functools.partial(read_events, events_path)
    sys.exit(deliver(slug=slug, events=events, default_dead_letter=DEFAULT_DEAD_LETTER, **options))


def register(cli: click.Group) -> None:
    cli.add_command(run_command)

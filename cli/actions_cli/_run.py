"""``actions run``: deliver a stream of events to a destination, with a dead-letter file and a report.

The options shared with ``actions replay`` live here too (:func:`delivery_options`,
:func:`deliver`): both commands are the same pipeline fed by different readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from actions import ConfigurationError, Destination, SandboxRun
from actions.delivery import (
    BatchOptions,
    DestinationConfig,
    Engine,
    Knob,
    Limits,
    Pipeline,
    Report,
    RetryPolicy,
    RunOptions,
    Source,
    SourceConfig,
    format_request,
    knobs,
    load_pipeline,
    read_events,
)
from actions.runtime import Exchange, Redactor, get_registry

from ._logging import redact_with
from ._output import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from ._params import BASE_URL
from ._paths import check_output
from ._settings_file import load_settings, read_config_file

__all__ = [
    "deliver",
    "delivery_options",
    "destination_config",
    "knob_values",
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
            raise ConfigurationError(f"invalid emulator option: {' '.join(str(exc).split())}") from None
        yield sandbox


#: The value classes whose knobs are command-line options, in the order --help shows them.
KNOB_CLASSES: tuple[type, ...] = (Limits, BatchOptions, RetryPolicy, RunOptions)


def _knob_option(item: dataclasses.Field[Any], declared: Knob) -> Callable[[F], F]:
    """One knob as a click option: ``--name`` (``--no-name`` for a switch that is on by default)."""
    flag = "--" + declared.name.replace("_", "-")
    if isinstance(item.default, bool):
        help_text = declared.off_help or declared.help
        return click.option(
            f"--no-{flag[2:]}",
            declared.name,
            flag_value=not item.default,
            default=item.default,
            help=help_text,
        )
    is_int = "int" in str(item.type) and "float" not in str(item.type)
    low, high = declared.low, declared.high
    kind: click.ParamType = (  # type: ignore[type-arg]
        click.IntRange(None if low is None else int(low), None if high is None else int(high))
        if is_int
        else click.FloatRange(low, high, min_open=declared.low_open)
    )
    return click.option(
        flag,
        declared.name,
        type=kind,
        default=item.default,
        show_default=item.default is not None,
        metavar=declared.metavar,
        help=declared.help,
    )


def _given(name: str) -> bool:
    """Whether option ``name`` was given (on the command line or by a variable), not defaulted."""
    context = click.get_current_context(silent=True)
    source = context.get_parameter_source(name) if context is not None else None
    return source not in (None, click.core.ParameterSource.DEFAULT)


def knob_values(options: dict[str, Any]) -> dict[type, dict[str, Any]]:
    """Pop the knob options out of ``options``: those given on the command line, as field values per class.

    Options left at their defaults are not returned, so a pipeline file's values stand.
    """
    context = click.get_current_context(silent=True)
    out: dict[type, dict[str, Any]] = {cls: {} for cls in KNOB_CLASSES}
    for cls in KNOB_CLASSES:
        for item, declared in knobs(cls):
            if not declared.cli:
                continue
            value = options.pop(declared.name, item.default)
            if context is None:
                given = value != item.default
            else:
                given = context.get_parameter_source(declared.name) is not click.core.ParameterSource.DEFAULT
            if given:
                out[cls][item.name] = value
    return out


def delivery_options(command: F, *, dead_letter_default: str = DEFAULT_DEAD_LETTER) -> F:
    """The options every delivering command takes (``run`` and ``replay``).

    ``dead_letter_default`` is what --help shows as --dead-letter's default (replay's differs).
    """
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, exists=True),
            help="A pipeline file (TOML): several destinations, each with settings, subscriptions, "
            "enrichers and delivery options (docs/running.md). Replaces SLUG.",
        ),
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
            help=f"NDJSON file failed deliveries are appended to [default: {dead_letter_default}; "
            "a dry run prints them instead].",
        ),
        click.option(
            "--report",
            "report_path",
            type=click.Path(dir_okay=False),
            help="Write the JSON summary of the run here.",
        ),
        click.option(
            "--base-url", type=BASE_URL, help="Send every request to this http(s)://host:port (paths kept)."
        ),
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
            help="Deliver to each destination's local emulator (no account needed) and show what it stored.",
        ),
        click.option(
            "--emulator-option",
            "emulator_options",
            multiple=True,
            metavar="KEY=VALUE",
            help="With --sandbox: an emulator option (repeatable), e.g. error_rate=0.1.",
        ),
        *(
            _knob_option(item, declared)
            for cls in KNOB_CLASSES
            for item, declared in knobs(cls)
            if declared.cli
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Show a progress bar [default: when stderr is a terminal]; when stderr is not one, "
            "a plain line of counts every --progress-interval seconds.",
        ),
        click.option(
            "--progress-interval",
            type=click.FloatRange(0, min_open=True),
            default=5.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds between the progress lines of --progress when stderr is not a terminal.",
        ),
        click.option(
            "--json",
            "json_summary",
            is_flag=True,
            help="Print the JSON report on stdout, as one line (with --dry-run, after the requests, "
            "printed as JSON lines).",
        ),
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


def _names(value: Any, what: str) -> list[str]:
    """Enricher names from ``a,b``, a list of such strings, or nothing."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise ConfigurationError(f"{what} must be a name, a comma-separated list or a list of names")
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


def _enrich_params(
    names: list[str], options: tuple[str, ...], params: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """``params`` for the enabled enrichers, with ``NAME.KEY=VALUE`` options (``KEY=VALUE`` when one)."""
    out = {name: dict(params.get(name, {})) for name in names}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise click.UsageError(f"--enrich-option {option!r}: expected [NAME.]KEY=VALUE")
        name, dot, param = key.partition(".")
        if not dot or name not in out:
            if len(names) != 1:
                raise click.UsageError(f"--enrich-option {option!r}: say which enricher (NAME.KEY=VALUE)")
            name, param = names[0], key
        out[name][param] = value
    return out


def destination_config(
    slug: str,
    settings_path: str | None,
    subscriptions_path: str | None,
    enrich: tuple[str, ...] = (),
    enrich_options: tuple[str, ...] = (),
    state_path: str | None = None,
) -> DestinationConfig:
    """The one destination of ``actions run SLUG``: settings file and variables, subscriptions, enrichers.

    A settings file may name enrichers (its ``enrich`` and ``enrich_options`` keys, which are
    the run's, not the destination's: the settings file reader keeps them apart); ``--enrich`` wins.
    """
    destination = get_registry().destination(slug)
    loaded = load_settings(destination, settings_path)
    where = f" in {settings_path}" if settings_path else ""
    names = _names(list(enrich), "--enrich") or _names(loaded.enrich, f"the enrich setting{where}")
    options = loaded.enrich_options or {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise ConfigurationError(f"enrich_options{where} must map enricher names to tables of options")
    if not names and (enrich_options or state_path):
        raise click.UsageError("--enrich-option and --state need --enrich")
    params = {name: {str(k): str(v) for k, v in values.items()} for name, values in options.items()}
    return DestinationConfig(
        name=slug,
        destination=destination,
        settings=loaded.settings,
        subscriptions=load_subscriptions(subscriptions_path) if subscriptions_path else None,
        enrich=names,
        enrich_options=_enrich_params(names, enrich_options, params),
        state=state_path,
        where=where,
    )


class _Console:
    """Where the command talks: progress and summary on stderr, data (requests, JSON) on stdout."""

    def __init__(self, *, quiet: bool, progress: bool | None, interval_s: float = 5.0) -> None:
        self.quiet = quiet
        self.interactive = sys.stderr.isatty()
        self.progress = (self.interactive if progress is None else progress) and not quiet
        self.interval_s = interval_s


def _dry_run_printer(redactor: Callable[[], Redactor], fmt: str) -> Callable[[Exchange, str | None], None]:
    """Prints each request, redacted by ``redactor()``: the run's one redactor, which the engine builds."""
    shape: Literal["text", "json"] = "json" if fmt == "json" else "text"

    def show(exchange: Exchange, action: str | None) -> None:
        _echo(format_request(exchange.request, redactor(), action=action, fmt=shape))

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


async def _drive(engine: Engine, source: Source, console: _Console) -> tuple[Report, str | None]:
    """Run the engine with signal handling (first signal: drain; second: stop now) and progress.

    Returns the report and the name of the first signal received (``None`` without one).
    """
    loop = asyncio.get_running_loop()
    received = 0
    first: str | None = None

    def on_signal(name: str) -> None:
        nonlocal received, first
        received += 1
        first = first or name
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
            report = await engine.run(source)
        elif console.interactive:
            report = await _with_progress(engine, source)
        else:  # a journal or a CI log: no live display, plain lines
            report = await _with_progress_lines(engine, source, console.interval_s)
        return report, first
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _with_progress(engine: Engine, source: Source) -> Report:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    total = getattr(source, "total_bytes", None)
    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        columns += [BarColumn(), TextColumn("{task.percentage:>3.0f}%")]
    columns += [TextColumn("{task.fields[counts]}"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{engine.report.destination} <- {source.name}", total=total, counts="")
        running = asyncio.ensure_future(engine.run(source))
        while not running.done():
            await asyncio.wait({running}, timeout=0.2)
            report = engine.report
            counts = (
                f"{report.events_in:,} in · {report.delivered:,} delivered · {report.filtered:,} filtered · "
                f"{report.dead_lettered:,} dead-lettered"
            )
            bar.update(task, completed=getattr(source, "bytes_read", 0), counts=counts)
        return running.result()


async def _with_progress_lines(engine: Engine, source: Source, interval_s: float) -> Report:
    running = asyncio.ensure_future(engine.run(source))
    loop = asyncio.get_running_loop()
    last_in, last_at = 0, loop.time()
    while not running.done():
        await asyncio.wait({running}, timeout=interval_s)
        if running.done():
            break
        report, now = engine.report, loop.time()
        rate = (report.events_in - last_in) / max(now - last_at, 1e-9)
        last_in, last_at = report.events_in, now
        _echo(
            f"progress: {report.destination}: {report.events_in:,} in, {report.delivered:,} delivered, "
            f"{report.filtered:,} filtered, {report.dead_lettered:,} dead-lettered, {report.retries:,} "
            f"retries; {rate:,.0f} events/s",
            err=True,
        )
    return running.result()


def _summarise(report: Report, console: _Console, sandboxes: dict[str, SandboxRun]) -> None:
    if console.quiet:
        return
    if console.interactive:
        _rich_summary(report, sandboxes)
        return
    left = f", {report.left} left for the next run" if report.left else ""
    if report.unrecorded:
        left += f", {report.unrecorded} unrecorded (dead letters not written)"
    line = (
        f"{report.destination}: {report.events_in} events in: {report.delivered} delivered, "
        f"{report.filtered} filtered, {report.dead_lettered} dead-lettered{left}; "
        f"{report.requests} requests, {report.retries} retries in {report.elapsed_s:.2f}s"
    )
    click.echo(line, err=True)
    if len(report.destinations) > 1:
        for name, lane in report.destinations.items():
            unrecorded = f", {lane.unrecorded} unrecorded" if lane.unrecorded else ""
            click.echo(
                f"  {name}: {lane.delivered} delivered, {lane.filtered} filtered, {lane.dead_lettered} "
                f"dead-lettered{unrecorded}; {lane.requests} requests, {lane.retries} retries",
                err=True,
            )
    for name, sandbox in sandboxes.items():
        prefix = "sandbox" if len(sandboxes) == 1 else f"sandbox {name}"
        click.echo(f"{prefix}: " + json.dumps(sandbox.stats(), ensure_ascii=False, default=str), err=True)
    _epilogue(report)


def _rich_summary(report: Report, sandboxes: dict[str, SandboxRun]) -> None:
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
    for name, sandbox in sandboxes.items():
        heading = "sandbox: what the emulator stored" + ("" if len(sandboxes) == 1 else f" ({name})")
        stored = Table(title=heading, title_justify="left", show_header=False)
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
    if report.unreachable_error:
        click.echo(f"Error: the destination could not be reached: {report.unreachable_error}", err=True)
    if report.dead_letter_records and report.dead_letter_file:
        codes = ", ".join(f"{code} {count}" for code, count in sorted(report.dead_letter_codes.items()))
        click.echo(
            f"{report.dead_letter_records} dead-letter record(s) ({codes}) added to "
            f"{report.dead_letter_file} by run {report.run_id}; send them again with: "
            f"actions replay {report.dead_letter_file} --run {report.run_id}",
            err=True,
        )


def deliver(
    *,
    slug: str | None,
    source: Callable[[Pipeline | None], tuple[Source, SourceConfig | None]],
    default_dead_letter: str,
    config_path: str | None,
    settings_path: str | None,
    subscriptions_path: str | None,
    dead_letter_path: str | None,
    report_path: str | None,
    base_url: str | None,
    dry_run: bool,
    dry_run_format: str,
    sandbox: bool,
    emulator_options: tuple[str, ...],
    progress: bool | None,
    json_summary: bool,
    quiet: bool,
    enrich: tuple[str, ...] = (),
    enrich_options: tuple[str, ...] = (),
    state_path: str | None = None,
    progress_interval: float = 5.0,
    **knobs_given: Any,
) -> int:
    """Configure, run and report one delivery; returns the exit code.

    ``source(pipeline)`` creates the source (and says which of the pipeline's sources it is) once
    the configuration is known. Everything that can be wrong with the configuration is checked
    before any event is read.
    """
    if sandbox and base_url:
        raise click.UsageError("--sandbox and --base-url both choose where requests go; give one")
    if sandbox and dry_run:
        raise click.UsageError("--sandbox sends to a local emulator and --dry-run sends nothing; give one")
    if not sandbox and emulator_options:
        raise click.UsageError("--emulator-option needs --sandbox")
    if dry_run and json_summary:
        if _given("dry_run_format") and dry_run_format != "json":
            raise click.UsageError("--json keeps stdout NDJSON: --dry-run-format text cannot go with it")
        dry_run_format = "json"
    values = knob_values(knobs_given)
    if knobs_given:
        raise TypeError(f"unexpected options: {', '.join(knobs_given)}")
    registry = get_registry()
    pipeline: Pipeline | None = None
    if config_path is not None:
        if slug is not None:
            raise click.UsageError("give a destination SLUG or --config FILE, not both")
        given: list[tuple[str, object]] = [
            ("--settings", settings_path),
            ("--subscriptions", subscriptions_path),
            ("--state", state_path),
            ("--enrich", enrich),
            ("--enrich-option", enrich_options),
        ]
        clash = next((flag for flag, value in given if value), None)
        if clash is not None:
            raise click.UsageError(f"{clash} is set per destination in the pipeline file, not with --config")
        pipeline = load_pipeline(config_path, registry)
    elif slug is None:
        raise click.UsageError("give a destination SLUG (`actions plugins` lists them), or --config FILE")
    console = _Console(quiet=quiet, progress=progress, interval_s=progress_interval)
    if dry_run and progress is None:
        console.progress = False  # the requests are printed on the same terminal
    dead_letter: Any
    if dead_letter_path is not None:
        dead_letter = dead_letter_path
        check_output(dead_letter, "--dead-letter", appended=True)
    elif dry_run:
        dead_letter = _dead_letter_printer
    else:
        dead_letter = (pipeline.dead_letter if pipeline else None) or default_dead_letter
        named = pipeline is not None and pipeline.dead_letter is not None
        check_output(dead_letter, "the dead-letter file" + ("" if named else " (default)"), appended=True)
    if report_path:
        check_output(report_path, "--report")
    with contextlib.ExitStack() as stack:
        events, source_config = source(pipeline)
        if pipeline is not None:
            configs = pipeline.fed_by(source_config)
        else:
            assert slug is not None
            configs = [
                destination_config(
                    slug, settings_path, subscriptions_path, enrich, enrich_options, state_path
                )
            ]
        for config in configs:
            if config.subscriptions == []:  # not None (the presets): a list left empty by mistake
                origin = (
                    f"[destinations.{config.name}] in {config_path}"
                    if pipeline is not None
                    else f"the subscriptions file {subscriptions_path}"
                )
                _echo(f"warning: {origin} holds no subscription: every event will be filtered", err=True)
            if config.state:
                check_output(config.state, f"the state file of {config.name}")
        sandboxes: dict[str, SandboxRun] = {}
        if sandbox:
            parsed = parse_emulator_options(emulator_options)
            for config in configs:
                sandboxes[config.name] = stack.enter_context(
                    open_emulator(config.destination, "127.0.0.1", 0, parsed)
                )
        lane_values = {cls: values[cls] for cls in KNOB_CLASSES if cls is not RunOptions}
        lanes = [
            config.lane(
                registry,
                overrides=lane_values,
                base_settings=sandboxes[config.name].settings if config.name in sandboxes else None,
                base_url=sandboxes[config.name].base_url if config.name in sandboxes else base_url,
            )
            for config in configs
        ]
        options = pipeline.run_options(values[RunOptions]) if pipeline else RunOptions(**values[RunOptions])
        engine = Engine(
            lanes,
            options=options,
            dead_letter=dead_letter,
            dry_run=dry_run,
            on_exchange=_dry_run_printer(lambda: engine.redactor, dry_run_format) if dry_run else None,
        )
        redact_with(engine.redactor)
        _collect_garbage_less_often()
        report, signalled = asyncio.run(_drive(engine, events, console))
        unwritten_report = None
        if report_path:
            try:
                report.write(report_path)
            except OSError as exc:  # disk full, out of descriptors: the summary below still says it all
                unwritten_report = f"the report could not be written to {report_path}: {exc.strerror or exc}"
        if json_summary:  # one line: with --dry-run, stdout stays NDJSON (requests, then the report)
            _echo(json.dumps(report.to_dict(), ensure_ascii=False))
        with contextlib.suppress(BrokenPipeError):
            _summarise(report, console, sandboxes)
    if report.stopped == "signal":  # even with --quiet: it says how to go on
        _echo(_stopped_early(report, resumable=events.redelivers), err=True)
    if report.error:
        _echo(f"Error: the run could not go to the end: {report.error}{_unwritten(report)}", err=True)
    if unwritten_report:
        _echo(f"Error: {unwritten_report}", err=True)
    if report.stopped == "signal" and signalled == "SIGINT":
        return EXIT_INTERRUPTED
    if report.dead_lettered or report.stopped or report.unrecorded or unwritten_report:
        return EXIT_FAILED
    return EXIT_OK


def _stopped_early(report: Report, *, resumable: bool) -> str:
    """The line after a stop on a signal: how to go on (with a checkpoint, the same command continues)."""
    if resumable:
        left = f"; {report.left} unfinished event(s) left" if report.left else ""
        return f"stopped early{left}: run the same command again to continue"
    return (
        f"stopped early; input taken in up to line {report.last_line}"
        if report.last_line
        else "stopped early"
    )


def _unwritten(report: Report) -> str:
    """What the dead-letter file could not take, and where those events stand."""
    if not report.dead_letters_unwritten:
        return ""
    fates = []
    if report.unrecorded:
        fates.append(f"{report.unrecorded} event(s) recorded nowhere")
    if report.left:
        fates.append(f"{report.left} event(s) left for the next run")
    return f" ({report.dead_letters_unwritten} dead letter(s) not written: {', '.join(fates)})"


def _collect_garbage_less_often() -> None:
    """Tune the cyclic garbage collector for a long run of short-lived, acyclic objects.

    Events, payloads and their trackers are freed by reference counting, and so are requests and
    responses (the session breaks the one cycle httpx leaves between a response and its stream).
    With the default thresholds the collector runs every 700 allocations and keeps re-walking
    every module, schema and compiled mapping: about a fifth of the CPU of a run. Freezing what
    exists now (configuration is done) takes those out of every collection, and a higher first
    threshold collects the few cycles left in bigger, rarer sweeps.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _run_source(
    events_path: str | None, checkpoint: str | None
) -> Callable[[Pipeline | None], tuple[Source, SourceConfig | None]]:
    """The source of ``actions run``: ``--events`` (or stdin), else the pipeline file's one source."""

    def create(pipeline: Pipeline | None) -> tuple[Source, SourceConfig | None]:
        if checkpoint is not None:
            check_output(checkpoint, "--checkpoint")
        if events_path is not None or pipeline is None or not pipeline.sources:
            return read_events(events_path or "-", checkpoint=checkpoint), None
        if len(pipeline.sources) > 1:
            names = ", ".join(source.name for source in pipeline.sources)
            raise click.UsageError(
                f"the pipeline file has several sources ({names}): choose one with --events"
            )
        config = pipeline.sources[0]
        if checkpoint is not None:
            config = dataclasses.replace(config, params={**config.params, "checkpoint": checkpoint})
        elif isinstance(config.params.get("checkpoint"), str):
            check_output(config.params["checkpoint"], f"the checkpoint of source {config.name}")
        return config.create(get_registry()), config

    return create


@click.command("run")
@click.argument("slug", required=False)
@click.option(
    "--events",
    "events_path",
    default=None,
    type=click.Path(dir_okay=False, exists=True, allow_dash=True),
    help='NDJSON (an event or {"batch": [...]} per line) or a JSON array; - for stdin '
    "[default: the pipeline file's source, else stdin].",
)
@click.option(
    "--checkpoint",
    "checkpoint_path",
    type=click.Path(dir_okay=False),
    help="Keep here, durably, how far the input is settled; run again with the same file to continue "
    "after a crash or a stop (NDJSON from a file).",
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
def run_command(
    slug: str | None, events_path: str | None, checkpoint_path: str | None, **options: Any
) -> None:
    """Deliver events to destination SLUG (or to every destination of --config FILE).

    Subscriptions, batching, retries, dead letters, a report. Every event ends delivered,
    filtered (no subscription matched) or dead-lettered for each destination: failed deliveries
    are appended to the dead-letter file with the reason, ready for `actions replay`.

    Exit code 0 when nothing was dead-lettered, 1 when some events were (or the run was
    stopped early), 2 for usage or configuration errors (nothing was sent), 130 when stopped
    by SIGINT (Ctrl-C).
    """
    if checkpoint_path is not None and options.get("dry_run"):
        raise click.UsageError("--checkpoint cannot be used with --dry-run: a dry run settles nothing")
    source = _run_source(events_path, checkpoint_path)
    sys.exit(deliver(slug=slug, source=source, default_dead_letter=DEFAULT_DEAD_LETTER, **options))

"""``actions replay``: send the events of a dead-letter file again, each to the action that failed."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import click
from actions import ConfigurationError
from actions.delivery import Pipeline, Source, SourceConfig, dead_letter_reader

from ._output import EXIT_OK
from ._run import deliver, delivery_options

__all__ = ["replay_command"]

F = TypeVar("F", bound=Callable[..., Any])


#: Records of a dead-letter file by (run id, destination named), in the order first seen.
Survey = Counter[tuple[str | None, str | None]]


def survey_dead_letters(path: str | Path) -> Survey:
    """Read a dead-letter file once, before anything is sent: refuse one that is not dead letters
    (binary, or plain events), and count its records by run and destination.

    A line that is not JSON is let through (it is replayed as input and reported with its line:
    a record damaged by hand), unless it is the first; one that is not UTF-8 text is not.
    Nothing has been sent when it raises: a plain events file used to be half replayed.

    Raises:
        ConfigurationError: naming the file and the first line that is not a dead letter.
    """
    survey: Survey = Counter()
    seen = 0
    with open(path, "rb") as stream:
        for number, data in enumerate(stream, 1):
            if not data.strip():
                continue
            try:
                if b"\x00" in data:
                    raise UnicodeError
                text = data.decode("utf-8")
            except UnicodeError:
                raise ConfigurationError(
                    f"{path} is not a dead-letter file: line {number} is not text"
                ) from None
            seen += 1
            try:
                record = json.loads(text)
            except (ValueError, RecursionError):
                if seen == 1:
                    raise ConfigurationError(
                        f"{path} is not a dead-letter file: line {number} is not JSON"
                    ) from None
                continue
            # A dead letter's "event" is the event object; a track event's own "event" is its name.
            if not isinstance(record, dict) or not (
                isinstance(record.get("event"), dict | list) or "raw" in record
            ):
                plain = isinstance(record, dict) and ("type" in record or "batch" in record)
                what = (
                    "an event (send events with `actions run --events FILE`)"
                    if plain
                    else "not a dead letter"
                )
                raise ConfigurationError(
                    f"{path} is not a dead-letter file: line {number} is {what}; "
                    'a dead letter has an "event" object or a "raw" text'
                )
            run, slug = record.get("run_id"), record.get("slug") or record.get("destination")
            survey[(run if isinstance(run, str) else None, slug if isinstance(slug, str) else None)] += 1
    return survey


def run_ids(survey: Survey) -> dict[str, int]:
    """How many records of each run (``run_id``) the file holds, in the order first seen."""
    runs: dict[str, int] = {}
    for (run, _), count in survey.items():
        if run is not None:
            runs[run] = runs.get(run, 0) + count
    return runs


def recorded_destination(path: str | Path, survey: Survey, runs: Collection[str] = ()) -> str | None:
    """The one destination the records (of ``runs``, if given) name (``None`` for none).

    Raises:
        ConfigurationError: the records name no destination, or several (each record must go
            back where it failed, which takes --config).
    """
    chosen = [(slug, count) for (run, slug), count in survey.items() if not runs or run in runs]
    named = list(dict.fromkeys(slug for slug, _ in chosen if slug is not None))
    if chosen and not named:
        raise ConfigurationError(f"{path}: no record names a destination; pass --destination (or --config)")
    if len(named) > 1:
        raise ConfigurationError(
            f"{path} holds dead letters of several destinations ({', '.join(named)}): replay it with "
            "--config FILE, which sends each back to its own, or choose one with --destination"
        )
    return next(iter(named), None)


def default_output(path: str | Path) -> str:
    """``dead-letters.ndjson`` -> ``dead-letters.replay.ndjson``: where the replay's own failures go."""
    source = Path(path)
    return str(source.with_name(f"{source.stem}.replay{source.suffix or '.ndjson'}"))


def _replay_options(command: F) -> F:
    return delivery_options(command, dead_letter_default="FILE with .replay before its extension")


@click.command("replay")
@click.argument("dead_letter_file", type=click.Path(dir_okay=False, exists=True), required=False)
@click.option(
    "--destination",
    "slug",
    help="Destination slug, for every record [default: the one the file's records name].",
)
@click.option(
    "--run",
    "runs",
    multiple=True,
    metavar="RUN_ID",
    help="Replay only the records of this run (repeatable): `actions run` prints its run id "
    "[default: every record of the file].",
)
@click.option(
    "--queue",
    "queue_url",
    metavar="URL",
    help="Instead of a file: re-queue the dead letters kept in the queue of `actions serve`, which "
    "delivers them again (--destination, --reason, --since and --until choose which).",
)
@click.option(
    "--reason", "reasons", multiple=True, metavar="CODE", help="With --queue: only this code (repeatable)."
)
@click.option("--since", metavar="TIME", help="With --queue: dead since TIME (ISO 8601, or 30m, 2h, 7d ago).")
@click.option("--until", metavar="TIME", help="With --queue: dead until TIME (ISO 8601, or 30m, 2h, 7d ago).")
@_replay_options
def replay_command(
    dead_letter_file: str | None,
    slug: str | None,
    runs: tuple[str, ...],
    queue_url: str | None,
    reasons: tuple[str, ...],
    since: str | None,
    until: str | None,
    **options: Any,
) -> None:
    """Send the events of DEAD_LETTER_FILE again, through the same path as `actions run`.

    A failed delivery is replayed to the action it failed in only (an event delivered to its
    other actions is not sent to them twice); with --config, to the destination it failed in
    only. Unreadable input is read again from the text recorded, so a line fixed by hand goes
    through. The file is not modified: what fails again is appended to --dead-letter
    (default: FILE with .replay before its extension).

    With --queue URL instead of a file, the dead letters that `actions serve` keeps in its
    queue are made pending again (all, or those of --destination, --reason, --since, --until),
    and the service delivers them; --dry-run only counts them.

    Exit codes as for `actions run`.
    """
    if queue_url is not None:
        from ._queue_replay import requeue

        sys.exit(requeue(queue_url, dead_letter_file, slug, runs, reasons, since, until, options))
    if dead_letter_file is None:
        raise click.UsageError("give a DEAD_LETTER_FILE, or --queue URL")
    for flag, value in (("--reason", reasons), ("--since", since), ("--until", until)):
        if value:
            raise click.UsageError(f"{flag} chooses dead letters in a queue: it needs --queue URL")
    survey = survey_dead_letters(dead_letter_file)
    if runs:
        present = run_ids(survey)
        missing = [run for run in runs if run not in present]
        if missing:
            known = ", ".join(present) or "none"
            raise ConfigurationError(
                f"{dead_letter_file} holds no dead letters of run {', '.join(missing)} (its runs: {known})"
            )
    if options.get("config_path") is None:
        slug = slug or recorded_destination(dead_letter_file, survey, runs)
        if slug is None:
            click.echo(f"{dead_letter_file} holds no dead letters: nothing to replay", err=True)
            sys.exit(EXIT_OK)
    elif slug is not None:
        raise click.UsageError("give --destination or --config FILE, not both")
    output = options.get("dead_letter_path") or default_output(dead_letter_file)
    if Path(output).resolve() == Path(dead_letter_file).resolve():
        raise click.UsageError("--dead-letter must differ from the file being replayed")

    if not options.get("dry_run"):
        options["dead_letter_path"] = output  # not the pipeline's own file: that may be this one

    def source(pipeline: Pipeline | None) -> tuple[Source, SourceConfig | None]:
        return dead_letter_reader(dead_letter_file, runs=runs), None

    sys.exit(deliver(slug=slug, source=source, default_dead_letter=output, **options))

"""``actions conformance run``: golden cases from the reference, run through this runtime."""

from __future__ import annotations

import contextlib
import fnmatch
import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from actions import ConfigurationError
from actions.js import json_stringify

from ._output import EXIT_FAILED


def read_cases(path: str) -> list[dict[str, Any]]:
    """The cases of a ``.jsonl`` file, or a one-line :class:`ConfigurationError` naming the first bad line.

    Split on ``\\n`` only, as the recorder writes them: strings may hold U+2028.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not a cases file: byte {exc.start} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc.strerror or exc}") from None
    cases = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{path} line {number} is not JSON: {exc.msg} at column {exc.colno}"
            ) from None
        except (ValueError, RecursionError):  # too deep, or too long a number
            raise ConfigurationError(f"{path} line {number} is not a case: it cannot be parsed") from None
        if not isinstance(case, dict) or not isinstance(case.get("kind"), str) or "output" not in case:
            raise ConfigurationError(
                f'{path} line {number} is not a case: a case is an object with a "kind" and an "output"'
            )
        cases.append(case)
    if not cases:
        raise ConfigurationError(f"{path} holds no cases")
    return cases


@click.group("conformance")
def conformance_group() -> None:
    """Check this runtime against golden cases recorded from the reference implementation."""


@conformance_group.command("run")
@click.argument("cases_path", metavar="CASES.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--results",
    "results_path",
    type=click.Path(dir_okay=False),
    help="Write one JSON line per case: {id, output}.",
)
@click.option("--only", "patterns", multiple=True, help="Run only case ids matching this glob (repeatable).")
@click.option(
    "--show", "show", type=int, default=10, show_default=True, help="How many failures to print in detail."
)
@click.option("--show-divergences", is_flag=True, help="Also list documented divergences and their reasons.")
def run_command(
    cases_path: str, results_path: str | None, patterns: tuple[str, ...], show: int, show_divergences: bool
) -> None:
    """Run CASES.jsonl and compare with each case's recorded output.

    Exit code 0 when every case passes or differs only as documented, 1 otherwise.
    """
    # The kit lives in actions.testing, which needs pytest and syrupy (the core's testing extra):
    # imported here, so that the CLI starts without test machinery.
    try:
        from actions.testing.conformance import run_cases
    except ImportError as exc:
        raise ConfigurationError(
            f"`actions conformance` needs the core's testing extra ({exc}): "
            "pip install 'action-destinations-core[testing]'"
        ) from None
    cases = read_cases(cases_path)
    if patterns:
        cases = [c for c in cases if any(fnmatch.fnmatchcase(str(c.get("id")), p) for p in patterns)]
    counts: Counter[tuple[str, str]] = Counter()
    failures = []
    divergent = []
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(Path(results_path).open("w", encoding="utf-8")) if results_path else None
        for result in run_cases(cases):
            counts[(result.kind, result.status)] += 1
            if out is not None:
                # JavaScript's JSON: non-ASCII kept, lone surrogates (some cases have them) escaped.
                out.write(f"{json_stringify({'id': result.id, 'output': result.output})}\n")
            if result.status == "fail":
                failures.append(result)
            elif result.status == "divergent":
                divergent.append(result)
    kinds = sorted({kind for kind, _ in counts})
    statuses = ("pass", "divergent", "fail", "unsupported")
    click.echo(f"{'kind':<10}" + "".join(f"{s:>12}" for s in statuses))
    for kind in kinds:
        click.echo(f"{kind:<10}" + "".join(f"{counts[(kind, s)]:>12}" for s in statuses))
    totals = {s: sum(n for (_, st), n in counts.items() if st == s) for s in statuses}
    click.echo(f"{'total':<10}" + "".join(f"{totals[s]:>12}" for s in statuses))
    if show_divergences:
        for result in divergent:
            click.echo(f"\nDIVERGENT {result.id}: {result.reason}")
    for result in failures[:show]:
        click.echo(f"\nFAIL {result.id}")
        for line in result.differences[:8]:
            click.echo(f"  {line}")
    if len(failures) > show:
        click.echo(f"\n... and {len(failures) - show} more failures")
    if failures:
        raise SystemExit(EXIT_FAILED)

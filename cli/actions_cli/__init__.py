"""actions: deliver analytics events to vendor APIs through action destinations.

Destinations are plugins, found through the `actions.destinations` entry point group.
Start with `actions plugins` to see what is installed and `actions describe SLUG` to see what
a destination needs.
"""

from __future__ import annotations

import click
from actions import __version__

from . import _logging
from ._output import EXIT_CONFIG, ActionsGroup, fail

__all__ = ["cli", "main"]


@click.group(cls=ActionsGroup, help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actions")
@click.option("-v", "--verbose", count=True, help="More log lines on stderr: -v info, -vv debug.")
@click.option(
    "--log-level",
    type=click.Choice(_logging.LEVELS, case_sensitive=False),
    help="Log lines on stderr from this level up [default: warning] (overrides -v).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Debug log lines, with the traceback of unexpected errors (secrets redacted).",
)
def cli(verbose: int, log_level: str | None, debug: bool) -> None:
    _logging.setup(verbose=verbose, level=log_level.lower() if log_level else None, debug=debug)


def _register_commands() -> None:
    from . import _check, _conformance, _describe, _emulator, _init, _plugins, _replay, _run

    for module in (_plugins, _describe, _check, _conformance, _init, _run, _replay, _emulator):
        module.register(cli)


_register_commands()


def main() -> None:
    """Console-script entry point: add plugin commands, then run."""
    from actions import PluginLoadError
    from actions.runtime import get_registry

    try:
        get_registry().add_commands(cli)
    except PluginLoadError as exc:  # strict mode (ACTIONS_STRICT_PLUGINS)
        fail(str(exc), EXIT_CONFIG)
    cli()

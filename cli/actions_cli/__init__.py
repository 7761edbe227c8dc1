"""actions: deliver analytics events to vendor APIs through action destinations.

Destinations are plugins, found through the `actions.destinations` entry point group.
Start with `actions plugins` to see what is installed and `actions describe SLUG` to see what
a destination needs.
"""

from __future__ import annotations

import sys

import click

from . import _logging
from ._lazy import LazyCommand
from ._output import EXIT_CONFIG, ActionsGroup, fail

__all__ = ["cli", "main"]



def _lazy(module: str, attribute: str, summary: str) -> LazyCommand:
    return LazyCommand(f"actions_cli.{module}", attribute, summary)


#: The built-in commands, imported when they run; ``help`` is the first paragraph of each one's
#: docstring (what ``actions --help`` lists; tests/cli/test_lazy_commands.py keeps them equal).
COMMANDS = {
    "plugins": _lazy(
        "_plugins", "plugins_command",
        "List installed destinations, enrichers, sources and queues, and plugins that failed to load.",
    ),
    "describe": _lazy(
        "_describe", "describe_command",
        "Describe destination SLUG: settings, actions with their fields and default mappings, presets.",
    ),
    "check": _lazy(
        "_check", "check_command", "Validate the settings of destination SLUG and verify its credentials."
    ),
    "conformance": _lazy(
        "_conformance", "conformance_group",
        "Check this runtime against golden cases recorded from the reference implementation.",
    ),
    "init": _lazy(
        "_init", "init_group", "Create a destination package (NAME), or add an action to one (action NAME)."
    ),
    "run": _lazy(
        "_run", "run_command",
        "Deliver events to destination SLUG (or to every destination of --config FILE).",
    ),
    "replay": _lazy(
        "_replay", "replay_command",
        "Send the events of DEAD_LETTER_FILE again, through the same path as `actions run`.",
    ),
    "serve": _lazy(
        "_serve", "serve_command",
        "Serve the Segment tracking API on HOST:PORT and deliver what it receives, until SIGTERM or SIGINT.",
    ),
    "emulator": _lazy(
        "_emulator", "emulator_command",
        "Serve destination SLUG's emulator on HOST:PORT until SIGINT or SIGTERM.",
    ),
}  # fmt: skip


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """click's ``version_option``, with the version looked up only when it is asked for."""
    if not value or ctx.resilient_parsing:
        return
    from actions import __version__

    click.echo(f"actions, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(
    cls=ActionsGroup, lazy=COMMANDS, help=__doc__, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
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


def _add_plugin_commands(group: click.Group) -> None:
    from actions import PluginLoadError
    from actions.runtime import get_registry

    try:
        get_registry().add_commands(group)
    except PluginLoadError as exc:  # strict mode (ACTIONS_STRICT_PLUGINS)
        fail(str(exc), EXIT_CONFIG)


def main() -> None:
    """Console-script entry point: run, with plugins' commands added once a command is looked up.

    ``--version`` answers before any look-up, so it loads no plugin. httpx's ``__init__`` imports
    its own command-line client (``httpx._main``: rich and pygments, about 35 ms) whenever they are
    installed, as they are with this CLI; this process never runs httpx's CLI, so that import is
    blocked and httpx falls back to the stub ``httpx.main`` it defines for a missing client.
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "cannot import"
    cli.add_plugin_commands = _add_plugin_commands
    cli()

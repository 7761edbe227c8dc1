"""actions: deliver analytics events to vendor APIs through action destinations.

Destinations are plugins, found through the `actions.destinations` entry point group.
Start with `actions plugins` to see what is installed and `actions describe SLUG` to see what
a destination needs.
"""

from __future__ import annotations

import click
from actions import __version__

from ._output import EXIT_CONFIG, ActionsGroup, fail

__all__ = ["cli", "main"]


@click.group(cls=ActionsGroup, help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actions")
def cli() -> None:
    pass


def _register_commands() -> None:
    from . import _check, _conformance, _describe, _emulator, _init, _plugins, _replay, _run

    for module in (_plugins, _describe, _check, _conformance, _init, _run, _replay, _emulator):
        module.register(cli)


_register_commands()


def main() -> None:
    """Console-script entry point: add plugin commands, then run."""
    from actions import PluginLoadError, get_registry

    try:
        registry = get_registry()
    except PluginLoadError as exc:
        fail(str(exc), EXIT_CONFIG)
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        impl.function(cli=cli)
    cli()

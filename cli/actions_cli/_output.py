"""How the CLI reports: user errors as one line and an exit code, data as text, JSON or tables."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from actions import ActionsError, ConfigurationError, PluginLoadError

from ._lazy import LazyGroup

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "ActionsGroup", "fail", "print_json"]

EXIT_OK = 0
#: Some events (or checks) failed.
EXIT_FAILED = 1
#: Usage or configuration error: nothing was attempted.
EXIT_CONFIG = 2
#: Stopped by SIGINT (Ctrl-C): what shells report for an interrupted command (128 + 2).
EXIT_INTERRUPTED = 130


class ActionsGroup(LazyGroup):
    """The ``actions`` group: turns the framework's errors into one line on stderr, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        _warn_unmatched_plugins()
        try:
            return super().invoke(ctx)
        except (ConfigurationError, PluginLoadError) as exc:
            fail(str(exc), EXIT_CONFIG)
        except ActionsError as exc:
            fail(str(exc), EXIT_FAILED)


def _warn_unmatched_plugins() -> None:
    """Else a name misspelt in ACTIONS_LOAD_PLUGINS quietly leaves every plugin out."""
    from actions._plugins import unmatched_allowed

    unmatched = unmatched_allowed()
    if unmatched:
        click.echo(
            f"warning: ACTIONS_LOAD_PLUGINS names no installed plugin: {', '.join(unmatched)} "
            "(unset it to see them all with `actions plugins`)",
            err=True,
        )


def fail(message: str, code: int = EXIT_CONFIG) -> None:
    """Print ``Error: message`` to stderr and exit with ``code``."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))

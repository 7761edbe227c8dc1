"""A click group whose commands are imported when they run, and whose plugins load when asked for.

Importing every command module (and through them pydantic, httpx and the delivery pipeline) cost
``actions --version`` a third of a second. The group knows each built-in command by name, module
and the first paragraph of its help (what ``--help`` lists), and imports a command's module only
when that command is looked up. Plugins' commands (the ``register_commands`` hook) are added the
first time any command is looked up or listed, so they can still replace a built-in one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

import click
from click.formatting import HelpFormatter

__all__ = ["LazyCommand", "LazyGroup"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (``module``'s ``attribute``) and the first paragraph of its help."""

    module: str
    attribute: str
    help: str

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(self.module), self.attribute)
        assert isinstance(command, click.Command), f"{self.module}.{self.attribute} is not a command"
        return command


class LazyGroup(click.Group):
    """A (non-chained) group of ``lazy`` commands, plus any added the usual way.

    ``commands`` still reads as the table of every command (loading those not loaded yet), for
    code that walks it; the group itself looks commands up one at a time.
    """

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})
        #: Called once, before the first look-up, to add plugins' commands (set by ``main()``).
        self.add_plugin_commands: Callable[[click.Group], None] | None = None

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._commands = value
        self._lazy = {}

    def _load(self, name: str) -> None:
        self._commands[name] = self._lazy.pop(name).load()

    def _plugins(self) -> None:
        add, self.add_plugin_commands = self.add_plugin_commands, None
        if add is not None:
            add(self)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # click's own writes through ``self.commands``, which would import every lazy command.
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._lazy.pop(name, None)
        self._commands[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._plugins()
        if cmd_name in self._lazy:
            self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._plugins()
        return sorted({*self._commands, *self._lazy})

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """click's listing, with commands not loaded yet described by their table entry."""
        self._plugins()
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            entry = self._lazy.get(name)
            command = click.Command(name, help=entry.help) if entry else self._commands[name]
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])

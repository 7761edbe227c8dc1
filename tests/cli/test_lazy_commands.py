"""The ``actions`` group lists its built-in commands from a table, without importing them.

The table's summaries must say what the commands' own docstrings say: click's listing of the
loaded commands is the specification, the table a shortcut that must agree with it.
"""

from __future__ import annotations

import click
import pytest
from actions_cli import COMMANDS, cli
from actions_cli._lazy import LazyCommand, LazyGroup
from click.testing import CliRunner


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_what_click_makes_of_the_command_s_help(name: str) -> None:
    entry = COMMANDS[name]
    command = entry.load()
    assert command.name == name
    assert not command.hidden and not command.deprecated and command.short_help is None
    listed = click.Command(name, help=entry.help)
    for limit in range(1, 140):
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), limit


def _help(group: click.Group, width: int) -> str:
    result = CliRunner().invoke(group, ["--help"], prog_name="actions", terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", [40, 80, 100, 200])
def test_the_lazy_listing_is_click_s_listing_of_the_loaded_commands(width: int) -> None:
    lazy = LazyGroup("actions", lazy=COMMANDS, help=cli.help)
    loaded = click.Group("actions", commands=[entry.load() for entry in COMMANDS.values()], help=cli.help)
    assert _help(lazy, width) == _help(loaded, width)
    assert lazy._lazy == COMMANDS  # listing imported nothing


def test_a_command_added_later_replaces_a_lazy_one_and_commands_holds_them_all() -> None:
    group = LazyGroup("g", lazy={"run": COMMANDS["run"], "check": COMMANDS["check"]})
    seen: list[click.Group] = []
    group.add_plugin_commands = seen.append

    @group.command("run")
    def replacement() -> None:
        """Mine."""

    assert group.get_command(click.Context(group), "run") is replacement
    assert seen == [group]  # plugins were asked once, at the first look-up
    group.get_command(click.Context(group), "check")
    assert seen == [group]
    assert sorted(group.commands) == ["check", "run"]
    assert group.commands["check"] is COMMANDS["check"].load()


def test_an_entry_that_names_no_command_is_refused() -> None:
    with pytest.raises(AssertionError, match="is not a command"):
        LazyCommand("actions_cli", "COMMANDS", "").load()

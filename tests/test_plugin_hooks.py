"""Hooks are called through pluggy, one plugin at a time: argument matching, and per-plugin failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pluggy
import pytest
from actions import Destination, PluginLoadError, hookimpl
from actions._plugins import each_plugin
from actions.hookspecs import hookspec
from actions.runtime import Registry

sys.path.insert(0, str(Path(__file__).resolve().parent / "delivery"))

from plugin_fakes import install_distribution


class GrownSpecs:
    """``register_destinations`` as it would be if the host started passing one more argument."""

    @hookspec
    def register_destinations(self, register: Any, host: str) -> None: ...


class OldPlugin:
    @hookimpl
    def register_destinations(self, register: Any) -> None:
        register("old")


class NewPlugin:
    @hookimpl
    def register_destinations(self, register: Any, host: str) -> None:
        register(f"new on {host}")


def test_a_hookspec_can_gain_an_argument_that_an_old_implementation_does_not_take() -> None:
    pm = pluggy.PluginManager("actions")
    pm.add_hookspecs(GrownSpecs)
    pm.register(OldPlugin(), name="old")
    pm.register(NewPlugin(), name="new")
    found: dict[str, list[str]] = {}
    for name, register_destinations in each_plugin(pm, "register_destinations"):
        found[name] = []
        register_destinations(register=found[name].append, host="the CLI")
    assert found == {"old": ["old"], "new": ["new on the CLI"]}


def test_each_caller_runs_only_its_own_plugin() -> None:
    calls: list[str] = []

    class Counting:
        def __init__(self, name: str) -> None:
            self.__name__ = name

        @hookimpl
        def register_destinations(self, register: Any) -> None:
            calls.append(self.__name__)

    registry = Registry([Counting("a"), Counting("b"), Counting("c")], entry_points=False)
    assert sorted(calls) == ["a", "b", "c"]
    assert registry.failures == []


class GreetCommands:
    __name__ = "greet"

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command("greet")
        def greet() -> None:
            click.echo("Hello!")


class BrokenCommands:
    __name__ = "broken-commands"

    @hookimpl
    def register_destinations(self, register: Any) -> None:
        pass

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command("half-done")
        def half_done() -> None:
            pass

        raise RuntimeError("no commands today")


def test_a_plugin_whose_register_commands_raises_is_listed_as_failed_and_the_others_still_load() -> None:
    group = click.Group("actions")
    registry = Registry([BrokenCommands(), GreetCommands()], entry_points=False)
    registry.add_commands(group)
    assert sorted(group.commands) == ["greet"]  # what the broken plugin added before raising is gone
    assert [(f.name, f.error) for f in registry.failures] == [
        ("broken-commands", "RuntimeError: no commands today")
    ]
    assert [p.name for p in registry.plugins] == ["greet"]
    with pytest.raises(PluginLoadError, match="no commands today"):
        Registry([BrokenCommands()], entry_points=False, strict=True).add_commands(click.Group("actions"))


BROKEN_DESTINATIONS = """
from actions import hookimpl

@hookimpl
def register_destinations(register):
    raise RuntimeError("cannot register")
"""

BROKEN_COMMANDS = """
import click
from actions import hookimpl

@hookimpl
def register_commands(cli):
    raise RuntimeError("cannot add commands")
"""

GOOD = """
import click
from actions import Destination, hookimpl
from actions_webhook import destination as webhook

@hookimpl
def register_destinations(register):
    register(webhook.model_copy(update={"slug": "echo", "name": "Echo"}))

@hookimpl
def register_commands(cli):
    @cli.command("hello")
    def hello():
        \"\"\"Say hello.\"\"\"
        click.echo("hello from a plugin")
"""


def _actions(*args: str, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ACTIONS_LOAD_PLUGINS"}
    environ.update(PYTHONPATH=str(site), **env)
    return subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", *args],
        capture_output=True, text=True, env=environ, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for distribution, source in [
        ("broken-destinations", BROKEN_DESTINATIONS),
        ("broken-commands", BROKEN_COMMANDS),
        ("good-plugin", GOOD),
    ]:
        install_distribution(site, distribution, distribution.replace("-", "_"), source, package=True)
    return site


def test_installed_plugins_that_raise_in_their_hooks_are_listed_as_failed_and_the_cli_still_starts(
    site: Path,
) -> None:
    hello = _actions("hello", site=site)
    assert (hello.returncode, hello.stdout) == (0, "hello from a plugin\n"), hello.stderr
    listed = _actions("--help", site=site)
    assert re.search(r"\n  hello +Say hello\.\n", listed.stdout), listed.stdout  # beside the built-in ones
    assert re.search(r"\n  run +Deliver events", listed.stdout), listed.stdout
    listing = _actions("plugins", site=site)
    assert listing.returncode == 1, listing.stderr
    assert "echo" in listing.stdout and "webhook" in listing.stdout
    failures = sorted(line for line in listing.stderr.splitlines() if line.startswith("FAILED"))
    assert [line.split(" (")[0] for line in failures] == [
        "FAILED broken-commands",
        "FAILED broken-destinations",
    ]
    assert "RuntimeError: cannot add commands" in listing.stderr
    assert "RuntimeError: cannot register" in listing.stderr
    strict = _actions("hello", site=site, ACTIONS_STRICT_PLUGINS="1")
    assert strict.returncode == 2
    assert "cannot register" in strict.stderr


def test_registry_loads_the_good_entry_point_beside_a_broken_one(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", "good-plugin,broken-destinations")
    registry = Registry()
    assert isinstance(registry.destination("echo"), Destination)
    assert [f.name for f in registry.failures] == ["broken-destinations"]

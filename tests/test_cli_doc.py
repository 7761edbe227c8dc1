"""docs/cli.md is the `--help` of every built-in `actions` command, generated from click.

Regenerate it after changing or adding a command:

    .venv/bin/python tests/test_cli_doc.py

Commands are found by walking the click group, so commands other modules register later are
picked up without changes here. Commands that installed plugins add (``register_commands``) are
left out: they belong to their plugin's docs.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
WIDTH = 100
HEADER = """# CLI reference

<!-- Generated from the click commands by `python tests/test_cli_doc.py`; do not edit by hand. -->

Every command of `actions`, with its `--help`. Installed plugins may add more commands
(see the `register_commands` hook in [hooks.md](hooks.md)); `actions --help` lists them.

## Shell completion

`actions` completes its commands, options and file arguments in bash (4.4 or later), zsh and
fish. Add the line for your shell to its startup file (`~/.bashrc`, `~/.zshrc`,
`~/.config/fish/completions/actions.fish`), then open a new shell:

```console
eval "$(_ACTIONS_COMPLETE=bash_source actions)"
eval "$(_ACTIONS_COMPLETE=zsh_source actions)"
_ACTIONS_COMPLETE=fish_source actions | source
```

Running `actions` to build the script at every shell start costs a moment; to avoid it, save the
script once (`_ACTIONS_COMPLETE=bash_source actions > ~/.actions-complete.bash`) and source that
file instead (regenerate it after upgrading).
"""


def _built_in(command: click.Command) -> bool:
    module = getattr(command.callback, "__module__", "") or ""
    return module.startswith("actions_cli")


def commands(group: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every built-in command path, depth first, sub-commands sorted by name."""
    yield path
    if isinstance(group, click.Group):
        for name in sorted(group.commands):
            sub = group.commands[name]
            if _built_in(sub) and not sub.hidden:
                yield from commands(sub, (*path, name))


def help_text(cli: click.Command, path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="actions", terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.output.rstrip() + "\n"


def built_in_cli() -> click.Group:
    """The ``actions`` group with only its built-in commands (``main()`` may have added plugins')."""
    from actions_cli import cli

    group = copy.copy(cli)
    group.commands = {name: command for name, command in cli.commands.items() if _built_in(command)}
    return group


def render() -> str:
    cli = built_in_cli()
    parts = [HEADER]
    for path in commands(cli):
        title = " ".join(("actions", *path))
        parts.append(f"\n## {title}\n\n```text\n{help_text(cli, path)}```\n")
    return "".join(parts)


def test_cli_reference_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: regenerate it with `.venv/bin/python tests/test_cli_doc.py`"
    )


def test_plugin_commands_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from actions_cli import cli

    monkeypatch.setitem(cli.commands, "zz-plugin", click.Command("zz-plugin", callback=lambda: None))
    assert "zz-plugin" not in render()


def test_every_registered_command_is_documented() -> None:
    from actions_cli import cli

    text = PAGE.read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        if _built_in(command):
            assert f"\n## actions {name}\n" in text


if __name__ == "__main__":
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE}", file=sys.stderr)

"""Every command and subcommand, found by walking the click tree, given bad arguments.

New commands are covered as they are added. What each case must show: no traceback; a usage
mistake (unknown option, a value of the wrong type, a missing or wrong kind of file) exits 2
with exactly one ``Error:`` line; a bad file's *content* may be a run that dead-letters it
(exit 1), but an exit 2 is still one ``Error:`` line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from actions_cli import _emulator, cli
from click.testing import CliRunner

#: A file each positional Path argument is given when it is not the one under test: valid content.
GOOD_CONTENT = {
    "cases_path": json.dumps(
        {"id": "a", "kind": "mapping", "mapping": {"@literal": 1}, "output": {"result": 1}}
    ),
    "dead_letter_file": json.dumps({"destination": "webhook", "action": "send", "event": {"type": "track"}}),
}
#: Files read whole as configuration: binary or empty content is refused (exit 2), not run.
CONFIGURATION = {"settings_path", "subscriptions_path", "config_path", "cases_path"}
#: Files of a format of their own: binary content is refused.
FORMATTED = CONFIGURATION | {"dead_letter_file", "checkpoint_path"}
#: Keeps the delivering commands quick and local: one attempt, to a closed loopback port.
DELIVERING = ["--max-attempts", "1"]


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def _is_path(param: click.Parameter) -> bool:
    return isinstance(param.type, click.Path)


def _bad_values(param: click.Parameter) -> list[tuple[str, str]]:
    """(label, value) pairs a typed option must refuse at parse time."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return [("not-a-choice", "no-such-choice")]
    if isinstance(kind, click.IntRange | click.FloatRange) and kind.min is not None:
        return [("not-a-number", "lots"), ("below-range", str(kind.min - 1000))]
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return [("not-a-number", "lots")]
    if kind.name == "URL":
        return [("not-a-url", "notaurl")]
    return []


def _cases() -> Iterator[Any]:
    for path, command in _commands(cli):
        name = " ".join(path)
        yield pytest.param(path, None, "--no-such-option", "", "usage", id=f"{name}:unknown-option")
        for param in command.params:
            if not isinstance(param, click.Option | click.Argument) or param.name is None:
                continue
            if _is_path(param):
                for label in ("missing", "folder", "binary", "empty"):
                    yield pytest.param(path, param.name, label, "", "file", id=f"{name}:{param.name}={label}")
            elif isinstance(param, click.Option):
                for label, value in _bad_values(param):
                    yield pytest.param(
                        path, param.name, label, value, "usage", id=f"{name}:{param.name}={label}"
                    )


def _file(tmp_path: Path, label: str, name: str) -> str:
    target = tmp_path / f"{name}-{label}"
    if label == "folder":
        target.mkdir()
    elif label == "binary":
        target.write_bytes(bytes(range(256)) * 8)
    elif label == "empty":
        target.write_bytes(b"")
    elif label == "good":
        target.write_text(GOOD_CONTENT.get(name, "") + "\n")
    return str(target)


@pytest.mark.parametrize(("path", "target", "label", "value", "kind"), list(_cases()))
def test_bad_arguments_get_one_error_line_and_the_right_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple[str, ...], target: str | None,
    label: str, value: str, kind: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ACTIONS_WEBHOOK_URL", "http://127.0.0.1:9/hook")  # closed: nothing leaves the machine
    monkeypatch.setattr(_emulator, "_wait", lambda: "SIGTERM")  # an emulator that starts stops at once
    command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    args: list[str] = list(path)
    under_test: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            if param.name == target:
                args.append(_file(tmp_path, label, param.name))
            elif _is_path(param):
                args.append(_file(tmp_path, "good", str(param.name)))
            elif param.required or (param.name == "slug" and target != "config_path"):
                args.append("webhook" if param.name == "slug" else "my-thing")
        elif isinstance(param, click.Option) and param.name == target:
            shown = value if kind == "usage" else _file(tmp_path, label, param.name)
            under_test += [param.opts[0], shown]
    if "max_attempts" in {p.name for p in command.params}:
        args += DELIVERING
    if target is None:
        args.append(label)
    args += under_test
    result = CliRunner().invoke(cli, args)

    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    refused = (label == "binary" and target in FORMATTED) or (label == "empty" and target in CONFIGURATION)
    if kind == "usage" or refused or _must_refuse(command, target, label):
        assert result.exit_code == 2, (args, result.output)
    if result.exit_code == 2:
        assert len(errors) == 1, (args, result.output)
    assert result.exit_code in (0, 1, 2), (args, result.output)


def _must_refuse(command: click.Command, target: str | None, label: str) -> bool:
    """A missing file where one must exist, or a folder where a file is expected: a usage error."""
    param = next((p for p in command.params if p.name == target), None)
    if param is None or not isinstance(param.type, click.Path):
        return False
    return (label == "missing" and bool(param.type.exists)) or (label == "folder" and not param.type.dir_okay)

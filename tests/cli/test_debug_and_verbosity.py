"""``--debug``, ``-v`` and ``--log-level``: a plugin's bug shows its traceback, secrets redacted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions import ExecuteInput, RequestClient
from actions_cli import cli
from actions_webhook import WebhookSettings
from actions_webhook import destination as webhook
from click.testing import CliRunner, Result

SECRET = "debug-shared-secret-9f8e7d"
EVENT = {"type": "track", "event": "Signed Up", "userId": "ada", "messageId": "m1"}


def scale(secret: str) -> float:
    return len(secret) / 0


def plain(settings: WebhookSettings) -> str:
    # Formatting the SecretStr itself would print stars: these plugin bugs ask for the value.
    return settings.sharedSecret.get_secret_value() if settings.sharedSecret else ""


async def buggy_perform(request: RequestClient, data: ExecuteInput[WebhookSettings]) -> None:
    try:
        scale(plain(data.settings))
    except ZeroDivisionError as exc:  # a plugin that puts a secret in its own error message
        raise RuntimeError(f"could not sign with {plain(data.settings)}") from exc


buggy = webhook.model_copy(
    update={
        "slug": "buggy",
        "actions": {"send": webhook.actions["send"].model_copy(update={"perform": buggy_perform})},
    }
)


@pytest.fixture
def invoke(use_destinations: Callable[..., Any], tmp_path: Path) -> Callable[..., Result]:
    use_destinations(buggy)

    def run(*options: str) -> Result:
        args = [*options, "run", "buggy", "--dead-letter", str(tmp_path / "dead.ndjson")]
        env = {"ACTIONS_BUGGY_URL": "http://127.0.0.1:9/hook", "ACTIONS_BUGGY_SHARED_SECRET": SECRET}
        return CliRunner().invoke(cli, args, input=json.dumps(EVENT) + "\n", env=env)

    return run


def test_debug_shows_the_traceback_of_a_plugin_bug_with_the_secret_redacted(
    invoke: Callable[..., Result], tmp_path: Path
) -> None:
    result = invoke("--debug")
    assert result.exit_code == 1, result.output
    stderr = result.stderr
    assert "debug: buggy: unexpected error in send" in stderr
    assert "Traceback (most recent call last):" in stderr
    assert "in scale" in stderr and "ZeroDivisionError: division by zero" in stderr
    assert "RuntimeError: could not sign with <redacted:sharedSecret>" in stderr
    assert SECRET not in stderr and SECRET not in result.output
    letter = json.loads((tmp_path / "dead.ndjson").read_text())
    assert letter["code"] == "UNEXPECTED_ERROR" and SECRET not in json.dumps(letter)


def test_without_debug_there_is_no_traceback(invoke: Callable[..., Result]) -> None:
    result = invoke()
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "unexpected error in send" not in result.stderr
    # -vv (or --log-level debug) shows the line, but tracebacks stay a --debug thing.
    for options in (["-vv"], ["--log-level", "DEBUG"]):
        verbose = invoke(*options)
        assert "debug: buggy: unexpected error in send" in verbose.stderr
        assert "Traceback" not in verbose.stderr and SECRET not in verbose.stderr


def test_a_bad_log_level_is_a_usage_error(invoke: Callable[..., Result]) -> None:
    result = invoke("--log-level", "loud")
    assert result.exit_code == 2
    assert "Invalid value for '--log-level'" in result.output


async def buggy_check(request: RequestClient, settings: WebhookSettings) -> None:
    raise RuntimeError(f"no check with {plain(settings)}") from ZeroDivisionError("division by zero")


def test_debug_shows_the_traceback_of_a_buggy_credentials_check_redacted(
    use_destinations: Callable[..., Any],
) -> None:
    use_destinations(buggy.model_copy(update={"test_authentication": buggy_check}))
    env = {"ACTIONS_BUGGY_URL": "http://127.0.0.1:9/hook", "ACTIONS_BUGGY_SHARED_SECRET": SECRET}
    plain = CliRunner().invoke(cli, ["check", "buggy"], env=env)
    assert plain.exit_code == 1 and "Traceback" not in plain.stderr
    assert "Error: buggy: the credentials check failed: RuntimeError" in plain.stderr
    debug = CliRunner().invoke(cli, ["--debug", "check", "buggy"], env=env)
    assert debug.exit_code == 1
    assert "Traceback (most recent call last):" in debug.stderr and "in buggy_check" in debug.stderr
    assert SECRET not in debug.stderr and "<redacted:sharedSecret>" in debug.stderr

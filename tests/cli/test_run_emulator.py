"""``actions emulator``: serves a destination's emulator until a signal, printing URL, settings and stats."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from actions import SandboxRun
from actions_cli import _emulator, cli
from actions_webhook import destination as webhook
from delivery_fakes import http_destination


def test_emulator_serves_until_a_signal_then_prints_what_it_stored(
    use_destinations: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = http_destination()
    assert base.emulator is not None
    started: list[SandboxRun] = []

    @contextlib.contextmanager
    def recording_emulator(host: str, port: int, **options: Any) -> Iterator[SandboxRun]:
        with base.emulator(host, port, **options) as sandbox:  # type: ignore[misc]
            started.append(sandbox)
            yield sandbox

    use_destinations(base.model_copy(update={"emulator": recording_emulator}))
    answers: list[int] = []

    def one_request_then_a_signal() -> str:
        answers.append(httpx.post(f"{started[0].base_url}/v1/events", json={"a": 1}).status_code)
        return "SIGTERM"

    monkeypatch.setattr(_emulator, "_wait", one_request_then_a_signal)
    result = CliRunner().invoke(cli, ["emulator", "fakehttp", "--port", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert answers == [200]
    lines = result.stdout.splitlines()
    assert lines[0] == f"fakehttp emulator listening on {started[0].base_url}"
    assert json.loads(lines[1].removeprefix("settings: ")) == {"token": "emulator-token"}
    assert lines[-1] == 'SIGTERM: stopping; stored: {"requests": 1, "paths": ["/v1/events"]}'


def test_emulator_options_are_passed_and_bad_ones_are_configuration_errors(
    use_destinations: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_destinations(http_destination(), webhook)
    monkeypatch.setattr(_emulator, "_wait", lambda: "SIGINT")
    runner = CliRunner()
    assert runner.invoke(cli, ["emulator", "fakehttp", "--option", "reject_token=true"]).exit_code == 0
    bad = runner.invoke(cli, ["emulator", "fakehttp", "--error-rate", "0.5"])
    assert bad.exit_code == 2
    assert "invalid emulator option" in bad.stderr
    none = runner.invoke(cli, ["emulator", "webhook"])
    assert none.exit_code == 2
    assert "has no emulator" in none.stderr

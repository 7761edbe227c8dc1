"""``actions run SLUG``: one redactor per run, and a settings file's run options kept out of the settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions import ConfigurationError
from actions.runtime import Redactor
from actions_cli import cli
from actions_cli._run import destination_config
from actions_cli._settings_file import load_settings
from actions_webhook import destination as webhook
from click.testing import CliRunner

SECRET = "run-shared-secret-5a4b3c"
EVENTS = "".join(
    json.dumps({"type": "track", "event": "E", "messageId": f"m{i}", "properties": {"leak": SECRET}}) + "\n"
    for i in range(3)
)


@pytest.fixture
def constructions(monkeypatch: pytest.MonkeyPatch) -> list[Redactor]:
    """Every Redactor built from now on."""
    built: list[Redactor] = []
    init = Redactor.__init__

    def counting(self: Redactor, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Redactor, "__init__", counting)
    return built


def _run(*options: str) -> Any:
    env = {"ACTIONS_WEBHOOK_URL": "http://127.0.0.1:9/hook", "ACTIONS_WEBHOOK_SHARED_SECRET": SECRET}
    return CliRunner().invoke(cli, ["-vv", "run", "webhook", *options], input=EVENTS, env=env)


def test_a_dry_run_prints_and_reports_with_the_one_redactor_of_the_run(
    use_destinations: Callable[..., Any], constructions: list[Redactor], tmp_path: Path
) -> None:
    use_destinations(webhook)
    report = tmp_path / "report.json"
    result = _run("--dry-run", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert len(constructions) == 1
    assert '"leak": "<redacted:sharedSecret>"' in result.stdout  # the printed request
    assert SECRET not in result.stdout + result.stderr + report.read_text()


def test_dead_letters_reports_and_log_lines_share_the_one_redactor_of_the_run(
    use_destinations: Callable[..., Any], constructions: list[Redactor], tmp_path: Path
) -> None:
    use_destinations(webhook)
    dead, report = tmp_path / "dead.ndjson", tmp_path / "report.json"
    result = _run("--dead-letter", str(dead), "--report", str(report), "--max-attempts", "1")
    assert result.exit_code == 1, result.output
    assert len(constructions) == 1
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    assert [letter["event"]["properties"]["leak"] for letter in letters] == ["<redacted:sharedSecret>"] * 3
    assert SECRET not in result.stdout + result.stderr + report.read_text()


def test_a_settings_files_enrichers_are_the_runs_not_the_destinations_settings(
    use_destinations: Callable[..., Any], tmp_path: Path
) -> None:
    use_destinations(webhook)
    settings = tmp_path / "settings.json"
    url = "https://hooks.example.com/in"
    run_keys = {"enrich": ["stamp"], "enrich_options": {"stamp": {"value": 1}}}
    settings.write_text(json.dumps({"url": url, **run_keys}))
    loaded = load_settings(webhook, settings, environ={})
    assert loaded.settings == {"url": url}
    assert (loaded.enrich, loaded.enrich_options) == (["stamp"], {"stamp": {"value": 1}})
    config = destination_config("webhook", str(settings), None)
    assert "enrich" not in config.settings and "enrich_options" not in config.settings
    assert config.enrich == ["stamp"] and config.enrich_options == {"stamp": {"value": "1"}}
    assert destination_config("webhook", str(settings), None, enrich=("other",)).enrich == ["other"]


def test_an_unknown_key_of_a_settings_file_is_still_an_error_with_a_suggestion(
    use_destinations: Callable[..., Any], tmp_path: Path
) -> None:
    use_destinations(webhook)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"urll": "https://hooks.example.com/in", "enrich": "stamp"}))
    with pytest.raises(ConfigurationError, match=r"unknown setting 'urll'.*did you mean 'url'"):
        load_settings(webhook, settings, environ={})

"""plugins, describe and check: output, exit codes, and one-line errors for user mistakes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from actions import Destination, InvalidAuthenticationError, SecretStr, Settings, setting
from actions_cli import cli
from actions_webhook import destination as webhook
from click.testing import CliRunner


class KeyedSettings(Settings):
    apiKey: SecretStr = setting(label="API Key")
    region: Literal["us", "eu"] = setting("us", label="Region", choices={"us": "US", "eu": "EU"})
    retries: int = setting(3, label="Retries")


async def _reject(request: Any, settings: KeyedSettings) -> None:
    if settings.apiKey.get_secret_value() != "good-key":
        raise InvalidAuthenticationError("Unauthorized")


keyed = webhook.model_copy(
    update={"slug": "keyed", "settings": KeyedSettings, "test_authentication": _reject}
)


def _invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def test_describe_prints_text_json_and_markdown(use_destinations: Callable[..., Any]) -> None:
    use_destinations(webhook)
    text = _invoke("describe", "webhook")
    assert text.exit_code == 0
    assert "sendBatch: Send Batch [batch]" in text.output
    data = json.loads(_invoke("describe", "webhook", "--format", "json").output)
    assert data["settings"]["sharedSecret"]["secret"] is True
    assert data["actions"]["send"]["fields"]["data"]["default"] == {"@path": "$."}
    markdown = _invoke("describe", "webhook", "--format", "markdown").output
    assert markdown.startswith("## Webhook (`webhook`)")
    assert "| `data` | Data | object |" in markdown


def test_unknown_slug_is_one_line_and_exit_2(use_destinations: Callable[..., Any]) -> None:
    use_destinations(webhook)
    result = _invoke("describe", "webhok")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: no destination 'webhok'; did you mean 'webhook'? (installed: webhook)"
    ]


def test_plugins_json_lists_destinations(use_destinations: Callable[..., Any]) -> None:
    use_destinations(webhook, keyed)
    data = json.loads(_invoke("plugins", "--json").output)
    assert [d["slug"] for d in data["destinations"]] == ["keyed", "webhook"]
    assert data["failed"] == []


def test_check_reports_invalid_settings_in_one_line(
    use_destinations: Callable[..., Any], tmp_path: Path
) -> None:
    use_destinations(keyed)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"region": "mars", "retries": "many"}))
    result = _invoke("check", "keyed", "--settings", str(settings))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "The root value is missing the required field 'apiKey'." in lines[0]
    assert "Region must be one of" in lines[0]


def test_check_settings_file_errors_are_one_line(
    use_destinations: Callable[..., Any], tmp_path: Path
) -> None:
    use_destinations(keyed)
    missing = _invoke("check", "keyed", "--settings", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and missing.output.startswith("Error: cannot read settings file")
    bad = tmp_path / "bad.toml"
    bad.write_text("apiKey = ")
    result = _invoke("check", "keyed", "--settings", str(bad))
    assert result.exit_code == 2 and "is not valid TOML" in result.output


def test_check_verifies_credentials_with_env_overrides_and_redacts(
    use_destinations: Callable[..., Any], tmp_path: Path
) -> None:
    use_destinations(keyed)
    settings = tmp_path / "settings.toml"
    settings.write_text('apiKey = "bad-key"\n')
    rejected = _invoke("check", "keyed", "--settings", str(settings))
    assert rejected.exit_code == 4
    assert "Credentials are invalid: 401 Unauthorized" in rejected.output
    assert "bad-key" not in rejected.output
    accepted = _invoke(
        "check", "keyed", "--settings", str(settings), env={"ACTIONS_KEYED_API_KEY": "good-key"}
    )
    assert accepted.exit_code == 0, accepted.output
    assert accepted.output.strip() == "keyed: credentials verified"


def test_destination_without_auth_check_only_validates(use_destinations: Callable[..., Any]) -> None:
    use_destinations(webhook)
    result = _invoke("check", "webhook", env={"ACTIONS_WEBHOOK_URL": "https://example.com/hook"})
    assert result.exit_code == 0
    assert "settings are valid" in result.output


def test_destination_type_is_kept_by_model_copy() -> None:
    assert isinstance(keyed, Destination)

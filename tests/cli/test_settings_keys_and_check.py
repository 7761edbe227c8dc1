"""Settings typos are refused, missing settings say how to give them, ``actions check`` exit codes.

Real files, real environment variables, real local servers (a closed port, a server answering
401, the Amplitude emulator).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, serve
from actions_cli import cli
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

if TYPE_CHECKING:  # mypy finds the helper by its path; pytest by the folder added above
    from tests.delivery.http_fakes import Received, local_server
else:
    from http_fakes import Received, local_server

EVENT = {"type": "track", "event": "Signed Up", "userId": "ada-lovelace", "messageId": "m1"}
KEYS = {"apiKey": "the-api-key-123", "secretKey": "the-secret-key-456"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("ACTIONS_AMPLITUDE"):
            monkeypatch.delenv(name)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=json.dumps(EVENT) + "\n", env=env)


def settings_file(tmp_path: Path, **values: Any) -> str:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    return str(path)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


# --- 1. unknown settings keys ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "amplitude", "--dry-run"], ["check", "amplitude"]])
def test_a_misspelled_key_in_the_settings_file_is_an_error_naming_it_and_the_file(
    tmp_path: Path, command: list[str]
) -> None:
    path = settings_file(tmp_path, **KEYS, endpiont="europe")
    result = invoke(*command, "--settings", path)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"Error: unknown setting 'endpiont' in {path} for amplitude; did you mean 'endpoint'?"
    ]


def test_replay_refuses_a_misspelled_settings_key_too(tmp_path: Path) -> None:
    letters = tmp_path / "dead.ndjson"
    letters.write_text(json.dumps({"event": EVENT, "destination": "amplitude", "retryable": True}) + "\n")
    path = settings_file(tmp_path, **KEYS, endpiont="europe")
    command = ["replay", str(letters), "--destination", "amplitude", "--settings", path]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert "unknown setting 'endpiont'" in result.output and "did you mean 'endpoint'?" in result.output


def test_a_misspelled_environment_variable_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    env = {
        "ACTIONS_AMPLITUDE_API_KEY": KEYS["apiKey"],
        "ACTIONS_AMPLITUDE_SECRET_KEY": KEYS["secretKey"],
        "ACTIONS_AMPLITUDE_ENDPIONT": "europe",
    }
    result = invoke("run", "amplitude", "--dry-run", env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "Error: environment variable ACTIONS_AMPLITUDE_ENDPIONT names no setting of amplitude; "
        "did you mean ACTIONS_AMPLITUDE_ENDPOINT?"
    ]
    assert KEYS["secretKey"] not in result.output


def test_variables_of_other_destinations_are_left_alone(tmp_path: Path) -> None:
    env = {
        "ACTIONS_AMPLITUDE_API_KEY": KEYS["apiKey"],
        "ACTIONS_AMPLITUDE_SECRET_KEY": KEYS["secretKey"],
        "ACTIONS_WEBHOOK_ENDPIONT": "x",  # another slug's business
    }
    with serve(Emulator(EmulatorConfig())) as server:
        result = invoke("run", "amplitude", "--base-url", server.url, env=env)
    assert result.exit_code == 0, result.output


def test_a_pipeline_file_refuses_misspelled_settings_and_variables(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(
        "[destinations.eu]\ntype = \"amplitude\"\n"
        'settings = { apiKey = "a", secretKey = "b", endpiont = "europe" }\n',
        encoding="utf-8",
    )
    result = invoke("run", "--config", str(pipeline), "--dry-run")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"Error: unknown setting 'endpiont' in {pipeline}: [destinations.eu] settings for amplitude; "
        "did you mean 'endpoint'?"
    )
    pipeline.write_text(
        '[destinations.eu]\ntype = "amplitude"\nsettings = { apiKey = "a", secretKey = "b" }\n',
        encoding="utf-8",
    )
    result = invoke("run", "--config", str(pipeline), "--dry-run", env={"ACTIONS_EU_ENDPIONT": "europe"})
    assert result.exit_code == 2, result.output
    assert "ACTIONS_EU_ENDPIONT names no setting of amplitude; did you mean ACTIONS_EU_ENDPOINT?" in (
        result.output
    )
    with serve(Emulator(EmulatorConfig())) as server:
        good = invoke(
            "run", "--config", str(pipeline), "--base-url", server.url, env={"ACTIONS_EU_ENDPOINT": "europe"}
        )
    assert good.exit_code == 0, good.output


# --- 2. missing settings say how to give them --------------------------------------------------


def test_missing_settings_name_the_option_and_the_exact_variables(tmp_path: Path) -> None:
    result = invoke("run", "amplitude", "--dry-run")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "missing the required field 'apiKey'" in lines[0]
    assert lines[0].endswith(
        "(give them in --settings FILE or with ACTIONS_AMPLITUDE_API_KEY, ACTIONS_AMPLITUDE_SECRET_KEY)"
    )
    # ... and the variables it names really do the job.
    env = {"ACTIONS_AMPLITUDE_API_KEY": "a", "ACTIONS_AMPLITUDE_SECRET_KEY": "b"}
    with serve(Emulator(EmulatorConfig())) as server:
        assert invoke("run", "amplitude", "--base-url", server.url, env=env).exit_code == 0


def test_a_missing_setting_in_a_pipeline_file_names_its_table_and_variable(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text('[destinations.eu]\ntype = "amplitude"\nsettings = { apiKey = "a" }\n')
    result = invoke("run", "--config", str(pipeline), "--dry-run")
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "(give them in the settings of [destinations.eu] or with ACTIONS_EU_SECRET_KEY)"
    )


# --- 3. check: 0 verified, 3 unreachable, 4 rejected -------------------------------------------


def test_check_says_a_closed_port_is_unreachable_with_exit_3(tmp_path: Path) -> None:
    path = settings_file(tmp_path, **KEYS)
    result = invoke("check", "amplitude", "--settings", path, "--base-url", f"http://127.0.0.1:{closed_port()}")
    assert result.exit_code == 3, result.output
    line = result.output.strip()
    assert line.startswith("Error: amplitude: could not reach the destination: ")
    assert "Credentials are invalid" not in line and "rejected" not in line


def test_check_says_a_server_answering_401_rejected_the_credentials_with_exit_4(tmp_path: Path) -> None:
    def unauthorized(request: Received) -> tuple[int, dict[str, str], bytes]:
        return 401, {"content-type": "text/plain"}, b"Invalid API key: the-api-key-123"

    path = settings_file(tmp_path, **KEYS)
    with local_server(unauthorized) as server:
        result = invoke("check", "amplitude", "--settings", path, "--base-url", server.url)
    assert result.exit_code == 4, result.output
    assert result.output.startswith("Error: amplitude: the destination rejected the credentials: ")
    assert "401" in result.output
    assert KEYS["apiKey"] not in result.output and KEYS["secretKey"] not in result.output


def test_check_says_a_server_error_is_unreachable_not_rejected(tmp_path: Path) -> None:
    path = settings_file(tmp_path, **KEYS)
    with local_server(lambda request: (503, {})) as server:
        result = invoke("check", "amplitude", "--settings", path, "--base-url", server.url)
    assert result.exit_code == 3, result.output


def test_check_against_the_emulator_verifies_good_keys_and_rejects_unknown_ones(tmp_path: Path) -> None:
    emulator = Emulator(EmulatorConfig(api_keys={KEYS["apiKey"]: KEYS["secretKey"]}))
    with serve(emulator) as server:
        good = invoke(
            "check", "amplitude", "--settings", settings_file(tmp_path, **KEYS), "--base-url", server.url
        )
        bad = invoke(
            "check", "amplitude", "--settings", settings_file(tmp_path, apiKey="nope-key", secretKey="x"),
            "--base-url", server.url,
        )  # fmt: skip
    assert good.exit_code == 0, good.output
    assert good.output.strip() == "amplitude: credentials verified"
    assert bad.exit_code == 4, bad.output
    assert "nope-key" not in bad.output

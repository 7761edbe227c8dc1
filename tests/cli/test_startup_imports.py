"""The CLI starts without test machinery (pytest and syrupy are the core's ``testing`` extra), and
imports only what the command needs: ``--version`` none of the run-time stack.

Each command line runs in a fresh interpreter (this test process has pytest loaded already), which
then reports the modules it imported (not those blocked: ``None`` in ``sys.modules``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Top-level packages (and the core's testing kit) that running a command must not import.
TEST_MACHINERY = ("pytest", "_pytest", "syrupy", "hypothesis", "actions.testing")

#: What only running or describing destinations needs (a third of a second of imports together).
RUN_TIME = ("pydantic", "httpx", "rich", "actions.delivery", "actions._action", "actions_amplitude")

_REPORT_MODULES = """
import json, sys
from actions_cli import main
sys.argv = ["actions", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)), file=sys.stderr)
"""


def imported_by(*args: str, env: dict[str, str | None] | None = None) -> list[str]:
    """The modules ``actions ARGS`` imported, with the variables of ``env`` set (``None``: unset)."""
    changes = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in changes}
    env.update({k: v for k, v in changes.items() if v is not None})
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_MODULES, *args],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return modules


def _among(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)]


def _test_machinery(modules: list[str]) -> list[str]:
    return _among(modules, TEST_MACHINERY)


@pytest.mark.parametrize("args", [["--version"], ["run", "--help"], ["--help"], ["plugins"]])
def test_the_cli_imports_no_test_machinery(args: list[str]) -> None:
    modules = imported_by(*args)
    assert "actions_cli" in modules
    assert _test_machinery(modules) == []


def test_conformance_run_imports_the_kit_when_it_runs(tmp_path: Path) -> None:
    """The check above would pass vacuously if the kit could not be seen to load at all."""
    modules = imported_by("conformance", "run", "--help")
    assert _test_machinery(modules) == []  # its help needs no kit either
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "m1", "kind": "mapping", "mapping": {}, "payload": {}, "output": {}}\n')
    assert "actions.testing.conformance" in imported_by("conformance", "run", str(cases))


def test_version_imports_neither_the_run_time_stack_nor_any_command() -> None:
    modules = imported_by("--version")
    assert _among(modules, RUN_TIME) == []
    assert [m for m in modules if m.startswith("actions_cli.") and m != "actions_cli._lazy"] == [
        "actions_cli._logging",
        "actions_cli._output",
    ]


def test_run_on_an_empty_file_imports_only_its_own_command(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("")
    settings = tmp_path / "settings.json"
    settings.write_text('{"apiKey": "k", "secretKey": "s"}')
    # actions serve's app, delivery and SQLite queue: the built-in plugins register the segment
    # source and the sqlite queue kind without them.
    others = (
        "actions_cli._conformance", "actions_cli._init", "actions_cli._emulator", "actions_cli._serve",
        "actions.serve._app", "actions.serve._service", "actions.queues._sqlite",
    )  # fmt: skip
    for dry_run in ([], ["--dry-run"]):
        modules = imported_by(
            "run", "amplitude", "--events", str(events), "--settings", str(settings), *dry_run
        )
        assert "actions_cli._run" in modules and "actions_amplitude" in modules
        assert _test_machinery(modules) == []
        assert "actions.serve._sources" in modules and "actions.queues.builtin" in modules
        assert _among(modules, others) == []


#: What a run that sends nothing never needs: httpx's own CLI (rich, pygments), and the network
#: transport (httpcore) with the CA bundle httpx ships with (certifi), built at the first request.
UNSENT = ("rich", "pygments", "httpx._main", "httpcore", "certifi")


def test_a_run_that_sends_nothing_builds_no_network_transport(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("")
    settings = tmp_path / "settings.json"
    settings.write_text('{"apiKey": "k", "secretKey": "s"}')
    run = ("run", "amplitude", "--events", str(events), "--settings", str(settings))
    no_files: dict[str, str | None] = {"SSL_CERT_FILE": None, "SSL_CERT_DIR": None}
    for dry_run in ([], ["--dry-run"]):
        modules = imported_by(*run, *dry_run, env=no_files)
        assert "httpx" in modules and _among(modules, UNSENT) == []
    # CA certificates the environment names are loaded up front (they may fail); httpcore still waits.
    named = {**no_files, "SSL_CERT_FILE": __import__("certifi").where()}
    modules = imported_by(*run, env=named)
    assert "certifi" in modules and _among(modules, ("httpcore", "rich", "pygments")) == []

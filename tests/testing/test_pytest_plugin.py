"""The pytest plugin end to end: request snapshots on disk, and the --snapshot-update guard.

Each test runs pytest in a subprocess on a throwaway project, as a destination author would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "whsec-test-feedbeef"

TEST_MODULE = f'''
from actions.testing import make_event, run_action, snapshot_of
from actions_webhook import destination

SETTINGS = {{"url": "https://hooks.example.com/in", "sharedSecret": "{SECRET}"}}


def test_send(request_snapshot):
    event = make_event(event="PLACEHOLDER", properties={{"copy": "{SECRET}"}})
    mapping = {{"data": {{"@path": "$.properties"}}}}
    run = run_action(destination, "send", event=event, settings=SETTINGS, mapping=mapping)
    assert snapshot_of(run, destination=destination, settings=SETTINGS) == request_snapshot


def test_plain():
    assert True
'''


def write_project(root: Path, event_name: str = "Signed Up") -> Path:
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--import-mode=importlib"\n')
    tests = root / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_example.py").write_text(TEST_MODULE.replace("PLACEHOLDER", event_name))
    return tests


def run_pytest(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=root,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path)
    return tmp_path


def test_snapshot_update_writes_one_redacted_json_file_per_snapshot(project: Path) -> None:
    done = run_pytest(project, "--snapshot-update")
    assert done.returncode == 0, done.stdout + done.stderr
    written = project / "tests" / "__snapshots__" / "test_example" / "test_send.json"
    data = json.loads(written.read_text(encoding="utf-8"))
    request = data["requests"][0]
    assert request["method"] == "POST"
    assert request["url"] == "https://hooks.example.com/in"
    assert request["body"] == {"copy": "<redacted:sharedSecret>"}
    assert SECRET not in written.read_text(encoding="utf-8")
    assert run_pytest(project).returncode == 0


def test_a_changed_request_fails_the_suite(project: Path) -> None:
    assert run_pytest(project, "--snapshot-update").returncode == 0
    (project / "tests" / "test_example.py").write_text(
        TEST_MODULE.replace("PLACEHOLDER", "x").replace('{"copy"', '{"changed"')
    )
    done = run_pytest(project)
    assert done.returncode == 1
    assert "test_send" in done.stdout


def test_a_missing_snapshot_fails_the_suite(project: Path) -> None:
    done = run_pytest(project)
    assert done.returncode == 1
    assert "1 snapshot failed" in done.stdout or "snapshot does not exist" in done.stdout.lower()


HINT = "run `pytest --snapshot-update`"

SUITE_MODULE = """
from actions.testing import destination_test_class
from actions_webhook import destination

TestWebhook = destination_test_class(destination)
"""

CONFTEST = """
import pytest
from actions_webhook import destination as webhook


@pytest.fixture
def destination():
    return webhook


@pytest.fixture
def destination_settings():
    return {"url": "https://hooks.example.com/in"}
"""


def test_a_missing_snapshot_in_an_authors_own_test_says_how_to_write_it(project: Path) -> None:
    done = run_pytest(project)
    assert done.returncode == 1
    assert "does not exist" in done.stdout and HINT in done.stdout, done.stdout


@pytest.mark.parametrize(
    "how",
    [
        [],  # found through its pytest11 entry point, as any suite finds it
        # Loaded by name with autoload off: pytest then rewrites asserts of the plugin module only,
        # and the suite's own `assert ... == request_snapshot` used to fail as a bare AssertionError.
        ["-p", "actions.testing.pytest_plugin", "-p", "syrupy"],
    ],
    ids=["entry-point", "by-name"],
)
def test_a_missing_snapshot_in_the_standard_suite_says_how_to_write_it(
    tmp_path: Path, how: list[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--import-mode=importlib"\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(CONFTEST)
    (tmp_path / "tests" / "test_suite.py").write_text(SUITE_MODULE)
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"} if how else {}
    done = run_pytest(tmp_path, "-k", "test_request_snapshot and send-required", *how, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "does not exist" in done.stdout and HINT in done.stdout, done.stdout


def test_snapshot_update_with_a_keyword_subset_is_refused(project: Path) -> None:
    done = run_pytest(project, "--snapshot-update", "-k", "send")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--snapshot-update must run on the full suite" in done.stderr
    assert not (project / "tests" / "__snapshots__").exists()


def test_subsets_that_do_not_touch_request_snapshots_may_update(project: Path) -> None:
    assert run_pytest(project, "--snapshot-update", "-k", "plain").returncode == 0


def test_adding_only_new_snapshots_is_allowed_on_a_subset(project: Path) -> None:
    done = run_pytest(project, "--snapshot-update-new-only", "-k", "send")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "tests" / "__snapshots__" / "test_example" / "test_send.json").exists()


def test_snapshot_update_in_an_xdist_worker_is_refused(project: Path) -> None:
    done = run_pytest(project, "--snapshot-update", env={"PYTEST_XDIST_WORKER": "gw0"})
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--snapshot-update must run serially" in done.stderr


def test_the_guard_can_be_overridden(project: Path) -> None:
    done = run_pytest(
        project, "--snapshot-update", "-k", "send", env={"ACTIONS_ALLOW_PARTIAL_SNAPSHOT_UPDATE": "1"}
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_harness_without_a_destination_fixture_explains_what_to_define(tmp_path: Path) -> None:
    (tmp_path / "test_lonely.py").write_text("def test_x(harness):\n    pass\n")
    done = run_pytest(tmp_path)
    assert done.returncode == 1
    assert "needs a `destination` fixture" in done.stdout

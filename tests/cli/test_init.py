"""`actions init`: the scaffold renders a package that lints, type-checks, installs, passes its own
tests and is discovered; `actions init action` adds an action that does the same.

The end-to-end test installs the rendered package into a throwaway virtualenv layered over this
one (a ``.pth`` file adds this environment's site-packages), so nothing is ever installed into,
or left behind in, the environment the rest of the suite runs in.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import actions
import pytest
from actions import ConfigurationError
from actions.runtime import Registry
from actions_cli import cli
from actions_cli._init import (
    ActionNames,
    DestinationNames,
    add_action,
    check_names_are_free,
    create_destination,
    render_template,
    write_snapshots,
)
from click.testing import CliRunner


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    return done


def assert_ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{done.args}\n{done.stdout}\n{done.stderr}"


def lint_and_type_check(package: Path) -> None:
    assert_ok(run(sys.executable, "-m", "ruff", "check", ".", cwd=package))
    assert_ok(run(sys.executable, "-m", "ruff", "format", "--check", ".", cwd=package))
    # The package's own [tool.mypy] config (strict), exactly as its author runs it.
    assert_ok(run(sys.executable, "-m", "mypy", "--cache-dir", str(package / ".mypy_cache"), cwd=package))


# --- names and rendering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["Acme Analytics", "acme-analytics", "AcmeAnalytics", "  acme   analytics "]
)
def test_destination_names_come_from_the_human_name(given: str) -> None:
    names = DestinationNames.from_name(given)
    assert names.slug == "acme-analytics"
    assert names.package == "actions_acme_analytics"
    assert names.distribution == "action-destinations-acme-analytics"
    assert names.variables()["settings_class"] == "AcmeAnalyticsSettings"
    assert names.variables()["suite_class"] == "TestAcmeAnalytics"


def test_an_explicit_slug_wins() -> None:
    assert DestinationNames.from_name("Acme Analytics", "acme").package == "actions_acme"


@pytest.mark.parametrize(
    ("name", "slug"), [("!!!", None), ("Acme", "Acme"), ("Acme", "a--b"), ("A" * 49, None)]
)
def test_unusable_names_are_refused(name: str, slug: str | None) -> None:
    with pytest.raises(ConfigurationError):
        DestinationNames.from_name(name, slug)


def test_action_names_give_key_module_and_path() -> None:
    names = ActionNames.from_name("track purchase")
    assert (names.title, names.key, names.module, names.path) == (
        "Track Purchase",
        "trackPurchase",
        "track_purchase",
        "track-purchase",
    )
    assert ActionNames.from_name("identifyUser").module == "identify_user"


@pytest.mark.parametrize("name", ["settings", "destination", "class", "9 lives", "x" * 33])
def test_action_names_that_would_break_the_package_are_refused(name: str) -> None:
    with pytest.raises(ConfigurationError):
        ActionNames.from_name(name)


def test_render_fills_placeholders_and_rejects_unknown_ones() -> None:
    assert render_template("{{slug}}/{{ package }}", {"slug": "a", "package": "b"}) == "a/b"
    assert render_template('{"@template": "{{properties.x}}"}', {}) == '{"@template": "{{properties.x}}"}'
    with pytest.raises(KeyError, match="typo"):
        render_template("{{typo}}", {"slug": "a"})


def test_create_renders_a_complete_package(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    create_destination(DestinationNames.from_name("Acme Analytics"), target)
    files = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert files == {
        ".gitignore",
        "pyproject.toml",
        "README.md",
        "actions_acme_analytics/__init__.py",
        "actions_acme_analytics/py.typed",
        "actions_acme_analytics/settings.py",
        "actions_acme_analytics/destination.py",
        "actions_acme_analytics/send_event.py",
        "tests/conftest.py",
        "tests/test_destination.py",
        "tests/test_send_event.py",
        "tests/conformance/cases.jsonl",
    }
    text = "".join(p.read_text() for p in target.rglob("*") if p.is_file())
    assert "{{" not in text.replace("{{properties", "")
    pyproject = (target / "pyproject.toml").read_text()
    assert (
        '[project.entry-points."actions.destinations"]\nacme-analytics = "actions_acme_analytics"'
        in pyproject
    )
    assert f'"action-destinations-core>={actions.__version__}"' in pyproject
    cases = [
        json.loads(line)
        for line in (target / "tests/conformance/cases.jsonl").read_text().split("\n")
        if line
    ]
    assert {c["destination"] for c in cases} == {"acme-analytics"}


def test_create_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ConfigurationError, match="not empty"):
        create_destination(DestinationNames.from_name("Acme"), tmp_path)


def test_add_action_wires_the_action_into_a_one_line_list(tmp_path: Path) -> None:
    create_destination(DestinationNames.from_name("Acme"), tmp_path)
    module = tmp_path / "actions_acme" / "destination.py"
    text = module.read_text()
    start, end = text.index("actions=["), text.index("],", text.index("actions=["))
    module.write_text(text[:start] + "actions=[send_event" + text[end:])
    add_action(tmp_path, ActionNames.from_name("Alpha"))
    tree = ast.parse(module.read_text())
    imports = [n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 1]
    assert imports == ["alpha", "send_event", "settings"]
    assert "actions=[send_event, alpha]" in module.read_text()


def test_add_action_refuses_an_existing_key(tmp_path: Path) -> None:
    create_destination(DestinationNames.from_name("Acme"), tmp_path)
    with pytest.raises(ConfigurationError, match="sendEvent"):
        add_action(tmp_path, ActionNames.from_name("Send Event"))


def test_add_action_outside_a_destination_package_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    with pytest.raises(ConfigurationError, match="entry-points"):
        add_action(tmp_path, ActionNames.from_name("Alpha"))


def test_cli_init_name_is_short_for_init_destination(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "Acme", "--directory", str(tmp_path / "pkg"), "--no-snapshots"])
    assert result.exit_code == 0, result.output
    assert "Created action-destinations-acme" in result.output
    assert (tmp_path / "pkg" / "actions_acme" / "destination.py").exists()


def test_cli_init_action_outside_a_package_exits_with_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "action", "Alpha", "--directory", str(tmp_path)])
    assert result.exit_code == 2
    assert "Error:" in result.output


def test_cli_init_help_shows_both_forms() -> None:
    result = CliRunner().invoke(cli, ["init", "--help"])
    assert result.exit_code == 0
    assert "actions init action" in result.output
    assert "NAME | action NAME" in result.output


# --- end to end -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overlay_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv that sees this environment's packages but installs into its own."""
    root = tmp_path_factory.mktemp("overlay-venv")
    assert_ok(run(sys.executable, "-m", "venv", "--without-pip", root, cwd=root))
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)}))
    parent = sysconfig.get_path("purelib")
    # `site.addsitedir` (not a bare path) so this environment's .pth files (editable installs) apply.
    (site_packages / "_actions_parent_env.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    yield root / "bin" / "python"
    shutil.rmtree(root)  # the editable install lives only here: remove it with the environment


def installed_plugins(python: Path, cwd: Path) -> dict[str, dict[str, object]]:
    done = run(python, "-c", "from actions_cli import main; main()", "plugins", "--json", cwd=cwd)
    assert_ok(done)
    return {d["slug"]: d for d in json.loads(done.stdout)["destinations"]}


@pytest.mark.slow
def test_scaffold_lints_installs_passes_its_tests_and_is_discovered(
    tmp_path: Path, overlay_python: Path
) -> None:
    package = tmp_path / "acme"
    result = CliRunner().invoke(cli, ["init", "Acme Analytics", "--directory", str(package)])
    assert result.exit_code == 0, result.output
    assert "Tests pass" in result.output
    snapshots = sorted(p.name for p in (package / "tests" / "__snapshots__" / "test_destination").iterdir())
    assert snapshots == [
        "TestAcmeAnalytics.test_request_snapshot[sendEvent-all].json",
        "TestAcmeAnalytics.test_request_snapshot[sendEvent-required].json",
    ]
    lint_and_type_check(package)

    assert_ok(
        run(
            sys.executable,
            "-m",
            "pip",
            "--python",
            overlay_python,
            "install",
            "-q",
            "-e",
            package,
            "--no-deps",
            "--no-build-isolation",
            cwd=tmp_path,
        )
    )
    tests = run(overlay_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
    assert_ok(tests)
    assert " passed" in tests.stdout
    found = installed_plugins(overlay_python, tmp_path)
    assert found["acme-analytics"]["package"] == "action-destinations-acme-analytics"
    assert found["acme-analytics"]["actions"] == ["sendEvent"]

    # A second action: module, tests, wiring, snapshots; still clean, still passing, discovered.
    added = CliRunner().invoke(cli, ["init", "action", "Track Purchase", "--directory", str(package)])
    assert added.exit_code == 0, added.output
    assert (
        (package / "tests" / "__snapshots__" / "test_destination")
        .joinpath("TestAcmeAnalytics.test_request_snapshot[trackPurchase-all].json")
        .exists()
    )
    lint_and_type_check(package)
    assert_ok(run(overlay_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package))
    assert installed_plugins(overlay_python, tmp_path)["acme-analytics"]["actions"] == [
        "sendEvent",
        "trackPurchase",
    ]

    # A changed request now fails the package's suite.
    action = package / "actions_acme_analytics" / "send_event.py"
    action.write_text(
        action.read_text().replace('"event": payload["event_name"]', '"name": payload["event_name"]')
    )
    assert run(overlay_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package).returncode == 1


@pytest.mark.slow
def test_mypy_strict_passes_on_a_fresh_scaffold_with_the_core_installed_editable(tmp_path: Path) -> None:
    """Plain `mypy --strict`, no MYPYPATH: it must find `actions` (py.typed) where pip put it.

    An editable install made by setuptools' import-hook finder is invisible to mypy ("Cannot find
    implementation or library stub for module named 'actions'"); the core's package-dir makes it
    a plain .pth path entry, which mypy follows.
    """
    create_destination(DestinationNames.from_name("Acme Analytics"), tmp_path)
    env = {key: value for key, value in os.environ.items() if key not in {"MYPYPATH", "PYTHONPATH"}}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy_cache")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_nothing_was_installed_into_this_environment() -> None:
    with pytest.raises(PackageNotFoundError):
        distribution("action-destinations-acme-analytics")


def test_snapshots_are_written_for_an_uninstalled_package(tmp_path: Path) -> None:
    create_destination(DestinationNames.from_name("Beta"), tmp_path)
    done = write_snapshots(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "tests" / "__snapshots__" / "test_destination").iterdir())) == 2


# --- names that collide, names that are not ASCII, .gitignore, the "Next:" steps ----------------


@pytest.mark.parametrize(
    ("args", "taken"),
    [
        (["amplitude"], "action-destinations-amplitude"),  # the bundled plugin's distribution
        (["Anything", "--slug", "webhook"], "action-destinations-webhook"),
        (["Cli"], "action-destinations-cli"),  # not a destination, still an installed distribution
    ],
)
def test_init_refuses_names_an_installed_distribution_already_has(
    tmp_path: Path, args: list[str], taken: str
) -> None:
    target = tmp_path / "pkg"
    result = CliRunner().invoke(cli, ["init", *args, "--directory", str(target), "--no-snapshots"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and taken in line, line
    assert not target.exists()


def test_init_refuses_a_slug_an_installed_plugin_registers_under_another_distribution() -> None:
    # `webhook-x`'s names are free, but its slug is not: registered by another distribution.
    registry = Registry()
    with pytest.raises(
        ConfigurationError, match="slug 'webhook' is already registered by action-destinations-webhook"
    ):
        check_names_are_free(DestinationNames("Hook", "webhook"), registry)
    check_names_are_free(DestinationNames("Hook", "webhook-x"), registry)


@pytest.mark.parametrize(
    ("given", "name", "slug"),
    [
        ("Café Crème", "Café Crème", "cafe-creme"),
        ("Ærø Straße", "Ærø Straße", "aero-strasse"),
        ("Zürich Łódź", "Zürich Łódź", "zurich-lodz"),
    ],
)
def test_non_ascii_names_are_transliterated_for_the_code_and_kept_for_people(
    given: str, name: str, slug: str
) -> None:
    names = DestinationNames.from_name(given)
    assert (names.name, names.slug) == (name, slug)


def test_a_name_with_no_ascii_spelling_is_refused_naming_the_letters_unless_a_slug_is_given(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(cli, ["init", "Ягода", "--directory", str(tmp_path / "x"), "--no-snapshots"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "'Я'" in line and "--slug" in line, line
    names = DestinationNames.from_name("Ягода", "yagoda")
    assert (names.name, names.slug, names.package) == ("Ягода", "yagoda", "actions_yagoda")
    with pytest.raises(ConfigurationError, match="no ASCII spelling"):
        ActionNames.from_name("Отправить")
    assert ActionNames.from_name("Envoyer Événement").module == "envoyer_evenement"


def test_init_writes_a_gitignore_that_keeps_snapshots_and_drops_build_output(tmp_path: Path) -> None:
    created = create_destination(DestinationNames.from_name("Acme"), tmp_path)
    gitignore = tmp_path / ".gitignore"
    assert gitignore in created
    lines = gitignore.read_text(encoding="utf-8").splitlines()
    ignored = [line for line in lines if line and not line.startswith("#")]
    assert {"__pycache__/", "*.egg-info/", "dist/", "build/", ".venv/", ".mypy_cache/"} <= set(ignored)
    assert not any("snapshot" in pattern or pattern.endswith(".json") for pattern in ignored)


TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"


def tutorial_next_steps() -> list[str]:
    """The commands of the tutorial's console block that follows the scaffold (the one with `cd`)."""
    blocks = re.findall(r"```console\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.DOTALL)
    (block,) = [b for b in blocks if "$ cd acme-analytics" in b]
    return [line.removeprefix("$ ") for line in block.splitlines() if line.startswith("$ ")]


def test_the_next_steps_init_prints_are_the_tutorials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init", "Acme Analytics", "--no-snapshots"])
    assert result.exit_code == 0, result.output
    printed = result.stdout.split("\nNext:\n", 1)[1].splitlines()
    assert [line.strip() for line in printed if line.strip()] == tutorial_next_steps()
    assert "actions describe acme-analytics" in tutorial_next_steps()

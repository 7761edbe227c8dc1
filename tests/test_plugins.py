"""Plugin discovery: entry points, broken plugins, the allow-list, strict mode, and a real pip install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from actions import ConfigurationError, Destination, PluginLoadError, UnknownDestinationError, hookimpl
from actions.runtime import Registry
from actions_webhook import destination as webhook

BIN = Path(sys.executable).parent


def _plugin(*destinations: Destination) -> Any:
    @hookimpl
    def register_destinations(register: Any) -> None:
        for destination in destinations:
            register(destination)

    return SimpleNamespace(__name__="test-plugin", register_destinations=register_destinations)


def _renamed(slug: str) -> Destination:
    return webhook.model_copy(update={"slug": slug, "name": slug.title()})


def test_directly_registered_plugins_provide_destinations_without_entry_points() -> None:
    registry = Registry([_plugin(_renamed("alpha"))], entry_points=False)
    assert list(registry.destinations()) == ["alpha"]
    assert registry.destination("alpha").name == "Alpha"


def test_unknown_slug_error_names_close_matches_and_what_is_installed() -> None:
    registry = Registry([_plugin(_renamed("amplitude"))], entry_points=False)
    with pytest.raises(
        UnknownDestinationError,
        match=r"no destination 'amplitud'; did you mean 'amplitude'\? \(installed: amplitude\)",
    ):
        registry.destination("amplitud")


def test_a_plugin_that_raises_while_registering_is_reported_not_fatal() -> None:
    @hookimpl
    def register_destinations(register: Any) -> None:
        raise RuntimeError("boom")

    broken = SimpleNamespace(__name__="broken", register_destinations=register_destinations)
    registry = Registry([broken, _plugin(_renamed("fine"))], entry_points=False)
    assert list(registry.destinations()) == ["fine"]
    assert [(f.name, f.error) for f in registry.failures] == [("broken", "RuntimeError: boom")]
    with pytest.raises(PluginLoadError, match="boom"):
        Registry([broken], entry_points=False, strict=True)


def test_a_slug_two_plugins_register_is_a_conflict_of_that_slug_only() -> None:
    first = _plugin(_renamed("dup"), _renamed("one"))
    second = SimpleNamespace(
        __name__="second", register_destinations=_plugin(_renamed("dup")).register_destinations
    )
    registry = Registry([first, second], entry_points=False)
    assert registry.failures == []
    assert [c.slug for c in registry.conflicts] == ["dup"]
    assert list(registry.destinations()) == ["one"]
    with pytest.raises(ConfigurationError, match="'dup' is registered by more than one plugin"):
        registry.destination("dup")


def test_a_plugin_registering_one_slug_twice_is_its_own_failure() -> None:
    registry = Registry([_plugin(_renamed("dup"), _renamed("dup"))], entry_points=False)
    assert "registered twice" in registry.failures[0].error
    assert registry.destinations() == {}


def test_installed_entry_points_are_loaded_unless_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "webhook" in Registry().destinations()
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", "")
    assert Registry().destinations() == {}
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", "webhook")
    assert list(Registry().destinations()) == ["webhook"]


PLUGIN_SOURCE = """
from __future__ import annotations

from typing import Any

from actions import Action, Destination, Field, Settings, hookimpl


async def perform(request: Any, data: Any) -> None:
    await request("https://example.invalid/ping", method="POST", json=data.payload)


destination = Destination(
    name="Throwaway",
    slug="throwaway",
    settings=Settings,
    actions=[
        Action(key="ping", title="Ping", description="Ping.", fields={"n": Field(label="N")}, perform=perform)
    ],
)


@hookimpl
def register_destinations(register: Any) -> None:
    register(destination)
"""


def _build_package(root: Path, name: str, module: str, source: str) -> Path:
    package = root / name
    (package / module).mkdir(parents=True)
    (package / module / "__init__.py").write_text(textwrap.dedent(source))
    (package / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "1.2.3"

            [project.entry-points."actions.destinations"]
            {module} = "{module}"
            """
        )
    )
    return package


def _actions(args: list[str], site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(site), **env}
    environ.pop("ACTIONS_LOAD_PLUGINS", None)
    return subprocess.run(
        [str(BIN / "actions"), *args], capture_output=True, text=True, env=environ, timeout=120, check=False
    )


@pytest.mark.slow
def test_a_pip_installed_package_is_discovered_beside_webhook_and_a_broken_one_is_reported(
    tmp_path: Path,
) -> None:
    good = _build_package(tmp_path / "src", "throwaway-destination", "throwaway_destination", PLUGIN_SOURCE)
    bad = _build_package(
        tmp_path / "src", "broken-destination", "broken_destination", "import does_not_exist\n"
    )
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(good),
            str(bad),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )

    listing = _actions(["plugins", "--json"], site)
    assert listing.returncode == 1, listing.stderr  # the broken one
    data = json.loads(listing.stdout)
    slugs = {d["slug"]: d for d in data["destinations"]}
    assert {"throwaway", "webhook"} <= set(slugs)
    assert (slugs["throwaway"]["package"], slugs["throwaway"]["version"]) == (
        "throwaway-destination",
        "1.2.3",
    )
    assert [(f["name"], f["error"]) for f in data["failed"]] == [
        ("broken_destination", "ModuleNotFoundError: No module named 'does_not_exist'")
    ]

    described = _actions(["describe", "throwaway", "--format", "json"], site)
    assert json.loads(described.stdout)["actions"]["ping"]["title"] == "Ping"

    strict = _actions(["plugins"], site, ACTIONS_STRICT_PLUGINS="1")
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines() == [
        "Error: plugin 'broken_destination' (broken-destination) failed to load: "
        "ModuleNotFoundError: No module named 'does_not_exist'"
    ]

"""Two installed plugins claiming one destination slug: an error for that slug only, never a takeover.

A throwaway third-party plugin (distribution ``evil-hooks``, entry point ``aaa-hooks``, which sorts
before ``webhook`` so it loads first) registers ``webhook`` and its own ``evilhook``. It is
installed through a real entry point: a ``.dist-info`` folder on ``sys.path`` (as
tests/test_source_plugin.py does), found by ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from actions import ConfigurationError
from actions import _registry as registry_module
from actions.runtime import Registry
from actions_cli import cli
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent / "delivery"))

from plugin_fakes import install_distribution

MODULE = "evil_hooks"
DISTRIBUTION = "evil-hooks"
ENTRY_POINT = "aaa-hooks"

PLUGIN = """
from typing import Any

from actions import Action, Destination, Field, Settings, hookimpl


async def perform(request: Any, data: Any) -> None:
    await request("https://example.invalid/", method="POST", json=data.payload)


def _destination(slug: str) -> Destination:
    fields = {"n": Field(label="N")}
    action = Action(key="send", title="Send", description="Send.", fields=fields, perform=perform)
    return Destination(name=f"Evil {slug}", slug=slug, settings=Settings, actions=[action])


class Plugin:
    @hookimpl
    def register_destinations(self, register: Any) -> None:
        register(_destination("webhook"))
        register(_destination("evilhook"))


plugin = Plugin()
"""


def install(site: Path) -> None:
    install_distribution(site, DISTRIBUTION, MODULE, PLUGIN, entry_point=ENTRY_POINT)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "site"
    folder.mkdir()
    install(folder)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", f"{DISTRIBUTION},webhook,amplitude")
    monkeypatch.delenv("ACTIONS_STRICT_PLUGINS", raising=False)
    sys.modules.pop(MODULE, None)
    importlib.invalidate_caches()
    saved = registry_module._registry
    registry_module._registry = None
    yield folder
    registry_module._registry = saved
    sys.modules.pop(MODULE, None)
    importlib.invalidate_caches()


def _names_both(message: str) -> None:
    for part in ("'webhook'", DISTRIBUTION, ENTRY_POINT, "action-destinations-webhook"):
        assert part in message, (part, message)


def test_the_colliding_slug_is_refused_naming_both_plugins_and_the_rest_still_works(site: Path) -> None:
    registry = Registry()
    assert registry.failures == []  # the built-in is not "FAILED": nobody is blamed for loading first
    with pytest.raises(ConfigurationError) as caught:
        registry.destination("webhook")
    _names_both(str(caught.value))
    assert "\n" not in str(caught.value)
    assert registry.destination("evilhook").name == "Evil evilhook"
    assert registry.destination("amplitude").slug == "amplitude"
    assert "webhook" not in registry.destinations()
    (conflict,) = registry.conflicts
    assert conflict.slug == "webhook"
    assert sorted((c.name, c.package) for c in conflict.plugins) == [
        (ENTRY_POINT, DISTRIBUTION),
        ("webhook", "action-destinations-webhook"),
    ]


def test_strict_mode_makes_a_collision_fatal(site: Path) -> None:
    from actions import PluginLoadError

    with pytest.raises(PluginLoadError, match="evil-hooks"):
        Registry(strict=True)


def test_actions_run_refuses_the_slug_with_one_line_and_exit_2(site: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text('{"type": "track", "event": "x", "userId": "u", "messageId": "m1"}\n')
    result = CliRunner().invoke(
        cli, ["run", "webhook", "--events", str(events), "--dead-letter", str(tmp_path / "dl.ndjson")]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    _names_both(lines[0])
    assert not (tmp_path / "dl.ndjson").exists()


def test_actions_plugins_shows_both_claimants_and_why(site: Path) -> None:
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    slugs = [d["slug"] for d in data["destinations"]]
    assert "webhook" not in slugs and {"evilhook", "amplitude"} <= set(slugs)
    (conflict,) = data["conflicts"]
    assert conflict["slug"] == "webhook"
    assert sorted((p["name"], p["package"]) for p in conflict["plugins"]) == [
        (ENTRY_POINT, DISTRIBUTION),
        ("webhook", "action-destinations-webhook"),
    ]
    _names_both(conflict["error"])
    assert data["failed"] == []

    table = CliRunner().invoke(cli, ["plugins"])
    assert table.exit_code == 0
    (line,) = [x for x in table.stderr.splitlines() if "webhook" in x]
    assert line.startswith("CONFLICT webhook")
    _names_both(line)
    assert "FAILED" not in table.output


def test_a_fresh_process_finds_the_collision_through_the_entry_points(site: Path, tmp_path: Path) -> None:
    environ = {**os.environ, "PYTHONPATH": str(site)}
    environ.pop("ACTIONS_LOAD_PLUGINS", None)
    run = subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", "describe", "webhook"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    _names_both(line)
    other = subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", "describe", "evilhook"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr

"""A newcomer can write a source plugin from docs/hooks.md, and this test does exactly that.

A throwaway plugin, written the way the ``register_sources`` section shows (a source class with
``name``, ``redelivers``, ``batches``, ``settled`` and ``close``, and a plugin whose hook
registers a ``SourceSpec``), reads events from a CSV file named in its settings and writes every
settle callback to a log file. It is made discoverable through a real entry point: a
``throwaway_source-0.1.dist-info`` folder on ``sys.path``, found by ``importlib.metadata`` in the
``actions.destinations`` group the registry loads. Then ``actions plugins`` lists it and
``actions run --config`` delivers its events to a real local HTTP server.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from actions import PluginLoadError
from actions import _registry as registry_module
from actions.delivery import iter_dead_letters
from actions.runtime import Registry
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parent / "delivery"))

from actions_cli import cli
from plugin_fakes import install_distribution

if TYPE_CHECKING:  # mypy finds the helpers by their path; pytest by the folder added above
    from tests.delivery.http_fakes import LocalServer, Received, local_server
else:
    from http_fakes import LocalServer, Received, local_server

MODULE = "throwaway_source"
DISTRIBUTION = "throwaway-source"

#: The plugin, as a newcomer writes it from docs/hooks.md (register_sources).
PLUGIN = '''
"""A throwaway source plugin: the rows of a CSV file, one event each."""

from __future__ import annotations

import csv
import difflib
import json

from actions import ConfigurationError, hookimpl
from actions.delivery import Outcome, Record, SourceOptions, SourceSpec

PARAMS = {
    "path": "The CSV file: a header row, then one event per row.",
    "log": "A file every settle callback is appended to (one JSON line each).",
    "fail_after": "Raise after this many rows (to test a source that breaks).",
}


class CsvSource:
    """Rows of a CSV file as events; writes what became of each one to ``log``."""

    redelivers = False

    def __init__(self, options: SourceOptions) -> None:
        for key in options.params:
            if key not in PARAMS:
                close = difflib.get_close_matches(key, list(PARAMS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(PARAMS)})"
                raise ConfigurationError(f"source {options.name!r}: unknown setting {key!r}{hint}")
        self.name = options.name
        self.log = options.params["log"]
        self.fail_after = options.params.get("fail_after")
        with open(options.params["path"], encoding="utf-8", newline="") as stream:
            self.rows = [{k: v for k, v in row.items() if v} for row in csv.DictReader(stream)]

    async def batches(self):
        for position, row in enumerate(self.rows, 1):
            if self.fail_after is not None and position > self.fail_after:
                raise RuntimeError(f"row {position} cannot be read")
            yield [Record(row, line=position, origin=row["messageId"])]

    def settled(self, record: Record, outcome: Outcome) -> None:
        destinations = dict(outcome.destinations)
        self._write({"origin": record.origin, "status": outcome.status, "destinations": destinations})

    def close(self) -> None:
        self._write({"closed": True})

    def _write(self, entry: dict) -> None:
        with open(self.log, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\\n")


class CsvSourcePlugin:
    @hookimpl
    def register_sources(self, register):
        register(
            SourceSpec(
                name="csv-rows",
                description="Rows of a CSV file, one event each.",
                factory=CsvSource,
                params=PARAMS,
            )
        )


plugin = CsvSourcePlugin()
'''

#: A plugin whose hook raises while registering.
BROKEN_PLUGIN = """
from actions import hookimpl


class BrokenPlugin:
    @hookimpl
    def register_sources(self, register):
        raise RuntimeError("the CSV dialect table is missing")


plugin = BrokenPlugin()
"""

ROWS = """type,event,name,userId,messageId
track,Signed Up,,ada,m1
page,,Home,ada,m2
track,Order Completed,,bob,m3
"""


def install(site: Path, source: str) -> None:
    """Write the plugin module and the distribution metadata that makes it an installed entry point."""
    install_distribution(site, DISTRIBUTION, MODULE, source)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` for the plugin; the CLI's registry is rebuilt from entry points."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    # Only the throwaway plugin and webhook (the core's built-in sources always load).
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", f"{DISTRIBUTION},webhook")
    monkeypatch.delenv("ACTIONS_STRICT_PLUGINS", raising=False)
    for name in list(os.environ):
        if name.startswith(("ACTIONS_HOOK_", "ACTIONS_ALL_")):
            monkeypatch.delenv(name)
    sys.modules.pop(MODULE, None)
    saved = registry_module._registry
    registry_module._registry = None  # the next get_registry() loads entry points, ours included
    yield folder
    registry_module._registry = saved
    sys.modules.pop(MODULE, None)
    importlib.invalidate_caches()


@pytest.fixture
def plugin(site: Path) -> Path:
    install(site, PLUGIN)
    importlib.invalidate_caches()
    return site


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rows.csv").write_text(ROWS, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write_pipeline(work: Path, hook: LocalServer, everything: LocalServer, source: str = "") -> Path:
    """``hook`` subscribes to tracks, ``all`` to everything (webhook's presets)."""
    source = source or '[sources.mine]\ntype = "csv-rows"\npath = "rows.csv"\nlog = "settled.log"\n'
    text = f"""
{source}
[destinations.hook]
type = "webhook"
settings = {{ url = "{hook.url}/hook" }}
subscriptions = [{{ subscribe = 'type = "track"', action = "send" }}]

[destinations.all]
type = "webhook"
settings = {{ url = "{everything.url}/all" }}
"""
    path = work / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settled_log(work: Path) -> list[dict[str, Any]]:
    path = work / "settled.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def reject_m3(request: Received) -> tuple[int, dict[str, str]]:
    return (400, {}) if request.body.get("messageId") == "m3" else (200, {})


def actions_process(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``actions ARGS`` in a fresh interpreter that finds the plugin through ``PYTHONPATH`` only."""
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
    }
    environ.pop("ACTIONS_LOAD_PLUGINS", None)  # every installed plugin
    return subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
        check=False,
    )


# --- discovery ------------------------------------------------------------------------------------


def test_the_registry_finds_the_plugin_through_its_entry_point(plugin: Path) -> None:
    registry = Registry()
    spec = registry.source("csv-rows")
    assert spec.description == "Rows of a CSV file, one event each."
    assert set(spec.params) == {"path", "log", "fail_after"}
    assert set(registry.sources()) == {"csv-rows", "dead-letters", "ndjson", "segment"}
    (info,) = (p for p in registry.plugins if p.name == DISTRIBUTION)
    assert (info.package, info.version, info.hooks, info.sources) == (
        DISTRIBUTION,
        "0.1",
        ["register_sources"],
        ["csv-rows"],
    )
    assert registry.failures == []


def test_load_plugins_decides_whether_the_plugin_loads_but_never_the_builtin_sources(
    plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", "")
    assert set(Registry().sources()) == {"dead-letters", "ndjson", "segment"}
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", "webhook")
    assert "csv-rows" not in Registry().sources()
    monkeypatch.setenv("ACTIONS_LOAD_PLUGINS", DISTRIBUTION)  # the entry point (and distribution) name
    assert "csv-rows" in Registry().sources()
    monkeypatch.delenv("ACTIONS_LOAD_PLUGINS")
    assert "csv-rows" in Registry().sources()


def test_actions_plugins_lists_the_source(plugin: Path) -> None:
    text = invoke("plugins")
    assert text.exit_code == 0
    assert "source           csv-rows: Rows of a CSV file, one event each." in text.output.splitlines()

    data = json.loads(invoke("plugins", "--json").stdout)
    assert {
        "name": "csv-rows",
        "description": "Rows of a CSV file, one event each.",
        "params": {
            "path": "The CSV file: a header row, then one event per row.",
            "log": "A file every settle callback is appended to (one JSON line each).",
            "fail_after": "Raise after this many rows (to test a source that breaks).",
        },
    } in data["sources"]
    (entry,) = (p for p in data["plugins"] if p["name"] == DISTRIBUTION)
    assert (entry["package"], entry["version"], entry["sources"]) == (DISTRIBUTION, "0.1", ["csv-rows"])
    assert data["failed"] == []


# --- a run fed by the plugin --------------------------------------------------------------------


def test_a_pipeline_runs_from_the_plugin_source_and_every_record_is_settled_exactly_once(
    plugin: Path, work: Path
) -> None:
    with local_server(reject_m3) as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything)
        result = invoke("run", "--config", str(config), "--report", "report.json")
    assert result.exit_code == 1, result.output  # m3 is dead-lettered by `hook`

    assert sorted(body["messageId"] for body in hook.bodies()) == ["m1", "m3"]  # tracks only
    assert sorted(body["messageId"] for body in everything.bodies()) == ["m1", "m2", "m3"]
    assert {"type": "page", "name": "Home", "userId": "ada", "messageId": "m2"} in everything.bodies()

    log = settled_log(work)
    assert log[-1] == {"closed": True}  # close() once, after the last settled()
    calls = log[:-1]
    assert not any("closed" in entry for entry in calls)
    assert Counter(entry["origin"] for entry in calls) == {"m1": 1, "m2": 1, "m3": 1}
    assert {entry["origin"]: (entry["status"], entry["destinations"]) for entry in calls} == {
        "m1": ("delivered", {"hook": "delivered", "all": "delivered"}),
        "m2": ("delivered", {"hook": "filtered", "all": "delivered"}),
        "m3": ("dead_lettered", {"hook": "dead_lettered", "all": "delivered"}),
    }

    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert report["source"] == "mine"
    assert (report["events_in"], report["delivered"], report["dead_lettered"]) == (3, 2, 1)
    assert report["last_line"] == 3
    (dead,) = iter_dead_letters(work / "dead-letters.ndjson")
    assert (dead["destination"], dead["line"], dead["event"]["messageId"]) == ("hook", 3, "m3")


def test_a_fresh_process_discovers_the_plugin_and_runs_it(site: Path, work: Path) -> None:
    install(site, PLUGIN)
    listed = actions_process(["plugins"], site, work)
    assert listed.returncode == 0, listed.stderr
    assert "source           csv-rows: Rows of a CSV file, one event each." in listed.stdout.splitlines()
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything)
        ran = actions_process(["run", "--config", str(config)], site, work)
    assert ran.returncode == 0, ran.stderr
    assert sorted(body["messageId"] for body in hook.bodies()) == ["m1", "m3"]
    assert sorted(body["messageId"] for body in everything.bodies()) == ["m1", "m2", "m3"]
    assert Counter(entry.get("origin") for entry in settled_log(work)) == {
        "m1": 1,
        "m2": 1,
        "m3": 1,
        None: 1,  # close()
    }


def test_a_source_that_breaks_mid_run_stops_the_run_and_still_settles_what_it_gave(
    plugin: Path, work: Path
) -> None:
    source = '[sources.mine]\ntype = "csv-rows"\npath = "rows.csv"\nlog = "settled.log"\nfail_after = 2\n'
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything, source)
        result = invoke("run", "--config", str(config), "--report", "report.json")
    assert result.exit_code == 1
    assert "Error: the run could not go to the end: RuntimeError: row 3 cannot be read" in result.stderr
    assert sorted(body["messageId"] for body in everything.bodies()) == ["m1", "m2"]
    log = settled_log(work)
    assert log[-1] == {"closed": True}
    assert Counter(entry["origin"] for entry in log[:-1]) == {"m1": 1, "m2": 1}
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert (report["stopped"], report["events_in"], report["delivered"]) == ("error", 2, 2)


# --- clear errors --------------------------------------------------------------------------------


def test_an_unknown_setting_of_the_plugin_source_is_a_configuration_error(plugin: Path, work: Path) -> None:
    source = '[sources.mine]\ntype = "csv-rows"\npath = "rows.csv"\nlgo = "settled.log"\n'
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything, source)
        result = invoke("run", "--config", str(config))
    assert result.exit_code == 2
    assert result.stderr == "Error: source 'mine': unknown setting 'lgo'; did you mean 'log'?\n"
    assert hook.received == [] and everything.received == []


def test_a_misspelt_source_type_names_the_table_and_suggests_the_plugins_source(
    plugin: Path, work: Path
) -> None:
    source = '[sources.mine]\ntype = "csv-row"\npath = "rows.csv"\nlog = "settled.log"\n'
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything, source)
        result = invoke("run", "--config", str(config))
    assert result.exit_code == 2
    assert "[sources.mine]" in result.stderr
    assert "no source 'csv-row'; did you mean 'csv-rows'?" in result.stderr
    assert not (work / "settled.log").exists()


def test_checkpoint_is_passed_to_the_plugin_source_as_a_setting(plugin: Path, work: Path) -> None:
    """``--checkpoint`` becomes the source's ``checkpoint`` setting, which this plugin does not take."""
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything)
        result = invoke("run", "--config", str(config), "--checkpoint", "cp.json")
    assert result.exit_code == 2
    assert "Error: source 'mine': unknown setting 'checkpoint'" in result.stderr
    assert hook.received == [] and everything.received == []


def test_a_source_factory_that_raises_gives_one_clear_line_and_exit_2(plugin: Path, work: Path) -> None:
    source = '[sources.mine]\ntype = "csv-rows"\npath = "missing.csv"\nlog = "settled.log"\n'
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything, source)
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert hook.received == [] and everything.received == []
    assert result.exit_code == 2, repr(result.exception)
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "'mine'" in result.stderr and "missing.csv" in result.stderr


def test_a_plugin_whose_hook_raises_is_reported_by_actions_plugins(site: Path, work: Path) -> None:
    install(site, BROKEN_PLUGIN)
    result = invoke("plugins")
    assert result.exit_code == 1  # a plugin failed
    module = textwrap.dedent(BROKEN_PLUGIN)
    raised_at = module[: module.index("raise RuntimeError")].count("\n") + 1  # the line the hook raised at
    assert (
        f"FAILED {DISTRIBUTION} (distribution {DISTRIBUTION} 0.1, "
        f"entry point {DISTRIBUTION} = {MODULE}:plugin): "
        f"RuntimeError: the CSV dialect table is missing at {site / (MODULE + '.py')}:{raised_at}"
        in result.stderr.splitlines()
    ), result.stderr
    assert "csv-rows" not in result.stdout


def test_in_strict_mode_a_plugin_whose_hook_raises_is_an_error(site: Path) -> None:
    install(site, BROKEN_PLUGIN)
    with pytest.raises(PluginLoadError) as caught:
        Registry(strict=True)
    assert str(caught.value) == (
        f"plugin {DISTRIBUTION!r} failed to register: RuntimeError: the CSV dialect table is missing"
    )


def test_a_run_needing_a_source_whose_plugin_failed_says_that_a_plugin_failed(site: Path, work: Path) -> None:
    install(site, BROKEN_PLUGIN)
    with local_server() as hook, local_server() as everything:
        config = write_pipeline(work, hook, everything)
        result = invoke("run", "--config", str(config))
    assert result.exit_code == 2
    assert "no source 'csv-rows'" in result.stderr
    assert f"failed to load: {DISTRIBUTION}" in result.stderr

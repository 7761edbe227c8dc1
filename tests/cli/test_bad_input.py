"""Bad input and user mistakes: one `Error:` line naming the problem, exit code 2, nothing sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from actions_cli import cli
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from http_fakes import local_server
from plugin_fakes import install_distribution


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _one_error_line(result: Result) -> str:
    """The single line of output, which must be an ``Error:`` line (and no traceback)."""
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "holds no cases"),
        (b"\x00\x9f\xf6binary", "is not a cases file: byte 1 is not UTF-8 text"),
        (b'{"kind": "mapping", "output": {}}\n{broken\n', "line 2 is not JSON: Expecting property name"),
        (b'{"type": "track", "event": "x", "userId": "u"}\n', "line 1 is not a case: a case is an object"),
        (b"[1, 2]\n", "line 1 is not a case"),
        (b"[" * 100_000 + b"\n", "line 1 is not a case: it cannot be parsed"),
    ],
)
def test_conformance_run_refuses_what_is_not_a_cases_file(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(content)
    result = _invoke("conformance", "run", str(path))
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert line.startswith(f"Error: {path}") and expected in line


def test_conformance_run_still_runs_a_cases_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        json.dumps({"id": "a", "kind": "mapping", "mapping": {"@literal": 1}, "output": {"result": 1}})
    )
    result = _invoke("conformance", "run", str(path))
    assert result.exit_code == 0, result.output
    assert "total" in result.output


def _usage_error(result: Result) -> str:
    """Click's usage error: a usage hint, then exactly one ``Error:`` line; exit 2, no traceback."""
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.ndjson"
    path.write_text(json.dumps({"type": "track", "event": "x", "userId": "u"}) + "\n")
    return path


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "it is not a URL: Invalid port: ':1'"),
        ("notaurl", "it must start with http:// or https://"),
        ("127.0.0.1:18080", "it must start with http:// or https://"),
        ("ftp://files.example.com/x", "it must start with http:// or https://"),
        ("http://", "it names no host"),
        ("http://127.0.0.1:99999", "port 99999 is not between 1 and 65535"),
    ],
)
def test_a_base_url_that_cannot_be_used_is_refused_at_start(
    tmp_path: Path, events: Path, url: str, problem: str
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": "http://127.0.0.1:9/hook"}))
    dead = tmp_path / "dead.ndjson"
    for command in (
        ["run", "webhook", "--settings", str(settings), "--events", str(events)],
        ["check", "webhook"],
    ):
        result = _invoke(*command, "--base-url", url)
        assert _usage_error(result) == f"Error: Invalid value for '--base-url': {url!r}: {problem}"
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(
        f'[destinations.webhook]\nsettings = {{ url = "http://127.0.0.1:9/hook" }}\n'
        f"delivery = {{ base_url = {json.dumps(url)} }}\n"
    )
    result = _invoke("run", "--config", str(pipeline), "--events", str(events), "--dead-letter", str(dead))
    assert result.exit_code == 2
    assert _one_error_line(result) == (
        f"Error: {pipeline}: [destinations.webhook] delivery.base_url {url!r} cannot be used: {problem}"
    )
    assert not dead.exists()  # nothing was attempted


def test_a_usable_base_url_is_taken(tmp_path: Path, events: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": "http://example.com/hook"}))
    result = _invoke(
        "run", "webhook", "--settings", str(settings), "--events", str(events), "--dry-run",
        "--base-url", "http://[::1]:8080/p",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "http://[::1]:8080/p/hook" in result.output


def _sqlite_file(path: Path, schema: str, rows: int = 0) -> Path:
    """A real SQLite file: ``schema``, then ``rows`` rows of 500 characters in its first column."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute(schema)
    if rows:
        db.executemany("INSERT INTO t VALUES (?)", [(str(i) * 500,) for i in range(rows)])
    db.commit()
    db.close()
    return path


def _truncated_sqlite(path: Path) -> None:
    full = _sqlite_file(path.with_suffix(".full"), "CREATE TABLE t (x TEXT)", rows=50)
    path.write_bytes(full.read_bytes()[:9000])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda p: p.write_text('{"sessions": {"d:1": '),
            "it is not a readable SQLite file (file is not a database)",
        ),
        (
            lambda p: p.write_bytes(bytes(range(256)) * 20),
            "it is not a readable SQLite file (file is not a database)",
        ),
        (
            lambda p: _sqlite_file(p, "CREATE TABLE amplitude_sessions (key TEXT, foo TEXT)"),
            "its amplitude_sessions table has columns (key, foo), not "
            "(key, session_id, last_ms, previous_id, previous_last_ms)",
        ),
        (
            # A real state file cut short, as by a full disk or a partial copy.
            _truncated_sqlite,
            "it is not a readable SQLite file (database disk image is malformed)",
        ),
    ],
    ids=["truncated-json", "binary", "wrong-table", "truncated-sqlite"],
)
def test_a_corrupt_sessions_state_file_is_refused_before_any_event(
    tmp_path: Path, events: Path, make: Any, reason: str
) -> None:
    state = tmp_path / "sessions.db"
    make(state)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"apiKey": "k", "secretKey": "s"}))
    dead = tmp_path / "dead.ndjson"
    with local_server(lambda request: (400, {"error": "must not be reached"})) as server:
        result = _invoke(
            "run", "amplitude", "--settings", str(settings), "--events", str(events),
            "--base-url", server.url, "--enrich", "amplitude-sessions", "--state", str(state),
            "--dead-letter", str(dead),
        )  # fmt: skip
        assert server.received == []
    assert result.exit_code == 2
    assert (
        _one_error_line(result)
        == f"Error: amplitude-sessions: the state file {state} cannot be used: {reason}"
    )


def test_a_dry_run_to_amplitude_delivers_every_event_at_once(tmp_path: Path, events: Path) -> None:
    # The dry run's stand-in answer must read as success to a destination that checks answers:
    # with `200 {}` Amplitude retried each batch for about 95 s, then dead-lettered it.
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"apiKey": "k", "secretKey": "s"}))
    result = _invoke(
        "run", "amplitude", "--settings", str(settings), "--events", str(events), "--dry-run",
        "--max-attempts", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "amplitude: 1 events in: 1 delivered, 0 filtered, 0 dead-lettered" in result.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (bytes(range(256)) * 4, "line 1 is not text"),
        (
            # plain events: before, they were sent, to every subscription
            b'{"type": "track", "event": "a", "userId": "u"}\n{"type": "track", "event": "b"}\n',
            "line 1 is an event (send events with `actions run --events FILE`)",
        ),
        (
            b'{"destination": "webhook", "action": "send", "event": {"type": "track", "event": "a"}}\n'
            b'{"type": "track", "event": "b", "userId": "u"}\n',
            "line 2 is an event (send events with `actions run --events FILE`)",
        ),
        (
            b'{"destination": "webhook", "action": "send", "event": {"type": "track", "event": "a"}}\n'
            b"PK\x03\x04\x00\x00binary tail\n",
            "line 2 is not text",
        ),
        (b"[1, 2, 3]\n", "line 1 is not a dead letter"),
    ],
    ids=["binary", "events", "events-after-a-record", "binary-after-a-record", "json-not-a-record"],
)
def test_replay_refuses_what_is_not_dead_letters_before_sending_anything(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "dead.ndjson"
    path.write_bytes(content)
    with local_server() as server:
        settings = tmp_path / "settings.json"
        settings.write_text(json.dumps({"url": f"{server.url}/hook"}))
        result = _invoke(
            "replay", str(path), "--destination", "webhook", "--settings", str(settings),
            "--dead-letter", str(tmp_path / "again.ndjson"),
        )  # fmt: skip
        assert server.received == []
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert line.startswith(f"Error: {path} is not a dead-letter file: {problem}"), line
    assert not (tmp_path / "again.ndjson").exists()


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            "bogus=1",
            "Error: invalid emulator option 'bogus': there is no such option (allowed: api_keys, "
            "api_key_regions, seed, error_rate, ",
        ),
        (
            "error_rate=5",
            "Error: invalid emulator option error_rate=5: Input should be less than or equal to 1",
        ),
        (
            "short_id_mode=x",
            "Error: invalid emulator option short_id_mode='x': Input should be 'reject' or 'drop'",
        ),
        (
            'api_keys={"key-1": 7}',
            "Error: invalid emulator option api_keys.key-1: Input should be a valid string",
        ),
    ],
)
def test_emulator_option_errors_name_the_option_in_one_line(events: Path, option: str, expected: str) -> None:
    from actions_amplitude.emulator import EmulatorConfig

    for command in (["run", "amplitude", "--sandbox", "--events", str(events), "--emulator-option", option],
                    ["emulator", "amplitude", "--option", option]):  # fmt: skip
        result = _invoke(*command)
        assert result.exit_code == 2
        line = _one_error_line(result)
        assert line.startswith(expected), line
        if "no such option" in line:  # every allowed option is listed
            assert line.endswith(f"(allowed: {', '.join(EmulatorConfig.model_fields)})")
        assert "validation error" not in line


def test_replay_help_shows_where_its_dead_letters_really_go(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    shown = " ".join(_invoke("replay", "--help").output.split())
    assert "[default: FILE with .replay before its extension; a dry run prints them instead]" in shown
    assert "dead-letters.ndjson" not in shown.split("--dead-letter FILE", 1)[1].split("--report", 1)[0]
    dead = tmp_path / "failed.ndjson"
    record = {
        "destination": "webhook",
        "action": "send",
        "event": {"type": "track", "event": "a", "userId": "u"},
    }
    dead.write_text(json.dumps(record) + "\n")
    with local_server(lambda request: (400, {"error": "still bad"})) as server:
        settings = tmp_path / "settings.json"
        settings.write_text(json.dumps({"url": f"{server.url}/hook"}))
        result = _invoke("replay", str(dead), "--settings", str(settings), "-q")
    assert result.exit_code == 1, result.output
    assert (tmp_path / "failed.replay.ndjson").exists()  # what the help says
    assert not (tmp_path / "dead-letters.ndjson").exists()  # what it used to say


def test_dry_run_json_keeps_stdout_one_json_document_per_line(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(
        "".join(json.dumps({"type": "track", "event": f"e{i}", "userId": "u"}) + "\n" for i in range(3))
    )
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": "http://example.com/hook"}))
    base = ["run", "webhook", "--settings", str(settings), "--events", str(events), "--dry-run", "--json"]
    result = _invoke(*base)
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.stdout.splitlines()]  # each line parses alone
    assert [d["body"]["event"] for d in documents[:-1]] == ["e0", "e1", "e2"]
    assert documents[-1]["events_in"] == 3 and documents[-1]["dry_run"] is True
    assert "Error:" in (refused := _invoke(*base, "--dry-run-format", "text")).output
    assert (
        _usage_error(refused) == "Error: --json keeps stdout NDJSON: --dry-run-format text cannot go with it"
    )
    plain = _invoke(*base[:-1], "--dry-run-format", "text")  # without --json, text stays text
    assert plain.exit_code == 0 and plain.stdout.startswith("# send\nPOST http://example.com/hook\n")


def test_sandbox_with_dry_run_is_refused(tmp_path: Path, events: Path) -> None:
    dead = tmp_path / "dead.ndjson"
    dead.write_text(json.dumps({"destination": "amplitude", "event": {"type": "track", "event": "a"}}) + "\n")
    for args in (["run", "amplitude", "--events", str(events)], ["replay", str(dead)]):
        result = _invoke(*args, "--sandbox", "--dry-run")
        assert _usage_error(result) == (
            "Error: --sandbox sends to a local emulator and --dry-run sends nothing; give one"
        )


def _fake_distribution(site: Path, name: str, module: str, source: str) -> Path:
    """An installed distribution (a .dist-info folder, as pip leaves it) whose entry point is ``module``."""
    return install_distribution(site, name, module, source, entry_point=module, version="1.0", package=True)


def _actions(*args: str, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ACTIONS_LOAD_PLUGINS"}
    environ.update(PYTHONPATH=str(site), **env)
    return subprocess.run(
        [sys.executable, "-c", "from actions_cli import main; main()", *args],
        capture_output=True, text=True, env=environ, timeout=120, check=False,
    )  # fmt: skip


def test_plugins_exits_1_and_names_distribution_entry_point_and_line_of_a_broken_plugin(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    module = _fake_distribution(site, "broken-plugin", "broken_plugin", "import os\n\ndef oops(:\n    pass\n")
    listing = _actions("plugins", site=site)
    assert listing.returncode == 1, listing.stderr
    assert "webhook" in listing.stdout  # the others are still listed
    failures = [line for line in listing.stderr.splitlines() if line.startswith("FAILED")]
    assert failures == [
        "FAILED broken_plugin (distribution broken-plugin 1.0, entry point broken_plugin = broken_plugin): "
        f"SyntaxError: invalid syntax (__init__.py, line 3) at {module}:3"
    ]
    as_json = _actions("plugins", "--json", site=site)
    assert as_json.returncode == 1
    (failed,) = json.loads(as_json.stdout)["failed"]
    assert (failed["entry_point"], failed["location"]) == ("broken_plugin = broken_plugin", f"{module}:3")
    module.write_text("import os\nraise RuntimeError('no config')\n")
    raised = _actions("plugins", site=site)
    assert f"RuntimeError: no config at {module}:2" in raised.stderr
    fixed = _actions("plugins", site=site, ACTIONS_LOAD_PLUGINS="webhook")  # the broken one left out
    assert fixed.returncode == 0, fixed.stderr


def test_an_empty_subscriptions_list_warns_that_every_event_will_be_filtered(
    tmp_path: Path, events: Path
) -> None:
    subscriptions = tmp_path / "subscriptions.json"
    subscriptions.write_text("[]")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": "http://example.com/hook"}))
    result = _invoke(
        "run", "webhook", "--settings", str(settings), "--subscriptions", str(subscriptions),
        "--events", str(events), "--dry-run", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: the subscriptions file {subscriptions} holds no subscription: every event will be filtered"
    ]
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(
        '[destinations.webhook]\nsettings = { url = "http://example.com/hook" }\nsubscriptions = []\n'
    )
    result = _invoke("run", "--config", str(pipeline), "--events", str(events), "--dry-run", "-q")
    assert result.stderr.splitlines() == [
        f"warning: [destinations.webhook] in {pipeline} holds no subscription: every event will be filtered"
    ]
    presets = _invoke(
        "run", "webhook", "--settings", str(settings), "--events", str(events), "--dry-run", "-q"
    )
    assert "warning" not in presets.stderr


def test_a_plugin_allow_list_that_matches_no_plugin_warns(tmp_path: Path) -> None:
    listing = _actions("plugins", site=tmp_path, ACTIONS_LOAD_PLUGINS="webhok,amplitude")
    assert listing.stderr.splitlines() == [
        "warning: ACTIONS_LOAD_PLUGINS names no installed plugin: webhok "
        "(unset it to see them all with `actions plugins`)"
    ]
    assert "amplitude" in listing.stdout and "webhook" not in listing.stdout
    matching = _actions("plugins", site=tmp_path, ACTIONS_LOAD_PLUGINS="action-destinations-webhook")
    assert matching.stderr == "" and "webhook" in matching.stdout

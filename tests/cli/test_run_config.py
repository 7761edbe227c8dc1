"""``actions run --config FILE`` end to end: one source, two webhook destinations, real HTTP servers.

Each destination gets exactly the events its subscriptions route to it, the report and summary
count per destination, a destination refusing everything dead-letters only its own events (under
its name), and ``actions replay --config`` sends each dead letter back to that destination only.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import actions_webhook
import pytest
from actions import _registry as registry_module
from actions.delivery import builtin, iter_dead_letters
from actions.runtime import Registry
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "delivery"))

from actions_cli import cli

if TYPE_CHECKING:  # mypy finds the helpers by their path; pytest by the folder added above
    from tests.delivery.http_fakes import LocalServer, Received, local_server
else:
    from http_fakes import LocalServer, Received, local_server

TRACKS = [
    {"type": "track", "event": "Signed Up", "userId": "ada", "messageId": "t1"},
    {"type": "track", "event": "Order Completed", "userId": "bob", "messageId": "t2"},
    {"type": "track", "event": "Logged Out", "userId": "ada", "messageId": "t3"},
]
IDENTIFIES = [
    {"type": "identify", "userId": "ada", "traits": {"plan": "pro"}, "messageId": "i1"},
    {"type": "identify", "userId": "bob", "traits": {"plan": "free"}, "messageId": "i2"},
]
PAGE = {"type": "page", "name": "Home", "userId": "ada", "messageId": "p1"}
#: In input order: track, identify, track, page, identify, track.
EVENTS = [TRACKS[0], IDENTIFIES[0], TRACKS[1], PAGE, IDENTIFIES[1], TRACKS[2]]


def ndjson(*events: Any) -> str:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)


def ids(server: LocalServer) -> list[str]:
    return sorted(body["messageId"] for body in server.bodies())


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:  # noqa: A002
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def reject_all(request: Received) -> tuple[int, dict[str, str]]:
    return 400, {}


@pytest.fixture(autouse=True)
def registry() -> Iterator[Registry]:
    """The CLI sees the built-in sources and the webhook destination, whatever else is installed."""
    saved = registry_module._registry
    registry_module._registry = Registry([builtin, actions_webhook], entry_points=False)
    yield registry_module._registry
    registry_module._registry = saved


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("ACTIONS_TRACKS_", "ACTIONS_PEOPLE_", "ACTIONS_WEBHOOK_")):
            monkeypatch.delenv(name)
    (tmp_path / "events.ndjson").write_text(ndjson(*EVENTS), encoding="utf-8")
    return tmp_path


def write_pipeline(
    work: Path,
    tracks_url: str,
    people_url: str,
    *,
    source: str = '[sources.export]\ntype = "ndjson"\npath = "events.ndjson"\n',
    run: str = "",
    name: str = "pipeline.toml",
) -> Path:
    """Destination ``tracks`` gets track events only, ``people`` identify events only."""
    text = f"""
{run}
{source}
[destinations.tracks]
type = "webhook"
settings = {{ url = "{tracks_url}/tracks" }}
subscriptions = [{{ subscribe = 'type = "track"', action = "send" }}]

[destinations.people]
type = "webhook"
settings = {{ url = "{people_url}/people" }}
subscriptions = [{{ subscribe = 'type = "identify"', action = "send" }}]
"""
    path = work / name
    path.write_text(text, encoding="utf-8")
    return path


def summary_lines(result: Result) -> dict[str, str]:
    """The summary's per-destination lines (``  NAME: ...``), by name; each name must appear once."""
    found: dict[str, str] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"^  (\w+): (.*)$", line)
        if match:
            assert match.group(1) not in found, f"two summary lines for {match.group(1)}"
            found[match.group(1)] = match.group(2)
    return found


COUNTS = ("events_in", "delivered", "filtered", "dead_lettered", "requests", "retries")


def counts(lane: dict[str, Any]) -> dict[str, int]:
    return {key: lane[key] for key in COUNTS}


# --- routing, report and summary --------------------------------------------------------------


def test_each_destination_receives_exactly_the_events_routed_to_it(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url)
        result = invoke("run", "--config", str(config), "--report", "report.json")
    assert result.exit_code == 0, result.output

    assert ids(tracks) == ["t1", "t2", "t3"]
    assert {r.path for r in tracks.received} == {"/tracks"}
    assert sorted(tracks.bodies(), key=lambda b: b["messageId"]) == TRACKS  # the whole event, unchanged
    assert ids(people) == ["i1", "i2"]
    assert {r.path for r in people.received} == {"/people"}
    assert not (work / "dead-letters.ndjson").exists()

    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert counts(report) == {
        "events_in": 6,
        "delivered": 5,
        "filtered": 1,  # the page: no destination wanted it
        "dead_lettered": 0,
        "requests": 5,
        "retries": 0,
    }
    assert report["source"] == "events.ndjson"
    assert list(report["destinations"]) == ["tracks", "people"]
    assert counts(report["destinations"]["tracks"]) == {
        "events_in": 6,
        "delivered": 3,
        "filtered": 3,
        "dead_lettered": 0,
        "requests": 3,
        "retries": 0,
    }
    assert counts(report["destinations"]["people"]) == {
        "events_in": 6,
        "delivered": 2,
        "filtered": 4,
        "dead_lettered": 0,
        "requests": 2,
        "retries": 0,
    }
    assert {name: lane["slug"] for name, lane in report["destinations"].items()} == {
        "tracks": "webhook",
        "people": "webhook",
    }
    assert report["actions"]["tracks/send"]["delivered"] == 3
    assert report["actions"]["people/send"]["delivered"] == 2

    assert "tracks, people: 6 events in: 5 delivered, 1 filtered, 0 dead-lettered" in result.stderr
    assert summary_lines(result) == {
        "tracks": "3 delivered, 3 filtered, 0 dead-lettered; 3 requests, 0 retries",
        "people": "2 delivered, 4 filtered, 0 dead-lettered; 2 requests, 0 retries",
    }


def test_json_summary_has_a_section_per_destination(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        result = invoke("run", "--config", str(write_pipeline(work, tracks.url, people.url)), "--json", "-q")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {name: lane["delivered"] for name, lane in report["destinations"].items()} == {
        "tracks": 3,
        "people": 2,
    }
    assert result.stderr == ""


def test_a_destination_refusing_everything_dead_letters_only_its_events_under_its_name_and_replay_sends_them_back_there(  # noqa: E501
    work: Path,
) -> None:
    (work / "events.ndjson").write_text(ndjson(*EVENTS, "{not json"), encoding="utf-8")
    with local_server() as tracks, local_server(reject_all) as people:
        config = write_pipeline(work, tracks.url, people.url)
        result = invoke("run", "--config", str(config), "--report", "report.json")
    assert result.exit_code == 1
    assert ids(tracks) == ["t1", "t2", "t3"]  # the healthy destination delivered everything
    assert ids(people) == ["i1", "i2"]  # tried once each: 400 is permanent

    records = list(iter_dead_letters(work / "dead-letters.ndjson"))
    delivery_failures = [r for r in records if "event" in r]
    assert sorted(r["event"]["messageId"] for r in delivery_failures) == ["i1", "i2"]
    for record in delivery_failures:
        assert record["destination"] == "people"
        assert record["slug"] == "webhook"  # the name is not the slug
        assert (record["action"], record["code"], record["status"]) == ("send", "BAD_REQUEST", 400)
    (unreadable,) = (r for r in records if "raw" in r)
    # Unreadable input belongs to no destination.
    assert (unreadable["line"], unreadable["code"], "destination" in unreadable) == (7, "INVALID_JSON", False)

    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert (report["events_in"], report["delivered"], report["dead_lettered"]) == (7, 3, 3)
    assert report["destinations"]["tracks"]["delivered"] == 3
    assert report["destinations"]["tracks"]["dead_lettered"] == 0
    assert report["destinations"]["people"]["delivered"] == 0
    assert report["destinations"]["people"]["dead_lettered"] == 2
    assert summary_lines(result)["people"].startswith("0 delivered, 4 filtered, 2 dead-lettered")
    assert summary_lines(result)["tracks"].startswith("3 delivered, 3 filtered, 0 dead-lettered")

    # Fix the unreadable line by hand, then replay with the same pipeline, both destinations healthy.
    fixed = [json.dumps({**r, "raw": json.dumps(PAGE)}) if "raw" in r else json.dumps(r) for r in records]
    (work / "dead-letters.ndjson").write_text("\n".join(fixed) + "\n", encoding="utf-8")
    before = (work / "dead-letters.ndjson").read_text(encoding="utf-8")
    with local_server() as tracks_again, local_server() as people_again:
        config = write_pipeline(work, tracks_again.url, people_again.url)
        replay = invoke("replay", "dead-letters.ndjson", "--config", str(config), "--report", "replay.json")
    assert replay.exit_code == 0, replay.output
    assert tracks_again.received == []  # it had every track already: nothing is sent twice
    assert ids(people_again) == ["i1", "i2"]
    replayed = json.loads((work / "replay.json").read_text(encoding="utf-8"))
    assert (replayed["events_in"], replayed["delivered"], replayed["filtered"]) == (3, 2, 1)
    assert replayed["destinations"]["people"]["delivered"] == 2
    assert replayed["destinations"]["tracks"]["delivered"] == 0
    assert (work / "dead-letters.ndjson").read_text(encoding="utf-8") == before  # left as it was
    assert not (work / "dead-letters.replay.ndjson").exists()


def test_replay_with_config_dead_letters_a_record_of_a_destination_the_file_does_not_have(
    work: Path,
) -> None:
    dead = work / "dl.ndjson"
    dead.write_text(
        ndjson(
            {"destination": "people", "action": "send", "event": IDENTIFIES[0]},
            {"destination": "warehouse", "action": "send", "event": TRACKS[0]},
        ),
        encoding="utf-8",
    )
    with local_server() as tracks, local_server() as people:
        result = invoke("replay", str(dead), "--config", str(write_pipeline(work, tracks.url, people.url)))
    assert result.exit_code == 1
    assert tracks.received == []
    assert ids(people) == ["i1"]
    (again,) = iter_dead_letters(work / "dl.replay.ndjson")
    assert (again["code"], again["event"]["messageId"]) == ("NO_SUBSCRIPTION", "t1")


def test_replay_refuses_destination_together_with_config(work: Path) -> None:
    dead = work / "dl.ndjson"
    dead.write_text(ndjson({"destination": "people", "action": "send", "event": IDENTIFIES[0]}))
    config = write_pipeline(work, "http://127.0.0.1:9", "http://127.0.0.1:9")
    result = invoke("replay", str(dead), "--config", str(config), "--destination", "webhook")
    assert result.exit_code == 2
    assert "give --destination or --config FILE, not both" in result.stderr


def test_replay_with_config_never_appends_to_the_file_it_replays(work: Path) -> None:
    run = '[run]\ndead_letter = "dead.ndjson"\n'
    with local_server() as tracks, local_server(reject_all) as people:
        config = write_pipeline(work, tracks.url, people.url, run=run)
        assert invoke("run", "--config", str(config)).exit_code == 1
    before = (work / "dead.ndjson").read_text(encoding="utf-8")
    assert len(before.splitlines()) == 2

    with local_server() as tracks, local_server(reject_all) as people:  # still refusing
        config = write_pipeline(work, tracks.url, people.url, run=run)
        replay = invoke("replay", "dead.ndjson", "--config", str(config))
    # Docs (running.md, Replay): "The file is never modified; what fails again is appended to
    # --dead-letter, by default the same name with .replay before the extension."
    assert (replay.exit_code, ids(people)) == (1, ["i1", "i2"])
    assert (work / "dead.ndjson").read_text(encoding="utf-8") == before
    again = list(iter_dead_letters(work / "dead.replay.ndjson"))
    assert sorted(r["event"]["messageId"] for r in again) == ["i1", "i2"]
    assert {r["destination"] for r in again} == {"people"}


def test_run_dead_letter_of_the_file_is_used_and_dead_letter_option_wins(work: Path) -> None:
    run = '[run]\ndead_letter = "failed/people.ndjson"\n'
    with local_server() as tracks, local_server(reject_all) as people:
        config = write_pipeline(work, tracks.url, people.url, run=run)
        assert invoke("run", "--config", str(config)).exit_code == 1
        assert len(list(iter_dead_letters(work / "failed" / "people.ndjson"))) == 2
        assert invoke("run", "--config", str(config), "--dead-letter", "cli.ndjson").exit_code == 1
    assert len(list(iter_dead_letters(work / "cli.ndjson"))) == 2
    assert len(list(iter_dead_letters(work / "failed" / "people.ndjson"))) == 2  # not appended to again
    assert not (work / "dead-letters.ndjson").exists()


# --- where events come from --------------------------------------------------------------------


def test_events_replaces_the_sources_path_and_feeds_every_destination(work: Path) -> None:
    (work / "other.ndjson").write_text(ndjson(TRACKS[0], IDENTIFIES[0]), encoding="utf-8")
    source = '[sources.export]\ntype = "ndjson"\npath = "events.ndjson"\ndestinations = ["tracks"]\n'
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url, source=source)
        result = invoke("run", "--config", str(config), "--events", "other.ndjson", "--report", "r.json")
    assert result.exit_code == 0, result.output
    assert ids(tracks) == ["t1"]  # from other.ndjson, not events.ndjson
    assert ids(people) == ["i1"]  # fed although the file's source feeds only `tracks`
    report = json.loads((work / "r.json").read_text(encoding="utf-8"))
    assert report["source"] == "other.ndjson"
    assert list(report["destinations"]) == ["tracks", "people"]


def test_with_events_the_sources_own_file_need_not_exist(work: Path) -> None:
    source = '[sources.export]\ntype = "ndjson"\npath = "not-there.ndjson"\n'
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url, source=source)
        result = invoke("run", "--config", str(config), "--events", "events.ndjson")
    assert result.exit_code == 0, result.output
    assert (ids(tracks), ids(people)) == (["t1", "t2", "t3"], ["i1", "i2"])


def test_events_dash_reads_standard_input_instead_of_the_source(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url)
        result = invoke("run", "--config", str(config), "--events", "-", input=ndjson(IDENTIFIES[1]))
    assert result.exit_code == 0, result.output
    assert (ids(tracks), ids(people)) == ([], ["i2"])


def test_a_source_feeding_one_destination_runs_only_that_one(work: Path) -> None:
    source = '[sources.export]\ntype = "ndjson"\npath = "events.ndjson"\ndestinations = ["tracks"]\n'
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url, source=source)
        result = invoke("run", "--config", str(config), "--report", "r.json")
    assert result.exit_code == 0, result.output
    assert (ids(tracks), people.received) == (["t1", "t2", "t3"], [])
    report = json.loads((work / "r.json").read_text(encoding="utf-8"))
    assert list(report["destinations"]) == ["tracks"]
    assert (report["delivered"], report["filtered"]) == (3, 3)


def test_without_a_source_events_are_read_from_standard_input(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url, source="")
        result = invoke("run", "--config", str(config), input=ndjson(TRACKS[1], IDENTIFIES[0]))
    assert result.exit_code == 0, result.output
    assert (ids(tracks), ids(people)) == (["t2"], ["i1"])


def test_several_sources_need_events(work: Path) -> None:
    source = (
        '[sources.a]\ntype = "ndjson"\npath = "events.ndjson"\n'
        '[sources.b]\ntype = "ndjson"\npath = "events.ndjson"\n'
    )
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url, source=source)
        refused = invoke("run", "--config", str(config))
        chosen = invoke("run", "--config", str(config), "--events", "events.ndjson")
    assert refused.exit_code == 2
    assert "the pipeline file has several sources (a, b): choose one with --events" in refused.stderr
    assert chosen.exit_code == 0
    assert (ids(tracks), ids(people)) == (["t1", "t2", "t3"], ["i1", "i2"])  # sent once, by the second run


# --- options and their clashes ----------------------------------------------------------------


def test_base_url_sends_every_destinations_requests_elsewhere(work: Path) -> None:
    with local_server() as gateway:
        config = write_pipeline(work, "http://127.0.0.1:9", "http://127.0.0.1:9")
        result = invoke("run", "--config", str(config), "--base-url", gateway.url)
    assert result.exit_code == 0, result.output
    assert sorted(r.path for r in gateway.received) == ["/people", "/people", "/tracks", "/tracks", "/tracks"]


def test_environment_variables_override_a_destinations_settings_by_its_name(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, "http://127.0.0.1:9")
        result = invoke("run", "--config", str(config), env={"ACTIONS_PEOPLE_URL": f"{people.url}/env"})
    assert result.exit_code == 0, result.output
    assert ids(people) == ["i1", "i2"]
    assert {r.path for r in people.received} == {"/env"}


def test_a_destination_slug_together_with_config_is_a_usage_error(work: Path) -> None:
    with local_server() as tracks, local_server() as people:
        config = write_pipeline(work, tracks.url, people.url)
        result = invoke("run", "webhook", "--config", str(config))
    assert result.exit_code == 2
    assert "Error: give a destination SLUG or --config FILE, not both" in result.stderr
    assert tracks.received == [] and people.received == []


def test_neither_slug_nor_config_is_a_usage_error(work: Path) -> None:
    result = invoke("run", "--events", "events.ndjson")
    assert result.exit_code == 2
    assert "give a destination SLUG (`actions plugins` lists them), or --config FILE" in result.stderr


@pytest.mark.parametrize(
    ("option", "flag"),
    [
        (["--settings", "settings.json"], "--settings"),
        (["--subscriptions", "settings.json"], "--subscriptions"),
        (["--state", "state.db"], "--state"),
        (["--enrich", "amplitude-sessions"], "--enrich"),
        (["--enrich-option", "a=1"], "--enrich-option"),
    ],
)
def test_per_destination_options_are_refused_with_config(work: Path, option: list[str], flag: str) -> None:
    (work / "settings.json").write_text("{}", encoding="utf-8")
    config = write_pipeline(work, "http://127.0.0.1:9", "http://127.0.0.1:9")
    result = invoke("run", "--config", str(config), *option)
    assert result.exit_code == 2
    assert f"{flag} is set per destination in the pipeline file, not with --config" in result.stderr


def test_a_secret_from_the_environment_reaches_the_destination_but_no_output_or_file(work: Path) -> None:
    secret = "hush-7f3a9c-secret"
    with local_server() as tracks, local_server(reject_all) as people:
        config = write_pipeline(work, tracks.url, people.url)
        text = config.read_text(encoding="utf-8").replace(
            f'url = "{people.url}/people" }}',
            f'url = "{people.url}/people", sharedSecret = {{ env = "PEOPLE_SECRET" }} }}',
        )
        config.write_text(text, encoding="utf-8")
        result = invoke(
            "run", "--config", str(config), "--report", "report.json", "--json", env={"PEOPLE_SECRET": secret}
        )
        dry = invoke("run", "--config", str(config), "--dry-run", env={"PEOPLE_SECRET": secret})
    assert result.exit_code == 1
    # The secret signs each request (webhook's X-Signature) ...
    assert all(r.headers.get("x-signature", "").startswith("sha256=") for r in people.received)
    assert len(people.received) == 2
    # ... and appears nowhere else.
    assert dry.exit_code == 0 and "sharedSecret" not in dry.output
    for shown in (result.output, dry.output, *(p.read_text(encoding="utf-8") for p in work.glob("*.*"))):
        assert secret not in shown


# --- configuration errors: exit 2, one line, nothing sent -----------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "subscriptions = [{ subscribe = 'type = \"identify\"'",
                "subscriptons = [{ subscribe = 'type = \"identify\"'",
            ),
            "[destinations.people]: unknown key 'subscriptons'; did you mean 'subscriptions'?",
        ),
        (
            ('type = "ndjson"', 'type = "ndjsn"'),
            "Error: pipeline.toml: [sources.export]: type: no source 'ndjsn'; did you mean 'ndjson'? "
            "(installed: dead-letters, ndjson, segment)",
        ),
        (
            ('path = "events.ndjson"', 'pth = "events.ndjson"'),
            "Error: source 'export': unknown setting 'pth' (ndjson sources take: path, checkpoint)",
        ),
        (
            ('settings = { url = "PEOPLE/people" }', 'settings = { url = { env = "PEOPLE_URL_UNSET" } }'),
            "settings.url reads the environment variable PEOPLE_URL_UNSET, which is not set",
        ),
        (
            ('settings = { url = "PEOPLE/people" }', "settings = { method = 'PUT' }"),
            "Error: invalid settings for 'people' in pipeline.toml: "
            "The root value is missing the required field 'url'.",
        ),
        (
            ('type = "webhook"\nsettings = { url = "PEOPLE', 'type = "webhok"\nsettings = { url = "PEOPLE'),
            "Error: pipeline.toml: [destinations.people]: type: no destination 'webhok'; "
            "did you mean 'webhook'? (installed: webhook)",
        ),
    ],
)
def test_configuration_errors_stop_the_run_before_anything_is_sent(
    work: Path, change: tuple[str, str], message: str
) -> None:
    with local_server() as tracks:
        text = write_pipeline(work, tracks.url, "PEOPLE").read_text(encoding="utf-8")
        assert change[0] in text
        (work / "pipeline.toml").write_text(text.replace(change[0], change[1]), encoding="utf-8")
        result = invoke("run", "--config", "pipeline.toml")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tracks.received == []


def test_a_missing_pipeline_file_is_a_usage_error(work: Path) -> None:
    result = invoke("run", "--config", "nowhere.toml")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr

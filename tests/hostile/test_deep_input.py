"""Input nested deeper than any stage can recurse ends as one dead letter; the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actions.delivery import iter_dead_letters
from actions.delivery._ndjson import MAX_DEPTH, parse_line
from actions_cli import cli
from click.testing import CliRunner


def _event(n: int, **extra: object) -> str:
    return json.dumps(
        {"type": "track", "event": "E", "userId": f"user-{n:05d}", "messageId": f"m{n}", **extra}
    )


def _nested(depth: int) -> str:
    """An event whose properties.x nests arrays so the event is ``depth`` levels deep in all."""
    inner = depth - 2  # the event object and its properties object
    return (
        '{"type":"track","event":"Deep","userId":"user-deep1","properties":{"x":'
        + "[" * inner
        + "]" * inner
        + "}}"
    )


def _run(
    tmp_path: Path, lines: list[str], *extra: str
) -> tuple[int, dict[str, object], list[dict[str, object]]]:
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(lines) + "\n")
    dead = tmp_path / "dead.ndjson"
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        ["run", "amplitude", "--sandbox", "--events", str(events), "--dead-letter", str(dead),
         "--report", str(report), *extra],
    )  # fmt: skip
    assert "Traceback" not in result.output and "RecursionError" not in result.output, result.output
    return (
        result.exit_code,
        json.loads(report.read_text()),
        list(iter_dead_letters(dead)) if dead.exists() else [],
    )


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_a_deeply_nested_line_is_dead_lettered_and_the_lines_around_it_delivered(
    tmp_path: Path, depth: int, workers: str
) -> None:
    lines = [_event(n) for n in range(300)] + [_nested(depth)] + [_event(n) for n in range(300, 310)]
    code, report, dead = _run(tmp_path, lines, "--workers", workers)
    assert code == 1
    assert report["events_in"] == 311 and report["delivered"] == 310 and report["dead_lettered"] == 1
    assert report["last_line"] == 311
    assert [(d["line"], d["code"]) for d in dead] == [(301, "NESTED_TOO_DEEP")]
    assert f"deeper than {MAX_DEPTH} levels" in str(dead[0]["message"])
    assert str(dead[0]["raw"]).startswith('{"type":"track","event":"Deep"')


def test_an_event_exactly_at_the_limit_is_delivered(tmp_path: Path) -> None:
    code, report, dead = _run(tmp_path, [_nested(MAX_DEPTH)])
    assert (code, report["delivered"], dead) == (0, 1, [])


def test_deep_batch_items_and_non_events_are_dead_lettered_one_by_one() -> None:
    deep = json.loads(_nested(MAX_DEPTH))  # one more level inside the envelope is fine
    too_deep = {"type": "track", "event": "D", "properties": {"x": json.loads("[" * 80 + "]" * 80)}}
    batch = json.dumps({"batch": [deep, too_deep, {"type": "identify", "userId": "user-1"}]})
    records = parse_line(batch, 7)
    assert [r.code for r in records] == [None, "NESTED_TOO_DEEP", None]
    assert records[1].reason is not None and records[1].reason.startswith("batch item 1: nested deeper")
    [record] = parse_line("[" * 5000 + "]" * 5000, 3)  # not an event, and too deep to show as JSON
    assert record.code == "NESTED_TOO_DEEP" and record.raw is not None and record.raw.startswith("[[[")


def test_a_deep_element_of_a_json_array_is_one_recorded_outcome_not_a_crash(tmp_path: Path) -> None:
    text = "[" + _event(1) + "," + _nested(100_000) + "," + _event(2) + "]"
    events = tmp_path / "events.json"
    events.write_text(text)
    dead = tmp_path / "dead.ndjson"
    result = CliRunner().invoke(
        cli, ["run", "amplitude", "--sandbox", "--events", str(events), "--dead-letter", str(dead)]
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 1
    [record] = iter_dead_letters(dead)
    assert "element 1 is nested too deep" in str(record["message"])
    assert "the rest of the input was not read" in str(record["message"])

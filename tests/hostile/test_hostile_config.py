"""Hostile configuration files: one ``Error:`` line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actions._subscriptions import parse_filter
from actions.mapping import transform
from actions_cli import cli
from click.testing import CliRunner

_TRACK = 'type = "track"'


def _run(tmp_path: Path, subscriptions: Path) -> tuple[int, str]:
    events = tmp_path / "events.ndjson"
    events.write_text(
        json.dumps({"type": "track", "event": "E", "userId": "u1", "properties": {"x": 1}}) + "\n"
    )
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"apiKey": "k", "secretKey": "s"}))
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "amplitude",
            "--settings",
            str(settings),
            "--subscriptions",
            str(subscriptions),
            "--events",
            str(events),
            "--dry-run",
            "--report",
            str(tmp_path / "report.json"),
        ],
    )
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def test_a_4300_digit_number_in_a_filter_is_a_number_not_a_traceback(tmp_path: Path) -> None:
    # int() refuses more than 4300 digits; JavaScript reads it as Infinity.
    huge = "1" + "0" * 4300
    assert parse_filter(f"properties.x = {huge}").ast.children[0].value == float("inf")  # type: ignore[union-attr]
    assert parse_filter("properties.x > " + "0" * 5000 + "7").ast.children[0].value == 7  # type: ignore[union-attr]
    file = tmp_path / "subs.json"
    file.write_text(json.dumps([{"subscribe": f"properties.x > {huge}", "action": "logEventV2"}]))
    code, output = _run(tmp_path, file)
    assert code == 0, output
    assert json.loads((tmp_path / "report.json").read_text())["destinations"]["amplitude"]["filtered"] == 1


def test_a_4300_digit_number_decoded_by_json_directive_is_a_double() -> None:
    mapping = {"out": {"@json": {"mode": "decode", "value": {"@path": "$.s"}}}}
    assert transform(mapping, {"s": "[" + "9" * 5000 + "]"}) == {"out": [float("inf")]}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("lists.json", "[" * 10_000 + "]" * 10_000),
        (
            "objects.json",
            '[{"subscribe":"type = \\"track\\"","action":"logEventV2","mapping":'
            + '{"a":' * 10_000
            + "1"
            + "}" * 10_000
            + "}]",
        ),
        ("lists.toml", "subscriptions = " + "[" * 10_000 + "]" * 10_000),
        (
            "tables.toml",
            '[[subscriptions]]\nsubscribe = "type = \\"track\\""\naction = "logEventV2"\n'
            "mapping = " + "{a=" * 3_000 + "1" + "}" * 3_000,
        ),
    ],
)
def test_a_deeply_nested_subscriptions_file_is_one_error_line(tmp_path: Path, name: str, text: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    code, output = _run(tmp_path, file)
    assert code == 2
    assert output.strip().splitlines() == [
        f"Error: subscriptions file {str(file)!r} is nested too deeply to read"
    ]


def test_a_deeply_nested_filter_is_one_short_error_line(tmp_path: Path) -> None:
    file = tmp_path / "subs.json"
    file.write_text(json.dumps([{"subscribe": "(" * 5_000 + _TRACK + ")" * 5_000, "action": "logEventV2"}]))
    code, output = _run(tmp_path, file)
    assert code == 2
    [line] = output.strip().splitlines()
    assert line.startswith("Error: subscription 1 (((((")
    assert line.endswith("parentheses nested deeper than 64 levels at column 65")
    assert len(line) < 400, line

"""actions conformance run: the summary, the exit code, and the results file."""

from __future__ import annotations

import json
from pathlib import Path

from actions_cli import cli
from click.testing import CliRunner


def _cases(path: Path, *cases: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(case) for case in cases) + "\n", encoding="utf-8")
    return path


def test_results_file_has_one_line_per_case_even_with_lone_surrogates(tmp_path: Path) -> None:
    cases = _cases(
        tmp_path / "cases.jsonl",
        {"id": "a", "kind": "mapping", "mapping": {"x": {"@path": "$.s"}}, "payload": {"s": "\ud800!"},
         "output": {"result": {"x": "\ud800!"}}},
        {"id": "b", "kind": "mapping", "mapping": {"@literal": 1}, "output": {"result": 1}},
        {"id": "c", "kind": "helper", "fn": "anything", "output": {"result": 1}},
    )  # fmt: skip
    results = tmp_path / "results.jsonl"
    outcome = CliRunner().invoke(cli, ["conformance", "run", str(cases), "--results", str(results)])
    assert outcome.exit_code == 0, outcome.output
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").split("\n") if line]
    assert [(line["id"], line["output"]) for line in lines] == [
        ("a", {"result": {"x": "\ud800!"}}),
        ("b", {"result": 1}),
        ("c", {}),
    ]
    assert "mapping" in outcome.output and "unsupported" in outcome.output


def test_a_failing_case_is_shown_and_exits_1(tmp_path: Path) -> None:
    cases = _cases(
        tmp_path / "cases.jsonl",
        {"id": "wrong", "kind": "mapping", "mapping": {"a": 1}, "output": {"result": {"a": 2}}},
    )
    outcome = CliRunner().invoke(cli, ["conformance", "run", str(cases)])
    assert outcome.exit_code == 1
    assert "FAIL wrong" in outcome.output
    assert "result.a: got 1, expected 2" in outcome.output

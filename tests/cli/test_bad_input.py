"""Bad input and user mistakes: one `Error:` line naming the problem, exit code 2, nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actions_cli import cli
from click.testing import CliRunner, Result


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

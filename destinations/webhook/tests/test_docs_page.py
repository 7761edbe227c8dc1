"""docs/destinations/webhook.md includes exactly what `actions describe webhook --format markdown` prints."""

from __future__ import annotations

from pathlib import Path

from actions_cli import cli
from click.testing import CliRunner

PAGE = Path(__file__).resolve().parents[3] / "docs" / "destinations" / "webhook.md"


def test_the_reference_section_is_the_describe_output() -> None:
    page = PAGE.read_text(encoding="utf-8")
    start = page.index("<!-- describe:start -->\n") + len("<!-- describe:start -->\n")
    end = page.index("\n<!-- describe:end -->")
    printed = CliRunner().invoke(cli, ["describe", "webhook", "--format", "markdown"]).output
    assert page[start:end] == printed.rstrip("\n"), "stale: paste actions describe webhook --format markdown"

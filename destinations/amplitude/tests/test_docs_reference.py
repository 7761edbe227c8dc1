"""docs/destinations/amplitude.md stays current: its field reference is ``actions describe`` output
and its lists of divergent golden cases are what the conformance run finds.

Regenerate both with ``python destinations/amplitude/tests/test_docs_reference.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from actions.runtime import Registry, describe_markdown
from actions.testing.conformance import load_cases, run_cases
from actions_amplitude import destination
from actions_amplitude._divergences import DIVERGENCES
from actions_amplitude.sessions import SESSIONS

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "destinations" / "amplitude.md"
CASES_FILE = Path(__file__).parent / "conformance" / "cases.jsonl"


def affected_cases() -> dict[str, list[str]]:
    """Public golden case ids showing each divergence, by divergence name (computed once)."""
    found: dict[str, list[str]] = {d.name: [] for d in DIVERGENCES}
    for result in run_cases(load_cases(CASES_FILE), Registry(entry_points=True)):
        for divergence in DIVERGENCES:
            if divergence.applies_to(result.id) and any(divergence.explains(x) for x in result.differences):
                found[divergence.name].append(result.id)
    return found


_AFFECTED: dict[str, list[str]] = {}


def _affected_cached() -> dict[str, list[str]]:
    if not _AFFECTED:
        _AFFECTED.update(affected_cases())
    return _AFFECTED


def _case_list(ids: list[str]) -> str:
    noun = "case" if len(ids) == 1 else "cases"
    lines = [f"<details><summary>{len(ids)} public golden {noun}</summary>", ""]
    lines += [f"- `{case_id}`" for case_id in ids]
    lines += ["", "</details>"]
    return "\n".join(lines)


def _block(name: str, content: str) -> str:
    return f"<!-- {name}:start -->\n{content}\n<!-- {name}:end -->"


def render(page: str) -> str:
    """``page`` with every generated block replaced by its current content."""
    for divergence in DIVERGENCES:
        name = f"divergence-cases:{divergence.name}"
        ids = _affected_cached()[divergence.name]
        patterns = ", ".join(f"`{p}`" for p in divergence.cases)
        content = f"Case id patterns: {patterns}.\n\n{_case_list(ids)}"
        page = _replace(page, name, content)
    return _replace(page, "describe", _reference())


def _reference() -> str:
    """What ``actions describe amplitude --format markdown`` prints (the plugin's enrichers included)."""
    return describe_markdown(destination, enrichers=[SESSIONS]).rstrip("\n")


def _replace(page: str, name: str, content: str) -> str:
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.DOTALL)
    assert pattern.search(page), f"marker {name} missing from {PAGE}"
    return pattern.sub(lambda _: _block(name, content), page, count=1)


def test_field_reference_is_the_describe_output() -> None:
    page = PAGE.read_text(encoding="utf-8")
    start = page.index("<!-- describe:start -->\n") + len("<!-- describe:start -->\n")
    end = page.index("\n<!-- describe:end -->")
    assert page[start:end] == _reference(), (
        "stale field reference: run python destinations/amplitude/tests/test_docs_reference.py"
    )


def test_divergent_case_lists_are_current() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page == render(page), (
        "stale case lists: run python destinations/amplitude/tests/test_docs_reference.py"
    )


def test_every_divergence_has_a_section() -> None:
    page = PAGE.read_text(encoding="utf-8")
    for divergence in DIVERGENCES:
        assert f"<!-- divergence-cases:{divergence.name}:start -->" in page


if __name__ == "__main__":
    PAGE.write_text(render(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"updated {PAGE}\n")


def test_the_reference_is_what_the_cli_prints() -> None:
    from actions_cli import cli
    from click.testing import CliRunner

    printed = CliRunner().invoke(cli, ["describe", "amplitude", "--format", "markdown"]).output
    assert printed.rstrip("\n") == _reference()

"""The divergences documented in docs/mapping.md are exactly those the code declares."""

from __future__ import annotations

import re
from pathlib import Path

from actions.mapping._divergences import DIVERGENCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def documented_case_ids() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Divergences\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `(mk/[^`]+)`", section, flags=re.MULTILINE))


def test_docs_list_the_same_divergences_as_the_code() -> None:
    assert documented_case_ids() == set(DIVERGENCES)

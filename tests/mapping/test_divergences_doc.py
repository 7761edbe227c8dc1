"""The mapping divergences documented in docs/mapping.md are exactly those the code declares."""

from __future__ import annotations

import re
from pathlib import Path

from actions.testing.conformance import FRAMEWORK_DIVERGENCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def documented_case_ids() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Divergences\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `(mk/[^`]+)`", section, flags=re.MULTILINE))


def declared_mapping_patterns() -> set[str]:
    return {
        pattern
        for divergence in FRAMEWORK_DIVERGENCES
        for pattern in divergence.cases
        if pattern.startswith("mk/")  # the mapping cases' ids
    }


def test_docs_list_the_same_divergences_as_the_code() -> None:
    assert documented_case_ids() == declared_mapping_patterns()

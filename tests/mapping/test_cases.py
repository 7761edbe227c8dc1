"""Every golden mapping-kit case from the reference runs through the port with the same result.

The cases go through the same runner as `actions conformance run` (results compared
structurally, errors by name and messages); a case may only differ if it is a documented
divergence.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from actions.js import UNDEFINED
from actions.testing.conformance import compare, load_cases, run_case

CASES_FILE = Path(__file__).resolve().parent.parent / "conformance" / "mapping-kit.jsonl"
CASES = load_cases(CASES_FILE)


def as_json(value: Any) -> Any:
    """What JSON can carry of a result: undefined array items and NaN/Infinity print as null."""
    if value is UNDEFINED:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_golden_case_gives_the_reference_result(case: dict[str, Any]) -> None:
    ours = run_case(case)
    assert ours is not None
    assert compare(case, ours) == []  # the mapping language has no documented divergence

"""The Amplitude destination's golden ``time/*`` cases, run from ``tests/`` (``pytest tests -k conformance``).

A numeric ``timestamp`` string is epoch milliseconds only when long enough to be one: the
reference reads ``"2021"`` as the year 2021, and so must this port (``time/logEventV2/year-only``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from actions.runtime import Registry
from actions.testing.conformance import load_cases, run_cases
from actions_amplitude._time import format_session_id, group_identify_time, session_id_ms, time_ms

CASES_FILE = (
    Path(__file__).parents[2] / "destinations" / "amplitude" / "tests" / "conformance" / "cases.jsonl"
)


def test_every_golden_time_case_passes_and_year_only_differs_in_nothing_about_time() -> None:
    cases = [case for case in load_cases(CASES_FILE) if case["id"].startswith("time/")]
    assert "time/logEventV2/year-only" in {case["id"] for case in cases}
    results = {result.id: result for result in run_cases(cases, Registry(entry_points=True))}
    assert {case_id: r.differences[:3] for case_id, r in results.items() if r.status == "fail"} == {}
    year_only = results["time/logEventV2/year-only"]
    assert year_only.status in ("pass", "divergent")
    assert [line for line in year_only.differences if ".time" in line] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021", 1609459200000),  # 2021-01-01, not 2021 ms after 1970
        ("202106", 1622505600000),  # 2021-06-01
        ("20210817", 1629158400000),  # 2021-08-17
        ("1629213675449", 1629213675449),  # long enough to be epoch milliseconds
        ("123456789", 123456789),
        ("-1", -1),
    ],
)
def test_time_strings_of_digits(text: str, expected: int) -> None:
    assert time_ms(text) == expected
    assert group_identify_time(text) == expected


def test_session_ids_keep_the_references_digits_as_milliseconds() -> None:
    assert session_id_ms("2021") == 2021
    assert format_session_id("2021") == 2021

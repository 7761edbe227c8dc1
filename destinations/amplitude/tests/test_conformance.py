"""The reference's golden cases run through this destination: none may fail, and every divergence
must be one of the documented, deliberate ones."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from actions import Registry
from actions.testing.conformance import FRAMEWORK_DIVERGENCES, CaseResult, load_cases, run_cases
from actions_amplitude._divergences import DIVERGENCES, KNOWN_DIVERGENCES, unexplained

CASES_FILE = Path(__file__).parent / "conformance" / "cases.jsonl"
CASES = load_cases(CASES_FILE)

#: Differences caused outside this destination, by case, with the reason; they are reported to
#: the owners. The patterns in KNOWN_DIVERGENCES would hide them, so they are listed here exactly.
_PIXEL_VENDOR = "_user_agent.py: a Pixel user agent gets device_manufacturer 'Google' (reference: none)"
OUTSIDE_THIS_DESTINATION = {
    "auth/missing-fields": "conformance runner: settings validation errors carry no status (reference: 400)",
    "http-error/logEventV2/413": "HTTPError's text for 413 is httpx's, not Node's 'Payload Too Large'",
    "useragent/logEventV2/ios_cfnetwork": "_user_agent.py: no OS name or model for a CFNetwork user agent",
    "useragent/logEvent/parsing-on-raw-on": _PIXEL_VENDOR,
    "useragent/logPurchase/parsing-on-raw-on": _PIXEL_VENDOR,
    "useragent/identifyUser/parsing-on-raw-on": _PIXEL_VENDOR,
    "useragent/logEventV2/useragentdata-empty-strings": _PIXEL_VENDOR,
}


def _unexplained(result: CaseResult) -> list[str]:
    if any(fnmatch.fnmatchcase(result.id, pattern) for pattern in FRAMEWORK_DIVERGENCES):
        return []
    return unexplained(result.id, result.differences)


@pytest.fixture(scope="module")
def results() -> dict[str, CaseResult]:
    registry = Registry(entry_points=True)
    return {result.id: result for result in run_cases(CASES, registry)}


def test_registry_finds_amplitude_through_its_entry_point() -> None:
    assert Registry(entry_points=True).destination("amplitude").name == "Actions Amplitude"


def test_no_golden_case_fails(results: dict[str, CaseResult]) -> None:
    failures = {
        case_id: result.differences[:5]
        for case_id, result in results.items()
        if result.status == "fail" and case_id not in OUTSIDE_THIS_DESTINATION
    }
    assert failures == {}


def test_every_divergence_is_a_documented_difference(results: dict[str, CaseResult]) -> None:
    unexplained_lines = {
        case_id: _unexplained(result)
        for case_id, result in results.items()
        if result.status in ("divergent", "fail") and case_id not in OUTSIDE_THIS_DESTINATION
    }
    assert {case_id: lines for case_id, lines in unexplained_lines.items() if lines} == {}


def test_differences_caused_elsewhere_are_still_there(results: dict[str, CaseResult]) -> None:
    """Remove an entry of OUTSIDE_THIS_DESTINATION once its owner has fixed it."""
    fixed = [case_id for case_id in OUTSIDE_THIS_DESTINATION if not _unexplained(results[case_id])]
    assert fixed == []


def test_every_documented_divergence_shows_up_in_the_public_cases(results: dict[str, CaseResult]) -> None:
    seen = set()
    for case_id, result in results.items():
        for divergence in DIVERGENCES:
            if divergence.applies_to(case_id) and any(
                divergence.explains(line) for line in result.differences
            ):
                seen.add(divergence.name)
    assert seen == {d.name for d in DIVERGENCES}


def test_destination_declares_the_divergence_patterns() -> None:
    from actions_amplitude import destination

    assert destination.known_divergences == KNOWN_DIVERGENCES


def test_ref_cases_only_differ_by_leaked_keys_insert_id_and_undefined_form_values(
    results: dict[str, CaseResult],
) -> None:
    allowed = {"only-amplitude-keys", "insert-id-from-message-id", "no-undefined-form-values"}
    for case_id, result in results.items():
        if not case_id.startswith("ref/"):
            continue
        kinds = {
            d.name
            for d in DIVERGENCES
            if d.applies_to(case_id) and any(d.explains(line) for line in result.differences)
        }
        assert kinds <= allowed, case_id

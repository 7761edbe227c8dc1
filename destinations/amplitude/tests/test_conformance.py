"""The reference's golden cases run through this destination: none may fail, and every divergence
must be one of the documented, deliberate ones (the runner checks each difference line).

``generated-cases.jsonl`` holds more cases in the same format, produced by running the reference on
inputs generated for differential testing; each pins a behaviour that once differed here."""

from __future__ import annotations

from pathlib import Path

import pytest
from actions.runtime import Registry
from actions.testing.conformance import CaseResult, load_cases, run_cases
from actions_amplitude import destination
from actions_amplitude._divergences import DIVERGENCES

CASES_FILE = Path(__file__).parent / "conformance" / "cases.jsonl"
CASES = load_cases(CASES_FILE)
GENERATED_CASES = load_cases(Path(__file__).parent / "conformance" / "generated-cases.jsonl")


@pytest.fixture(scope="module")
def results() -> dict[str, CaseResult]:
    registry = Registry(entry_points=True)
    return {result.id: result for result in run_cases(CASES, registry)}


@pytest.fixture(scope="module")
def generated_results() -> dict[str, CaseResult]:
    registry = Registry(entry_points=True)
    return {result.id: result for result in run_cases(GENERATED_CASES, registry)}


def test_registry_finds_amplitude_through_its_entry_point() -> None:
    assert Registry(entry_points=True).destination("amplitude").name == "Actions Amplitude"


def test_no_golden_case_fails(results: dict[str, CaseResult]) -> None:
    failures = {case_id: r.differences[:5] for case_id, r in results.items() if r.status == "fail"}
    assert failures == {}


def test_no_generated_case_fails(generated_results: dict[str, CaseResult]) -> None:
    failures = {case_id: r.differences[:5] for case_id, r in generated_results.items() if r.status == "fail"}
    assert failures == {}


def test_generated_case_ids_are_unique_and_new() -> None:
    ids = [case["id"] for case in GENERATED_CASES]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {case["id"] for case in CASES}


def test_every_documented_divergence_shows_up_in_the_public_cases(results: dict[str, CaseResult]) -> None:
    seen = {
        divergence.name
        for case_id, result in results.items()
        for divergence in DIVERGENCES
        if divergence.applies_to(case_id) and any(divergence.explains(line) for line in result.differences)
    }
    assert seen == {d.name for d in DIVERGENCES}


def test_destination_declares_the_divergences() -> None:
    assert destination.known_divergences == DIVERGENCES


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

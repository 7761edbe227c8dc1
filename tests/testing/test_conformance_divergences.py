"""How the golden-case runner decides between pass, documented divergence and failure."""

from __future__ import annotations

from typing import Any

from actions import Divergence
from actions.testing import registry_for
from actions.testing.conformance import run_cases
from actions_webhook import destination as webhook

REFERENCE_CRASH = {
    "name": "TypeError",
    "message": "Cannot destructure property 'personas' of '{}' as it is null.",
}


def _case(case_id: str, error: dict[str, str]) -> dict[str, Any]:
    return {
        "id": case_id,
        "kind": "action",
        "destination": "webhook",
        "action": "send",
        "useDefaultMappings": True,
        "settings": {"url": "https://hooks.example.com/in"},
        "rawEvent": True,
        "event": {"type": "track", "event": "E", "context": None},
        "output": {"error": error, "payloads": [], "requests": []},
    }


def test_a_null_context_the_reference_crashed_on_is_a_documented_divergence() -> None:
    results = list(run_cases([_case("fields/null-context", REFERENCE_CRASH)], registry_for(webhook)))
    assert [(r.status, "null-context-delivered" in r.reason) for r in results] == [("divergent", True)]


def test_the_same_differences_without_the_telltale_error_are_a_failure() -> None:
    other = {"name": "HTTPError", "message": "Bad Request"}
    results = list(run_cases([_case("fields/other-error", other)], registry_for(webhook)))
    assert [r.status for r in results] == ["fail"]


def test_when_limits_a_divergence_to_cases_showing_its_telltale_line() -> None:
    divergence = Divergence("d", "why", cases=("*",), when=r"error: .*telltale.*")
    assert not divergence.applies_to("any/case", ["requests: got 1, expected 0"])
    assert divergence.applies_to("any/case", ["requests: got 1, expected 0", "error: the telltale"])

"""``get`` follows the reference's path lookup, including its helper golden cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from actions.js import UNDEFINED
from actions.mapping import get
from actions.mapping._paths import split_path

HELPERS = (
    Path(__file__).resolve().parents[2]
    / "destinations"
    / "amplitude"
    / "tests"
    / "conformance"
    / "helpers.jsonl"
)


def get_cases() -> list[dict[str, Any]]:
    text = HELPERS.read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    return [case for case in cases if case.get("fn") == "get"]


GET_CASES = get_cases()


@pytest.mark.parametrize("case", GET_CASES, ids=[case["id"] for case in GET_CASES])
def test_get_matches_the_reference_helper_case(case: dict[str, Any]) -> None:
    obj, path = case["args"]
    result = get(obj, path)
    if case["output"].get("undefined"):
        assert result is UNDEFINED
    else:
        assert result == case["output"]["result"]


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("a.b[0].c", ("a", "b", "0", "c")),
        ("['a'].b", ("a", "b")),
        ('["a b"].c', ("a b", "c")),
        ("[txt] non", ("[txt] non",)),
        ("a[b]", ("a[b]",)),
        ("a..b.", ("a", "b")),
        ("a['b.c']", ("a", "b", "c")),
        ("it's", ("its",)),
    ],
)
def test_split_path(path: str, keys: tuple[str, ...]) -> None:
    assert split_path(path) == keys


def test_get_returns_the_first_falsy_value_on_the_way() -> None:
    assert get({"n": 0}, "n.x.y") == 0
    assert get({"n": None}, "n.x") is None
    assert get(None, "a") is None
    assert get(UNDEFINED, "a") is UNDEFINED


def test_get_with_a_key_list_accepts_numbers() -> None:
    assert get({"a": [10, 20]}, ["a", 1]) == 20


def test_get_with_none_path_is_undefined() -> None:
    assert get({"a": 1}, None) is UNDEFINED


def test_get_reads_nothing_from_numbers_and_booleans() -> None:
    assert get({"n": 5, "t": True}, "n.x") is UNDEFINED
    assert get({"n": 5, "t": True}, "t.x") is UNDEFINED

"""Generated path reads under values that are not objects behave like the reference's ``get``."""

from __future__ import annotations

from typing import Any

import pytest
from actions.js import UNDEFINED, json_stringify
from actions.mapping._compile import build_program
from actions.mapping._paths import get

MAPPING = {
    "deep": {"@path": "$.a.b.c"},
    "child": {"@path": "$.a.b"},
    "length": {"@path": "$.a.length"},
    "first": {"@path": "$.a.0"},
}
PARENTS = [UNDEFINED, None, 0, "", False, True, 5, "abc", [1, 2], {"b": {"c": 3}}, {"b": None}, {"b": 0}]


@pytest.mark.parametrize("parent", PARENTS, ids=repr)
def test_generated_reads_match_the_generic_ones_and_get(parent: Any) -> None:
    payload = {} if parent is UNDEFINED else {"a": parent}
    generated = build_program(MAPPING, codegen=True).run(payload)
    generic = build_program(MAPPING, codegen=False).run(payload)
    assert json_stringify(generated) == json_stringify(generic)
    expected = {key: get(payload, raw["@path"][2:]) for key, raw in MAPPING.items()}
    assert generated == {key: value for key, value in expected.items() if value is not UNDEFINED}

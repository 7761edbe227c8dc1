"""docs/hooks.md documents every hookspec: a heading that is its exact signature, and a line per argument."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions import hookspecs

PAGE = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"
HEADING = re.compile(r"^## (\w+)\((.*)\)$", re.MULTILINE)


def hookspec_functions() -> dict[str, Callable[..., Any]]:
    return {
        name: obj
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.hookspec.project_name}_spec")
    }


def signature(function: Callable[..., Any]) -> str:
    return f"{function.__name__}({', '.join(inspect.signature(function).parameters)})"


def sections() -> dict[str, str]:
    """Hook name -> its section of the page (heading included)."""
    text = PAGE.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    ends = [m.start() for m in headings[1:]] + [len(text)]
    return {m.group(1): text[m.start() : end] for m, end in zip(headings, ends, strict=True)}


HOOKS = hookspec_functions()


def test_there_are_hookspecs_to_document() -> None:
    assert "register_destinations" in HOOKS


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_heading_is_its_exact_signature(name: str) -> None:
    assert f"\n## {signature(HOOKS[name])}\n" in PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_section_describes_every_argument_and_has_an_example(name: str) -> None:
    section = sections()[name]
    for argument in inspect.signature(HOOKS[name]).parameters:
        assert re.search(rf"^- `{argument}`: \S", section, re.MULTILINE), f"no line for argument {argument!r}"
    assert "```python\n" in section, "each hook has a runnable example"
    assert f"def {name}(" in section, "the example implements the hook"


def test_every_documented_hook_exists() -> None:
    assert set(sections()) <= set(HOOKS)

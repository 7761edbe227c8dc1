"""Every ```python block in docs/ runs, in order, one namespace per page; its asserts are the checks.

A block preceded by the line ``<!-- no-run -->`` is shown but not executed (used for snippets
that need a network, or show a shell session).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(r"(?P<skip><!-- no-run -->\s*\n)?```python\n(?P<code>.*?)```", re.DOTALL)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        if match.group("skip"):
            continue
        line = text.count("\n", 0, match.start("code")) + 1
        blocks.append((line, match.group("code")))
    return blocks


PAGES = sorted(p for p in DOCS.rglob("*.md") if python_blocks(p))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_python_examples_in_docs_run(page: Path, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for line, code in python_blocks(page):
            # Pad with newlines so tracebacks point at the line in the .md file.
            exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
    finally:
        os.chdir(cwd)

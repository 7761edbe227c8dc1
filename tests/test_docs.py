"""Every ```python block in docs/ runs, in order, one namespace per page; its asserts are the checks.

A block preceded by the line ``<!-- no-run -->`` is shown but not executed (used for snippets
that need a network, or show a shell session). A block preceded by ``<!-- file: PATH -->`` is
also written to PATH (relative to the page's scratch folder) before it runs: the tutorial's
files land in the package it scaffolded, whose own tests then run as the tutorial says. No block,
run or not, imports a private module (``actions._x``, ``actions.delivery._x``...): what the docs
show is what users may rely on. Nor do the destinations in this repository (code and tests) or
the scaffold's templates: they are what authors copy.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(
    r"(?P<skip><!-- no-run -->\s*\n)?(?:<!-- file: (?P<file>\S+) -->\s*\n)?```python\n(?P<code>.*?)```",
    re.DOTALL,
)


def python_blocks(page: Path) -> list[tuple[int, str, str | None]]:
    """``(line, code, file)`` of each block that runs; ``file`` is where the page says it belongs."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        if match.group("skip"):
            continue
        line = text.count("\n", 0, match.start("code")) + 1
        blocks.append((line, match.group("code"), match.group("file")))
    return blocks


PAGES = sorted(p for p in DOCS.rglob("*.md") if python_blocks(p))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_python_examples_in_docs_run(page: Path, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for line, code, file in python_blocks(page):
            if file:
                (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / file).write_text(code, encoding="utf-8")
            # Pad with newlines so tracebacks point at the line in the .md file.
            exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
    finally:
        os.chdir(cwd)


ROOT = DOCS.parent
#: Every page a user reads code from: docs/ and the packages' READMEs.
READ_PAGES = sorted(
    [*DOCS.rglob("*.md"), *ROOT.glob("README.md"), *ROOT.glob("*/README.md"), *ROOT.glob("*/*/README.md")]
)
_ANY_BLOCK = re.compile(r"```python\n(?P<code>.*?)```", re.DOTALL)


def _private(name: str) -> bool:
    """``actions._js`` or ``actions.delivery._x``: a dotted name with a private part (dunders aside)."""
    return any(part.startswith("_") and not part.endswith("__") for part in name.split("."))


def private_imports(code: str) -> list[str]:
    """The private modules (or private names) that ``code`` imports."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            found += [name for name in names if _private(name)][:1]
    return found


def test_the_private_import_check_finds_what_it_must() -> None:
    assert private_imports("from actions._js import UNDEFINED\nimport actions.delivery._retry") == [
        "actions._js",
        "actions.delivery._retry",
    ]
    assert private_imports("from actions import _registry") == ["actions._registry"]
    assert (
        private_imports("from actions import __version__, UNDEFINED\nfrom __future__ import annotations")
        == []
    )


@pytest.mark.parametrize("page", READ_PAGES, ids=[str(p.relative_to(ROOT)) for p in READ_PAGES])
def test_docs_import_only_public_modules(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    found = [
        f"{page.relative_to(ROOT)}:{text.count(chr(10), 0, match.start('code')) + 1}: {name}"
        for match in _ANY_BLOCK.finditer(text)
        for name in private_imports(match.group("code"))
    ]
    assert found == [], "docs import private modules; use the public API:\n" + "\n".join(found)


#: What destination authors write or copy: our destinations (code and tests) and ``actions init``'s templates.
AUTHOR_FILES = sorted(
    [*ROOT.glob("destinations/*/**/*.py"), *ROOT.glob("cli/actions_cli/templates/**/*.py.tmpl")]
)
_PLACEHOLDER = re.compile(r"\{\{\s*\w+\s*\}\}")


def core_private_imports(code: str) -> list[str]:
    """The private parts of the core (``actions._x``...) that ``code`` imports (not a package's own)."""
    return [name for name in private_imports(code) if name.split(".")[0] == "actions"]


def test_the_author_file_check_finds_what_it_must() -> None:
    code = "from actions import _registry\nfrom actions_amplitude._batch import x\nfrom {{pkg}}._y import z"
    assert core_private_imports(_PLACEHOLDER.sub("pkg", code)) == ["actions._registry"]
    assert any(path.suffix == ".tmpl" for path in AUTHOR_FILES)
    assert any("webhook" in path.parts for path in AUTHOR_FILES)


def test_destinations_and_the_scaffold_import_only_the_public_core() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in AUTHOR_FILES
        for name in core_private_imports(_PLACEHOLDER.sub("pkg", path.read_text(encoding="utf-8")))
    ]
    assert found == [], "private core modules imported; use the public ones:\n" + "\n".join(found)

"""docs/architecture.md's layout cannot go stale: every path it draws exists, and it draws every package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"


def _layout() -> list[Path]:
    """The paths drawn in the "One home per concept" tree, in order."""
    section = PAGE.read_text(encoding="utf-8").split("## One home per concept", 1)[1]
    tree = section.split("```", 2)[1]
    paths: list[Path] = []
    stack: list[tuple[int, Path]] = []
    for line in tree.splitlines()[1:]:
        match = re.match(r"( *)(\S+)", line)
        if match is None:
            continue
        depth, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        path = (stack[-1][1] if stack else ROOT) / name.rstrip("/")
        paths.append(path)
        if name.endswith("/"):
            stack.append((depth, path))
    return paths


def test_every_path_in_the_layout_exists() -> None:
    missing = [str(path.relative_to(ROOT)) for path in _layout() if not path.exists()]
    assert missing == []


def test_the_layout_draws_every_package_and_every_javascript_module() -> None:
    drawn = set(_layout())
    core = ROOT / "core" / "actions"
    packages = {path.parent for path in core.glob("*/__init__.py")} | {
        path.parent for path in core.glob("*/*/__init__.py")
    }
    assert sorted(str(p.relative_to(ROOT)) for p in packages - drawn) == []
    js_modules = {path for path in (core / "js").glob("_*.py") if path.name != "__init__.py"}
    assert sorted(path.name for path in js_modules - drawn) == []

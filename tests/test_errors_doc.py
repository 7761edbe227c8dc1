"""The error tree drawn in docs/errors.md and in _errors.py is the real class hierarchy."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import actions
from actions import ActionsError, _errors

ROOT = Path(__file__).resolve().parent.parent


def drawn_edges(text: str) -> set[tuple[str, str]]:
    """(parent, child) pairs from a tree drawn with ├── / └── and 4-column indents."""
    edges = set()
    stack: list[str] = []
    for line in text.splitlines():
        match = re.match(r"^([│ ]*)(?:[├└]── )?([A-Z]\w+)\s*$", line.rstrip())
        if not match:
            continue
        depth = len(match.group(1)) // 4 + (1 if "──" in line else 0)
        stack[depth:] = [match.group(2)]
        if depth:
            edges.add((stack[depth - 1], match.group(2)))
    return edges


def real_edges() -> set[tuple[str, str]]:
    edges = set()
    todo = [ActionsError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("actions"):
                edges.add((cls.__name__, sub.__name__))
                todo.append(sub)
    return edges


def _first_tree(text: str) -> str:
    start = text.rindex("\n", 0, text.index("ActionsError\n")) + 1
    end = text.index("\n\n", start)
    return textwrap.dedent(text[start:end])


def test_docs_tree_matches_the_classes() -> None:
    assert drawn_edges(_first_tree((ROOT / "docs" / "errors.md").read_text())) == real_edges()


def test_module_docstring_tree_matches_the_classes() -> None:
    assert _errors.__doc__ is not None
    assert drawn_edges(_first_tree(_errors.__doc__)) == real_edges()


def test_every_error_class_is_exported() -> None:
    for _, child in real_edges():
        assert hasattr(actions, child), child


def _source_text() -> str:
    """Every module's text, with implicitly concatenated string literals joined up."""
    files = [*ROOT.glob("cli/actions_cli/**/*.py"), *ROOT.glob("core/actions/**/*.py")]
    files += ROOT.glob("destinations/*/actions_*/**/*.py")
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    return re.sub(r"[\"']\)?\s*\n\s*\+?\s*f?[\"']", "", text)


def _documented_messages() -> list[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    table = text[text.index("<!-- messages: start -->") : text.index("<!-- messages: end -->")]
    messages = []
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split(" | ")]
        if len(cells) == 3 and cells[2].startswith("`"):
            messages.append(cells[2][1:].split("` ", 1)[0].rstrip("`"))
    return messages


def test_every_documented_user_error_is_written_by_the_code() -> None:
    messages = _documented_messages()
    assert len(messages) >= 25
    source = _source_text()
    missing = []
    for message in messages:
        # The fixed words between placeholders (<...>), optional parts ([...]), elisions and
        # punctuation (where the code joins its own parts); click writes "Invalid value for".
        text = message.removeprefix("Error: ").removeprefix("Invalid value for '--base-url': ")
        fragments = [f.strip(" .,") for f in re.split(r"<[^>]*>|[\[\]'\"`:;()]|\.\.\.", text)]
        missing += [(message, f) for f in fragments if len(f) >= 12 and f not in source]
    assert missing == []

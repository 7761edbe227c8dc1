"""No module imports itself back, through any chain, in any of the packages of this repository.

The graph is read from the source with :mod:`ast`, not by importing: every ``import`` counts,
at module level, inside functions and under ``TYPE_CHECKING`` alike, because each is a dependency
someone must keep in their head. An edge goes to the module named (``from actions.js import trim``
is an edge to ``actions.js``; ``from . import hookspecs`` one to ``actions.hookspecs``), not to the
packages Python runs on the way there, or every submodule would lean on its package's root.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "actions": ROOT / "core" / "actions",
    "actions_cli": ROOT / "cli" / "actions_cli",
    "actions_amplitude": ROOT / "destinations" / "amplitude" / "actions_amplitude",
    "actions_webhook": ROOT / "destinations" / "webhook" / "actions_webhook",
}


def modules() -> dict[str, Path]:
    """Dotted module name to source file, for every module of every package (templates aside)."""
    found = {}
    for name, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            if "templates" in path.relative_to(folder).parts:
                continue
            parts = [name, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported(module: str, is_package: bool, tree: ast.AST, known: Mapping[str, Path]) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield submodule if submodule in known else target


def import_graph() -> dict[str, set[str]]:
    """Each module to the modules of these packages it imports."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        imported = _imported(module, path.name == "__init__.py", tree, known)
        graph[module] = {name for name in imported if name in known and name != module}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_cycle_finder_finds_what_it_must() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"f"}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"]]


def test_relative_imports_resolve_to_modules() -> None:
    known = dict.fromkeys(["p", "p.a", "p.sub", "p.sub.b", "p.sub.c"], Path())
    code = "from . import c\nfrom .. import a\nfrom ..a import x\ndef f():\n    from p.sub.b import y\n"
    assert sorted(_imported("p.sub.b", False, ast.parse(code), known)) == ["p.a", "p.a", "p.sub.b", "p.sub.c"]
    assert list(_imported("p.sub", True, ast.parse("from .c import z"), known)) == ["p.sub.c"]


def test_the_graph_sees_every_package() -> None:
    graph = import_graph()
    assert {name.partition(".")[0] for name in graph} == set(PACKAGES)
    assert "actions.js" in graph["actions"]


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles (each line one strongly connected component):\n" + "\n".join(
        " <-> ".join(component) for component in found
    )

"""JavaScript semantics have one home, ``actions.js``: no other module re-implements them.

Each rule below was once copied into several modules (white space seven times, ``Number()`` four,
UTF-16 five...), and the copies drifted apart. This test keeps them from coming back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS_HOME = ROOT / "core" / "actions" / "js"
PACKAGES = [
    ROOT / "core" / "actions",
    ROOT / "cli" / "actions_cli",
    *sorted(path for path in (ROOT / "destinations").glob("*/actions_*") if path.is_dir()),
]

# Functions that are JavaScript rules: defined in actions.js only, under whatever name.
JS_RULES = {
    "js_truthy",
    "js_is_truthy",
    "truthy",
    "js_typeof",
    "typeof",
    "js_to_number",
    "to_number",
    "js_string_to_number",
    "string_to_number",
    "js_string",
    "to_string",
    "js_number",
    "number_to_string",
    "js_trim",
    "trim",
    "utf16_len",
    "utf16_length",
    "utf16_units",
    "to_utf16_units",
    "from_utf16_units",
    "spread",
    "json_stringify",
    "js_json_stringify",
    "object_json",
    "js_key_order",
    "object_keys",
    "js_object_keys",
    "js_property",
    "member",
    "date_parse",
    "js_date_parse",
    "parse_v8",
    "has_surrogate",
    "to_well_formed",
}


def _modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted(package.rglob("*.py"))
        if JS_HOME not in path.parents and "tests" not in path.parts
    ]


def _copies(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.lstrip("_") in JS_RULES:
            found.append(f"line {node.lineno}: def {node.name}() re-implements a rule of actions.js")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "\u3000" in node.value and "\u2028" in node.value:
                found.append(f"line {node.lineno}: JavaScript's white space again (actions.js.WHITE_SPACE)")
            if node.value.lower().startswith("utf-16"):
                found.append(f"line {node.lineno}: UTF-16 by hand (actions.js.to_utf16_units / utf16_len)")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_re_implements_javascript_semantics(path: Path) -> None:
    assert _copies(path) == []


def test_the_scan_sees_every_package() -> None:
    scanned = {path.relative_to(ROOT).parts[:2] for path in _modules()}
    assert ("core", "actions") in scanned and ("cli", "actions_cli") in scanned
    assert len([parts for parts in scanned if parts[0] == "destinations"]) >= 2

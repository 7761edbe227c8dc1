"""Generate one Python function per raw mapping object, so resolving it costs no interpretation.

A field default like ``{"@path": "$.context.device.id"}`` becomes straight-line code: each path
prefix is looked up once and shared by every field that reads under it (``context``,
``context.device`` ...), objects are built with plain assignments, and only the directives
that are not simple path reads are called as closures. Lookups have no side effects, so
reading them all up front is indistinguishable from the reference's field-by-field order.

Only string keys and literal values reach the generated source, and both are written with
``repr`` (which always yields a literal evaluating to the same value); everything else is
passed in through the function's namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.js import UNDEFINED, member, object_keys, truthy

from ._nodes import Node, detach
from ._paths import split_path
from ._validate import is_directive

__all__ = ["generate_object"]

_SCALARS = (str, int, float, bool, type(None))


def _static_path(value: Any) -> tuple[str, ...] | None:
    """The keys of ``{"@path": "<string>"}`` (``_metadata`` allowed), else ``None``."""
    if type(value) is not dict or not is_directive(value):
        return None
    keys = [key for key in value if key != "_metadata"]
    if keys != ["@path"] or type(value["@path"]) is not str:
        return None
    stripped = value["@path"].replace("$.", "", 1)
    if stripped in ("", "."):
        return ()
    return split_path(stripped)


def _plain_object(value: Any) -> bool:
    return type(value) is dict and not is_directive(value) and all(type(key) is str for key in value)


def _literal(value: Any) -> bool:
    if type(value) is float:
        return value == value and value not in (float("inf"), float("-inf"))
    return type(value) in _SCALARS


class _Generator:
    def __init__(self, compile_node: Callable[[Any], Node]) -> None:
        self.compile_node = compile_node
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "U": UNDEFINED,
            "step": member,
            "detach": detach,
            "COPIED": frozenset({dict, list, tuple}),  # exactly these: subclasses are not copied
        }
        self.paths: dict[tuple[str, ...], str] = {(): "p"}
        self.dict_flags: dict[str, str] = {}
        self.counter = 0

    def fresh_name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def lookup(self, keys: tuple[str, ...]) -> str:
        """The variable holding the value at ``keys``, emitting lookups for missing prefixes."""
        known = self.paths.get(keys)
        if known is not None:
            return known
        parent = self.lookup(keys[:-1])
        flag = self.dict_flags.get(parent)
        if flag is None:
            # Test the parent's type once, however many children read from it.
            flag = self.dict_flags[parent] = f"{parent}_is_dict"
            self.lines.append(f"    {flag} = type({parent}) is dict")
        name = self.fresh_name("v")
        key = repr(keys[-1])
        # Under a missing object everything is missing too (member returns undefined as it
        # is): the common non-dict case, answered without a call.
        missing_or_step = f"{parent} if {parent} is U else step({parent}, {key})"
        self.lines.append(f"    {name} = {parent}.get({key}, U) if {flag} else {missing_or_step}")
        self.paths[keys] = name
        return name

    def closure(self, node: Node) -> str:
        name = self.fresh_name("f")
        self.namespace[name] = node.fn
        return name

    def assign(self, target: str, key: str, value: str, *, fresh: bool) -> None:
        """``target[key] = value`` unless undefined; values that may alias the payload are copied."""
        self.lines.append(f"    if {value} is not U:")
        if fresh:
            self.lines.append(f"        {target}[{key}] = {value}")
            return
        copied = f"detach({value}) if type({value}) in COPIED else {value}"
        self.lines.append(f"        {target}[{key}] = {copied}")

    def same_path_if(self, value: Any) -> tuple[tuple[str, ...], Any] | None:
        """``{"@if": {"exists": P, "then": P, "else": E}}`` with P a static path: (P, E)."""
        if type(value) is not dict or list(value) != ["@if"] or type(value["@if"]) is not dict:
            return None
        options = value["@if"]
        if set(options) - {"exists", "then", "else"} or "exists" not in options or "then" not in options:
            return None
        path = _static_path(options["exists"])
        if path is None or _static_path(options["then"]) != path or options["exists"] != options["then"]:
            return None
        return path, options.get("else", UNDEFINED)

    def value(self, raw: Any) -> tuple[str, bool]:
        """Emit code computing ``raw`` into a variable; return (variable, fresh)."""
        path = _static_path(raw)
        if path is not None:
            return self.lookup(path), False
        if _plain_object(raw):
            return self.object(raw), True
        conditional = self.same_path_if(raw)
        if conditional is not None:
            tested, otherwise = conditional
            name = self.fresh_name("c")
            self.lines.append(f"    {name} = {self.lookup(tested)}")
            if truthy(otherwise):
                # A falsy "else" is ignored by the reference; a truthy one is resolved.
                fallback_path = _static_path(otherwise)
                if fallback_path is not None:
                    fallback = self.lookup(fallback_path)
                    self.lines.append(f"    if {name} is U or {name} is None:")
                    self.lines.append(f"        {name} = {fallback}")
                else:
                    function = self.closure(self.compile_node(otherwise))
                    self.lines.append(f"    if {name} is U or {name} is None:")
                    self.lines.append(f"        {name} = {function}(p)")
            else:
                self.lines.append(f"    if {name} is None:")
                self.lines.append(f"        {name} = U")
            return name, False
        node = self.compile_node(raw)
        name = self.fresh_name("d")
        self.lines.append(f"    {name} = {self.closure(node)}(p)")
        return name, node.fresh

    def object(self, raw: dict[str, Any]) -> str:
        name = self.fresh_name("o")
        self.lines.append(f"    {name} = {{}}")
        for key in object_keys(raw):
            item = raw[key]
            if _literal(item):
                self.lines.append(f"    {name}[{key!r}] = {item!r}")
                continue
            variable, fresh = self.value(item)
            self.assign(name, repr(key), variable, fresh=fresh)
        return name


def generate_object(raw: dict[str, Any], compile_node: Callable[[Any], Node]) -> Callable[[Any], Any]:
    """A function building the output object for the raw mapping object ``raw``."""
    generator = _Generator(compile_node)
    result = generator.object(raw)
    # The namespace's names become default arguments: local variables, cheaper than globals.
    names = "".join(f", {name}={name}" for name in generator.namespace)
    source = f"def build(p{names}):\n" + "\n".join(generator.lines) + f"\n    return {result}\n"
    exec(compile(source, "<mapping>", "exec"), generator.namespace)
    built: Callable[[Any], Any] = generator.namespace["build"]
    return built

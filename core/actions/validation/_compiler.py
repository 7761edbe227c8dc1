"""JSON Schema compiled into validator closures with ajv 8's semantics, keyword by keyword.

ajv runs with ``coerceTypes: "array"``, ``removeAdditional: true`` and ``allErrors``; its keyword
order, its coercion rules and its quirks are kept, because the messages and the coerced payloads
are compared with the reference's byte for byte. A schema is compiled once; validating walks only
the parts the schema describes. Nodes never mutate their input: changed objects and arrays are
copied, untouched free-form values are shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from actions.js import UNDEFINED, to_string, truthy

from ._containers import array_steps, object_steps, quiet_object_tables
from ._formats import FORMATS
from ._keywords import Node, const_step, enum_step, number_steps, string_steps
from ._messages import RawError
from ._types import (
    ARRAYS,
    COERCERS,
    CONTAINERS,
    INT_SAFE,
    NOT_COERCIBLE,
    TYPE_TESTS,
    is_array,
    is_number,
    schema_types,
)
from ._unwrapped import Split, follow, rewrap
from ._vocabulary import (
    NUMBER_KEYWORDS,
    UNSUPPORTED,
    UNTYPED_KEYWORDS,
    always_valid,
    group_used,
)

__all__ = ["Compiler"]

_COERCIBLE: Final = frozenset({"string", "number", "integer", "boolean", "null", "array"})


def _pass(data: Any, ptr: str, errs: list[RawError]) -> Any:
    return data



class Compiler:
    """Compiles schemas into node functions; one compiler per root schema, nodes cached by identity.

    A node ``(data, pointer, errors) -> data`` validates ``data`` (appending raw errors) and
    returns the value its parent must hold afterwards (coerced, or a pruned copy). Nodes exist in
    two flavours: "all errors" (the default) and "first error", which ajv uses inside ``if`` and
    ``not`` and where it stops evaluating, and so coercing, at the first failure.
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, bool], tuple[Any, Node]] = {}

    def node(self, schema: Any, all_errors: bool) -> Node:
        key = (id(schema), all_errors)
        cached = self._nodes.get(key)
        if cached is not None:
            return cached[1]
        built = self._build(schema, all_errors)
        self._nodes[key] = (schema, built)  # the schema is kept alive so its id stays unique
        return built

    # --- building ----------------------------------------------------------------------------

    def _build(self, schema: Any, all_errors: bool) -> Node:
        if always_valid(schema):
            return _pass
        if schema is False:

            def false_schema(data: Any, ptr: str, errs: list[RawError]) -> Any:
                errs.append(("false schema", ptr, None, None, data))
                return data

            return false_schema
        if not isinstance(schema, Mapping):
            raise ValueError(f"a schema must be an object or a boolean, got {to_string(schema)}")
        unsupported = sorted(UNSUPPORTED.intersection(schema))
        if unsupported:
            raise ValueError(f"unsupported JSON Schema keyword(s): {', '.join(unsupported)}")

        types = schema_types(schema)
        coerce_to = [t for t in types if t in _COERCIBLE]
        check_types = bool(types) and not (
            not coerce_to and len(types) == 1 and group_used(schema, types[0])
        )
        wrong_type = self._wrong_type_test(types)
        unwrapped_fits = self._unwrapped_test(types)
        coercers = [COERCERS[t] for t in coerce_to]

        groups: list[tuple[Callable[[Any], bool] | None, list[Node], bool]] = []
        # "type" itself belongs to the untyped group, so in first-error mode a type error stops
        # every typed keyword of the schema (the guard after a used group).
        untyped = self._untyped_steps(schema, all_errors)
        if untyped or any(key in schema for key in ("type", *UNTYPED_KEYWORDS)):
            groups.append((None, untyped, False))
        keyword_groups: tuple[tuple[str, Callable[[Any], bool], Callable[[], list[Node]]], ...] = (
            ("number", is_number, lambda: number_steps(schema)),
            ("string", TYPE_TESTS["string"], lambda: string_steps(schema)),
            ("array", is_array, lambda: array_steps(self, schema, all_errors)),
            ("object", TYPE_TESTS["object"], lambda: object_steps(self, schema, all_errors)),
        )
        for group, test, build in keyword_groups:
            if not group_used(schema, group):
                continue
            # A non-coercible single type with keywords of its own reports its type error in the
            # group's "else" branch, i.e. after the untyped keywords.
            report_in_else = not check_types and len(types) == 1 and types[0] == group
            groups.append((test, build(), report_in_else))

        def type_error(data: Any, ptr: str, errs: list[RawError]) -> None:
            errs.append(("type", ptr, schema, None, data))

        # Values whose Python type already fits and that only one keyword group applies to skip
        # the general loop (no coercion, no untyped keywords): the common case.
        direct: dict[type, list[Node]] = {}
        if not untyped:
            by_group = {test: steps for test, steps, _ in groups}
            for json_type, python_type, group_test in (
                ("string", str, TYPE_TESTS["string"]),
                ("object", dict, TYPE_TESTS["object"]),
                ("array", list, is_array),
                ("boolean", bool, None),
                ("null", type(None), None),
            ):
                if json_type in types:
                    direct[python_type] = by_group.get(group_test, []) if group_test is not None else []

        # Finite numbers of the right kind likewise go straight to the number keywords.
        numeric_steps: list[Node] | None = None
        if not untyped and ("number" in types or "integer" in types):
            numeric_steps = {test: steps for test, steps, _ in groups}.get(is_number, [])
        integer_only = "number" not in types

        def node(data: Any, ptr: str, errs: list[RawError]) -> Any:
            kind = type(data)
            if numeric_steps is not None and (
                (kind is float and data - data == 0.0 and (not integer_only or data.is_integer()))
                or (kind is int and -INT_SAFE <= data <= INT_SAFE)
            ):
                steps: list[Node] | None = numeric_steps
            else:
                steps = direct.get(kind)
            if steps is not None:
                if all_errors:
                    for step in steps:
                        data = step(data, ptr, errs)
                else:
                    for step in steps:
                        before = len(errs)
                        data = step(data, ptr, errs)
                        if len(errs) != before:
                            break
                return data
            start = len(errs)
            out = data  # what the parent holds
            tied = True  # whether keywords see `out` itself (see Split)
            if check_types and wrong_type(data):
                if coercers:
                    candidate = data
                    coerced: Any = NOT_COERCIBLE
                    # coerceTypes "array": a one-element array is unwrapped first, and ajv keeps
                    # looking at the element even when nothing can be made of it.
                    if isinstance(candidate, ARRAYS) and len(candidate) == 1:
                        candidate = candidate[0]
                        if unwrapped_fits(candidate):
                            coerced = candidate
                    if coerced is NOT_COERCIBLE:
                        for coerce in coercers:
                            coerced = coerce(candidate)
                            if coerced is not NOT_COERCIBLE:
                                break
                    if coerced is NOT_COERCIBLE:
                        type_error(candidate, ptr, errs)
                        if candidate is not data:
                            data = candidate
                            tied = False
                    else:
                        data = out = coerced
                else:
                    type_error(data, ptr, errs)
            for test, steps, report_in_else in groups:
                if test is None or test(data):
                    for step in steps:
                        before = len(errs)
                        result = step(data, ptr, errs)
                        if result is not data:
                            if type(result) is Split:
                                if result.container is not data:
                                    out = result.container
                                data = result.visible
                                tied = False
                            elif (
                                tied or type(result) is not type(data) or not isinstance(result, (dict, list))
                            ):
                                data = out = result
                                tied = True
                            else:  # an unwrapped element changed in place (see _follow)
                                out = rewrap(out, data, result)
                                data = result
                        if not all_errors and len(errs) != before:
                            break
                elif report_in_else:
                    type_error(data, ptr, errs)
                if not all_errors and len(errs) != start:
                    break
            return data if tied else Split(data, out)

        if all_errors and types == ["object"] and not untyped and group_used(schema, "object"):
            tables = quiet_object_tables(self, schema)
            if tables is not None:
                return self._quiet_object_node(node, *tables)
        return node

    @staticmethod
    def _quiet_object_node(
        node: Node,
        required: tuple[str, ...],
        declared: frozenset[str] | None,
        fast_by_key: dict[str, frozenset[type]],
        choices_by_key: dict[str, frozenset[str]],
    ) -> Node:
        """``node`` for an object schema, answering in one scan for objects it leaves as they are.

        Most nested objects (library settings, setOnce...) need no coercion, pruning or error;
        anything else goes through ``node``, so the scan only decides, never changes anything.
        """

        def object_node(data: Any, ptr: str, errs: list[RawError]) -> Any:
            if type(data) is dict:
                for key in required:
                    if data.get(key, UNDEFINED) is UNDEFINED:
                        return node(data, ptr, errs)
                if declared is None or declared.issuperset(data):
                    for key, value in data.items():
                        fast = fast_by_key.get(key)
                        if fast is not None and type(value) not in fast:
                            choices = choices_by_key.get(key)
                            if choices is None or type(value) is not str or value not in choices:
                                break
                    else:
                        return data
            return node(data, ptr, errs)

        return object_node

    @staticmethod
    def _wrong_type_test(types: list[str]) -> Callable[[Any], bool]:
        if len(types) == 1:
            single = TYPE_TESTS[types[0]]
            if types[0] == "string":
                return lambda v: not isinstance(v, str)
            return lambda v: not single(v)
        tests = [TYPE_TESTS[t] for t in types]
        return lambda v: not any(test(v) for test in tests)

    @staticmethod
    def _unwrapped_test(types: list[str]) -> Callable[[Any], bool]:
        """ajv's check on an unwrapped one-element array.

        ajv builds it by AND-ing the type tests, so with two or more distinct types it never
        passes (and the element goes through scalar coercion instead).
        """
        if len(types) == 1:
            return TYPE_TESTS[types[0]]
        names = list(dict.fromkeys(types))
        parts: list[Callable[[Any], bool]] = []
        if "array" in names and "object" in names:
            with_null = "null" in names

            def not_object(v: Any) -> bool:
                return not (v is None or isinstance(v, CONTAINERS))

            parts.append(not_object if with_null else (lambda v: not truthy(v) or not_object(v)))
            names = [t for t in names if t not in ("null", "array", "object")]
        if "number" in names:
            names = [t for t in names if t != "integer"]
        parts.extend(TYPE_TESTS[t] for t in names)
        return lambda v: all(part(v) for part in parts)

    def fast_types(self, schema: Any) -> frozenset[type]:
        """Python types whose values the node would leave untouched and error-free.

        Parents skip the call for those, which is most of a typical payload.
        """
        if always_valid(schema):
            return frozenset({str, int, float, bool, type(None), dict, list})
        if not isinstance(schema, Mapping) or any(k in schema for k in UNTYPED_KEYWORDS if k != "nullable"):
            return frozenset()
        try:
            types = schema_types(schema)
        except ValueError:
            return frozenset()
        fast: set[type] = set()
        formats = schema.get("format")
        number_format = formats is not None and FORMATS.get(formats, ("", None))[0] == "number"
        if "string" in types and not group_used(schema, "string"):
            fast.add(str)
        if ("number" in types or "integer" in types) and not (
            number_format or any(k in schema for k in NUMBER_KEYWORDS if k != "format")
        ):
            fast.add(int)  # Python ints are whole numbers; floats need the finiteness check
        if "boolean" in types:
            fast.add(bool)
        if "null" in types:
            fast.add(type(None))
        if "object" in types and not group_used(schema, "object"):
            fast.add(dict)
        if "array" in types and not group_used(schema, "array"):
            fast.add(list)
        return frozenset(fast)

    # --- untyped keywords --------------------------------------------------------------------

    def _untyped_steps(self, schema: Mapping[str, Any], all_errors: bool) -> list[Node]:
        steps: list[Node] = []
        if "const" in schema:
            steps.append(const_step(schema))
        if "enum" in schema:
            steps.append(enum_step(schema))
        if "not" in schema:
            steps.append(self._not_step(schema))
        if "anyOf" in schema:
            steps.append(self._any_of_step(schema, all_errors))
        if "oneOf" in schema:
            steps.append(self._one_of_step(schema, all_errors))
        if "allOf" in schema:
            branches = [self.node(s, all_errors) for s in schema["allOf"] if not always_valid(s)]

            def all_of_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
                out, split = data, False
                for branch in branches:
                    before = len(errs)
                    data, out, split = follow(data, out, split, branch(data, ptr, errs))
                    if not all_errors and len(errs) != before:
                        break
                return Split(data, out) if split else data

            if branches:
                steps.append(all_of_step)
        if "if" in schema:
            step = self._if_step(schema, all_errors)
            if step is not None:
                steps.append(step)
        return steps

    def _not_step(self, schema: Mapping[str, Any]) -> Node:
        inner = schema["not"]
        if always_valid(inner):

            def never(data: Any, ptr: str, errs: list[RawError]) -> Any:
                errs.append(("not", ptr, schema, None, data))
                return data

            return never
        branch = self.node(inner, False)

        def not_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            before = len(errs)
            data, out, split = follow(data, data, False, branch(data, ptr, errs))
            valid = len(errs) == before
            del errs[before:]
            if valid:
                errs.append(("not", ptr, schema, None, data))
            return Split(data, out) if split else data

        return not_step

    def _any_of_step(self, schema: Mapping[str, Any], all_errors: bool) -> Node:
        options = schema["anyOf"]
        if any(always_valid(s) for s in options):
            return _pass  # ajv skips the keyword (and its coercions) entirely
        branches = [self.node(s, all_errors) for s in options]

        def any_of_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            before = len(errs)
            out, split = data, False
            for branch in branches:
                mark = len(errs)
                data, out, split = follow(data, out, split, branch(data, ptr, errs))
                if len(errs) == mark:
                    del errs[before:]
                    break
            else:
                errs.append(("anyOf", ptr, schema, None, data))
            return Split(data, out) if split else data

        return any_of_step

    def _one_of_step(self, schema: Mapping[str, Any], all_errors: bool) -> Node:
        branches = [None if always_valid(s) else self.node(s, all_errors) for s in schema["oneOf"]]

        def one_of_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            before = len(errs)
            out, split = data, False
            passing: list[int] = []
            for index, branch in enumerate(branches):
                mark = len(errs)
                if branch is not None:
                    data, out, split = follow(data, out, split, branch(data, ptr, errs))
                if len(errs) == mark:
                    passing.append(index)
                    if len(passing) > 1:
                        break
            if len(passing) == 1:
                del errs[before:]
            else:
                errs.append(("oneOf", ptr, schema, passing or None, data))
            return Split(data, out) if split else data

        return one_of_step

    def _if_step(self, schema: Mapping[str, Any], all_errors: bool) -> Node | None:
        then_schema, else_schema = schema.get("then"), schema.get("else")
        has_then = then_schema is not None and not always_valid(then_schema)
        has_else = else_schema is not None and not always_valid(else_schema)
        if not has_then and not has_else:
            return None  # ajv ignores a lone "if", including its coercions
        condition = self.node(schema["if"], False)
        then_node = self.node(then_schema, all_errors) if has_then else None
        else_node = self.node(else_schema, all_errors) if has_else else None

        def if_step(data: Any, ptr: str, errs: list[RawError]) -> Any:
            before = len(errs)
            data, out, split = follow(data, data, False, condition(data, ptr, errs))
            holds = len(errs) == before
            del errs[before:]
            branch, clause = (then_node, "then") if holds else (else_node, "else")
            if branch is not None:
                data, out, split = follow(data, out, split, branch(data, ptr, errs))
                if len(errs) != before:
                    errs.append(("if", ptr, schema, clause, data))
            return Split(data, out) if split else data

        return if_step

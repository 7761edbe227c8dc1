"""Golden-case conformance: run the reference's recorded cases through this runtime and compare.

A case is one JSON line: an input (``kind`` = ``mapping``, ``action``, ``batch``, ``event``,
``delete`` or ``auth``) and the ``output`` the reference produced. :func:`run_case` produces our
output in the same shape; :func:`compare` lists the differences after the recommended
normalisation (structural JSON bodies, numbers compared as numbers, form bodies compared
decoded, errors compared by message, status and code). Cases a destination (or the framework)
deliberately differs on are reported as expected divergences, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from actions.js import UNDEFINED

from .._action import Action, Delivered, Failed, prepare_each
from .._clock import use_clock
from .._destination import Destination, Divergence, Subscription
from .._errors import (
    ActionsError,
    AuthenticationFailed,
    HTTPError,
    IntegrationError,
    MappingError,
    SchemaValidationError,
    SettingsValidationError,
    SubscriptionError,
)
from .._registry import Registry
from .._request import Exchange, HttpSession
from ._events import make_event
from ._harness import Reply, _require_perform_batch, _transport, record_request

__all__ = [
    "DEFAULT_NOW",
    "FRAMEWORK_DIVERGENCES",
    "CaseResult",
    "compare",
    "divergences_for",
    "load_cases",
    "run_case",
    "run_cases",
    "to_json",
    "unexplained",
]

#: The instant the golden corpus was recorded at, unless a case says otherwise.
DEFAULT_NOW = "2024-01-15T12:00:00.000Z"

#: Where this runtime deliberately differs from the reference's framework, for every destination.
FRAMEWORK_DIVERGENCES: tuple[Divergence, ...] = (
    Divergence(
        name="invalid-filters-rejected",
        reason=(
            "An invalid subscription filter is reported ('Invalid subscription : ...', and by actions run "
            "as a configuration error before any event is read); the reference parses 'type = ' into a "
            "filter that silently matches nothing."
        ),
        cases=("event/invalid-fql",),
        differences=(r'results\[0\]\.output: got "Invalid subscription : .*", expected "not subscribed"',),
    ),
    Divergence(
        name="null-context-delivered",
        reason=(
            "An event whose context is null is delivered like an event without context; the reference's "
            "framework throws a TypeError reading context.personas and sends nothing, for every action."
        ),
        cases=("*",),
        when=r"error: none raised \(expected .*Cannot destructure property 'personas'.*\)",
    ),
)

Status = Literal["pass", "fail", "divergent", "unsupported"]


@dataclass(frozen=True)
class CaseResult:
    """How one case went: ``pass``, ``fail``, ``divergent`` (documented) or ``unsupported``."""

    id: str
    kind: str
    status: Status
    output: dict[str, Any]
    differences: tuple[str, ...] = ()
    reason: str = ""


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """Read a ``.jsonl`` case file (split on ``\\n`` only: strings may contain U+2028)."""
    text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


# --- producing our output ---------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """Our value as JSON carries it: undefined array items and NaN/Infinity become null."""
    if value is UNDEFINED:
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return 0 if value == 0 else value
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if v is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def error_output(error: BaseException) -> dict[str, Any]:
    """An exception in the reference's error shape (``name``, ``message``, ...)."""
    if isinstance(error, SchemaValidationError | SettingsValidationError):
        return {
            "name": "AggregateAjvError",
            "message": str(error),
            "status": 400,
            "errors": [{"path": e.path, "pointer": e.pointer, "message": e.message} for e in error.errors],
        }
    if isinstance(error, MappingError):
        out: dict[str, Any] = {"name": error.kind, "message": str(error)}
        if error.kind == "AggregateError":
            out["errors"] = list(error.messages)
        return out
    if isinstance(error, HTTPError):
        return {"name": "HTTPError", "message": error.message, "response_status": error.status}
    if isinstance(error, AuthenticationFailed):
        return {"name": "Error", "message": str(error)}
    if isinstance(error, IntegrationError):
        out = {"name": "IntegrationError", "message": error.message, "code": error.code}
        if error.status is not None:
            out["status"] = error.status
        return out
    if isinstance(error, ActionsError):
        return {"name": type(error).__name__, "message": str(error)}
    return {"name": f"Internal{type(error).__name__}", "message": f"{type(error).__name__}: {error}"}


def _message(error: IntegrationError) -> str:
    return error.message or str(error)


def _replies(case: Mapping[str, Any]) -> list[Reply]:
    raw = case.get("responses") or [{"status": 200, "body": {"code": 200}}]
    return [Reply(r.get("status", 200), r.get("body", {}), r.get("headers") or {}) for r in raw]


class _Recorder:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def requests(self) -> list[dict[str, Any]]:
        return [record_request(e.request).to_dict() for e in self.exchanges]


def _event(case: Mapping[str, Any], output_key: str = "effective_event") -> dict[str, Any]:
    golden = case.get("output", {})
    if output_key in golden:
        return dict(golden[output_key])
    raw = case.get("event") or {}
    return dict(raw) if case.get("rawEvent") else make_event(raw)


def _events(case: Mapping[str, Any]) -> list[dict[str, Any]]:
    golden = case.get("output", {})
    if "effective_events" in golden:
        return [dict(e) for e in golden["effective_events"]]
    return [
        dict(e) if case.get("rawEvent") else make_event(e) for e in case.get("events") or [{"type": "track"}]
    ]


def _mapping(destination: Destination, case: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    action_key = case.get("action")
    base: dict[str, Any] = {}
    if case.get("preset"):
        preset = destination.preset(case["preset"])
        action_key = action_key or preset.action
        base = destination.preset_mapping(preset)
    if action_key is None:
        raise ValueError("case names neither an action nor a preset")
    if case.get("useDefaultMappings"):
        base = {**destination.action(action_key).default_mapping, **base}
    return action_key, {**base, **(case.get("mapping") or {})}


@dataclass(frozen=True)
class _Recording:
    session: HttpSession
    payloads: list[Any]
    recorder: _Recorder


@contextlib.asynccontextmanager
async def _recording(case: Mapping[str, Any], out: dict[str, Any]) -> AsyncIterator[_Recording]:
    """A session answering with the case's replies; what it sent and the payloads go into ``out``.

    An error raised inside the block is the case's error (``out["error"]``), not the runner's.
    """
    recorder = _Recorder()
    payloads: list[Any] = []
    try:
        async with HttpSession(transport=_transport(_replies(case)), on_exchange=recorder) as session:
            yield _Recording(session, payloads, recorder)
    except Exception as exc:
        out["error"] = error_output(exc)
    out["payloads"] = to_json(payloads)
    out["requests"] = recorder.requests()


async def _action_case(destination: Destination, case: Mapping[str, Any], out: dict[str, Any]) -> None:
    async with _recording(case, out) as recording:
        action_key, mapping = _mapping(destination, case)
        action = destination.action(action_key)
        settings = destination.unchecked_settings(case.get("settings") or {})
        session, payloads = recording.session, recording.payloads
        if case["kind"] == "batch":
            await _batch(destination, action, case, mapping, settings, session, payloads, out)
        else:
            event = _event(case)
            payload = action.prepare(event, mapping)
            payloads.append(payload)
            await destination.perform(action, payload, settings, session, event=event, mapping=mapping)


async def _batch(
    destination: Destination,
    action: Action,
    case: Mapping[str, Any],
    mapping: dict[str, Any],
    settings: Any,
    session: HttpSession,
    payloads: list[Any],
    out: dict[str, Any],
) -> None:
    _require_perform_batch(action)
    events = _events(case)
    prepared = prepare_each(action.preparer(mapping), events)
    statuses: list[dict[str, Any] | None] = [
        {"status": 400, "errormessage": _message(item.error)} if isinstance(item, Failed) else None
        for item in prepared
    ]
    ok = [item for item in prepared if not isinstance(item, Failed)]
    payloads.extend(ok)
    results = iter(
        await destination.perform_batch(action, ok, settings, session, events=events, mapping=mapping)
    )
    multistatus = []
    for status in statuses:
        if status is not None:
            multistatus.append(status)
            continue
        result = next(results)
        if isinstance(result, Delivered):
            multistatus.append({"status": result.status})
        else:
            assert isinstance(result, Failed)
            multistatus.append({"status": result.error.status, "errormessage": result.error.message})
    out["multistatus"] = multistatus


def _subscriptions(destination: Destination, case: Mapping[str, Any]) -> list[Subscription]:
    subs = []
    for item in case.get("subscriptions") or []:
        if "preset" in item:
            preset = destination.preset(item["preset"])
            subs.append(
                Subscription(
                    subscribe=preset.subscribe,
                    action=preset.action,
                    mapping=destination.preset_mapping(preset),
                )
            )
        else:
            subs.append(Subscription.model_validate(item))
    return subs


async def _event_case(destination: Destination, case: Mapping[str, Any], out: dict[str, Any]) -> None:
    """The whole pipeline: settings validation, subscriptions, mapping, then perform (or perform_batch
    when the case gives ``events``, as the reference's ``onBatch``)."""
    from .._subscriptions import parse_filter

    results: list[dict[str, Any]] = []
    batch = "events" in case or "effective_events" in case.get("output", {})
    async with _recording(case, out) as recording:
        session, payloads = recording.session, recording.payloads
        settings = destination.validate_settings(case.get("settings") or {})
        events = _events(case) if batch else [_event(case)]
        for sub in _subscriptions(destination, case):
            try:
                matcher = parse_filter(sub.subscribe)
            except SubscriptionError as exc:
                results.append({"output": f"Invalid subscription : {exc}"})
                continue
            matching = [e for e in events if matcher.matches(e)]
            if not matching:
                results.append({"output": "not subscribed"})
                continue
            if sub.action not in destination.actions:
                continue  # a browser-only action (a web preset): nothing runs here, nothing is reported
            action = destination.action(sub.action)
            mapping = sub.mapping if sub.mapping is not None else action.default_mapping
            if batch:
                statuses = await _multistatus(
                    destination, action, events, matching, mapping, settings, session, payloads
                )
                results.append({"multistatus": statuses})
                continue
            payload = action.prepare(matching[0], mapping)
            payloads.append(payload)
            results.append({"output": "Mappings resolved"})
            if action.fields:
                results.append({"output": "Payload validated"})
            await destination.perform(action, payload, settings, session, event=matching[0], mapping=mapping)
            results.append({"output": "Action Executed"})
        out["results"] = results


_NOT_SUBSCRIBED = {
    "status": 400,
    "errortype": "PAYLOAD_VALIDATION_FAILED",
    "errormessage": "Payload is either invalid or does not match the subscription",
    "errorreporter": "INTEGRATIONS",
}


async def _multistatus(
    destination: Destination,
    action: Action,
    events: list[dict[str, Any]],
    matching: list[dict[str, Any]],
    mapping: dict[str, Any],
    settings: Any,
    session: HttpSession,
    payloads: list[Any],
) -> list[dict[str, Any]]:
    """One multistatus node per event, as the reference's onBatch reports them."""
    _require_perform_batch(action)
    nodes: dict[int, dict[str, Any]] = {}
    ready: list[tuple[int, Any]] = []
    chosen = {id(e) for e in matching}
    prepare = action.preparer(mapping)
    for index, event in enumerate(events):
        if id(event) not in chosen:
            nodes[index] = dict(_NOT_SUBSCRIBED)
            continue
        (item,) = prepare_each(prepare, [event])
        if isinstance(item, Failed):
            nodes[index] = {
                "status": 400,
                "errortype": "PAYLOAD_VALIDATION_FAILED",
                "errormessage": _message(item.error),
                "errorreporter": "INTEGRATIONS",
            }
        else:
            ready.append((index, item))
    payloads.extend(p for _, p in ready)
    results = await destination.perform_batch(
        action,
        [p for _, p in ready],
        settings,
        session,
        events=[events[i] for i, _ in ready],
        mapping=mapping,
    )
    for (index, payload), result in zip(ready, results, strict=True):
        if isinstance(result, Delivered):
            nodes[index] = {"status": result.status, "sent": to_json(payload), "body": to_json(result.body)}
        else:
            assert isinstance(result, Failed)
            nodes[index] = {
                "status": result.error.status,
                "errortype": result.error.code,
                "errormessage": result.error.message,
                "errorreporter": "DESTINATION",
            }
    return [nodes[i] for i in range(len(events))]


async def _admin_case(destination: Destination, case: Mapping[str, Any], out: dict[str, Any]) -> None:
    async with _recording(case, out) as recording:
        settings = destination.validate_settings(case.get("settings") or {})
        if case["kind"] == "auth":
            await destination.authenticate(settings, recording.session)
            out["ok"] = True
        else:
            # onDelete receives the event as given: no test-event defaults are filled in.
            await destination.delete(dict(case.get("event") or {}), settings, recording.session)
            responses = [e.response for e in recording.recorder.exchanges if e.response is not None]
            if responses:
                out["result_status"] = responses[-1].status_code


def _mapping_case(case: Mapping[str, Any]) -> dict[str, Any]:
    from .. import mapping as mapping_kit

    golden = case.get("output", {})
    mapping = golden.get("effective_mapping", case.get("mapping"))
    payload = golden.get("effective_payload", case.get("payload", UNDEFINED))
    op = case.get("op", "transform")
    try:
        if op == "validate":
            mapping_kit.validate(mapping)
            return {"valid": True}
        if op == "transformBatch":
            return {"result": to_json(mapping_kit.transform_batch(mapping, payload))}
        result = mapping_kit.transform(mapping, payload)
    except Exception as exc:
        return {"error": error_output(exc)}
    if result is UNDEFINED:
        return {"undefined": True}
    return {"result": to_json(result)}


def run_case(case: Mapping[str, Any], registry: Registry | None = None) -> dict[str, Any] | None:
    """Our output for ``case``, or ``None`` if this runner does not support its kind."""
    kind = case.get("kind")
    with use_clock(case.get("now", DEFAULT_NOW)):
        if kind == "mapping":
            return _mapping_case(case)
        if kind not in {"action", "batch", "event", "delete", "auth"}:
            return None
        if registry is None:
            from .._registry import get_registry

            registry = get_registry()
        out: dict[str, Any] = {}
        try:
            destination = registry.destination(case["destination"])
        except ActionsError as exc:
            return {"error": error_output(exc), "payloads": [], "requests": []}
        runner: Callable[[Destination, Mapping[str, Any], dict[str, Any]], Any]
        if kind in {"action", "batch"}:
            runner = _action_case
        elif kind == "event":
            runner = _event_case
        else:
            runner = _admin_case
        asyncio.run(runner(destination, case, out))
        return out


# --- comparing ----------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Structural equality with JavaScript number semantics (``1999 == 1999.0``; bools are not numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _diff_dict(prefix: str, ours: Any, theirs: Any, out: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours:
                out.append(f"{prefix}.{key}: missing (expected {_short(theirs[key])})")
            elif key not in theirs:
                out.append(f"{prefix}.{key}: unexpected {_short(ours[key])}")
            else:
                _diff_dict(f"{prefix}.{key}", ours[key], theirs[key], out)
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (x, y) in enumerate(zip(ours, theirs, strict=True)):
            _diff_dict(f"{prefix}[{i}]", x, y, out)
    elif not _same(ours, theirs):
        out.append(f"{prefix}: got {_short(ours)}, expected {_short(theirs)}")


def _compare_error(ours: Mapping[str, Any] | None, theirs: Mapping[str, Any] | None, out: list[str]) -> None:
    if theirs is None and ours is None:
        return
    if theirs is None:
        out.append(f"error: unexpected {_short(ours)}")
        return
    if ours is None:
        out.append(f"error: none raised (expected {_short(theirs)})")
        return
    for key in ("status", "code", "response_status"):
        if key in theirs and not _same(ours.get(key), theirs[key]):
            out.append(f"error.{key}: got {_short(ours.get(key))}, expected {_short(theirs[key])}")
    golden_errors = theirs.get("errors")
    if isinstance(golden_errors, list) and golden_errors:
        expected = [e["message"] if isinstance(e, dict) else e for e in golden_errors]
        got = ours.get("errors")
        got_messages = (
            [e["message"] if isinstance(e, dict) else e for e in got]
            if isinstance(got, list)
            else [ours.get("message")]
        )
        if got_messages != expected:
            out.append(f"error.errors: got {_short(got_messages)}, expected {_short(expected)}")
    elif ours.get("message") != theirs.get("message"):
        out.append(
            f"error.message: got {_short(ours.get('message'))}, expected {_short(theirs.get('message'))}"
        )


def _compare_requests(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], out: list[str]) -> None:
    if len(ours) != len(theirs):
        out.append(f"requests: got {len(ours)}, expected {len(theirs)}")
    for i, (mine, golden) in enumerate(zip(ours, theirs, strict=False)):
        where = f"requests[{i}]"
        for key in ("method", "url"):
            if mine.get(key) != golden.get(key):
                out.append(f"{where}.{key}: got {_short(mine.get(key))}, expected {_short(golden.get(key))}")
        _diff_dict(f"{where}.headers", mine.get("headers", {}), golden.get("headers", {}), out)
        if "form_decoded" in golden:
            _diff_dict(f"{where}.form", mine.get("form_decoded"), golden["form_decoded"], out)
        elif isinstance(golden.get("body"), dict | list):
            _diff_dict(f"{where}.body", mine.get("body"), golden["body"], out)
        elif mine.get("body_raw") != golden.get("body_raw"):
            out.append(
                f"{where}.body: got {_short(mine.get('body_raw'))}, expected {_short(golden.get('body_raw'))}"
            )


def compare(case: Mapping[str, Any], ours: Mapping[str, Any]) -> list[str]:
    """Differences between our output and the case's golden output (empty when they agree)."""
    golden = case.get("output", {})
    out: list[str] = []
    if case.get("kind") == "mapping":
        for key in ("result", "undefined", "valid"):
            if key in golden or key in ours:
                _diff_dict(key, ours.get(key), golden.get(key), out)
        _compare_error(ours.get("error"), golden.get("error"), out)
        mine, theirs = ours.get("error"), golden.get("error")
        if mine and theirs and mine.get("name") != theirs.get("name"):
            out.append(f"error.name: got {_short(mine.get('name'))}, expected {_short(theirs.get('name'))}")
        return out
    _compare_error(ours.get("error"), golden.get("error"), out)
    _compare_requests(list(ours.get("requests", [])), list(golden.get("requests", [])), out)
    if "payloads" in golden:
        _diff_dict("payloads", ours.get("payloads", []), golden["payloads"], out)
    for key in ("results", "ok", "result_status", "multistatus"):
        if key in golden:
            _diff_dict(key, ours.get(key), golden[key], out)
    return out


# --- running many -------------------------------------------------------------------------------


def divergences_for(
    case: Mapping[str, Any], registry: Registry | None, differences: Sequence[str] = ()
) -> list[Divergence]:
    """Documented divergences that apply to this case and its ``differences`` (framework, mapping
    or destination)."""
    known = list(FRAMEWORK_DIVERGENCES)
    if case.get("kind") != "mapping" and registry is not None and case.get("destination"):
        with contextlib.suppress(ActionsError):
            known.extend(registry.destination(case["destination"]).known_divergences)
    case_id = str(case.get("id"))
    return [d for d in known if d.applies_to(case_id, differences)]


def unexplained(differences: Iterable[str], divergences: Iterable[Divergence]) -> list[str]:
    """The comparison lines that none of ``divergences`` explains."""
    candidates = list(divergences)
    return [line for line in differences if not any(d.explains(line) for d in candidates)]


def run_cases(cases: Iterable[Mapping[str, Any]], registry: Registry | None = None) -> Iterator[CaseResult]:
    """Run and compare every case.

    A case with differences is ``divergent`` only if every difference is explained by a
    documented :class:`~actions.Divergence` that applies to it; otherwise it is ``fail`` and its
    ``differences`` start with the unexplained lines.
    """
    if registry is None:
        from .._registry import get_registry

        registry = get_registry()
    for case in cases:
        case_id = str(case.get("id"))
        kind = str(case.get("kind"))
        ours = run_case(case, registry)
        if ours is None:
            yield CaseResult(
                case_id, kind, "unsupported", {}, reason=f"kind {kind!r} is not run by this runner"
            )
            continue
        differences = compare(case, ours)
        if not differences:
            yield CaseResult(case_id, kind, "pass", ours)
            continue
        applicable = divergences_for(case, registry, differences)
        left = unexplained(differences, applicable)
        if not left:
            used = [d for d in applicable if any(d.explains(line) for line in differences)]
            reason = " ".join(f"[{d.name}] {d.reason}" for d in used)
            yield CaseResult(case_id, kind, "divergent", ours, tuple(differences), reason)
        else:
            rest = [line for line in differences if line not in left]
            yield CaseResult(case_id, kind, "fail", ours, (*left, *rest))

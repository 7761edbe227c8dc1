"""The test harness: run an action, a batch, an authentication check or a deletion with no network.

Every request is answered by a mock transport (canned replies, a handler, or an emulator's
transport) and recorded, so a test asserts on exactly what would have been sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from .._action import Action, Failed, ItemResult, Payload, check_mapping_keys, item_failure, prepare_each
from .._destination import Destination
from .._errors import IntegrationError
from .._request import Exchange, HttpSession

__all__ = [
    "ActionRun",
    "RecordedRequest",
    "Reply",
    "check_authentication",
    "record_request",
    "run_action",
    "run_batch",
    "run_delete",
]


@dataclass(frozen=True)
class Reply:
    """A canned HTTP response."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def to_response(self) -> httpx.Response:
        headers = dict(self.headers)
        if isinstance(self.body, str | bytes):
            return httpx.Response(self.status, content=self.body, headers=headers)
        headers.setdefault("content-type", "application/json")
        return httpx.Response(self.status, content=json.dumps(self.body).encode(), headers=headers)


@dataclass(frozen=True)
class RecordedRequest:
    """One sent request, in the views tests compare.

    ``body`` is the parsed JSON for JSON bodies, otherwise the raw text (``None`` for no body);
    form bodies also get ``form`` (key to string) and ``form_decoded`` (values that parse as
    JSON decoded).
    """

    method: str
    url: str
    headers: dict[str, str]
    body_raw: str | None
    body: Any
    form: dict[str, str] | None = None
    form_decoded: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body_raw": self.body_raw,
            "body": self.body,
        }
        if self.form is not None:
            out["form"] = self.form
            out["form_decoded"] = self.form_decoded
        return out


#: Headers kept in recordings: the ones that carry meaning (httpx adds transport details).
RECORDED_HEADERS = ("content-type", "authorization", "user-agent")


def record_request(request: httpx.Request, headers: Sequence[str] = RECORDED_HEADERS) -> RecordedRequest:
    raw = request.content.decode("utf-8", errors="surrogateescape") if request.content else None
    kept = {name: request.headers[name] for name in headers if name in request.headers}
    content_type = request.headers.get("content-type", "")
    body: Any = raw
    form = form_decoded = None
    if raw is not None and "application/json" in content_type:
        body = _maybe_json(raw)
    elif raw is not None and "x-www-form-urlencoded" in content_type:
        form = dict(parse_qsl(raw, keep_blank_values=True))
        form_decoded = {k: _maybe_json(v) for k, v in form.items()}
    return RecordedRequest(request.method, str(request.url), kept, raw, body, form, form_decoded)


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


Responder = Sequence[Reply] | Callable[[httpx.Request], httpx.Response] | httpx.AsyncBaseTransport | None


def _transport(responses: Responder) -> httpx.AsyncBaseTransport:
    if isinstance(responses, httpx.AsyncBaseTransport):
        return responses
    if callable(responses):
        return httpx.MockTransport(responses)
    replies = list(responses) if responses else [Reply()]
    served = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal served
        reply = replies[min(served, len(replies) - 1)]
        served += 1
        return reply.to_response()

    return httpx.MockTransport(handler)


@dataclass
class ActionRun:
    """What a harness call did: the requests sent, the payloads performed, the outcome."""

    requests: list[RecordedRequest] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    payloads: list[Payload] = field(default_factory=list)
    data: Any = None
    results: list[ItemResult] = field(default_factory=list)
    error: Exception | None = None

    @property
    def failure(self) -> IntegrationError | None:
        """The error as one delivered item would end with it (the engine's dead-letter code)."""
        return None if self.error is None else item_failure(self.error).error

    @property
    def request(self) -> RecordedRequest:
        """The only request (fails if there is not exactly one)."""
        assert len(self.requests) == 1, f"expected one request, got {len(self.requests)}"
        return self.requests[0]


def _session(responses: Responder, run: ActionRun, base_url: str | None) -> HttpSession:
    def on_exchange(exchange: Exchange) -> None:
        run.exchanges.append(exchange)
        run.requests.append(record_request(exchange.request))

    return HttpSession(transport=_transport(responses), on_exchange=on_exchange, base_url=base_url)


def _mapping(action: Action, mapping: Mapping[str, Any] | None, use_default_mappings: bool) -> dict[str, Any]:
    base = action.default_mapping if use_default_mappings else {}
    return {**base, **(mapping or {})}


def _settings(destination: Destination, settings: Any, validate: bool) -> Any:
    if settings is None or isinstance(settings, Mapping):
        raw = settings or {}
        return destination.validate_settings(raw) if validate else destination.unchecked_settings(raw)
    return settings


def _execute(body: Callable[[ActionRun], Awaitable[None]], raise_errors: bool) -> ActionRun:
    """Run ``body`` on a new :class:`ActionRun` that keeps the error it raises (raised again if asked)."""

    async def go() -> ActionRun:
        run = ActionRun()
        try:
            await body(run)
        except Exception as exc:
            run.error = exc
        return run

    run = asyncio.run(go())
    if raise_errors and run.error is not None:
        raise run.error
    return run


def _require_perform_batch(action: Action) -> None:
    """Refuse a batch for an action without ``perform_batch``, with the reference's error."""
    if action.perform_batch is None:
        raise IntegrationError("This action does not support batched requests.", "NotImplemented", 501)


def run_action(
    destination: Destination,
    action: str,
    *,
    event: Mapping[str, Any],
    mapping: Mapping[str, Any] | None = None,
    settings: Any = None,
    use_default_mappings: bool = False,
    validate_settings: bool = False,
    responses: Responder = None,
    base_url: str | None = None,
    raise_errors: bool = True,
) -> ActionRun:
    """Run one event through one action, as the reference's ``testAction`` does.

    Args:
        destination: The destination under test.
        action: The action key.
        event: The event (use :func:`make_event` for a complete one).
        mapping: The mapping; merged over the field defaults if ``use_default_mappings``.
        settings: A settings object, or a mapping that is used unvalidated unless
            ``validate_settings`` (the reference's harness does not validate settings).
        responses: Canned :class:`Reply` objects (one per request, the last repeats), a function
            from ``httpx.Request`` to ``httpx.Response``, or an httpx transport (an emulator).
        base_url: Rewrite every request to this scheme, host and port.
        raise_errors: Raise the error, if any; otherwise it is in :attr:`ActionRun.error`.
    """
    definition = destination.action(action)
    effective = _mapping(definition, mapping, use_default_mappings)

    async def perform(run: ActionRun) -> None:
        check_mapping_keys(definition, effective)  # the engine refuses these too: a test should see it
        resolved_settings = _settings(destination, settings, validate_settings)
        payload = definition.prepare(event, effective)
        run.payloads.append(payload)
        async with _session(responses, run, base_url) as session:
            run.data = await destination.perform(
                definition, payload, resolved_settings, session, event=event, mapping=effective
            )

    return _execute(perform, raise_errors)


def run_batch(
    destination: Destination,
    action: str,
    *,
    events: Sequence[Mapping[str, Any]],
    mapping: Mapping[str, Any] | None = None,
    settings: Any = None,
    use_default_mappings: bool = False,
    validate_settings: bool = False,
    responses: Responder = None,
    base_url: str | None = None,
    raise_errors: bool = True,
) -> ActionRun:
    """Run events through an action's ``perform_batch``.

    Events whose payload fails to map or validate get a failed result in place (as the
    reference's multistatus does) and are not passed to ``perform_batch``. ``results`` has one
    entry per event.
    """
    definition = destination.action(action)
    effective = _mapping(definition, mapping, use_default_mappings)

    async def perform_batch(run: ActionRun) -> None:
        check_mapping_keys(definition, effective)
        resolved_settings = _settings(destination, settings, validate_settings)
        _require_perform_batch(definition)
        prepared = prepare_each(definition.preparer(effective), events)
        slots: list[ItemResult | None] = [item if isinstance(item, Failed) else None for item in prepared]
        ok_payloads = [item for item in prepared if not isinstance(item, Failed)]
        ok_events = [e for e, item in zip(events, prepared, strict=True) if not isinstance(item, Failed)]
        run.payloads = ok_payloads
        async with _session(responses, run, base_url) as session:
            results = iter(
                await destination.perform_batch(
                    definition, ok_payloads, resolved_settings, session, events=ok_events, mapping=effective
                )
            )
        run.results = [slot if slot is not None else next(results) for slot in slots]

    return _execute(perform_batch, raise_errors)


def check_authentication(
    destination: Destination,
    settings: Mapping[str, Any],
    *,
    responses: Responder = None,
    base_url: str | None = None,
    raise_errors: bool = True,
) -> ActionRun:
    """Validate ``settings`` and run the destination's authentication check."""

    async def authenticate(run: ActionRun) -> None:
        validated = destination.validate_settings(settings)
        async with _session(responses, run, base_url) as session:
            await destination.authenticate(validated, session)

    return _execute(authenticate, raise_errors)


def run_delete(
    destination: Destination,
    *,
    event: Mapping[str, Any],
    settings: Mapping[str, Any],
    responses: Responder = None,
    base_url: str | None = None,
    raise_errors: bool = True,
) -> ActionRun:
    """Validate ``settings`` and run the destination's ``on_delete`` for the user in ``event``."""

    async def delete(run: ActionRun) -> None:
        validated = destination.validate_settings(settings)
        async with _session(responses, run, base_url) as session:
            run.data = await destination.delete(event, validated, session)

    return _execute(delete, raise_errors)

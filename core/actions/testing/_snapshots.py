"""Request snapshots: what an action sent, as readable JSON with secrets redacted, stored by syrupy.

:func:`snapshot_of` turns a harness run into a :class:`RequestsSnapshot` (method, URL, headers,
parsed body; every secret setting value replaced by ``<redacted:name>``).
:class:`RequestSnapshotExtension` writes one pretty JSON file per snapshot, beside the test in
``__snapshots__/<test module>/``. The extension refuses raw runs and requests, so a snapshot
cannot be taken without going through redaction.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
from syrupy.extensions.json import JSONSnapshotExtension

from .._destination import Destination
from .._errors import HTTPError, IntegrationError
from .._redact import Redactor
from ._harness import ActionRun, RecordedRequest

if TYPE_CHECKING:
    from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData

__all__ = [
    "TRANSPORT_HEADERS",
    "RequestSnapshotExtension",
    "RequestsSnapshot",
    "request_view",
    "snapshot_of",
]

#: Headers left out of snapshots: set by the HTTP client, not by the destination.
TRANSPORT_HEADERS = frozenset({"accept", "accept-encoding", "connection", "content-length", "host"})


@dataclass(frozen=True)
class RequestsSnapshot:
    """The redacted view of every request a run made (and its error, if it failed)."""

    requests: tuple[dict[str, Any], ...]
    error: dict[str, Any] | None = field(default=None)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"requests": list(self.requests)}
        if self.error is not None:
            data["error"] = self.error
        return data


def _sorted(value: Any) -> Any:
    """JSON data with object keys sorted at every level, so key order never changes a snapshot."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _decode_form(text: str) -> dict[str, Any]:
    """Form fields by name; values that hold a JSON object or array are shown decoded."""
    decoded: dict[str, Any] = {}
    for key, raw in parse_qsl(text, keep_blank_values=True):
        value: Any = raw
        if raw[:1] in ("{", "["):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        if key in decoded:  # a repeated key keeps every value, in order
            previous = decoded[key]
            decoded[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            decoded[key] = value
    return decoded


def _body(content: bytes, content_type: str) -> tuple[str, Any] | None:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return "body", json.loads(text)
        except ValueError:
            return "text", text
    if "x-www-form-urlencoded" in content_type:
        return "form", _decode_form(text)
    return "text", text


def request_view(
    request: httpx.Request | RecordedRequest,
    *,
    redactor: Redactor | None = None,
    exclude_headers: Collection[str] = TRANSPORT_HEADERS,
) -> dict[str, Any]:
    """One request as snapshot data: ``method``, ``url``, sorted ``headers`` and the body.

    The body is ``body`` (parsed JSON), ``form`` (decoded form fields) or ``text``; it is absent
    when the request has none. Secrets known to ``redactor`` are replaced everywhere, including
    inside Basic credentials.
    """
    redact = redactor or Redactor({})
    if isinstance(request, RecordedRequest):
        method, url, headers = request.method, request.url, dict(request.headers)
        content = (request.body_raw or "").encode("utf-8", errors="surrogateescape")
    else:
        method, url = request.method, str(request.url)
        headers = {name.lower(): value for name, value in request.headers.items()}
        content = request.content
    skipped = {name.lower() for name in exclude_headers}
    view: dict[str, Any] = {
        "method": method,
        "url": redact.text(url),
        "headers": {
            name: redact.header(name, value) for name, value in sorted(headers.items()) if name not in skipped
        },
    }
    body = _body(content, headers.get("content-type", ""))
    if body is not None:
        key, value = body
        view[key] = redact.text(value) if isinstance(value, str) else _sorted(redact.data(value))
    return view


def _error_view(error: BaseException, redact: Redactor) -> dict[str, Any]:
    view: dict[str, Any] = {"type": type(error).__name__}
    if isinstance(error, HTTPError):
        view["status"] = error.status
    elif isinstance(error, IntegrationError):
        view["code"] = error.code
        if error.status is not None:
            view["status"] = error.status
    view["message"] = redact.text(str(error))
    return view


def snapshot_of(
    run: ActionRun | Sequence[httpx.Request | RecordedRequest],
    *,
    destination: Destination | None = None,
    settings: Any = None,
    redactor: Redactor | None = None,
    exclude_headers: Collection[str] = TRANSPORT_HEADERS,
) -> RequestsSnapshot:
    """The redacted snapshot of a harness run (or of a list of requests).

    Secrets come from ``redactor``, or from ``destination.redactor(settings)``. Pass the same
    settings the run used: its secret settings' values are what is replaced.

    Example::

        run = run_action(destination, "send", event=make_event(), settings=settings)
        assert snapshot_of(run, destination=destination, settings=settings) == request_snapshot
    """
    if redactor is None:
        redactor = destination.redactor(settings) if destination is not None else Redactor({})
    if isinstance(run, ActionRun):
        # Exchanges keep the full httpx request (every header); recorded requests keep three.
        sent: Sequence[httpx.Request | RecordedRequest] = [e.request for e in run.exchanges] or run.requests
        error = _error_view(run.error, redactor) if run.error is not None else None
    else:
        sent, error = run, None
    views = tuple(request_view(r, redactor=redactor, exclude_headers=exclude_headers) for r in sent)
    return RequestsSnapshot(views, error)


class RequestSnapshotExtension(JSONSnapshotExtension):
    """Writes a :class:`RequestsSnapshot` (or plain JSON data) as one pretty, diff-friendly JSON file.

    Use it through the ``request_snapshot`` fixture, or ``snapshot.use_extension(RequestSnapshotExtension)``.
    """

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        if isinstance(data, ActionRun | RecordedRequest | httpx.Request):
            raise TypeError(
                "request snapshots take redacted data: compare "
                "snapshot_of(run, destination=destination, settings=settings) instead of the run itself"
            )
        if isinstance(data, RequestsSnapshot):
            data = _in_reading_order(data)
        # syrupy always passes a matcher (its own wrapper), so filtering always runs.
        data = self._filter(data=data, depth=0, path=(), exclude=exclude, include=include, matcher=matcher)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _in_reading_order(snapshot: RequestsSnapshot) -> OrderedDict[str, Any]:
    """The snapshot data with its envelope keys in reading order (syrupy sorts plain dicts)."""
    data: OrderedDict[str, Any] = OrderedDict(requests=[OrderedDict(view) for view in snapshot.requests])
    if snapshot.error is not None:
        data["error"] = OrderedDict(snapshot.error)
    return data

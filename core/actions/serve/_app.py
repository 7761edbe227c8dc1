"""The tracking API as a pure ASGI app: Segment's paths, auth, bodies, limits and answers.

Every answer is JSON. ``200 {"success": true}`` is sent only once the queue's ``put`` returned
(the events are durable): analytics-python up to 2.3 counts nothing else as success and would
resend, duplicating. A client's mistake is a 4xx naming what is wrong; 5xx only when the queue
itself fails. The write key authenticates and picks the source; it is never logged, put in a
metric or echoed in an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from .._clock import get_clock
from ..delivery._loads import loads
from ..queues import Queue, QueueFull
from ._body import BodyError, ClientGone, read_body
from ._ingest import MAX_EVENT_BYTES, Ingested, RequestRejected, ingest
from ._metrics import Metrics
from ._sdk_settings import sdk_settings

__all__ = ["IngestApp", "IngestLimits", "IngestSource"]

log = logging.getLogger("actions.serve")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_SINGLE: Final = {"track", "identify", "page", "screen", "group", "alias"}
# analytics.js 2.0 sends each event to the first letter of its type.
_SHORT: Final = {kind[0]: kind for kind in _SINGLE}
# Jitsu's extra spellings cost nothing and rescue clients whose host carries a wrong suffix.
_BATCH_PATHS: Final = {"/v1/batch", "/v1/b", "/v1/import", "/b", "/batch", "/v1/batch/b"}
_SUCCESS: Final = b'{"success": true}'
_CORS_DEFAULT_HEADERS: Final = b"Content-Type, Authorization, X-Retry-Count"


@dataclass(frozen=True)
class IngestSource:
    """A source as the gateway sees it: its name (in metrics and stored events) and where it feeds.

    ``amplitude`` says an Amplitude destination is among ``destinations``: the settings endpoint
    then lists ``"Actions Amplitude"`` so the mobile SDKs' session plugins turn on.
    """

    name: str
    destinations: tuple[str, ...]
    amplitude: bool = False


@dataclass(frozen=True)
class IngestLimits:
    """Segment's limits by default; ``read_timeout_s`` bounds how long a body may take to arrive."""

    max_event_bytes: int = MAX_EVENT_BYTES
    max_request_bytes: int = 500 << 10
    max_batch_events: int = 2500
    read_timeout_s: float = 10.0


class _Refused(Exception):
    """A request answered with an error: ``reason`` is the code, also the metric's label."""

    def __init__(
        self, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []


class IngestApp:
    """The ASGI app: ``sources`` maps each write key to its :class:`IngestSource`.

    Accepted events go to ``queue`` with one ``put`` per request; ``metrics`` receives the
    ingestion series (``actions_requests_total``, ``actions_events_received_total``, ...).
    ``api_host`` is what the settings endpoint tells SDKs to send to (``host[:port]/v1``; by
    default the request's ``Host``). ``max_pending`` is the queue's bound, for ``/ready``.
    """

    def __init__(
        self,
        sources: Mapping[str, IngestSource],
        queue: Queue,
        metrics: Metrics,
        *,
        limits: IngestLimits = IngestLimits(),
        api_host: str | None = None,
        max_pending: int | None = None,
    ) -> None:
        for key, source in sources.items():
            if not key:
                raise ValueError(f"source {source.name!r} has an empty write key")
        # Keys are compared as SHA-256 digests: equal lengths, so compare_digest leaks nothing.
        self._keys = [(_digest(key), source) for key, source in sources.items()]
        self._queue = queue
        self._metrics = metrics
        self._limits = limits
        self._api_host = api_host
        self._max_pending = max_pending
        self._stopping = False
        self._requests = metrics.counter(
            "actions_requests_total", "HTTP requests answered, by source and status.", ["source", "status"]
        )
        self._refusals = metrics.counter(
            "actions_requests_rejected_total", "Requests refused as a whole, by reason.", ["source", "reason"]
        )
        self._received = metrics.counter(
            "actions_events_received_total", "Events read from request bodies.", ["source"]
        )
        self._rejected = metrics.counter(
            "actions_events_rejected_total", "Events not stored, by reason.", ["source", "reason"]
        )
        self._duplicates = metrics.counter(
            "actions_events_duplicate_total",
            "Events accepted but not stored again: a messageId the source sent already.",
            ["source"],
        )
        self._latency = metrics.histogram(
            "actions_request_duration_seconds", "Time from request to answer, ingestion paths.", ["source"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if len(path) > 1:
            path = path.rstrip("/")
        method: str = scope["method"]
        headers = _headers(scope)
        cors = _cors(headers)
        if method == "OPTIONS":
            await self._preflight(send, headers, cors)
        elif path in _BATCH_PATHS or _single_type(path) is not None:
            if method != "POST":
                await _answer(
                    send, 405, _error("method_not_allowed", f"{path} takes POST"), cors, b"POST, OPTIONS"
                )
            else:
                await self._ingest(scope, receive, send, headers, cors, _single_type(path))
        elif path.startswith("/v1/projects/") and path.endswith("/settings"):
            await self._get_only(method, path, send, cors, lambda: self._settings(path, headers))
        elif path == "/health":
            await self._get_only(method, path, send, cors, _health)
        elif path == "/ready":
            await self._get_only(method, path, send, cors, self._ready)
        elif path == "/metrics":
            await self._get_only(method, path, send, cors, self._scrape)
        else:
            await _answer(send, 404, _error("not_found", f"no such path: {path}"), cors)

    # -- ingestion --------------------------------------------------------------------------

    async def _ingest(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: Mapping[bytes, bytes],
        cors: list[tuple[bytes, bytes]],
        event_type: str | None,
    ) -> None:
        started = time.perf_counter()
        source: IngestSource | None = None
        try:
            source = self._basic_auth(headers.get(b"authorization"))
            body = await self._read(receive, headers)
            if source is None:
                source = self._body_auth(body)
            client = scope.get("client")
            ingested = self._unpack(body, event_type, source, client[0] if client else None)
            status, answer, extra = await self._store(source, ingested, batch=event_type is None)
        except _Refused as refused:
            name = source.name if source is not None else ""
            self._refusals.labels(source=name, reason=refused.code).inc()
            status, answer, extra = refused.status, _error(refused.code, refused.message), refused.headers
        except ClientGone:
            return
        name = source.name if source is not None else ""
        self._requests.labels(source=name, status=str(status)).inc()
        await _answer(send, status, answer, cors + extra)
        self._latency.labels(source=name).observe(time.perf_counter() - started)

    def _basic_auth(self, authorization: bytes | None) -> IngestSource | None:
        """The source named by HTTP Basic (user = write key); ``None`` when the request has no Basic."""
        if authorization is None:
            return None
        scheme, _, credentials = authorization.partition(b" ")
        if scheme.lower() != b"basic":
            return None  # Bearer: an OAuth token this server cannot check; the body's key decides
        try:
            user = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            raise _Refused(401, "unauthorized", "malformed Basic authorization header") from None
        if not user:
            return None
        return self._find(user)

    def _body_auth(self, body: Any) -> IngestSource:
        key = body.get("writeKey") if isinstance(body, dict) else None
        if not isinstance(key, str) or not key:
            raise _Refused(
                401, "unauthorized", "no write key: send it as the Basic auth user or as writeKey in the body"
            )
        return self._find(key)

    def _find(self, key: str) -> IngestSource:
        digest = _digest(key)
        found = None
        for known, source in self._keys:  # no early exit: the time taken names no key
            if hmac.compare_digest(known, digest):
                found = source
        if found is None:
            raise _Refused(401, "unauthorized", "unknown write key")
        return found

    async def _read(self, receive: Receive, headers: Mapping[bytes, bytes]) -> Any:
        content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        if content_type not in (b"application/json", b"text/plain"):
            shown = content_type.decode("latin-1")[:60] or "missing"
            raise _Refused(
                415,
                "unsupported_media_type",
                f"Content-Type must be application/json or text/plain, not {shown}",
            )
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"gzip", b"identity", b""):
            shown = encoding.decode("latin-1")[:40]
            raise _Refused(
                415, "unsupported_media_type", f"Content-Encoding must be gzip or identity, not {shown}"
            )
        length_header = headers.get(b"content-length")
        content_length = None
        if length_header is not None:
            if not length_header.strip().isdigit():
                raise _Refused(400, "invalid_request", "Content-Length is not a number")
            content_length = int(length_header)
        try:
            body = await read_body(
                receive,
                content_length=content_length,
                gzipped=encoding == b"gzip",
                max_bytes=self._limits.max_request_bytes,
                timeout_s=self._limits.read_timeout_s,
            )
        except BodyError as error:
            raise _Refused(error.status, error.code, error.message) from None
        try:
            return loads(body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            raise _Refused(400, "invalid_request", f"malformed JSON: {error}") from None

    def _unpack(self, body: Any, event_type: str | None, source: IngestSource, ip: str | None) -> Ingested:
        try:
            ingested = ingest(
                body,
                event_type=event_type,
                received_ms=get_clock().now_ms(),
                client_ip=ip,
                source=source.name,
                destinations=source.destinations,
                max_batch_events=self._limits.max_batch_events,
                max_event_bytes=self._limits.max_event_bytes,
            )
        except RequestRejected as rejected:
            raise _Refused(400, rejected.code, rejected.message) from None
        self._received.labels(source=source.name).inc(len(ingested.accepted) + len(ingested.rejected))
        for rejection in ingested.rejected:
            self._rejected.labels(source=source.name, reason=rejection.code).inc()
        return ingested

    async def _store(
        self, source: IngestSource, ingested: Ingested, *, batch: bool
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        rejected = [
            {"index": rejection.index, "code": rejection.code, "message": rejection.message}
            for rejection in ingested.rejected
        ]
        if not ingested.accepted and rejected:
            first = ingested.rejected[0]
            message = first.message if len(rejected) == 1 else f"all {len(rejected)} events were rejected"
            return 400, _error(first.code, message, rejected if batch else None), []
        if ingested.accepted:
            try:
                stored = await self._queue.put(ingested.accepted)
            except QueueFull as full:
                self._rejected.labels(source=source.name, reason="queue_full").inc(len(ingested.accepted))
                retry_after = str(max(1, int(full.retry_after))).encode()
                message = f"the queue is full, retry after {retry_after.decode()} s"
                raise _Refused(429, "queue_full", message, [(b"retry-after", retry_after)]) from None
            except Exception:
                # The queue's own failure: 503 (clients retry it). The log names the error, not the events.
                log.exception("queue put failed for source %s", source.name)
                self._rejected.labels(source=source.name, reason="unavailable").inc(len(ingested.accepted))
                raise _Refused(503, "unavailable", "the queue cannot store events right now") from None
            duplicates = len(stored) - sum(stored)
            if duplicates:
                self._duplicates.labels(source=source.name).inc(duplicates)
        if rejected:
            # Clients look only at the status: 200 keeps them from resending the stored events,
            # and the list tells a reader which ones were refused.
            return 200, orjson.dumps({"success": True, "rejected": rejected}), []
        return 200, _SUCCESS, []

    # -- everything else --------------------------------------------------------------------

    async def _preflight(
        self, send: Send, headers: Mapping[bytes, bytes], cors: list[tuple[bytes, bytes]]
    ) -> None:
        allow = [
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (
                b"access-control-allow-headers",
                headers.get(b"access-control-request-headers", _CORS_DEFAULT_HEADERS),
            ),
            (b"access-control-max-age", b"900"),
        ]
        await _send(send, 204, b"", [*cors, *allow, (b"allow", b"GET, POST, OPTIONS")], content_type=None)

    async def _get_only(
        self,
        method: str,
        path: str,
        send: Send,
        cors: list[tuple[bytes, bytes]],
        answer: Callable[[], Awaitable[tuple[int, bytes, bytes]]],
    ) -> None:
        if method != "GET":
            await _answer(send, 405, _error("method_not_allowed", f"{path} takes GET"), cors, b"GET, OPTIONS")
            return
        status, body, content_type = await answer()
        await _send(send, status, body, cors, content_type=content_type)

    async def _settings(self, path: str, headers: Mapping[bytes, bytes]) -> tuple[int, bytes, bytes]:
        key = path.removeprefix("/v1/projects/").removesuffix("/settings")
        try:
            source = self._find(key) if key and "/" not in key else None
        except _Refused:
            source = None
        if source is None:
            return 404, _error("not_found", "no source has this write key"), _JSON
        api_host = self._api_host or headers.get(b"host", b"localhost").decode("latin-1") + "/v1"
        return 200, orjson.dumps(sdk_settings(key, api_host, amplitude=source.amplitude)), _JSON

    async def _ready(self) -> tuple[int, bytes, bytes]:
        if self._stopping:
            return 503, orjson.dumps({"ready": False, "reason": "shutting down"}), _JSON
        try:
            stats = await self._queue.stats()
        except Exception:
            log.exception("queue stats failed")
            return 503, orjson.dumps({"ready": False, "reason": "the queue is not available"}), _JSON
        if self._max_pending is not None:
            for destination, states in stats.states.items():
                if states.get("pending", 0) >= self._max_pending:
                    reason = f"the queue is full for destination {destination}"
                    return 503, orjson.dumps({"ready": False, "reason": reason}), _JSON
        return 200, orjson.dumps({"ready": True}), _JSON

    async def _scrape(self) -> tuple[int, bytes, bytes]:
        return 200, (await self._metrics.scrape()).encode(), b"text/plain; version=0.0.4; charset=utf-8"

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._stopping = True
                await send({"type": "lifespan.shutdown.complete"})
                return


_JSON: Final = b"application/json"


async def _health() -> tuple[int, bytes, bytes]:
    return 200, b'{"status": "ok"}', _JSON


def _single_type(path: str) -> str | None:
    """The event type a single-event path implies: ``/v1/track`` and ``/v1/t`` are ``track``."""
    name = path.removeprefix("/v1/")
    if name == path:
        return None
    return name if name in _SINGLE else _SHORT.get(name)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


def _cors(headers: Mapping[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    """CORS answer headers: any origin, with credentials (so the origin is echoed, never ``*``)."""
    origin = headers.get(b"origin")
    if origin is None:
        return []
    return [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]


def _error(code: str, message: str, rejected: list[dict[str, Any]] | None = None) -> bytes:
    answer: dict[str, Any] = {"success": False, "code": code, "message": message}
    if rejected is not None:
        answer["rejected"] = rejected
    return orjson.dumps(answer)


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], allow: bytes | None = None
) -> None:
    extra = [(b"allow", allow)] if allow is not None else []
    await _send(send, status, body, [*headers, *extra], content_type=_JSON)


async def _send(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], *, content_type: bytes | None
) -> None:
    all_headers = [*headers, (b"content-length", str(len(body)).encode())]
    if content_type is not None:
        all_headers.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})

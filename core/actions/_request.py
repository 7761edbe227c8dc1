"""The request client actions use to talk to vendor APIs: httpx underneath, everything injectable.

An :class:`HttpSession` owns one ``httpx.AsyncClient`` (connection pool, transport, timeout,
base-URL rewrite, exchange recording) for a whole run. Each action invocation gets a
:class:`RequestClient`: the session plus the destination's per-request defaults (auth, headers)
from ``extend_request``. Tests, dry runs and emulators swap the transport; nothing is patched.
"""

from __future__ import annotations

import asyncio
import base64
import json as _json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict
from urllib.parse import quote_plus

import httpx

from actions.js import json_stringify, to_string, to_well_formed

from ._errors import HTTPError, NetworkError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "REFUSED_ANSWER_CODES",
    "Exchange",
    "HttpSession",
    "RequestClient",
    "RequestOptions",
    "encode_form",
    "response_data",
]

#: Seconds before a request is abandoned (the reference's 10 s).
DEFAULT_TIMEOUT: Final = 10.0
#: Most bytes of a response body read (decoded): vendor answers are small, and a runaway or
#: hostile server must not fill memory. More is a failed response (see :meth:`HttpSession.send`).
DEFAULT_MAX_RESPONSE_BYTES: Final = 1024 * 1024
#: Codes of the :class:`~actions.NetworkError` raised for an answer that came but is not used (a
#: redirect, an oversized body): the server did answer, so it is reachable.
REFUSED_ANSWER_CODES: Final = frozenset({"REDIRECT", "RESPONSE_TOO_LARGE"})
#: Sent on every request unless a destination overrides it. Kept identical to the reference's so
#: vendor APIs that recognise Segment's integrations treat our requests the same way.
DEFAULT_USER_AGENT: Final = "Segment (Actions)"
FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded;charset=UTF-8"


class RequestOptions(TypedDict, total=False):
    """Defaults a destination applies to every request (returned by ``extend_request``)."""

    headers: Mapping[str, str]
    auth: tuple[str, str]
    params: Mapping[str, str | int | float | bool]
    timeout: float


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: a response, or the error that replaced it."""

    request: httpx.Request
    response: httpx.Response | None
    error: Exception | None = None


class _Unset:
    pass


_UNSET: Final = _Unset()


def encode_form(fields: Mapping[str, Any]) -> str:
    """Encode like ``URLSearchParams``: ``+`` for space, ``*-._`` kept, the rest percent-encoded.

    ``None`` values are left out: the reference would send the literal text ``undefined``.
    """
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else to_string(value)
        parts.append(_form_quote(key) + "=" + _form_quote(text))
    return "&".join(parts)


def _form_quote(text: str) -> str:
    # quote_plus keeps "~" (URLSearchParams encodes it) and encodes "*" (which it keeps).
    return quote_plus(to_well_formed(text), safe="*").replace("~", "%7E")


def response_data(response: httpx.Response) -> Any:
    """The body as the reference exposes it: parsed JSON for JSON responses, else the text."""
    text = response.text
    if "application/json" in response.headers.get("content-type", ""):
        try:
            return _json.loads(text)
        except ValueError:
            return None
    return text


def base_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a base URL (``http(s)://host[:port][/path]``), or ``None``.

    Checked when a run starts: a URL without a scheme or host would otherwise fail every request
    as a network error, retried for minutes before anything is dead-lettered.
    """
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        return f"it is not a URL: {exc}"
    if parsed.scheme not in {"http", "https"}:
        return "it must start with http:// or https://"
    if not parsed.host:
        return "it names no host"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is not between 1 and 65535"
    return None


class _DeferredTransport(httpx.AsyncBaseTransport):
    """httpx's network transport, built at the first request with the options httpx chose for it.

    Building it imports httpcore and loads the CA bundle into an SSL context (about 40 ms), which
    a run that sends nothing (an empty input, a dry run) would waste.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._inner: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self._inner
        if inner is None:
            inner = self._inner = httpx.AsyncHTTPTransport(**self._options)
        return await inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


class _Client(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose own network transport is a :class:`_DeferredTransport`.

    Everything that can fail is still built when the client is: the proxies read from the
    environment and, when ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` names the CA certificates, the SSL
    context loaded from them (a missing or unreadable file is found at the start of a run). The CA
    bundle httpx ships with cannot fail to load: only then does the context wait too.
    """

    def _init_transport(self, *args: Any, **options: Any) -> httpx.AsyncBaseTransport:
        usual = options.get("verify", True) is True and options.get("cert") is None
        if args or options.get("transport") is not None or not usual:
            return super()._init_transport(*args, **options)
        options.pop("transport", None)
        named = os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")
        if named and options.get("trust_env", True):
            options["verify"] = httpx.create_ssl_context(trust_env=True)
        return _DeferredTransport(options)


class HttpSession:
    """One connection pool and its policies, shared by every request of a run.

    Args:
        transport: Where requests go. Defaults to the network; tests pass an
            ``httpx.MockTransport`` or an emulator's transport.
        base_url: If set, replaces scheme, host and port of every request (a path in it is
            prefixed), for proxies, residency gateways and emulators.
        timeout: Default seconds per request: the whole exchange (connect, send, the full
            response), not each socket read, so a server trickling bytes cannot hold a run.
        user_agent: Default ``User-Agent`` header.
        on_exchange: Called with every :class:`Exchange` (recording, dry-run printing, metrics).
        max_connections: Size of the connection pool.
        max_response_bytes: Most bytes of a response body read; a longer body is never read whole
            and fails the request (retryable, like a server fault).

    Redirects are never followed: a 3xx fails the request (not retryable), so credentials are
    never re-sent to wherever a server points.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        user_agent: str = DEFAULT_USER_AGENT,
        on_exchange: Callable[[Exchange], None] | None = None,
        max_connections: int = 100,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self._on_exchange = on_exchange
        self._base = httpx.URL(base_url) if base_url else None
        self._client = _Client(
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )

    async def __aenter__(self) -> HttpSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def rewrite(self, url: httpx.URL) -> httpx.URL:
        """Apply the ``base_url`` override, keeping path and query."""
        if self._base is None:
            return url
        prefix = self._base.path.rstrip("/")
        return url.copy_with(
            scheme=self._base.scheme,
            host=self._base.host,
            port=self._base.port,
            path=prefix + url.path if prefix else url.path,
        )

    async def send(self, request: httpx.Request, *, timeout: float | None = None) -> httpx.Response:
        """Send ``request``; failures without a usable response become :class:`~actions.NetworkError`."""
        request.url = self.rewrite(request.url)
        seconds = self.timeout if timeout is None else timeout
        request.extensions["timeout"] = httpx.Timeout(seconds).as_dict()
        try:
            # httpx's timeouts bound each socket operation; this bounds the whole exchange.
            async with asyncio.timeout(seconds):
                response = await self._exchange(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            error: NetworkError = NetworkError(
                f"Request timed out after {round(seconds * 1000)}ms", code="ETIMEDOUT"
            )
            self._record(Exchange(request, None, error))
            raise error from exc
        except httpx.TransportError as exc:
            error = NetworkError(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, code="ECONNRESET"
            )
            self._record(Exchange(request, None, error))
            raise error from exc
        except NetworkError as error:  # an answer refused (a redirect, an oversized body): like none at all
            self._record(Exchange(request, None, error))
            raise
        self._record(Exchange(request, response))
        return response

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """The response with its body read, at most ``max_response_bytes`` of it; refuses redirects."""
        response = await self._client.send(request, stream=True)
        try:
            if response.is_redirect:
                where = response.headers.get("location", "")
                raise NetworkError(
                    f"the server answered {response.status_code} {response.reason_phrase} (a redirect"
                    f"{' to ' + where.split('?')[0] if where else ''}): redirects are not followed, "
                    "so credentials never go elsewhere; point --base-url at the final address",
                    "REDIRECT",
                    retryable=False,
                )
            limit = self.max_response_bytes
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
                raise self._too_large(response)
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():  # decoded, so a compressed bomb is caught too
                size += len(chunk)
                if size > limit:
                    raise self._too_large(response)
                chunks.append(chunk)
            # What Response.aread() does, from the chunks already read.
            response._content = b"".join(chunks)
        finally:
            await response.aclose()
            # The response and its stream refer to each other, and through the stream to the
            # request and its body (up to megabytes): only the cyclic collector would free them.
            # A stream of the content read ends the cycle, so reference counting frees them now.
            response.stream = httpx.ByteStream(getattr(response, "_content", b""))
        return response

    def _too_large(self, response: httpx.Response) -> NetworkError:
        return NetworkError(
            f"the server answered {response.status_code} with a body over {self.max_response_bytes} bytes "
            "(not read; treated as a server fault)",
            "RESPONSE_TOO_LARGE",
            retryable=True,
        )

    def _record(self, exchange: Exchange) -> None:
        if self._on_exchange is not None:
            self._on_exchange(exchange)


class RequestClient:
    """What ``perform`` receives: call it like a function to make a request.

    Example::

        response = await request(
            "https://api.example.com/events",
            method="POST",
            json={"events": [payload]},
        )

    Args of a call:
        url: Absolute URL.
        method: HTTP method (upper-cased).
        json: Body serialised as JSON (JavaScript formatting), ``Content-Type: application/json``.
        form: Body encoded as ``application/x-www-form-urlencoded;charset=UTF-8``; ``None`` values
            are omitted.
        content: A raw body (str or bytes), sent as is.
        params: Query parameters; they replace any query string already in ``url``.
        headers: Extra headers (merged over the destination's, case-insensitively).
        auth: ``(username, password)`` for HTTP Basic authentication.
        timeout: Seconds, overriding the session default.
        throw_http_errors: Raise :class:`~actions.HTTPError` for non-2xx responses (default).
    """

    def __init__(self, session: HttpSession, defaults: RequestOptions | None = None) -> None:
        self.session = session
        self.defaults: RequestOptions = defaults or {}

    def build(
        self,
        url: str,
        *,
        method: str = "GET",
        json: Any = _UNSET,
        form: Mapping[str, Any] | None = None,
        content: str | bytes | None = None,
        params: Mapping[str, str | int | float | bool] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Request:
        """Build (but do not send) the request a call with these arguments would make."""
        merged = httpx.Headers({"user-agent": self.session.user_agent})
        merged.update(self.defaults.get("headers") or {})
        body: bytes | None = None
        if json is not _UNSET:
            text = json_stringify(json)
            body = (text if text is not None else "").encode("utf-8")
            merged["content-type"] = "application/json"
        elif form is not None:
            body = encode_form(form).encode("utf-8")
            merged["content-type"] = FORM_CONTENT_TYPE
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else content
        merged.update(headers or {})
        credentials = auth or self.defaults.get("auth")
        if credentials is not None:
            user, password = credentials
            pair = to_well_formed(f"{user or ''}:{password or ''}")
            token = base64.b64encode(pair.encode()).decode("ascii")
            merged["authorization"] = f"Basic {token}"
        query = params if params is not None else self.defaults.get("params")
        target = httpx.URL(url)
        if query is not None:
            target = target.copy_with(query=None).copy_merge_params(
                {k: to_string(v) for k, v in query.items()}
            )
        return httpx.Request(method.upper(), target, headers=merged, content=body)

    async def __call__(
        self,
        url: str,
        *,
        method: str = "GET",
        json: Any = _UNSET,
        form: Mapping[str, Any] | None = None,
        content: str | bytes | None = None,
        params: Mapping[str, str | int | float | bool] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        throw_http_errors: bool = True,
    ) -> httpx.Response:
        request = self.build(
            url,
            method=method,
            json=json,
            form=form,
            content=content,
            params=params,
            headers=headers,
            auth=auth,
        )
        response = await self.session.send(
            request, timeout=timeout if timeout is not None else self.defaults.get("timeout")
        )
        if throw_http_errors and not response.is_success:
            raise HTTPError(response)
        return response

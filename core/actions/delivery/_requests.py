"""Requests as the operator sees them: the dry-run transport and redacted text or JSON renderings."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx

from .._redact import Redactor

__all__ = ["DryRunTransport", "describe_request", "format_request"]

#: Headers shown for a request: the ones that carry meaning (httpx adds transport details).
SHOWN_HEADERS = ("content-type", "authorization", "user-agent", "x-signature")


class DryRunTransport(httpx.AsyncBaseTransport):
    """Answers every request ``200 {"code": 200}`` without sending it anywhere.

    Not ``{}``: a destination that checks its vendor's success answer (Amplitude's is
    ``{"code": 200}``) would retry ``{}`` for minutes and dead-letter every event of a dry run.

    Counts what it was asked to send in :attr:`requests`.
    """

    def __init__(self) -> None:
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests += 1
        return httpx.Response(200, json={"code": 200}, request=request)


def _body(request: httpx.Request, redactor: Redactor) -> Any:
    raw = request.content.decode("utf-8", errors="replace") if request.content else None
    if raw is None:
        return None
    # Parsed before redacting: in JSON text a secret with `"` or `\` is escaped and would be missed.
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        parsed = _maybe_json(raw)
        return redactor.text(parsed) if isinstance(parsed, str) else redactor.data(parsed)
    if "x-www-form-urlencoded" in content_type:
        # A value that is a secret is replaced before parsing, so a numeric key stays recognisable.
        return {
            key: redactor.data(_maybe_json(redactor.data(value)))
            for key, value in parse_qsl(raw, keep_blank_values=True)
        }
    return redactor.text(raw)


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def describe_request(
    request: httpx.Request, redactor: Redactor | None = None, action: str | None = None
) -> dict[str, Any]:
    """A JSON-ready view of ``request`` with every secret replaced by ``<redacted:name>``.

    Form bodies are decoded (values that are JSON parsed), so nested JSON reads naturally.
    """
    redact = redactor or Redactor({})
    headers = {
        name: redact.header(name, request.headers[name]) for name in SHOWN_HEADERS if name in request.headers
    }
    body = _body(request, redact)
    view: dict[str, Any] = {}
    if action is not None:
        view["action"] = action
    view.update(method=request.method, url=redact.text(str(request.url)), headers=headers, body=body)
    return view


def format_request(
    request: httpx.Request,
    redactor: Redactor | None = None,
    *,
    action: str | None = None,
    fmt: Literal["text", "json"] = "text",
) -> str:
    """``request`` as one JSON line, or as an HTTP-like text block (method, URL, headers, body)."""
    view = describe_request(request, redactor, action)
    if fmt == "json":
        return json.dumps(view, ensure_ascii=False)
    lines = [f"# {action}"] if action else []
    lines.append(f"{view['method']} {view['url']}")
    lines.extend(f"{name}: {value}" for name, value in view["headers"].items())
    body = view["body"]
    if body is not None:
        lines.append("")
        lines.append(body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=2))
    return "\n".join(lines) + "\n"

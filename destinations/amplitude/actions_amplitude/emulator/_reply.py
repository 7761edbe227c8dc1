"""The emulator's answer to one request, and builders for Amplitude's JSON and text bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Reply", "error_reply", "json_reply", "text_reply"]

# Headers observed on real /2/httpapi answers; harmless on the other routes.
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST"}


@dataclass(frozen=True)
class Reply:
    """What to send back.

    Attributes:
        status: HTTP status code.
        headers: Response headers (``Content-Length`` is added by whoever writes the bytes).
        body: Response body.
        drop: Close the connection without answering.
        delay_s: Hold the answer (or the drop) this long first.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False
    delay_s: float = 0.0

    def json(self) -> Any:
        """The body parsed as JSON (``Any``, like ``httpx.Response.json``, so tests can index it)."""
        return json.loads(self.body)

    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def delayed(self, seconds: float) -> Reply:
        """This reply held ``seconds`` longer."""
        return replace(self, delay_s=self.delay_s + seconds) if seconds else self


def json_reply(status: int, payload: object, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer, compact like Amplitude's."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    all_headers = {"Content-Type": "application/json", **_CORS}
    if headers:
        all_headers.update(headers)
    return Reply(status=status, headers=all_headers, body=body)


def error_reply(status: int, message: str, **extra: object) -> Reply:
    """Amplitude's JSON error answer: ``{"code": status, "error": message, ...extra}``."""
    return json_reply(status, {"code": status, "error": message, **extra})


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    """A plain-text answer (the form APIs answer ``success``)."""
    all_headers = {"Content-Type": "text/plain; charset=utf-8", **_CORS}
    if headers:
        all_headers.update(headers)
    return Reply(status=status, headers=all_headers, body=text.encode("utf-8"))

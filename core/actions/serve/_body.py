"""Reading a request body under limits: size (raw and decompressed), gzip, and a deadline.

Limits hold while reading: a ``Content-Length`` over the bound is refused before any byte is
read, a chunked body is counted as it arrives, and gzip is inflated incrementally with a cap on
the output, so a gzip bomb is stopped one byte past the bound, never held whole in memory.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["BodyError", "ClientGone", "read_body"]

Receive = Callable[[], Awaitable[dict[str, Any]]]


class BodyError(Exception):
    """The body cannot be used: answered with ``status`` and a JSON error naming the problem."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ClientGone(Exception):
    """The client disconnected before sending the whole body: there is no one to answer."""


async def read_body(
    receive: Receive, *, content_length: int | None, gzipped: bool, max_bytes: int, timeout_s: float
) -> bytes:
    """The body, decompressed when ``gzipped``, at most ``max_bytes`` either way, within ``timeout_s``."""
    if content_length is not None and content_length > max_bytes:
        raise _too_large(f"request body is {content_length} bytes, at most {max_bytes} are allowed")
    try:
        async with asyncio.timeout(timeout_s):
            return await _read(receive, gzipped, max_bytes)
    except TimeoutError:
        raise BodyError(
            408, "request_timeout", f"request body was not received within {timeout_s:g} s"
        ) from None


async def _read(receive: Receive, gzipped: bool, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    received = 0
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(f"request body is over {max_bytes} bytes")
        if inflater is None:
            body += chunk
            continue
        try:
            # At most one byte past the bound: enough to know the bound is crossed.
            body += inflater.decompress(chunk, max_bytes + 1 - len(body))
        except zlib.error:
            raise BodyError(400, "invalid_request", "body is not valid gzip") from None
        if len(body) > max_bytes:
            raise _too_large(f"decompressed request body is over {max_bytes} bytes")
    if inflater is not None:
        if not inflater.eof:
            raise BodyError(400, "invalid_request", "gzip body ends before the end of its stream")
        if inflater.unused_data:
            raise BodyError(400, "invalid_request", "gzip body has data after the end of its stream")
    return bytes(body)


def _too_large(message: str) -> BodyError:
    return BodyError(400, "request_too_large", message)

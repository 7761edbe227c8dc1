"""An httpx transport (sync and async) that lets the emulator answer in-process, without sockets."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

import anyio
import httpx

from ._reply import Reply

__all__ = ["EmulatorTransport", "Handler"]


class Handler(Protocol):
    """What answers the transport's requests: an :class:`~._emulator.Emulator`."""

    def handle(self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes) -> Reply: ...


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        read = timeouts.get("read")
        if isinstance(read, int | float):
            return float(read)
    return None


def _target(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii")


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Hand requests of an ``httpx.Client`` or ``httpx.AsyncClient`` to an emulator (its :class:`Handler`).

    Hold times really wait (``time.sleep`` / ``anyio.sleep``). A hold longer than the request's
    read timeout waits that timeout and raises ``httpx.ReadTimeout``; a dropped connection raises
    ``httpx.RemoteProtocolError``, as a real connection would.
    """

    def __init__(self, emulator: Handler) -> None:
        self.emulator = emulator

    def _answer(self, request: httpx.Request, body: bytes) -> tuple[Reply, float, bool]:
        reply = self.emulator.handle(request.method, _target(request), dict(request.headers), body)
        timeout = _read_timeout(request)
        if timeout is not None and reply.delay_s > timeout:
            return reply, timeout, True
        return reply, reply.delay_s, False

    @staticmethod
    def _finish(request: httpx.Request, reply: Reply, timed_out: bool) -> httpx.Response:
        if timed_out:
            raise httpx.ReadTimeout("Timed out waiting for the emulator's answer", request=request)
        if reply.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply, wait_s, timed_out = self._answer(request, request.read())
        if wait_s > 0:
            time.sleep(wait_s)
        return self._finish(request, reply, timed_out)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reply, wait_s, timed_out = self._answer(request, await request.aread())
        if wait_s > 0:
            await anyio.sleep(wait_s)
        return self._finish(request, reply, timed_out)

"""The HTTP session against real misbehaving servers on loopback: tricklers, floods, redirects."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from actions import NetworkError
from actions.runtime import HttpSession


def sync(test: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    """Run an async test on its own event loop (the suite has no async plugin)."""

    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())  # type: ignore[arg-type]

    return run


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handle: Handler) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 running ``handle`` per connection; yields its ``http://`` base URL."""

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handle(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + (await reader.readexactly(length) if length else b"")


async def post(session: HttpSession, url: str) -> httpx.Response:
    request = httpx.Request("POST", url, headers={"authorization": "Bearer SECRET-KEY"}, content=b"{}")
    return await session.send(request)


@sync
async def test_a_trickling_server_is_cut_off_at_the_timeout_for_the_whole_exchange() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
        while True:  # one byte at a time, each well within the per-read timeout
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.1)

    async with raw_server(trickle) as url, HttpSession(timeout=1.0) as session:
        started = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            await asyncio.wait_for(post(session, url + "/2/httpapi"), 30)
        elapsed = time.monotonic() - started
    assert caught.value.code == "ETIMEDOUT"
    assert "timed out after 1000ms" in str(caught.value)
    assert elapsed < 10, elapsed  # 1 s asked for; generous for a loaded machine


@sync
async def test_a_response_body_over_the_cap_is_not_read_whole() -> None:
    sent = 0

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        block = b"a" * 65536
        for _ in range(2000):  # 128 MiB if anyone reads it all
            writer.write(b"%x\r\n%s\r\n" % (len(block), block))
            await writer.drain()
            sent += len(block)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with raw_server(flood) as url, HttpSession(timeout=30, max_response_bytes=1024 * 1024) as session:
        with pytest.raises(NetworkError) as caught:
            await post(session, url + "/2/httpapi")
    error = caught.value
    assert error.code == "RESPONSE_TOO_LARGE"
    assert error.retryable
    assert "over 1048576 bytes" in str(error)
    assert sent < 32 * 1024 * 1024, sent  # the client hung up early: the server could not send it all


@sync
async def test_a_declared_oversized_body_fails_before_reading_and_a_small_one_is_read() -> None:
    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1500000000\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(30)

    async def small(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n"
        writer.write(head + b'{"code":200')
        await writer.drain()

    async with raw_server(big) as url, HttpSession(timeout=20) as session:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"over 1048576 bytes"):
            await post(session, url)
        assert time.monotonic() - started < 10
    async with raw_server(small) as url, HttpSession(timeout=20) as session:
        response = await post(session, url)
    assert response.status_code == 200 and response.content == b'{"code":200'


@sync
async def test_a_redirect_to_another_host_is_not_followed_and_the_key_stays_home() -> None:
    elsewhere: list[bytes] = []

    async def collector(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        elsewhere.append(await read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()

    async with raw_server(collector) as other:
        target = other.replace("127.0.0.1", "localhost") + "/steal"

        async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            head = f"HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}\r\ncontent-length: 0\r\n\r\n"
            writer.write(head.encode())
            await writer.drain()

        async with raw_server(redirect) as url, HttpSession(timeout=10) as session:
            with pytest.raises(NetworkError) as caught:
                await post(session, url + "/2/httpapi")
    assert elsewhere == []
    error = caught.value
    assert error.code == "REDIRECT"
    assert not error.retryable
    assert "307" in str(error) and "redirects are not followed" in str(error)

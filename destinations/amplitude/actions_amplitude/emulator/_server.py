"""A real HTTP/1.1 server (keep-alive, many connections) in front of an emulator, on asyncio.

One event loop serves every connection, so held answers (latency, timeout faults) cost no thread.
The HTTP layer is deliberately small: request line, headers, ``Content-Length`` or chunked
bodies, ``Expect: 100-continue``, keep-alive; each answer goes out in a single write.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from ._config import EmulatorConfig
from ._emulator import Emulator
from ._reply import Reply, error_reply

__all__ = ["RunningServer", "run_forever", "serve"]

_log = logging.getLogger(__name__)
_MAX_HEAD_BYTES = 64 * 1024
_IDLE_TIMEOUT_S = 75.0
_SERVER_NAME = "amplitude-emulator"


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def keep_alive(self) -> bool:
        tokens = {token.strip().lower() for token in self.headers.get("connection", "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


def _parse_head(head: bytes) -> _Request:
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(400, "Malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise _BadRequest(400, "Malformed header")
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return _Request(parts[0], parts[1], parts[2], headers)


def _serialize(reply: Reply, keep_alive: bool, head_only: bool) -> bytes:
    try:
        reason = http.HTTPStatus(reply.status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {reply.status} {reason}"]
    lines.extend(
        f"{name}: {value}" for name, value in reply.headers.items() if name.lower() != "content-length"
    )
    lines.append(f"Content-Length: {len(reply.body)}")
    lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
    lines.append(f"Server: {_SERVER_NAME}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + reply.body


class _HTTPServer:
    """Owns the listening socket and the live connections of one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        config = emulator.config
        self._max_body = max(config.max_body_bytes, config.max_batch_body_bytes, config.max_form_body_bytes)

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._on_connection, host, port, limit=_MAX_HEAD_BYTES)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # the client went away or sent garbage: nothing left to answer
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _IDLE_TIMEOUT_S)
            except asyncio.IncompleteReadError:
                return
            except asyncio.LimitOverrunError:
                await self._send_error(writer, 431, "Request header fields too large")
                return
            try:
                request = _parse_head(head)
                body = await self._read_body_in_time(reader, writer, request)
            except _BadRequest as error:
                if error.status == 413:
                    self._emulator._count_refused_request(head.split(b" ", 2)[1].decode("latin-1"), 413)
                await self._send_error(writer, error.status, str(error))
                return
            try:
                reply = self._emulator.handle(request.method, request.target, request.headers, body)
            except Exception as error:  # a bug in the emulator must not look like a network failure
                _log.exception("emulator failed on %s %s", request.method, request.target)
                reply = error_reply(500, f"Emulator error: {error!r}")
            if reply.delay_s > 0:
                await asyncio.sleep(reply.delay_s)
            if reply.drop:
                writer.transport.abort()
                return
            keep_alive = request.keep_alive
            writer.write(_serialize(reply, keep_alive, head_only=request.method == "HEAD"))
            await writer.drain()
            if not keep_alive:
                return

    async def _read_body_in_time(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: _Request
    ) -> bytes:
        """The body, or 408 when it takes longer than ``read_timeout_s`` (a client stuck mid-body)."""
        try:
            return await asyncio.wait_for(
                self._read_body(reader, writer, request), self._emulator.config.read_timeout_s
            )
        except TimeoutError:
            raise _BadRequest(408, "Request body not received in time") from None

    async def _read_body(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: _Request
    ) -> bytes:
        headers = request.headers
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length_header = headers.get("content-length")
        if not chunked and length_header is None:
            return b""
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if chunked:
            return await self._read_chunked(reader)
        try:
            length = int(length_header or "")
        except ValueError:
            raise _BadRequest(400, "Invalid Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "Invalid Content-Length")
        if length > self._max_body:
            # Larger than any route accepts: answer without reading it, then close.
            raise _BadRequest(413, "Payload too large")
        return await reader.readexactly(length)

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Invalid chunk size") from None
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers are ignored
                return b"".join(chunks)
            total += size
            if total > self._max_body:
                raise _BadRequest(413, "Payload too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    @staticmethod
    async def _send_error(writer: asyncio.StreamWriter, status: int, message: str) -> None:
        writer.write(_serialize(error_reply(status, message), keep_alive=False, head_only=False))
        with contextlib.suppress(ConnectionError):
            await writer.drain()


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class RunningServer:
    """An emulator served over HTTP from a background thread; stop it (or leave the ``with``).

    Attributes:
        emulator: The emulator answering.
        host: The address listened on.
        port: The port listened on (the real one when started with port 0).
        url: ``http://host:port``, to use as every Amplitude base URL.
    """

    def __init__(self, emulator: Emulator, host: str, port: int) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._startup_error: BaseException | None = None

    @property
    def url(self) -> str:
        return _url(self.host, self.port)

    def _start(self) -> RunningServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name=_SERVER_NAME, daemon=True)
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()

    async def _main(self, ready: threading.Event) -> None:
        server = _HTTPServer(self.emulator)
        try:
            self.port = await server.start(self.host, self.port)
        except OSError as error:
            self._startup_error = error
            ready.set()
            return
        self._stopping = asyncio.Event()
        ready.set()
        await self._stopping.wait()
        await server.close()

    def stop(self) -> None:
        """Close the listener and every connection, and wait for the server thread to end."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if thread is None or not thread.is_alive():
            return
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(stopping.set)
        thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``emulator`` over HTTP/1.1 in a background thread (port 0 picks a free port)."""
    return RunningServer(emulator, host, port)._start()


def run_forever(
    config: EmulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> Emulator:
    """Serve a new emulator in this thread until SIGINT/SIGTERM; returns it (for final stats).

    ``on_ready`` gets the URL once the port is bound (useful with port 0).
    """
    emulator = Emulator(config)

    async def main() -> None:
        server = _HTTPServer(emulator)
        bound_port = await server.start(host, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Signal handlers can only be installed from the main thread (and not on Windows).
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        if on_ready is not None:
            on_ready(_url(host, bound_port))
        try:
            await stop.wait()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return emulator

"""A real local HTTP server for CLI tests: records what it receives, answers what the test says."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


#: ``(request) -> (status, headers)`` or ``(status, headers, body)``; the default accepts everything.
Responder = Callable[[Received], tuple[int, dict[str, str]] | tuple[int, dict[str, str], bytes]]


@dataclass
class LocalServer:
    url: str
    received: list[Received] = field(default_factory=list)
    respond: Responder = lambda request: (200, {})
    delay_s: float = 0.0

    def bodies(self) -> list[Any]:
        return [request.body for request in self.received]


@contextlib.contextmanager
def local_server(respond: Responder | None = None, delay_s: float = 0.0) -> Iterator[LocalServer]:
    """Serve on 127.0.0.1 (a free port) in a thread; every request is recorded in ``received``."""
    lock = threading.Lock()
    state = LocalServer(url="")
    if respond is not None:
        state.respond = respond
    state.delay_s = delay_s

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", errors="replace")
            request = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with lock:
                state.received.append(request)
                answer = state.respond(request)
            status, headers = answer[0], answer[1]
            payload = answer[2] if len(answer) == 3 else b"{}"
            if state.delay_s:
                time.sleep(state.delay_s)
            self.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_PUT = do_PATCH = do_GET = _handle

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base signature
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that hang up mid-answer are part of the tests (timeouts, shutdowns)

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

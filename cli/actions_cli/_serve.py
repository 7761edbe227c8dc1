"""``actions serve``: receive events from Segment's client libraries, store them durably, deliver them.

The service itself (ingestion, the queue, delivery) is :class:`actions.serve.Service`; this
command reads the pipeline file, opens the queue, binds the socket, runs uvicorn and the delivery
engines in one event loop, and shuts down in order on SIGTERM or SIGINT: stop accepting, finish
in-flight requests, give delivery its shutdown timeout, leave the rest pending in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from . import _logging
from ._output import EXIT_OK

__all__ = ["DEFAULT_QUEUE", "serve_command"]

DEFAULT_QUEUE = "sqlite:///actions-queue.db"


@click.command("serve")
@click.option(
    "--config", "config_path", required=True, type=click.Path(dir_okay=False),
    help="Pipeline file: its `segment` sources are the write keys accepted; its destinations, where to.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8088, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.option(
    "--queue", "queue_url", default=DEFAULT_QUEUE, show_default=True, metavar="URL",
    help="Where accepted events wait for delivery (`actions plugins` lists the kinds of queue).",
)
@click.option(
    "--max-pending", default=1_000_000, show_default=True, type=click.IntRange(1),
    help="Most events waiting for one destination before requests are answered 429.",
)
@click.option(
    "--dedup-window", default=24 * 3600.0, show_default=True, type=click.FloatRange(0), metavar="SECONDS",
    help="Repeated messageIds of one source within this window are stored once.",
)
@click.option(
    "--retention", default=7 * 24 * 3600.0, show_default=True, type=click.FloatRange(0), metavar="SECONDS",
    help="Delivered and filtered events are pruned from the queue after this long.",
)
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Log lines on stderr as text or as one JSON object each.",
)
@click.option(
    "--port-file", type=click.Path(dir_okay=False), hidden=True,
    help="Write the port listened on to this file once ready (tests, with --port 0).",
)
def serve_command(
    config_path: str,
    host: str,
    port: int,
    queue_url: str,
    max_pending: int,
    dedup_window: float,
    retention: float,
    log_format: str,
    port_file: str | None,
) -> None:
    """Serve the Segment tracking API on HOST:PORT and deliver what it receives, until SIGTERM or SIGINT.

    Point analytics.js, analytics-python, analytics-node or the mobile libraries at
    http://HOST:PORT with a write key of the pipeline file. A request is answered 200 only once
    its events are durable in the queue; they are then delivered to the destinations of their
    source, at least once, even across a crash. /metrics, /health and /ready are served too.
    See docs/serving.md.
    """
    from actions import ConfigurationError
    from actions.delivery import load_pipeline
    from actions.queues import open_queue
    from actions.runtime import get_registry
    from actions.serve import Service

    if log_format == "json":
        _logging.use_json()
    registry = get_registry()
    pipeline = load_pipeline(config_path, registry)
    queue = open_queue(
        queue_url, registry, max_pending=max_pending, dedup_window_s=dedup_window, retention_s=retention
    )
    try:
        state_dir = _state_dir(queue, config_path)
        service = Service(pipeline, registry, queue, state_dir=state_dir, max_pending=max_pending)
    except ConfigurationError:
        asyncio.run(queue.close())
        raise
    for redactor in service.redactors:
        _logging.redact_with(redactor)
    with _listening(host, port) as sock:
        if port_file:
            Path(port_file).write_text(str(sock.getsockname()[1]), encoding="utf-8")
        asyncio.run(_serve(service, sock))
    raise SystemExit(EXIT_OK)


def _state_dir(queue: object, config_path: str) -> Path:
    """Where enrichers keep state: beside a SQLite queue's file, else beside the pipeline file."""
    from actions.queues import SqliteQueue

    where = queue.path if isinstance(queue, SqliteQueue) else Path(config_path)
    return where.resolve().parent


@contextlib.contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    """The listening socket, bound here so that a busy port is one clear error, not uvicorn's exit."""
    from actions import ConfigurationError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        yield sock
    finally:
        sock.close()


async def _serve(service: Any, sock: socket.socket) -> None:
    import logging

    import uvicorn

    class _Server(uvicorn.Server):
        # uvicorn re-raises the signal it caught once it has stopped, which would end this process
        # before delivery has finished: the signals are ours (below).
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    config = uvicorn.Config(
        service.app, log_config=None, access_log=False, lifespan="off", server_header=False,
        timeout_graceful_shutdown=10, limit_concurrency=None, timeout_keep_alive=30,
    )  # fmt: skip
    server = _Server(config)
    loop = asyncio.get_running_loop()
    log = logging.getLogger("actions.serve")

    def stop(name: str) -> None:
        if server.should_exit:  # a second signal: do not wait for in-flight requests
            server.force_exit = True
            return
        log.info("%s received: no longer accepting; delivering what is in flight", name)
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    host, port = sock.getsockname()[:2]
    log.info("serving on http://%s:%s, queue %s", host, port, service.queue.url)
    async with service.running():
        await server.serve(sockets=[sock])
    log.info("stopped; undelivered events stay pending in the queue")

"""Opening a queue from its URL: the scheme picks the backend a plugin registered."""

from __future__ import annotations

import difflib
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .._errors import ConfigurationError
from ._queue import Queue, QueueOptions, QueueSpec

__all__ = ["open_queue"]


class _QueueRegistry(Protocol):
    def queues(self) -> dict[str, QueueSpec]: ...


def open_queue(url: str, registry: _QueueRegistry, **options: Any) -> Queue:
    """Open the queue ``url`` names (``sqlite:///queue.db``) with the backend registered for its scheme.

    ``options`` are the other fields of :class:`QueueOptions` (``max_pending``, ...); the URL's
    query string becomes its ``params``, and a parameter the backend does not list is refused.
    Errors name the scheme and never the rest of the URL, which may hold a password.
    """
    scheme = urlsplit(url).scheme if "://" in url else ""
    backends = registry.queues()
    spec = backends.get(scheme)
    if spec is None:
        known = ", ".join(f"{name}://" for name in backends) or "none"
        close = difflib.get_close_matches(scheme, list(backends), n=1)
        hint = f"; did you mean {close[0]}://?" if close else ""
        what = f"scheme {scheme!r}" if scheme else "a URL without a scheme"
        raise ConfigurationError(f"no queue backend for {what}{hint} (installed: {known})")
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        known = ", ".join(spec.params) or "none"
        raise ConfigurationError(f"{scheme}:// queue: unknown parameter {unknown[0]!r} (known: {known})")
    extra = dict(options.pop("params", {}))
    return spec.factory(QueueOptions(url=url, params={**params, **extra}, **options))

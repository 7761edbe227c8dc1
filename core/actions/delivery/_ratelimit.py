"""Request rate limiting: a shared pace for every HTTP request a run makes to one destination."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

__all__ = ["RateLimitedTransport", "RateLimiter"]


class RateLimiter:
    """Spaces out callers so that at most ``rate`` of them start per second, after a ``burst``.

    It keeps the time the next caller may start (a virtual schedule), so waiting callers are
    served in arrival order and idle time does not bank more than ``burst`` requests.

    Args:
        rate: Requests per second (> 0).
        burst: Requests that may start at once after an idle period.
        clock: Monotonic seconds; injectable for tests.
    """

    def __init__(self, rate: float, burst: int = 1, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self._interval = 1.0 / rate
        self._burst_window = (burst - 1) * self._interval
        self._clock = clock
        self._next = -float("inf")

    def reserve(self) -> float:
        """Take the next slot; return how many seconds the caller must wait for it."""
        now = self._clock()
        start = max(self._next, now - self._burst_window)
        self._next = start + self._interval
        return max(0.0, start - now)

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)


class RateLimitedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport so every request first waits for a :class:`RateLimiter` slot."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter) -> None:
        self._inner = inner
        self._limiter = limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._limiter.acquire()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

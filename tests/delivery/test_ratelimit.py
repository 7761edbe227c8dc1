"""Rate limiting: requests are spaced to the configured rate, after an optional burst."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from actions.delivery import RateLimitedTransport, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_callers_are_spaced_one_interval_apart() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock)  # one every 0.25 s
    waits = [limiter.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.25, 0.5, 0.75])


def test_idle_time_banks_at_most_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock)
    limiter.reserve()
    clock.now += 60  # a long idle period
    waits = [limiter.reserve() for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_a_caller_arriving_after_its_slot_does_not_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock)
    limiter.reserve()
    clock.now += 1.0
    assert limiter.reserve() == 0.0


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_transport_waits_for_a_slot_before_each_request() -> None:
    limiter = RateLimiter(1000)
    reserved: list[float] = []
    original = limiter.reserve

    def spy() -> float:
        wait = original()
        reserved.append(wait)
        return wait

    limiter.reserve = spy  # type: ignore[method-assign]
    transport = RateLimitedTransport(httpx.MockTransport(lambda request: httpx.Response(204)), limiter)

    async def go() -> list[int]:
        async with httpx.AsyncClient(transport=transport) as client:
            return [(await client.get("https://example.com")).status_code for _ in range(3)]

    assert asyncio.run(go()) == [204, 204, 204]
    assert len(reserved) == 3

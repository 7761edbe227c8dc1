"""The retry policy: exponential backoff with jitter and a cap, Retry-After, and when to give up."""

from __future__ import annotations

import random

import httpx
import pytest
from actions import HTTPError, IntegrationError, InvalidAuthenticationError, NetworkError, RetryableError
from actions.delivery import RetryPolicy, is_authentication_failure, retry_after_of


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(initial_delay_s=0.5, multiplier=2, max_delay_s=3, jitter=0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_takes_a_random_part_off_each_wait_but_never_more_than_its_share() -> None:
    policy = RetryPolicy(initial_delay_s=1, multiplier=2, max_delay_s=100, jitter=0.5)
    rng = random.Random(1)
    waits = [policy.backoff(3, rng) for _ in range(200)]
    assert all(2.0 <= w <= 4.0 for w in waits)
    assert len({round(w, 6) for w in waits}) > 100  # really random, not one value


def test_retry_after_longer_than_the_backoff_is_honoured_even_beyond_the_cap() -> None:
    policy = RetryPolicy(initial_delay_s=0.1, max_delay_s=1, jitter=0)
    assert policy.delay(1, retry_after=30) == 30
    assert policy.delay(1, retry_after=0.01) == pytest.approx(0.1)


def test_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, max_elapsed_s=None)
    assert policy.gives_up(2, 0, 1) is None
    assert policy.gives_up(3, 0, 1) == "gave up after 3 attempts"


def test_gives_up_when_the_next_attempt_would_start_after_the_time_budget() -> None:
    policy = RetryPolicy(max_attempts=100, max_elapsed_s=10)
    assert policy.gives_up(2, 5, 4) is None
    reason = policy.gives_up(2, 5, 6)
    assert reason is not None and "10s retry budget" in reason


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)


def test_retry_after_is_read_from_http_errors_and_retryable_errors() -> None:
    response = httpx.Response(429, headers={"retry-after": "7"}, request=httpx.Request("GET", "https://x"))
    assert retry_after_of(HTTPError(response)) == 7.0
    assert retry_after_of(RetryableError("slow down", 429, retry_after=2.5)) == 2.5
    assert retry_after_of(NetworkError("timed out")) is None


def test_authentication_failures_are_recognised_by_class_code_or_401() -> None:
    assert is_authentication_failure(InvalidAuthenticationError("bad key"))
    assert is_authentication_failure(IntegrationError("x", "INVALID_AUTHENTICATION", 400))
    assert is_authentication_failure(IntegrationError("x", "UNAUTHORIZED", 401))
    assert not is_authentication_failure(IntegrationError("x", "FORBIDDEN", 403))

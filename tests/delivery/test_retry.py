"""The retry policy: exponential backoff with jitter and a cap, Retry-After, and when to give up."""

from __future__ import annotations

import random

import httpx
import pytest
from actions import HTTPError, IntegrationError, InvalidAuthenticationError, NetworkError, RetryableError
from actions.delivery import (
    Attempt,
    GiveUp,
    Retry,
    RetryPolicy,
    Split,
    is_authentication_failure,
    retry_after_of,
)

TRANSIENT = IntegrationError("try later", "SERVICE_UNAVAILABLE", 503)
PERMANENT = IntegrationError("bad payload", "BAD_REQUEST", 400)


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(initial_delay_s=0.5, multiplier=2, max_delay_s=3, jitter=0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_takes_a_random_part_off_each_wait_but_never_more_than_its_share() -> None:
    policy = RetryPolicy(initial_delay_s=1, multiplier=2, max_delay_s=100, jitter=0.5)
    rng = random.Random(1)
    waits = [policy.backoff(3, rng.random()) for _ in range(200)]
    assert all(2.0 <= w <= 4.0 for w in waits)
    assert len({round(w, 6) for w in waits}) > 100  # really random, not one value


def test_retry_after_longer_than_the_backoff_is_honoured_even_beyond_the_cap() -> None:
    policy = RetryPolicy(initial_delay_s=0.1, max_delay_s=1, jitter=0)
    assert policy.delay(1, retry_after=30) == 30
    assert policy.delay(1, retry_after=0.01) == pytest.approx(0.1)


def test_a_transient_failure_is_retried_after_the_backoff() -> None:
    policy = RetryPolicy(initial_delay_s=1, jitter=0)
    assert policy.decide(Attempt(TRANSIENT, attempts=2)) == Retry(2.0)


def test_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3, max_elapsed_s=None)
    assert isinstance(policy.decide(Attempt(TRANSIENT, attempts=2)), Retry)
    assert policy.decide(Attempt(TRANSIENT, attempts=3)) == GiveUp("gave up after 3 attempts")


def test_gives_up_when_the_next_attempt_would_start_after_the_time_budget() -> None:
    policy = RetryPolicy(max_attempts=100, max_elapsed_s=10, initial_delay_s=4, jitter=0)
    assert isinstance(policy.decide(Attempt(TRANSIENT, attempts=1, elapsed_s=5)), Retry)
    decision = policy.decide(Attempt(TRANSIENT, attempts=1, elapsed_s=7))
    assert isinstance(decision, GiveUp) and "10s retry budget" in decision.reason


def test_a_permanent_failure_gives_up_at_once() -> None:
    assert RetryPolicy().decide(Attempt(PERMANENT, attempts=1)) == GiveUp("permanent error")


def test_a_batch_refused_as_a_whole_is_split_in_halves_for_413_and_into_single_events_otherwise() -> None:
    too_large = IntegrationError("too large", "PAYLOAD_TOO_LARGE", 413)
    policy = RetryPolicy()
    assert policy.decide(Attempt(too_large, 1, batch_size=10, wholesale=True)) == Split(halves=True)
    assert policy.decide(Attempt(PERMANENT, 1, batch_size=10, wholesale=True)) == Split(halves=False)
    # one event of the batch refused on its own, or a batch of one: nothing to split
    assert policy.decide(Attempt(PERMANENT, 1, batch_size=10, wholesale=False)) == GiveUp("permanent error")
    assert policy.decide(Attempt(too_large, 1, batch_size=1, wholesale=True)) == GiveUp("permanent error")
    # a transient failure of the whole batch is retried as a whole
    assert isinstance(policy.decide(Attempt(TRANSIENT, 1, batch_size=10, wholesale=True)), Retry)


def test_a_new_policy_is_one_class() -> None:
    class NeverRetry(RetryPolicy):
        def decide(self, attempt: Attempt) -> Retry | Split | GiveUp:
            return GiveUp("this vendor must not see an event twice")

    assert NeverRetry().decide(Attempt(TRANSIENT, 1)) == GiveUp("this vendor must not see an event twice")


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

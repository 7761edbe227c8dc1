"""The retry policy: which failures are tried again, after how long, and when to give up."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .._errors import IntegrationError, InvalidAuthenticationError

__all__ = ["RetryPolicy", "is_authentication_failure", "retry_after_of"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by time.

    The n-th retry waits ``min(max_delay_s, initial_delay_s * multiplier ** (n - 1))``, of which
    the last ``jitter`` fraction is random (so many clients failing together do not retry
    together), or the destination's ``Retry-After`` if that is longer.

    Args:
        max_attempts: Attempts per delivery, the first included (1 disables retries).
        initial_delay_s: Wait before the first retry.
        multiplier: Growth of the wait per retry.
        max_delay_s: Longest computed wait (a longer ``Retry-After`` is still honoured).
        jitter: Fraction of each wait that is random, in ``[0, 1]``.
        max_elapsed_s: Give up on a delivery when the next attempt would start this long after
            its first one (``None``: no limit).
    """

    max_attempts: int = 10
    initial_delay_s: float = 0.5
    multiplier: float = 2.0
    max_delay_s: float = 30.0
    jitter: float = 0.5
    max_elapsed_s: float | None = 600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.initial_delay_s < 0 or self.max_delay_s < 0 or self.multiplier < 1:
            raise ValueError("delays must be positive and the multiplier at least 1")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after failed attempt number ``attempt`` (1-based), before any ``Retry-After``."""
        exponent = min(attempt - 1, 64)  # keeps the power finite for absurd attempt numbers
        ceiling = min(self.max_delay_s, self.initial_delay_s * self.multiplier**exponent)
        draw = (rng or random).random()
        return ceiling * (1.0 - self.jitter * draw)

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """The wait before the next attempt: the backoff, or ``retry_after`` when that is longer."""
        wait = self.backoff(attempt, rng)
        if retry_after is not None and retry_after > wait:
            wait = retry_after
        return wait

    def gives_up(self, attempts: int, elapsed_s: float, delay_s: float) -> str | None:
        """Why no further attempt is made (``None``: retry after ``delay_s``)."""
        if attempts >= self.max_attempts:
            return f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}"
        if self.max_elapsed_s is not None and elapsed_s + delay_s > self.max_elapsed_s:
            return f"gave up: the next attempt would start after the {self.max_elapsed_s:g}s retry budget"
        return None


def retry_after_of(error: BaseException) -> float | None:
    """The destination's requested wait in seconds (``Retry-After``), if the error carries one."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def is_authentication_failure(error: IntegrationError) -> bool:
    """Whether the destination rejected the credentials (so every later request would fail too)."""
    return (
        isinstance(error, InvalidAuthenticationError)
        or error.code == "INVALID_AUTHENTICATION"
        or error.status == 401
    )

"""The retry policy: for each failed delivery, retry it (after how long), split its batch, or give up.

One class decides, from what went wrong (an :class:`Attempt`), and returns a :class:`Decision`;
the dispatcher only carries it out. A new policy is one subclass overriding :meth:`RetryPolicy.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import IntegrationError, InvalidAuthenticationError
from ._knobs import knob

__all__ = [
    "WHOLE_REQUEST_STATUSES",
    "Attempt",
    "Decision",
    "GiveUp",
    "Retry",
    "RetryPolicy",
    "Split",
    "is_authentication_failure",
    "retry_after_of",
]


@dataclass(frozen=True)
class Attempt:
    """A failed delivery, as the policy sees it.

    Args:
        error: What the destination (or the network) said.
        attempts: How many times this delivery was sent, this one included.
        elapsed_s: Seconds since it was first sent.
        batch_size: How many deliveries the failed request carried.
        wholesale: Every delivery of that request failed with this same error (the request as a
            whole was refused, not the events one by one).
        draw: A uniform random number in ``[0, 1)`` for jitter; one per request, so the
            deliveries of one batch wait alike and travel together again.
        free: Of ``attempts``, those spent only on finding another event's fault: a batch
            refused as a whole, or a transient failure met while the destination isolated a bad
            item (``Failed.isolating``). At most ``max_attempts`` of them are not counted.
    """

    error: IntegrationError
    attempts: int
    elapsed_s: float = 0.0
    batch_size: int = 1
    wholesale: bool = False
    draw: float = 0.5
    free: int = 0


@dataclass(frozen=True)
class Retry:
    """Send it again after ``delay_s`` seconds."""

    delay_s: float


@dataclass(frozen=True)
class Split:
    """Find the culprits in a refused batch: resend it in two ``halves``, or else one event at a time."""

    halves: bool


@dataclass(frozen=True)
class GiveUp:
    """Dead-letter it; ``reason`` says why in the dead letter."""

    reason: str


Decision = Retry | Split | GiveUp

#: Permanent statuses about the request as a whole (credentials, endpoint, method, format), never
#: about one of its events: splitting a batch refused with one only repeats the refusal per event.
WHOLE_REQUEST_STATUSES: frozenset[int] = frozenset(
    {401, 402, 403, 404, 405, 406, 407, 410, 411, 414, 415, 421, 426, 431, 451, 501, 505, 511}
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by time.

    The n-th retry waits ``min(max_delay_s, initial_delay_s * multiplier ** (n - 1))``, of which
    the last ``jitter`` fraction is random (so many clients failing together do not retry
    together), or the destination's ``Retry-After`` if that is longer. A batch refused as a
    whole with a permanent error is split: a ``413`` in halves, anything else into single events,
    except a status in :data:`WHOLE_REQUEST_STATUSES` (403, 404...), which fails every event at once.

    Args:
        max_attempts: Attempts per delivery, the first included (1 disables retries).
        initial_delay_s: Wait before the first retry.
        multiplier: Growth of the wait per retry.
        max_delay_s: Longest computed wait (a longer ``Retry-After`` is still honoured).
        jitter: Fraction of each wait that is random, in ``[0, 1]``.
        max_elapsed_s: Give up on a delivery when the next attempt would start this long after
            its first one (``None``: no limit).
    """

    max_attempts: int = knob(10, "Attempts per delivery (retries of transient failures included).", low=1)
    initial_delay_s: float = knob(0.5, "Seconds before the first retry.", cli=False, low=0)
    multiplier: float = knob(2.0, "Growth of the wait per retry.", cli=False, low=1)
    max_delay_s: float = knob(30.0, "Longest computed wait between attempts, in seconds.", cli=False, low=0)
    jitter: float = knob(0.5, "Fraction of each wait that is random, 0 to 1.", cli=False, low=0, high=1)
    max_elapsed_s: float | None = knob(
        600.0,
        "Give up on a delivery whose next attempt would start this long after its first.",
        name="max_retry_time",
        metavar="SECONDS",
        low=0,
    )

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.initial_delay_s < 0 or self.max_delay_s < 0 or self.multiplier < 1:
            raise ValueError("delays must be positive and the multiplier at least 1")

    def decide(self, attempt: Attempt) -> Decision:
        """What to do with one failed delivery."""
        error = attempt.error
        if not error.retryable:
            if attempt.wholesale and attempt.batch_size > 1 and error.status not in WHOLE_REQUEST_STATUSES:
                return Split(halves=error.status == 413)
            return GiveUp("permanent error")
        delay = self.delay(attempt.attempts, retry_after_of(error), attempt.draw)
        if attempt.attempts - min(attempt.free, self.max_attempts) >= self.max_attempts:
            return GiveUp(f"gave up after {attempt.attempts} attempt{'s' if attempt.attempts != 1 else ''}")
        if self.max_elapsed_s is not None and attempt.elapsed_s + delay > self.max_elapsed_s:
            return GiveUp(
                f"gave up: the next attempt would start after the {self.max_elapsed_s:g}s retry budget"
            )
        return Retry(delay)

    def backoff(self, attempt: int, draw: float = 0.5) -> float:
        """The wait after failed attempt number ``attempt`` (1-based), before any ``Retry-After``."""
        exponent = min(attempt - 1, 64)  # keeps the power finite for absurd attempt numbers
        ceiling = min(self.max_delay_s, self.initial_delay_s * self.multiplier**exponent)
        return ceiling * (1.0 - self.jitter * draw)

    def delay(self, attempt: int, retry_after: float | None = None, draw: float = 0.5) -> float:
        """The wait before the next attempt: the backoff, or ``retry_after`` when that is longer."""
        wait = self.backoff(attempt, draw)
        if retry_after is not None and retry_after > wait:
            wait = retry_after
        return wait


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

from __future__ import annotations

import httpx
import pytest
from actions import (
    HTTPError,
    IntegrationError,
    InvalidAuthenticationError,
    NetworkError,
    PayloadValidationError,
    RetryableError,
    is_retryable,
    use_clock,
)
from actions._errors import parse_retry_after


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, False),
        (400, False),
        (401, False),
        (404, False),
        (408, True),
        (413, False),
        (423, True),
        (429, True),
        (500, True),
        (501, False),
        (502, True),
        (503, True),
        (599, True),
        (None, True),
    ],
)
def test_retryable_statuses_are_408_423_429_and_5xx_except_501(status: int | None, expected: bool) -> None:
    assert is_retryable(status) is expected


def test_integration_error_retryability_follows_its_status_unless_overridden() -> None:
    assert IntegrationError("x", "C", 503).retryable
    assert not IntegrationError("x", "C", 400).retryable
    assert not IntegrationError("over quota", "DAILY_QUOTA", 429, retryable=False).retryable


def test_typed_errors_carry_the_reference_codes_and_statuses() -> None:
    assert (PayloadValidationError("bad").code, PayloadValidationError("bad").status) == (
        "PAYLOAD_VALIDATION_FAILED",
        400,
    )
    auth = InvalidAuthenticationError("no")
    assert (auth.code, auth.status, auth.retryable) == ("INVALID_AUTHENTICATION", 401, False)
    retry = RetryableError("later", 429, retry_after=3)
    assert (retry.code, retry.status, retry.retryable, retry.retry_after) == ("RETRYABLE_ERROR", 429, True, 3)
    net = NetworkError("Request timed out after 10000ms")
    assert net.status is None and net.retryable and net.code == "ETIMEDOUT"


def test_http_error_message_is_the_status_text_and_reads_retry_after() -> None:
    response = httpx.Response(429, headers={"Retry-After": "7"}, request=httpx.Request("GET", "https://x"))
    error = HTTPError(response)
    assert str(error) == "Too Many Requests"
    assert (error.status, error.code, error.retry_after, error.retryable) == (
        429,
        "TOO_MANY_REQUESTS",
        7.0,
        True,
    )


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    with use_clock("2024-01-15T12:00:00Z"):
        assert parse_retry_after("Mon, 15 Jan 2024 12:00:30 GMT") == 30.0
        assert parse_retry_after("Mon, 15 Jan 2024 11:00:00 GMT") == 0.0


def test_an_explicit_none_status_means_no_status_and_omitting_it_keeps_the_class_default() -> None:
    assert IntegrationError("x", "C").status == 400
    assert IntegrationError("x", "INTERRUPTED", None).status is None
    assert PayloadValidationError("bad").status == 400

"""The exception tree, and the one rule that decides which HTTP statuses are retried.

::

    ActionsError
    ├── ConfigurationError
    │   ├── SettingsValidationError
    │   ├── MappingError
    │   ├── SubscriptionError
    │   └── UnknownDestinationError
    ├── PluginLoadError
    ├── AuthenticationFailed
    └── IntegrationError
        ├── PayloadValidationError
        │   └── SchemaValidationError
        ├── InvalidAuthenticationError
        ├── RetryableError
        ├── APIError
        ├── HTTPError
        └── NetworkError

Branches say what the caller should do: a ``ConfigurationError`` stops a run before any event is
read (CLI exit code 2); an ``IntegrationError`` fails one event (or one batch) and carries a
``status`` from which :func:`is_retryable` decides whether delivery tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIError",
    "ActionsError",
    "AuthenticationFailed",
    "ConfigurationError",
    "FieldError",
    "HTTPError",
    "IntegrationError",
    "InvalidAuthenticationError",
    "MappingError",
    "NetworkError",
    "PayloadValidationError",
    "PluginLoadError",
    "RetryableError",
    "SchemaValidationError",
    "SettingsValidationError",
    "SubscriptionError",
    "UnknownDestinationError",
    "is_retryable",
]

#: Statuses worth retrying: request timeout, locked, too many requests, and server errors
#: except 501 (the server will never implement it, however often we ask).
_RETRYABLE_4XX = frozenset({408, 423, 429})


def is_retryable(status: int | None) -> bool:
    """Return whether a failure with this HTTP ``status`` may succeed if sent again.

    ``None`` (no response at all: a dropped connection, a DNS failure) is retryable.
    """
    if status is None:
        return True
    if status in _RETRYABLE_4XX:
        return True
    return 500 <= status <= 599 and status != 501


class ActionsError(Exception):
    """Root of every error this framework raises on purpose."""


# --- configuration: wrong before any event is processed ------------------------------------


class ConfigurationError(ActionsError):
    """Something the operator or author configured is wrong; nothing can be delivered."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one value, located by a JSON path (``$.a[0]``) and pointer (``/a/0``)."""

    path: str
    pointer: str
    message: str


class SettingsValidationError(ConfigurationError):
    """Destination settings do not fit the destination's settings model."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__(" ".join(e.message for e in self.errors))


class MappingError(ConfigurationError):
    """A mapping is invalid, or failed while it was being resolved.

    ``messages`` holds every problem found (static validation reports them all at once);
    ``kind`` names the reference's error class (``ValidationError``, ``AggregateError`` or
    ``Error``) so conformance output can be compared.
    """

    def __init__(self, messages: str | Sequence[str], *, kind: str = "Error") -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.kind = kind
        super().__init__(" ".join(self.messages))


class SubscriptionError(ConfigurationError):
    """A subscription filter could not be parsed."""


class UnknownDestinationError(ConfigurationError):
    """No installed plugin registers a destination with this slug."""


class PluginLoadError(ActionsError):
    """A plugin's entry point failed to import or register. Reported; fatal only in strict mode."""


class AuthenticationFailed(ActionsError):
    """A destination's credentials check failed: ``Credentials are invalid: <status> <reason>``."""


# --- integration: one event (or batch) failed -------------------------------------------------


class IntegrationError(ActionsError):
    """An event could not be delivered. ``status`` decides whether it is retried."""

    code: str = "INTEGRATION_ERROR"
    status: int | None = 400

    def __init__(
        self,
        message: str = "",
        code: str | None = None,
        status: int | EllipsisType | None = ...,
        *,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if not isinstance(status, EllipsisType):  # omitted: the class's status; None: no status at all
            self.status = status
        self._retryable = retryable

    @property
    def retryable(self) -> bool:
        """Whether sending again may help: :func:`is_retryable` of the status, unless overridden."""
        return is_retryable(self.status) if self._retryable is None else self._retryable


class PayloadValidationError(IntegrationError):
    """The payload is unacceptable to the destination; sending it again cannot help."""

    code = "PAYLOAD_VALIDATION_FAILED"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)


class SchemaValidationError(PayloadValidationError):
    """The mapped payload does not fit the action's fields (the reference's AggregateAjvError)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__(" ".join(e.message for e in self.errors))


class InvalidAuthenticationError(IntegrationError):
    """The credentials were rejected. Not retried."""

    code = "INVALID_AUTHENTICATION"
    status = 401

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message, code)


class RetryableError(IntegrationError):
    """A transient failure. ``retry_after`` (seconds) is a hint from the destination."""

    code = "RETRYABLE_ERROR"
    status = 500

    def __init__(self, message: str = "", status: int = 500, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=status, retryable=True)
        self.retry_after = retry_after


class APIError(IntegrationError):
    """An API answered with an error; the message explains it better than the status text."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, code=str(status), status=status)


class HTTPError(IntegrationError):
    """A non-2xx response. The message is the status text (``Not Found``), as the reference's."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        status = response.status_code
        super().__init__(status_text(response), code=_http_code(status), status=status)

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.response.headers.get("retry-after"))


class NetworkError(IntegrationError):
    """No response: the request timed out or the connection failed. Retryable (no status)."""

    status = None

    def __init__(self, message: str, code: str = "ETIMEDOUT", *, retryable: bool | None = None) -> None:
        super().__init__(message, code=code, retryable=retryable)


#: RFC 9110's reason phrases where httpx's table still has the older ones (Node uses these).
_CURRENT_PHRASES = {
    413: "Payload Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    418: "I'm a Teapot",
    509: "Bandwidth Limit Exceeded",
}


def status_text(response: httpx.Response) -> str:
    """The status line's reason phrase, or the standard one when the server sent none (HTTP/2)."""
    sent = response.extensions.get("reason_phrase", b"")
    if isinstance(sent, bytes) and sent:
        return sent.decode("ascii", errors="replace")
    return _CURRENT_PHRASES.get(response.status_code) or response.reason_phrase or str(response.status_code)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from ._clock import get_clock

    return max(0.0, (when.timestamp() * 1000 - get_clock().now_ms()) / 1000)


def _http_code(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).name
    except ValueError:
        return "UNKNOWN_ERROR"

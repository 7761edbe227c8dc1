"""Batched uploads to /2/httpapi and /batch, and reading Amplitude's answers event by event.

A batch of payloads becomes Amplitude events (logPurchase makes several per payload), grouped
by endpoint and request options and packed into requests within Amplitude's limits. Amplitude
rejects a whole request when some of its events are bad or throttled, and names them; those events
fail (permanently, or retryably when throttled) and the others are sent again at once. Each
payload then gets one result: delivered when all its events were accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from actions import (
    APIError,
    BatchInput,
    BatchResult,
    Delivered,
    Failed,
    IntegrationError,
    InvalidAuthenticationError,
    ItemResult,
    NetworkError,
    RequestClient,
    RetryableError,
)
from actions._errors import parse_retry_after
from actions._js import json_stringify
from actions._request import response_data

from ._endpoints import setting_value
from ._event import EventUpload

__all__ = [
    "BATCH_MAX_BYTES",
    "DEFAULT_THROTTLE_RETRY_S",
    "HTTPAPI_MAX_BYTES",
    "MAX_EVENTS_PER_REQUEST",
    "envelope",
    "upload_batch",
]

#: Events per request. Amplitude answers 413 above 2000; smaller requests also limit how much one
#: bad or throttled event holds up.
MAX_EVENTS_PER_REQUEST: Final = 1000
#: Request body limits: the HTTP V2 API takes less than 1 MB, the Batch API up to 20 MB.
HTTPAPI_MAX_BYTES: Final = 1_000_000
BATCH_MAX_BYTES: Final = 20_000_000
#: How long Amplitude asks clients to hold back throttled users and devices, when it does not say.
DEFAULT_THROTTLE_RETRY_S: Final = 30.0

Builder = Callable[[Mapping[str, Any], Any], EventUpload]


def envelope(api_key: Any, events_json: Sequence[str], options: Mapping[str, Any] | None) -> str:
    """The request body ``{"api_key", "events", "options"}`` around already serialised events.

    ``api_key`` is left out when it is ``None`` and ``options`` when empty, as the reference's JSON does.
    """
    parts = []
    if api_key is not None:
        parts.append('"api_key":' + (json_stringify(api_key) or "null"))
    parts.append('"events":[' + ",".join(events_json) + "]")
    if options:
        parts.append('"options":' + (json_stringify(options) or "null"))
    return "{" + ",".join(parts) + "}"


@dataclass
class _Event:
    """One Amplitude event on its way: which payload it came from and its JSON text."""

    payload_index: int
    event: dict[str, Any]
    text: str
    size: int


@dataclass
class _Group:
    """Events that may share a request: same URL and same options."""

    url: str
    options: dict[str, Any] | None
    events: list[_Event] = field(default_factory=list)


@dataclass
class _PayloadOutcome:
    """How the events of one payload fared."""

    delivered: Delivered | None = None
    errors: list[IntegrationError] = field(default_factory=list)

    def result(self) -> ItemResult:
        if self.errors:
            # A retryable failure first: retrying the payload can still deliver its other events,
            # and insert_id keeps those already accepted from being counted twice.
            retryable = [e for e in self.errors if e.retryable]
            return Failed((retryable or self.errors)[0])
        return self.delivered or Delivered()


def _max_bytes(url: str) -> int:
    return BATCH_MAX_BYTES if url.endswith("/batch") else HTTPAPI_MAX_BYTES


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _positions(value: object, count: int) -> list[int]:
    """Valid 0-based positions from an index list in an Amplitude answer."""
    if not isinstance(value, list):
        return []
    return [i for i in value if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < count]


def _ids(value: object) -> set[str]:
    """Ids named by an Amplitude answer, as a map (id to count) or a list."""
    if isinstance(value, Mapping):
        return {str(k) for k in value}
    if isinstance(value, list):
        return {str(v) for v in value}
    return set()


@dataclass
class _Problem:
    """Why Amplitude refused one event."""

    reasons: list[str] = field(default_factory=list)
    code: str = ""
    status: int = 400
    permanent: bool = False

    def add(self, reason: str, code: str, status: int, permanent: bool) -> None:
        if reason in self.reasons:
            return
        # A permanent reason outranks a temporary one: retrying cannot fix it.
        if permanent and not self.permanent:
            self.reasons.insert(0, reason)
            self.code, self.status, self.permanent = code, status, True
        else:
            self.reasons.append(reason)
            if not self.code:
                self.code, self.status = code, status


def _classify(chunk: Sequence[_Event], body: Mapping[str, Any]) -> dict[int, _Problem]:
    """Which events of ``chunk`` an error answer names, and why."""
    problems: dict[int, _Problem] = {}
    count = len(chunk)

    def note(position: int, reason: str, code: str, status: int = 400, permanent: bool = True) -> None:
        problems.setdefault(position, _Problem()).add(reason, code, status, permanent)

    indexed = (
        ("events_with_missing_fields", "missing the required field '{}'", "MISSING_FIELD"),
        ("events_with_invalid_fields", "invalid value for '{}'", "INVALID_FIELD_VALUE"),
        (
            "events_with_invalid_id_lengths",
            "'{}' is shorter than the minimum ID length (5 unless Minimum ID Length is set)",
            "INVALID_ID_LENGTH",
        ),
    )
    for key, template, code in indexed:
        by_field = body.get(key)
        if isinstance(by_field, Mapping):
            for field_name, positions in by_field.items():
                for position in _positions(positions, count):
                    note(position, template.format(field_name), code)

    silenced_devices = _ids(body.get("silenced_devices"))
    for position in _positions(body.get("silenced_events"), count):
        note(position, "its device is silenced by Amplitude for sending too many events", "DEVICE_SILENCED")
    quota_users = _ids(body.get("exceeded_daily_quota_users"))
    quota_devices = _ids(body.get("exceeded_daily_quota_devices"))
    throttled_users = _ids(body.get("throttled_users"))
    throttled_devices = _ids(body.get("throttled_devices"))
    throttled_positions = set(_positions(body.get("throttled_events"), count))

    for position, item in enumerate(chunk):
        user = item.event.get("user_id")
        device = item.event.get("device_id")
        user_key = str(user) if isinstance(user, str) else None
        device_key = str(device) if isinstance(device, str) else None
        if device_key is not None and device_key in silenced_devices:
            note(
                position, "its device is silenced by Amplitude for sending too many events", "DEVICE_SILENCED"
            )
        if user_key is not None and user_key in quota_users:
            note(position, "its user is over Amplitude's daily event quota", "DAILY_QUOTA_EXCEEDED", 429)
        if device_key is not None and device_key in quota_devices:
            note(position, "its device is over Amplitude's daily event quota", "DAILY_QUOTA_EXCEEDED", 429)
        throttled = (
            position in throttled_positions
            or (user_key is not None and user_key in throttled_users)
            or (device_key is not None and device_key in throttled_devices)
        )
        if throttled:
            note(position, "Amplitude is throttling its user or device", "THROTTLED", 429, permanent=False)
    return problems


def _error_text(body: Mapping[str, Any], response: httpx.Response) -> str:
    error = body.get("error")
    if isinstance(error, str) and error:
        return error
    return response.reason_phrase or str(response.status_code)


class _Uploader:
    """Sends the groups of one ``perform_batch`` call and records each event's fate."""

    def __init__(self, request: RequestClient, api_key: Any, outcomes: list[_PayloadOutcome]) -> None:
        self.request = request
        self.api_key = api_key
        self.outcomes = outcomes

    def _deliver(self, chunk: Sequence[_Event], response: httpx.Response) -> None:
        delivered = Delivered(response.status_code, response_data(response))
        for item in chunk:
            self.outcomes[item.payload_index].delivered = delivered

    def _fail(self, items: Sequence[_Event], error: IntegrationError) -> None:
        for item in items:
            self.outcomes[item.payload_index].errors.append(error)

    def chunks(self, group: _Group) -> list[list[_Event]]:
        """Pack a group's events into requests within the count and size limits."""
        limit = _max_bytes(group.url)
        empty = len(envelope(self.api_key, [], group.options).encode("utf-8"))
        chunks: list[list[_Event]] = []
        current: list[_Event] = []
        size = empty
        for item in group.events:
            if empty + item.size > limit:
                self._fail(
                    [item],
                    IntegrationError(
                        f"The event is {item.size} bytes, more than fits in one Amplitude request "
                        f"({limit} bytes); the Batch API (Use Batch Endpoint) takes up to {BATCH_MAX_BYTES}.",
                        "PAYLOAD_TOO_LARGE",
                        413,
                        retryable=False,
                    ),
                )
                continue
            if current and (len(current) >= MAX_EVENTS_PER_REQUEST or size + 1 + item.size > limit):
                chunks.append(current)
                current, size = [], empty
            size += item.size + (1 if current else 0)  # the comma between events
            current.append(item)
        if current:
            chunks.append(current)
        return chunks

    async def send(self, group: _Group, chunk: list[_Event]) -> None:
        """Send ``chunk``; on a partial rejection fail the named events and send the others again."""
        body = envelope(self.api_key, [item.text for item in chunk], group.options)
        try:
            response = await self.request(
                group.url,
                method="POST",
                content=body.encode("utf-8"),
                headers={"content-type": "application/json"},
                throw_http_errors=False,
            )
        except NetworkError as error:
            self._fail(chunk, error)
            return
        status = response.status_code
        if response.is_success:
            self._deliver(chunk, response)
        elif status == 413:
            await self._split(group, chunk)
        elif status in (400, 429):
            await self._partial(group, chunk, response)
        else:
            message = f"Amplitude answered {status}: {_error_text(_json_body(response), response)}"
            self._fail(chunk, APIError(message, status))

    async def _split(self, group: _Group, chunk: list[_Event]) -> None:
        if len(chunk) == 1:
            message = "Amplitude refused the event as too large (413 Payload Too Large)."
            self._fail(chunk, IntegrationError(message, "PAYLOAD_TOO_LARGE", 413, retryable=False))
            return
        middle = len(chunk) // 2
        await self.send(group, chunk[:middle])
        await self.send(group, chunk[middle:])

    async def _partial(self, group: _Group, chunk: list[_Event], response: httpx.Response) -> None:
        body = _json_body(response)
        error_text = _error_text(body, response)
        status = response.status_code
        if error_text.startswith("Invalid API key"):
            # The answer quotes the key; keep it out of the message.
            raise InvalidAuthenticationError(
                "Amplitude rejected the API key (Invalid API key): check the apiKey setting and that the "
                "endpoint region is the project's."
            )
        missing = body.get("missing_field")
        if missing == "api_key":
            raise InvalidAuthenticationError("Amplitude received no API key: set the apiKey setting.")
        if isinstance(missing, str) and missing:
            message = f"Amplitude rejected the request: {error_text} ('{missing}')."
            self._fail(chunk, IntegrationError(message, "MISSING_FIELD", status, retryable=False))
            return
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        problems = _classify(chunk, body)
        if not problems:
            if status == 429:
                wait = DEFAULT_THROTTLE_RETRY_S if retry_after is None else retry_after
                self._fail(
                    chunk, RetryableError(f"Amplitude answered 429: {error_text}", 429, retry_after=wait)
                )
            else:
                self._fail(
                    chunk,
                    IntegrationError(f"Amplitude rejected the request: {error_text}", "BAD_REQUEST", status),
                )
            return
        rest = []
        for position, item in enumerate(chunk):
            problem = problems.get(position)
            if problem is None:
                rest.append(item)
                continue
            message = "Amplitude rejected the event: " + "; ".join(problem.reasons) + "."
            error: IntegrationError
            if problem.permanent:
                error = IntegrationError(message, problem.code, problem.status, retryable=False)
            else:
                wait = DEFAULT_THROTTLE_RETRY_S if retry_after is None else retry_after
                error = RetryableError(message, problem.status, retry_after=wait)
            self._fail([item], error)
        if rest:
            await self.send(group, rest)


def _group_events(
    uploads: Sequence[EventUpload | IntegrationError], outcomes: list[_PayloadOutcome]
) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for index, upload in enumerate(uploads):
        if isinstance(upload, IntegrationError):
            outcomes[index].errors.append(upload)
            continue
        key = (upload.url, json_stringify(upload.options) or "")
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(upload.url, upload.options)
        for event in upload.events:
            text = json_stringify(event) or "{}"
            group.events.append(_Event(index, event, text, len(text.encode("utf-8"))))
    return list(groups.values())


async def upload_batch(request: RequestClient, data: BatchInput[Any], build: Builder) -> BatchResult:
    """Build every payload's events, upload them in as few requests as the limits allow, and
    return one result per payload.

    Raises:
        InvalidAuthenticationError: Amplitude does not know the API key (nothing can be delivered).
    """
    uploads: list[EventUpload | IntegrationError] = []
    for payload in data.payloads:
        try:
            uploads.append(build(payload, data.settings))
        except IntegrationError as error:
            uploads.append(error)
    outcomes = [_PayloadOutcome() for _ in data.payloads]
    uploader = _Uploader(request, setting_value(data.settings, "apiKey"), outcomes)
    for group in _group_events(uploads, outcomes):
        for chunk in uploader.chunks(group):
            await uploader.send(group, chunk)
    return [outcome.result() for outcome in outcomes]

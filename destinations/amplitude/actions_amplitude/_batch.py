"""Batched delivery: event uploads to /2/httpapi and /batch, and the form APIs /identify and /usermap.

Event uploads: a batch of payloads becomes Amplitude events (logPurchase makes several per
payload), grouped by endpoint and request options and packed into requests within Amplitude's
limits. Amplitude rejects a whole request when some of its events are bad or throttled, and names
them; those events fail (permanently, or retryably when throttled) and the others are sent again at
once. Each payload then gets one result: delivered when all its events were accepted.

Form APIs: identifications (or user mappings) travel as one JSON array per request, grouped by
request options. Their answers are plain text that names no item, so a rejected request is halved
until the items at fault stand alone; a transient failure fails the request's items together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote_plus

import httpx
from actions import (
    FORM_CONTENT_TYPE,
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
    is_retryable,
    parse_retry_after,
    response_data,
)
from actions.js import json_stringify, to_string
from actions.runtime import Redactor

from ._endpoints import EndpointName, endpoint_for
from ._event import EventUpload
from ._settings import AmplitudeSettings, secret_value

__all__ = [
    "BATCH_MAX_BYTES",
    "DEFAULT_THROTTLE_RETRY_S",
    "FORM_MAX_BYTES",
    "HTTPAPI_MAX_BYTES",
    "IDENTIFY_MAX_ITEMS",
    "MAX_EVENTS_PER_REQUEST",
    "USERMAP_MAX_ITEMS",
    "EncodedUpload",
    "FormAPI",
    "encode_form",
    "encode_upload",
    "envelope",
    "form_quote",
    "sized_json",
    "upload_batch",
    "upload_form_batch",
]

#: Events per request. Amplitude answers 413 above 2000; smaller requests also limit how much one
#: bad or throttled event holds up.
MAX_EVENTS_PER_REQUEST: Final = 1000
#: Request body limits: the HTTP V2 API takes less than 1 MB, the Batch API up to 20 MB.
HTTPAPI_MAX_BYTES: Final = 1_000_000
BATCH_MAX_BYTES: Final = 20_000_000
#: How long Amplitude asks clients to hold back throttled users and devices, when it does not say.
DEFAULT_THROTTLE_RETRY_S: Final = 30.0

Builder = Callable[[Mapping[str, Any], AmplitudeSettings], EventUpload]
#: A payload's upload built and serialised ahead (``Action.encode``, in a worker with ``--workers``):
#: its URL, options and their JSON (the grouping key), and each event's JSON text, UTF-8 size,
#: ``user_id`` and ``device_id`` (all that packing and :func:`_classify` read). Plain data: it is
#: ``marshal``-ed between processes.
EncodedUpload = tuple[str, "dict[str, Any] | None", str, list[tuple[str, int, Any, Any]]]


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


def sized_json(value: Mapping[Any, Any]) -> tuple[str, int]:
    """``json_stringify(value)`` of an object and its size in UTF-8 bytes."""
    text = json_stringify(value) or "{}"
    return text, len(text) if text.isascii() else len(text.encode("utf-8"))


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


class _Outcomes:
    """How the events of each payload fared: the answer that delivered them, and any errors.

    Kept as two flat collections rather than an object per payload: most payloads only ever
    get delivered, and this runs for every event of every batch.
    """

    __slots__ = ("delivered", "errors")

    def __init__(self, count: int) -> None:
        self.delivered: list[Delivered | None] = [None] * count
        self.errors: dict[int, list[IntegrationError]] = {}

    def fail(self, index: int, error: IntegrationError) -> None:
        self.errors.setdefault(index, []).append(error)

    def results(self) -> list[ItemResult]:
        results: list[ItemResult] = []
        for index, delivered in enumerate(self.delivered):
            errors = self.errors.get(index)
            if errors:
                # A retryable failure first: retrying the payload can still deliver its other
                # events, and insert_id keeps those already accepted from being counted twice.
                retryable = [e for e in errors if e.retryable]
                results.append(Failed((retryable or errors)[0]))
            else:
                results.append(delivered or _NOTHING_TO_SEND)
        return results


#: The result of a payload that became no events at all.
_NOTHING_TO_SEND: Final = Delivered()


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


def _error_text(body: Mapping[str, Any], response: httpx.Response, redactor: Redactor) -> str:
    error = body.get("error")
    if isinstance(error, str) and error:
        return _shorten(error, redactor)
    return response.reason_phrase or str(response.status_code)


#: Most characters of an answer quoted in a message (and so in every dead letter it ends up in).
_MAX_ANSWER_CHARS: Final = 200


def _shorten(text: str, redactor: Redactor) -> str:
    """``text`` redacted, then cut (redacting first: a cut through a quoted key would show its prefix)."""
    redacted = redactor.text(text)
    if len(redacted) <= _MAX_ANSWER_CHARS:
        return redacted
    return f"{redactor.shorten(redacted, _MAX_ANSWER_CHARS)} ({len(text)} characters)"


def answer_preview(response: httpx.Response, redactor: Redactor) -> str:
    """What came back, for a message: the content type and the start of the body (bounded, redacted)."""
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    text = response.text
    if not text.strip():
        return f"an empty body ({kind})"
    return f"{kind}: {json.dumps(_shorten(' '.join(text.split()), redactor), ensure_ascii=False)}"


def _accepted_events(response: httpx.Response) -> bool:
    """Whether a 2xx answer is the HTTP V2 / Batch API's own success answer, ``{"code": 200, ...}``.

    Anything else (a proxy's or captive portal's HTML page, an empty or cut-off body) does not say
    the events were stored.
    """
    return _json_body(response).get("code") == 200


def _not_accepted(response: httpx.Response, expected: str, redactor: Redactor) -> RetryableError:
    status, got = response.status_code, answer_preview(response, redactor)
    message = f"Amplitude answered {status} without its success answer ({expected}): got {got}"
    return RetryableError(message, status)


class _Uploader:
    """Sends the groups of one ``perform_batch`` call and records each event's fate."""

    def __init__(self, request: RequestClient, settings: AmplitudeSettings, outcomes: _Outcomes) -> None:
        self.request = request
        self.api_key = secret_value(settings.apiKey)
        self.outcomes = outcomes
        self.redactor = Redactor.of(settings)  # the credentials an answer may quote back (an unknown API key)

    def _deliver(self, chunk: Sequence[_Event], response: httpx.Response) -> None:
        delivered = Delivered(response.status_code, response_data(response))
        for item in chunk:
            self.outcomes.delivered[item.payload_index] = delivered

    def _fail(self, items: Sequence[_Event], error: IntegrationError) -> None:
        for item in items:
            self.outcomes.fail(item.payload_index, error)

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
        if response.is_success and _accepted_events(response):
            self._deliver(chunk, response)
        elif response.is_success:
            self._fail(chunk, _not_accepted(response, '{"code": 200}', self.redactor))
        elif status == 413:
            await self._split(group, chunk)
        elif status in (400, 429):
            await self._partial(group, chunk, response)
        else:
            text = _error_text(_json_body(response), response, self.redactor)
            message = f"Amplitude answered {status}: {text}"
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
        error_text = _error_text(body, response, self.redactor)
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


def _group_events(uploads: Sequence[EventUpload | IntegrationError], outcomes: _Outcomes) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for index, upload in enumerate(uploads):
        if isinstance(upload, IntegrationError):
            outcomes.fail(index, upload)
            continue
        options = upload.options
        key = (upload.url, "" if options is None else json_stringify(options) or "")
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(upload.url, upload.options)
        for event in upload.events:
            text, size = sized_json(event)
            group.events.append(_Event(index, event, text, size))
    return list(groups.values())


def encode_upload(build: Builder) -> Callable[[Mapping[str, Any], AmplitudeSettings], EncodedUpload]:
    """The ``Action.encode`` of an event action: ``build``, then each event serialised once.

    An :class:`~actions.IntegrationError` of ``build`` propagates: it is that payload's failure.
    """

    def encode(payload: Mapping[str, Any], settings: AmplitudeSettings) -> EncodedUpload:
        upload = build(payload, settings)
        options = upload.options
        events = []
        for event in upload.events:
            text, size = sized_json(event)
            events.append((text, size, event.get("user_id"), event.get("device_id")))
        return upload.url, options, "" if options is None else json_stringify(options) or "", events

    return encode


def _group_encoded(items: Sequence[EncodedUpload]) -> list[_Group]:
    """:func:`_group_events` of uploads encoded ahead (the same groups, events and order)."""
    groups: dict[tuple[str, str], _Group] = {}
    for index, (url, options, key, events) in enumerate(items):
        group = groups.get((url, key))
        if group is None:
            group = groups[(url, key)] = _Group(url, options)
        append = group.events.append
        for text, size, user, device in events:
            append(_Event(index, {"user_id": user, "device_id": device}, text, size))
    return list(groups.values())


async def upload_batch(
    request: RequestClient, data: BatchInput[AmplitudeSettings], build: Builder
) -> BatchResult:
    """Build every payload's events (unless ``data.items`` holds them, from :func:`encode_upload`),
    upload them in as few requests as the limits allow, and return one result per payload.

    Raises:
        InvalidAuthenticationError: Amplitude does not know the API key (nothing can be delivered).
    """
    outcomes = _Outcomes(len(data.payloads))
    if data.items is not None:
        groups = _group_encoded(data.items)
    else:
        uploads: list[EventUpload | IntegrationError] = []
        for payload in data.payloads:
            try:
                uploads.append(build(payload, data.settings))
            except IntegrationError as error:
                uploads.append(error)
        groups = _group_events(uploads, outcomes)
    uploader = _Uploader(request, data.settings, outcomes)
    for group in groups:
        for chunk in uploader.chunks(group):
            await uploader.send(group, chunk)
    return outcomes.results()


# --- the form APIs: /identify and /usermap ----------------------------------------------------

#: Identifications per /identify request. Amplitude documents no limit for this API; its sibling,
#: the Group Identify API, takes up to 1024 per request and 1 MB, so 1000 (as for events) and 1 MB
#: stay within what Amplitude documents for its form APIs.
IDENTIFY_MAX_ITEMS: Final = 1000
#: Mappings per /usermap request. Amplitude takes up to 2000 but also allows only 1500 mappings per
#: 30 seconds, so a request of 2000 could never fit that window; one of 1000 always can.
USERMAP_MAX_ITEMS: Final = 1000
#: Most bytes of a form API request body, as sent (URL-encoded): Amplitude's documented 1 MB.
FORM_MAX_BYTES: Final = 1_000_000

# The JSON array's brackets and commas, URL-encoded.
_OPEN, _COMMA, _CLOSE = "%5B", "%2C", "%5D"
# Plain-text answers that are error codes ("invalid_id_length"): they become the failure's code.
_ANSWER_CODE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
# Statuses that may be caused by one item rather than the request: halving the request finds it.
_ITEM_STATUSES: Final = frozenset({400, 413, 422})
_ISOLATION_FAULTS: Final = 4


def form_quote(text: str) -> str:
    """URL-encode a form value as ``URLSearchParams`` (and :func:`actions.encode_form`) does.

    Bodies are assembled from items encoded once each, so this must agree with ``encode_form``.
    """
    return quote_plus(text, safe="*").replace("~", "%7E")


@dataclass(frozen=True)
class FormAPI:
    """An Amplitude form API that takes a JSON array of items per request.

    Args:
        endpoint: Which API (the region setting picks the URL).
        parameter: The form field that holds the array (``identification``, ``mapping``).
        noun: What one item is called in messages.
        build: The item for one payload.
        options: The ``options`` form value for a payload's ``min_id_length`` (``None``: left out).
        max_items: Most items per request.
        max_bytes: Most bytes of URL-encoded body per request.
    """

    endpoint: EndpointName
    parameter: str
    noun: str
    build: Callable[[Mapping[str, Any]], Any]
    options: Callable[[object], str | None]
    max_items: int
    max_bytes: int = FORM_MAX_BYTES


@dataclass(frozen=True)
class _FormItem:
    """One payload's item: where its result goes, and its JSON text, URL-encoded."""

    index: int
    encoded: str


@dataclass(frozen=True)
class _FormShape:
    """The parts of a request body around the items: ``api_key=..&<parameter>=`` and ``&options=..``."""

    head: str
    tail: str

    def body(self, items: Sequence[_FormItem]) -> str:
        return self.head + _OPEN + _COMMA.join(item.encoded for item in items) + _CLOSE + self.tail

    @property
    def empty_size(self) -> int:
        return len(self.head) + len(_OPEN) + len(_CLOSE) + len(self.tail)


def _form_shape(parameter: str, api_key: Any, options: str | None) -> _FormShape:
    # Field order and omissions as encode_form gives them: api_key, the items, options.
    head = ""
    if api_key is not None:
        head = "api_key=" + form_quote(api_key if isinstance(api_key, str) else to_string(api_key)) + "&"
    head += form_quote(parameter) + "="
    tail = "" if options is None else "&options=" + form_quote(options)
    return _FormShape(head, tail)


def _answer_text(response: httpx.Response, redactor: Redactor) -> str:
    """What the answer says: a JSON ``error``, else the plain text (shortened), else the reason.

    Redacted before it is shortened: a cut through a quoted key would leave a prefix of it that
    no later redaction recognises.
    """
    text = response.text.strip()
    if text.startswith("{"):
        error = _json_body(response).get("error")
        if isinstance(error, str) and error:
            text = error
    text = _shorten(text, redactor)
    return text or response.reason_phrase or str(response.status_code)


def _form_accepted(response: httpx.Response) -> bool:
    """Whether a 2xx answer of a form API is its success answer: ``success`` (or ``{"code": 200}``)."""
    text = response.text.strip()
    return text.lower() == "success" or (text.startswith("{") and _accepted_events(response))


def _rejects_api_key(status: int, text: str) -> bool:
    lowered = text.lower()
    return status == 401 or lowered == "invalid_api_key" or lowered.startswith("invalid api key")


def _status_code(status: int) -> str:
    try:
        return HTTPStatus(status).name
    except ValueError:
        return str(status)


class _FormSender:
    """Sends the requests of one form ``perform_batch`` call and records each payload's result."""

    def __init__(
        self,
        request: RequestClient,
        url: str,
        api: FormAPI,
        results: list[ItemResult | None],
        redactor: Redactor,
    ) -> None:
        self.request = request
        self.url = url
        self.api = api
        self.results = results
        self.redactor = redactor
        self.auth_error: InvalidAuthenticationError | None = None
        # Transient failures while isolating a bad item that are answered by halving again at
        # once rather than failing the part: a few per call, so an outage cannot multiply requests.
        self.isolation_faults_left = _ISOLATION_FAULTS

    def _settle(self, items: Sequence[_FormItem], result: ItemResult) -> None:
        for item in items:
            self.results[item.index] = result

    def chunks(self, shape: _FormShape, items: Sequence[_FormItem]) -> list[list[_FormItem]]:
        """Pack items into requests within the count and size limits (too large alone: fails)."""
        limit, empty = self.api.max_bytes, shape.empty_size
        chunks: list[list[_FormItem]] = []
        current: list[_FormItem] = []
        size = empty
        for item in items:
            item_size = len(item.encoded)  # URL-encoded text is ASCII: characters are bytes
            if empty + item_size > limit:
                message = (
                    f"The {self.api.noun} is {item_size} bytes once URL-encoded, more than fits in one "
                    f"Amplitude request ({limit} bytes)."
                )
                self._settle(
                    [item], Failed(IntegrationError(message, "PAYLOAD_TOO_LARGE", 413, retryable=False))
                )
                continue
            separator = len(_COMMA) if current else 0
            if current and (len(current) >= self.api.max_items or size + separator + item_size > limit):
                chunks.append(current)
                current, size, separator = [], empty, 0
            current.append(item)
            size += separator + item_size
        if current:
            chunks.append(current)
        return chunks

    async def send(self, shape: _FormShape, chunk: list[_FormItem], isolating: bool = False) -> None:
        """Send ``chunk``; a rejection that one item may cause is narrowed down by halving.

        ``isolating``: ``chunk`` is part of a refused request. A transient failure met now is
        marked so (``Failed.isolating``): these items were only sent again because of another item.
        """
        if self.auth_error is not None:  # every later request would be refused the same way
            self._settle(chunk, Failed(self.auth_error))
            return
        try:
            response = await self.request(
                self.url,
                method="POST",
                content=shape.body(chunk).encode("ascii"),
                headers={"content-type": FORM_CONTENT_TYPE},
                throw_http_errors=False,
            )
        except NetworkError as error:
            await self._transient(shape, chunk, error, isolating)
            return
        status = response.status_code
        if response.is_success and _form_accepted(response):
            self._settle(chunk, Delivered(status, response_data(response)))
            return
        if response.is_success:
            await self._transient(shape, chunk, _not_accepted(response, "success", self.redactor), isolating)
            return
        text = _answer_text(response, self.redactor)
        if _rejects_api_key(status, text):
            # The answer may quote the key; keep it out of the message.
            self.auth_error = InvalidAuthenticationError(
                "Amplitude rejected the API key (invalid_api_key): check the apiKey setting and that the "
                "endpoint region is the project's."
            )
            self._settle(chunk, Failed(self.auth_error))
            return
        if status in _ITEM_STATUSES and len(chunk) > 1:
            # The answer names no item: halve until the ones at fault are alone.
            await self._halve(shape, chunk)
            return
        failure = self._error(status, text, response)
        if failure.retryable:
            await self._transient(shape, chunk, failure, isolating)
            return
        self._settle(chunk, Failed(failure))

    async def _transient(
        self, shape: _FormShape, chunk: list[_FormItem], error: IntegrationError, isolating: bool
    ) -> None:
        """A transient failure. While isolating a bad item, the part is halved again at once (a
        few times per call, never when throttled): its valid items then need not wait for a retry
        together with the bad one; otherwise its items fail together, retryably."""
        if isolating and len(chunk) > 1 and error.status != 429 and self.isolation_faults_left > 0:
            self.isolation_faults_left -= 1
            await self._halve(shape, chunk)
            return
        self._settle(chunk, Failed(error, isolating))

    async def _halve(self, shape: _FormShape, chunk: list[_FormItem]) -> None:
        middle = len(chunk) // 2
        await self.send(shape, chunk[:middle], isolating=True)
        await self.send(shape, chunk[middle:], isolating=True)

    def _error(self, status: int, text: str, response: httpx.Response) -> IntegrationError:
        noun = self.api.noun
        if status == 413:
            message = f"Amplitude refused the {noun} as too large (413 Payload Too Large)."
            return IntegrationError(message, "PAYLOAD_TOO_LARGE", 413, retryable=False)
        if is_retryable(status):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if status == 429 and retry_after is None:
                retry_after = DEFAULT_THROTTLE_RETRY_S
            return RetryableError(f"Amplitude answered {status}: {text}", status, retry_after=retry_after)
        if status in _ITEM_STATUSES:
            code = text.upper() if _ANSWER_CODE.match(text) else _status_code(status)
            return IntegrationError(
                f"Amplitude rejected the {noun}: {text} ({status}).", code, status, retryable=False
            )
        return IntegrationError(
            f"Amplitude answered {status}: {text}", _status_code(status), status, retryable=False
        )


def encode_form(api: FormAPI) -> Callable[[Mapping[str, Any], AmplitudeSettings], tuple[str | None, str]]:
    """The ``Action.encode`` of a form action: the payload's ``options`` value and its item, URL-encoded."""

    def encode(payload: Mapping[str, Any], settings: AmplitudeSettings) -> tuple[str | None, str]:
        item = api.build(payload)
        text = sized_json(item)[0] if isinstance(item, Mapping) else json_stringify(item) or "null"
        return api.options(payload.get("min_id_length")), form_quote(text)

    return encode


async def upload_form_batch(
    request: RequestClient, data: BatchInput[AmplitudeSettings], api: FormAPI
) -> BatchResult:
    """Send every payload's item to a form API in as few requests as the limits allow, and return
    one result per payload.

    Items are grouped by their ``options`` (they apply to a whole request). An answer that may be
    caused by a single item (400, 413, 422) halves the request until the items at fault are sent
    alone, so only they fail; any other failure is the same for every item of the request: 429,
    5xx and network failures retryable (429 waits ``Retry-After``, else 30 s), other statuses
    permanent, and an unknown API key an :class:`~actions.InvalidAuthenticationError` for this and
    every later item (nothing more is sent).
    """
    results: list[ItemResult | None] = [None] * len(data.payloads)
    groups: dict[str | None, list[_FormItem]] = {}
    if data.items is not None:  # encoded ahead by encode_form
        for index, (options, encoded) in enumerate(data.items):
            groups.setdefault(options, []).append(_FormItem(index, encoded))
    for index, payload in enumerate(data.payloads if data.items is None else ()):
        try:
            item = api.build(payload)
        except IntegrationError as error:
            results[index] = Failed(error)
            continue
        text = sized_json(item)[0] if isinstance(item, Mapping) else json_stringify(item) or "null"
        encoded = form_quote(text)
        groups.setdefault(api.options(payload.get("min_id_length")), []).append(_FormItem(index, encoded))
    api_key = secret_value(data.settings.apiKey)
    sender = _FormSender(
        request, endpoint_for(api.endpoint, data.settings), api, results, Redactor.of(data.settings)
    )
    for options, items in groups.items():
        shape = _form_shape(api.parameter, api_key, options)
        for chunk in sender.chunks(shape, items):
            await sender.send(shape, chunk)
    settled = [result for result in results if result is not None]
    assert len(settled) == len(results)  # every item was built, sent or refused above
    return settled

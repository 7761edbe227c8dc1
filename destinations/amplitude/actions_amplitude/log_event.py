"""The ``logEvent`` action: one Segment event as one Amplitude event (HTTP V2 or Batch API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, Batching, BatchInput, BatchResult, ExecuteInput, Field, RequestClient

from . import _fields
from ._batch import HTTPAPI_MAX_BYTES, encode_upload, upload_batch
from ._endpoints import endpoint_for
from ._event import (
    LOG_EVENT_CONTROLS,
    EventUpload,
    add_properties,
    close_event,
    leading_fields,
    library_name,
    min_id_length_options,
    sent_as_is,
)
from ._settings import AmplitudeSettings, secret_value

__all__ = ["BATCHING", "action", "build_upload", "events_url", "send_upload"]

#: Payloads per ``perform_batch`` call; requests are packed within Amplitude's limits inside it.
BATCHING: Final = Batching(
    max_events=1000, max_bytes=HTTPAPI_MAX_BYTES, keys=("use_batch_endpoint", "min_id_length")
)
#: Fields that configure the upload and are not part of the event (``products`` is only shown
#: for parity with the reference's field list; Log Event never sends it).
_CONTROLS: Final = (*LOG_EVENT_CONTROLS, "products", "use_batch_endpoint")
_SENT: Final = sent_as_is(_CONTROLS)


def events_url(payload: Mapping[str, Any], settings: AmplitudeSettings) -> str:
    """``/batch`` when the payload asks for the Batch API, else ``/2/httpapi``, in the settings' region."""
    return endpoint_for("batch" if payload.get("use_batch_endpoint") else "httpapi", settings)


def build_upload(payload: Mapping[str, Any], settings: AmplitudeSettings) -> EventUpload:
    """The Amplitude event for a logEvent payload, its URL and its request options."""
    event = leading_fields(payload)
    add_properties(event, payload, _SENT, merge_utm=True)
    event = close_event(event, library_name(payload.get("library2")))
    return EventUpload(
        events_url(payload, settings), [event], min_id_length_options(payload.get("min_id_length"))
    )


async def send_upload(
    request: RequestClient, upload: EventUpload, settings: AmplitudeSettings
) -> httpx.Response:
    """POST one payload's events as JSON, as the reference does (a non-2xx answer raises)."""
    body: dict[str, Any] = {}
    api_key = secret_value(settings.apiKey)
    if api_key is not None:
        body["api_key"] = api_key
    body["events"] = upload.events
    if upload.options:
        body["options"] = upload.options
    return await request(upload.url, method="POST", json=body)


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    return await send_upload(request, build_upload(data.payload, data.settings), data.settings)


async def perform_batch(request: RequestClient, data: BatchInput[AmplitudeSettings]) -> BatchResult:
    return await upload_batch(request, data, build_upload)


def fields() -> dict[str, Field]:
    return {
        **_fields.event_schema(sends_revenue=False),
        "products": _fields.products(),
        "use_batch_endpoint": _fields.use_batch_endpoint(),
        "userAgent": _fields.user_agent(),
        "userAgentParsing": _fields.user_agent_parsing(),
        "includeRawUserAgent": _fields.include_raw_user_agent(),
        "utm_properties": _fields.utm_properties(),
        "referrer": _fields.referrer(),
        "min_id_length": _fields.min_id_length(),
        "userAgentData": _fields.user_agent_data(),
    }


action = Action(
    key="logEvent",
    title="Log Event",
    description=(
        "Send one event to Amplitude. Revenue fields are not sent by this action; use Log Purchase for "
        "orders. "
        "Batched delivery packs many events into each request."
    ),
    default_subscription='type = "track"',
    fields=fields(),
    perform=perform,
    perform_batch=perform_batch,
    encode=encode_upload(build_upload),
    batching=BATCHING,
)

"""The ``logEventV2`` action: like logEvent, with explicit $setOnce / $set / $add user-property fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, BatchInput, BatchResult, ExecuteInput, Field, RequestClient

from . import _fields
from ._batch import encode_upload, upload_batch
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
from ._settings import AmplitudeSettings
from ._user_properties import apply_operation_fields
from .log_event import BATCHING, events_url, send_upload

__all__ = ["action", "build_upload"]

_CONTROLS: Final = (*LOG_EVENT_CONTROLS, "products", "use_batch_endpoint", "setOnce", "setAlways", "add")
_SENT: Final = sent_as_is(_CONTROLS)


def build_upload(payload: Mapping[str, Any], settings: AmplitudeSettings) -> EventUpload:
    """The Amplitude event for a logEventV2 payload, its URL and its request options."""
    event = leading_fields(payload)
    add_properties(event, payload, _SENT, merge_utm=False)
    apply_operation_fields(event, payload)
    event = close_event(event, library_name(payload.get("library2")))
    return EventUpload(
        events_url(payload, settings), [event], min_id_length_options(payload.get("min_id_length"))
    )


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    return await send_upload(request, build_upload(data.payload, data.settings), data.settings)


async def perform_batch(request: RequestClient, data: BatchInput[AmplitudeSettings]) -> BatchResult:
    return await upload_batch(request, data, build_upload)


#: Campaign keys filled by default in Set Once / Set Always, with their labels and event paths.
_CAMPAIGN_KEYS: Final = (
    ("referrer", "Referrer", "$.context.page.referrer"),
    ("utm_source", "UTM Source", "$.context.campaign.source"),
    ("utm_medium", "UTM Medium", "$.context.campaign.medium"),
    ("utm_campaign", "UTM Campaign", "$.context.campaign.name"),
    ("utm_term", "UTM Term", "$.context.campaign.term"),
    ("utm_content", "UTM Content", "$.context.campaign.content"),
)


def _operation_field(label: str, description: str, *, initial: bool) -> Field:
    """Set Once (``initial_<key>`` properties) or Set Always (``<key>``), defaulting to the campaign."""
    key_prefix, label_prefix = ("initial_", "Initial ") if initial else ("", "")
    return Field(
        label=label,
        type="object",
        additional_properties=True,
        description=description,
        properties={
            f"{key_prefix}{key}": Field(label=f"{label_prefix}{sub_label}", type="string")
            for key, sub_label, _ in _CAMPAIGN_KEYS
        },
        default={f"{key_prefix}{key}": {"@path": path} for key, _, path in _CAMPAIGN_KEYS},
    )


def fields() -> dict[str, Field]:
    set_once = _operation_field(
        "Set Once",
        "User properties to set only if the user has no value for them yet (`$setOnce`). Sent when at least "
        "one value is not empty; replaces any `$setOnce` in User Properties.",
        initial=True,
    )
    set_always = _operation_field(
        "Set Always",
        "User properties to set on every event (`$set`). Sent when at least one value is not empty; "
        "replaces any "
        "`$set` in User Properties.",
        initial=False,
    )
    return {
        **_fields.event_schema(sends_revenue=False),
        "products": _fields.products(),
        "setOnce": set_once,
        "setAlways": set_always,
        "add": Field(
            label="Add",
            type="object",
            additional_properties=True,
            default_object_ui="keyvalue",
            description=(
                "Numbers to add to user properties (`$add`; a property without a value counts as 0). "
                "Replaces any "
                "`$add` in User Properties."
            ),
        ),
        "use_batch_endpoint": _fields.use_batch_endpoint(),
        "userAgent": _fields.user_agent(),
        "userAgentParsing": _fields.user_agent_parsing(),
        "includeRawUserAgent": _fields.include_raw_user_agent(),
        "min_id_length": _fields.min_id_length(),
        "userAgentData": _fields.user_agent_data(),
    }


action = Action(
    key="logEventV2",
    title="Log Event V2",
    description=(
        "Send one event to Amplitude, with Set Once, Set Always and Add fields for user-property operations. "
        "Used by the Track, Page and Screen presets. Batched delivery packs many events into each request."
    ),
    default_subscription='type = "track"',
    fields=fields(),
    perform=perform,
    perform_batch=perform_batch,
    encode=encode_upload(build_upload),
    batching=BATCHING,
)

"""The ``identifyUser`` action: set user properties (and the user id of a device) with the Identify API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, Batching, BatchInput, BatchResult, ExecuteInput, Field, RequestClient
from actions.js import json_stringify

from . import _fields
from ._batch import FORM_MAX_BYTES, IDENTIFY_MAX_ITEMS, FormAPI, encode_form, upload_form_batch
from ._endpoints import endpoint_for
from ._event import (
    IDENTIFY_KEYS,
    apply_platform_rules,
    close_event,
    leading_fields,
    min_id_length_options,
    sent_as_is,
)
from ._settings import AmplitudeSettings, secret_value
from ._user_properties import merge_utm_and_referrer

__all__ = ["BATCHING", "IDENTIFY_API", "action", "build_identification", "identify_form", "options_json"]

#: The Identify API records the library as Segment whatever the mapping says.
IDENTIFY_LIBRARY: Final = "segment"
_CONTROLS: Final = (
    "utm_properties", "referrer", "userAgent", "userAgentParsing", "includeRawUserAgent", "userAgentData",
    "min_id_length", "library",
)  # fmt: skip
_SENT: Final = sent_as_is(_CONTROLS, IDENTIFY_KEYS)


def build_identification(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The identification object for an identifyUser payload.

    UTM and referrer operations are merged after the mapped user properties, so they win.
    """
    properties = {k: v for k, v in payload.items() if k in _SENT}
    apply_platform_rules(properties, payload.get("library"))
    merged = merge_utm_and_referrer(
        properties.get("user_properties"),
        payload.get("utm_properties"),
        payload.get("referrer"),
        traits_first=True,
    )
    if merged is not None:
        properties["user_properties"] = merged
    identification = leading_fields(payload)
    identification.update(properties)
    return close_event(identification, IDENTIFY_LIBRARY)


def options_json(min_id_length: object) -> str | None:
    """The form's ``options`` value, or ``None`` to leave it out (the reference sends ``undefined``)."""
    options = min_id_length_options(min_id_length)
    return json_stringify(options) if options else None


def identify_form(
    settings: AmplitudeSettings, identification: Any, min_id_length: object
) -> dict[str, str | None]:
    """Form fields of an Identify API call; ``None`` values are left out of the body."""
    return {
        "api_key": secret_value(settings.apiKey),
        "identification": json_stringify(identification),
        "options": options_json(min_id_length),
    }


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    identification = build_identification(data.payload)
    form = identify_form(data.settings, identification, data.payload.get("min_id_length"))
    return await request(endpoint_for("identify", data.settings), method="POST", form=form)


#: Batches send the identifications as one JSON array per request (see ``_batch``).
IDENTIFY_API: Final = FormAPI(
    endpoint="identify",
    parameter="identification",
    noun="identification",
    build=build_identification,
    options=options_json,
    max_items=IDENTIFY_MAX_ITEMS,
)
#: ``min_id_length`` is a request option, so payloads that differ in it cannot share a request.
BATCHING: Final = Batching(max_events=IDENTIFY_MAX_ITEMS, max_bytes=FORM_MAX_BYTES, keys=("min_id_length",))


async def perform_batch(request: RequestClient, data: BatchInput[AmplitudeSettings]) -> BatchResult:
    return await upload_form_batch(request, data, IDENTIFY_API)


def fields() -> dict[str, Field]:
    event = _fields.event_schema()
    return {
        "user_id": event["user_id"],
        "device_id": event["device_id"],
        "user_properties": Field(
            label="User Properties",
            type="object",
            description=(
                "Properties to set on the user. May also hold operations such as `$set`, `$setOnce` or "
                "`$add`."
            ),
            default={"@path": "$.traits"},
        ),
        "groups": event["groups"],
        **_fields.device_and_location_fields(),
        "paying": Field(
            label="Is Paying", type="boolean", description="Whether the user is a paying customer."
        ),
        "start_version": Field(
            label="Initial Version", type="string", description="Version of the app the user first used."
        ),
        "insert_id": Field(
            label="Insert ID",
            type="string",
            description=(
                "Deduplication key: Amplitude ignores a repeat of an insert ID it saw in the last 7 days."
            ),
        ),
        "userAgent": _fields.user_agent(),
        "userAgentParsing": _fields.user_agent_parsing(),
        "includeRawUserAgent": _fields.include_raw_user_agent(),
        "utm_properties": _fields.utm_properties(),
        "referrer": _fields.referrer(),
        "min_id_length": _fields.min_id_length(),
        "library": Field(
            label="Library",
            type="string",
            description=(
                "Name of the Segment library that sent the call; analytics.js calls without a platform are "
                "sent "
                "as `Web`."
            ),
            default={"@path": "$.context.library.name"},
        ),
        "userAgentData": _fields.user_agent_data(),
    }


action = Action(
    key="identifyUser",
    title="Identify User",
    description=(
        "Set the user ID of a device, or update a user's properties, without sending an event. UTM and "
        "referrer values are recorded as user properties. Batched delivery sends many identifications per "
        "request."
    ),
    default_subscription='type = "identify"',
    fields=fields(),
    perform=perform,
    perform_batch=perform_batch,
    encode=encode_form(IDENTIFY_API),
    batching=BATCHING,
)

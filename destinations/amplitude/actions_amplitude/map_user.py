"""The ``mapUser`` action: merge two user ids with Amplitude's User Mapping API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, Batching, BatchInput, BatchResult, ExecuteInput, Field, RequestClient
from actions.js import json_stringify

from . import _fields
from ._batch import FORM_MAX_BYTES, USERMAP_MAX_ITEMS, FormAPI, encode_form, upload_form_batch
from ._endpoints import endpoint_for
from ._settings import AmplitudeSettings, secret_value
from .identify_user import options_json

__all__ = ["BATCHING", "USERMAP_API", "action", "user_mapping"]

#: Keys of a User Mapping API mapping object that this action fills.
_MAPPING_KEYS: Final = ("user_id", "global_user_id")


def user_mapping(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping object: only Amplitude's keys, in the payload's order (the reference also copies
    ``min_id_length`` in)."""
    return {key: value for key, value in payload.items() if key in _MAPPING_KEYS}


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    form = {
        "api_key": secret_value(data.settings.apiKey),
        "mapping": json_stringify([user_mapping(data.payload)]),
        "options": options_json(data.payload.get("min_id_length")),
    }
    return await request(endpoint_for("usermap", data.settings), method="POST", form=form)


#: Batches send the mappings as one JSON array per request (see ``_batch``).
USERMAP_API: Final = FormAPI(
    endpoint="usermap",
    parameter="mapping",
    noun="user mapping",
    build=user_mapping,
    options=options_json,
    max_items=USERMAP_MAX_ITEMS,
)
#: ``min_id_length`` is a request option, so payloads that differ in it cannot share a request.
BATCHING: Final = Batching(max_events=USERMAP_MAX_ITEMS, max_bytes=FORM_MAX_BYTES, keys=("min_id_length",))


async def perform_batch(request: RequestClient, data: BatchInput[AmplitudeSettings]) -> BatchResult:
    return await upload_form_batch(request, data, USERMAP_API)


def fields() -> dict[str, Field]:
    return {
        "user_id": Field(
            label="User ID",
            type="string",
            description=(
                "The user ID to merge into the global user (by default the previous ID of an alias call)."
            ),
            default={"@path": "$.previousId"},
        ),
        "global_user_id": Field(
            label="Global User ID",
            type="string",
            description="The user ID that both users' events are recorded under from now on.",
            default={"@path": "$.userId"},
        ),
        "min_id_length": _fields.min_id_length(),
    }


action = Action(
    key="mapUser",
    title="Map User",
    description=(
        "Merge two users that Amplitude tracks under different user IDs into one, with the User Mapping API "
        "(needs Amplitude's Portfolio add-on). Batched delivery sends many mappings per request."
    ),
    default_subscription='type = "alias"',
    fields=fields(),
    perform=perform,
    perform_batch=perform_batch,
    encode=encode_form(USERMAP_API),
    batching=BATCHING,
)

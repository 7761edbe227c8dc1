"""The ``mapUser`` action: merge two user ids with Amplitude's User Mapping API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, ExecuteInput, Field, RequestClient
from actions._js import json_stringify

from . import _fields
from ._endpoints import endpoint_for, setting_value
from .identify_user import options_json

__all__ = ["action", "user_mapping"]

#: Keys of a User Mapping API mapping object that this action fills.
_MAPPING_KEYS: Final = ("user_id", "global_user_id")


def user_mapping(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping object: only Amplitude's keys (the reference also copies ``min_id_length`` in)."""
    return {key: payload[key] for key in _MAPPING_KEYS if key in payload}


async def perform(request: RequestClient, data: ExecuteInput[Any]) -> httpx.Response:
    form = {
        "api_key": setting_value(data.settings, "apiKey"),
        "mapping": json_stringify([user_mapping(data.payload)]),
        "options": options_json(data.payload.get("min_id_length")),
    }
    return await request(endpoint_for("usermap", data.settings), method="POST", form=form)


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
        "(needs Amplitude's Portfolio add-on)."
    ),
    default_subscription='type = "alias"',
    fields=fields(),
    perform=perform,
)

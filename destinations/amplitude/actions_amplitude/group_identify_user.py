"""The ``groupIdentifyUser`` action: put the user in a group and set the group's properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, ExecuteInput, Field, RequestClient
from actions.js import UNDEFINED, truthy

from . import _fields
from ._endpoints import endpoint_for
from ._settings import AmplitudeSettings
from ._time import group_identify_time
from .identify_user import identify_form

__all__ = ["action", "group_identification", "user_identification"]

GROUP_LIBRARY: Final = "segment"


def _value(payload: Mapping[str, Any], key: str) -> Any:
    # Absent keys stay absent in the JSON; a mapped null stays null.
    return payload.get(key, UNDEFINED)


def user_identification(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Identify API object that associates the user (or device) with the group.

    The group is also written as a user property named after the group type.
    """
    association = {payload.get("group_type"): payload.get("group_value")}
    return {
        "device_id": _value(payload, "device_id"),
        "groups": association,
        "insert_id": _value(payload, "insert_id"),
        "library": GROUP_LIBRARY,
        "time": group_identify_time(_value(payload, "time")),
        "user_id": _value(payload, "user_id"),
        "user_properties": association,
    }


def group_identification(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Group Identify API object that sets the group's properties."""
    return {
        "group_properties": _value(payload, "group_properties"),
        "group_value": payload.get("group_value"),
        "group_type": payload.get("group_type"),
        "library": GROUP_LIBRARY,
    }


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    """Associate the user with the group (only when there is a user or device id), then set the
    group's properties. A failed association stops before the group call."""
    payload = data.payload
    min_id_length = payload.get("min_id_length")
    if truthy(payload.get("user_id")) or truthy(payload.get("device_id")):
        form = identify_form(data.settings, [user_identification(payload)], min_id_length)
        await request(endpoint_for("identify", data.settings), method="POST", form=form)
    form = identify_form(data.settings, [group_identification(payload)], min_id_length)
    return await request(endpoint_for("groupidentify", data.settings), method="POST", form=form)


def fields() -> dict[str, Field]:
    return {
        "user_id": _fields.user_id(),
        "device_id": _fields.device_id(),
        "insert_id": Field(
            label="Insert ID",
            type="string",
            description="Deduplication key of the user-to-group association call.",
        ),
        "time": Field(
            label="Timestamp",
            type="string",
            description=(
                "When the association happened: a date, or epoch milliseconds. Defaults to the time of "
                "sending."
            ),
            default={"@path": "$.timestamp"},
        ),
        "group_properties": Field(
            label="Group Properties",
            type="object",
            description="Properties to set on the group. May also hold operations such as `$set` or `$add`.",
            default={"@path": "$.traits"},
        ),
        "group_type": Field(
            label="Group Type",
            type="string",
            required=True,
            description="The kind of group, such as `org` or `team`. Needs Amplitude's Accounts add-on.",
        ),
        "group_value": Field(
            label="Group Value",
            type="string",
            required=True,
            description="The group's name or identifier within its type.",
        ),
        "min_id_length": _fields.min_id_length(),
    }


action = Action(
    key="groupIdentifyUser",
    title="Group Identify User",
    description=(
        "Set or update the properties of a group, and add the user to it. The change applies to events sent "
        "afterwards."
    ),
    default_subscription='type = "group"',
    fields=fields(),
    perform=perform,
)

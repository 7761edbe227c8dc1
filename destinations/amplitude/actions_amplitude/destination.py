"""The Amplitude destination: settings, actions, presets, authentication check and user deletion."""

from __future__ import annotations

from typing import Final

import httpx
from actions import DeleteInput, Destination, Preset, RequestClient

from . import group_identify_user, identify_user, log_event, log_event_v2, log_purchase, map_user
from ._divergences import DIVERGENCES
from ._endpoints import endpoint_for
from ._sandbox import sandbox
from ._settings import AmplitudeSettings, secret_value

__all__ = ["PRESETS", "AmplitudeSettings", "destination", "on_delete", "test_authentication"]

#: The user searched for by the credentials check (any answer but an error means valid credentials).
AUTH_TEST_USER: Final = "testUser@example.com"
#: Recorded by Amplitude as who asked for a deletion.
DELETION_REQUESTER: Final = "segment"


def _credentials(settings: AmplitudeSettings) -> tuple[str, str]:
    return (secret_value(settings.apiKey) or "", secret_value(settings.secretKey) or "")


async def test_authentication(request: RequestClient, settings: AmplitudeSettings) -> httpx.Response:
    """Search for a user with Basic authentication: Amplitude refuses bad credentials."""
    # Built as text so the "@" stays as it is, exactly as the reference sends it.
    url = f"{endpoint_for('usersearch', settings)}?user={AUTH_TEST_USER}"
    return await request(url, method="GET", auth=_credentials(settings))


async def on_delete(request: RequestClient, data: DeleteInput) -> httpx.Response:
    """Ask Amplitude to delete everything about the user (one user per request)."""
    return await request(
        endpoint_for("deletions", data.settings),
        method="POST",
        auth=_credentials(data.settings),
        json={"user_ids": [data.user_id], "requester": DELETION_REQUESTER},
    )


_DEFAULTS_WITH_PAGE_NAME: Final = {
    **log_event_v2.action.default_mapping,
    "event_type": {"@template": "Viewed {{name}}"},
}

PRESETS: Final = (
    Preset(
        name="Track Calls", subscribe='type = "track" and event != "Order Completed"', action="logEventV2"
    ),
    Preset(
        name="Order Completed Calls",
        subscribe='type = "track" and event = "Order Completed"',
        action="logPurchase",
    ),
    Preset(
        name="Page Calls", subscribe='type = "page"', action="logEventV2", mapping=_DEFAULTS_WITH_PAGE_NAME
    ),
    Preset(
        name="Screen Calls",
        subscribe='type = "screen"',
        action="logEventV2",
        mapping=_DEFAULTS_WITH_PAGE_NAME,
    ),
    Preset(name="Identify Calls", subscribe='type = "identify"', action="identifyUser"),
    # The reference's session plugin runs in the browser (it sets the session id these actions read);
    # listed so configurations naming it keep working, never delivered here.
    Preset(
        name="Browser Session Tracking",
        subscribe=" or ".join(f'type = "{t}"' for t in ("track", "identify", "group", "page", "alias")),
        action="sessionId",
        mapping={},
        platform="web",
    ),
)

destination = Destination(
    name="Actions Amplitude",
    slug="amplitude",
    description=(
        "Send events, purchases, user and group properties and user aliases to Amplitude, in North America "
        "or Europe. Every action but Group Identify User also delivers in batches, retrying only what "
        "Amplitude did not accept."
    ),
    settings=AmplitudeSettings,
    actions=[
        log_event.action,
        identify_user.action,
        map_user.action,
        group_identify_user.action,
        log_purchase.action,
        log_event_v2.action,
    ],
    presets=PRESETS,
    test_authentication=test_authentication,
    on_delete=on_delete,
    emulator=sandbox,
    known_divergences=DIVERGENCES,
)

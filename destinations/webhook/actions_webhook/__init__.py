"""The webhook destination: POST (or PUT/PATCH) each mapped payload, or a batch of them, to a URL.

It is built and registered exactly as a third-party plugin is, through the
``actions.destinations`` entry point, and doubles as the smallest complete example of a
destination.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from actions import (
    Action,
    Batching,
    BatchInput,
    BatchResult,
    Delivered,
    Destination,
    ExecuteInput,
    Field,
    Preset,
    RequestClient,
    SecretStr,
    Settings,
    hookimpl,
    setting,
)
from actions.js import json_stringify

__all__ = ["SIGNATURE_HEADER", "WebhookSettings", "destination", "sign"]

#: Header carrying ``sha256=<hex HMAC of the body>`` when a shared secret is set.
SIGNATURE_HEADER = "X-Signature"

ALL_EVENTS = " or ".join(f'type = "{t}"' for t in ("track", "page", "screen", "identify", "group", "alias"))


class WebhookSettings(Settings):
    url: str = setting(label="URL", description="Where payloads are sent.", format="uri")
    method: Literal["POST", "PUT", "PATCH"] = setting(
        "POST",
        label="Method",
        description="HTTP method.",
        choices={"POST": "POST", "PUT": "PUT", "PATCH": "PATCH"},
    )
    sharedSecret: SecretStr | None = setting(
        None,
        label="Shared Secret",
        description=(
            f"If set, every request carries a `{SIGNATURE_HEADER}: sha256=<hex>` header: the HMAC-SHA256 "
            "of the exact request body with this secret, so the receiver can verify the sender."
        ),
    )


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


FIELDS = {
    "data": Field(
        label="Data",
        type="object",
        description="The JSON body to send. By default, the whole event.",
        default={"@path": "$."},
    ),
    "headers": Field(
        label="Headers",
        type="object",
        description="Extra request headers (name to value).",
        default_object_ui="keyvalue:only",
    ),
}


async def _send(
    request: RequestClient, settings: WebhookSettings, body_value: Any, headers: Mapping[str, Any]
) -> httpx.Response:
    text = json_stringify(body_value)
    body = (text if text is not None else "null").encode("utf-8")
    all_headers = {str(k): str(v) for k, v in headers.items()}
    all_headers["content-type"] = "application/json"
    if settings.sharedSecret:
        all_headers[SIGNATURE_HEADER] = sign(settings.sharedSecret.get_secret_value(), body)
    return await request(settings.url, method=settings.method, content=body, headers=all_headers)


async def perform(request: RequestClient, data: ExecuteInput[WebhookSettings]) -> httpx.Response:
    return await _send(
        request, data.settings, data.payload.get("data", {}), data.payload.get("headers") or {}
    )


async def perform_batch(request: RequestClient, data: BatchInput[WebhookSettings]) -> BatchResult:
    """One request whose body is the array of every payload's ``data``.

    Headers come from the first payload. The receiver accepts or rejects the array as a whole,
    so every item gets the same result (an error raised here fails them all).
    """
    headers = data.payloads[0].get("headers") or {}
    response = await _send(request, data.settings, [p.get("data", {}) for p in data.payloads], headers)
    return [Delivered(response.status_code) for _ in data.payloads]


send = Action(
    key="send",
    title="Send",
    description="Send each event's mapped data to the configured URL as a JSON body.",
    default_subscription=ALL_EVENTS,
    fields=FIELDS,
    perform=perform,
)

send_batch = Action(
    key="sendBatch",
    title="Send Batch",
    description=(
        "Send mapped data in batches: each request's body is a JSON array of up to 100 events' data "
        "(and at most 1 MB)."
    ),
    default_subscription=ALL_EVENTS,
    fields=FIELDS,
    perform=perform,
    perform_batch=perform_batch,
    batching=Batching(max_events=100, max_bytes=1_000_000),
)

destination = Destination(
    name="Webhook",
    slug="webhook",
    description="Send mapped events to any HTTP endpoint as JSON, optionally signed with a shared secret.",
    settings=WebhookSettings,
    actions=[send, send_batch],
    presets=[Preset(name="All Events", subscribe=ALL_EVENTS, action="send")],
)


@hookimpl
def register_destinations(register: Any) -> None:
    register(destination)

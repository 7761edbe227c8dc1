"""The ``logPurchase`` action: an order as one revenue event plus one ``Product Purchased`` event per "
"product."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx
from actions import Action, Batching, BatchInput, BatchResult, ExecuteInput, Field, RequestClient

from . import _fields
from ._batch import HTTPAPI_MAX_BYTES, encode_upload, upload_batch
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
from ._revenue import is_empty_product, revenue_properties
from ._settings import AmplitudeSettings
from .log_event import events_url, send_upload

__all__ = ["BATCHING", "PRODUCT_EVENT_TYPE", "action", "build_upload"]

PRODUCT_EVENT_TYPE: Final = "Product Purchased"
#: One payload becomes 1 + (number of products) events, so fewer payloads per call than logEvent.
BATCHING: Final = Batching(
    max_events=200, max_bytes=HTTPAPI_MAX_BYTES, keys=("use_batch_endpoint", "min_id_length")
)
_CONTROLS: Final = (*LOG_EVENT_CONTROLS, "products", "trackRevenuePerProduct", "use_batch_endpoint")
_SENT: Final = sent_as_is(_CONTROLS)


def _product_event(
    properties: Mapping[str, Any],
    product: Mapping[str, Any],
    per_product_revenue: bool,
    position: int,
    library: Any,
) -> dict[str, Any]:
    """The ``Product Purchased`` event for ``product``, the ``position``-th event of the upload (1-based)."""
    event: dict[str, Any] = dict(properties)
    if per_product_revenue:
        event.update(revenue_properties(product))
    event["event_properties"] = dict(product)
    event["event_type"] = PRODUCT_EVENT_TYPE
    insert_id = properties.get("insert_id")
    if insert_id:
        # Derived from the order's insert_id, so a retried order deduplicates its products too.
        event["insert_id"] = f"{insert_id}-{position}"
    else:
        event.pop("insert_id", None)
    return close_event(event, library)


def build_upload(payload: Mapping[str, Any], settings: AmplitudeSettings) -> EventUpload:
    """The order event and the product events for a logPurchase payload, their URL and options.

    With Track Revenue Per Product on (and products present), revenue is reported on the product
    events instead of the order event. ``null`` products are skipped.
    """
    properties: dict[str, Any] = {}
    add_properties(properties, payload, _SENT, merge_utm=True)
    library = library_name(payload.get("library2"))
    products = [
        p for p in payload.get("products") or () if not is_empty_product(p) and isinstance(p, Mapping)
    ]
    per_product_revenue = bool(payload.get("trackRevenuePerProduct"))
    order = leading_fields(payload)
    order.update(properties)
    if not (per_product_revenue and products):
        order.update(revenue_properties(payload))
    events = [close_event(order, library)]
    for product in products:
        events.append(_product_event(properties, product, per_product_revenue, len(events) + 1, library))
    return EventUpload(
        events_url(payload, settings), events, min_id_length_options(payload.get("min_id_length"))
    )


async def perform(request: RequestClient, data: ExecuteInput[AmplitudeSettings]) -> httpx.Response:
    return await send_upload(request, build_upload(data.payload, data.settings), data.settings)


async def perform_batch(request: RequestClient, data: BatchInput[AmplitudeSettings]) -> BatchResult:
    return await upload_batch(request, data, build_upload)


def fields() -> dict[str, Field]:
    schema = _fields.event_schema()
    return {
        "trackRevenuePerProduct": Field(
            label="Track Revenue Per Product",
            type="boolean",
            description=(
                "Report revenue on each `Product Purchased` event (from the product's price and quantity, "
                "or its "
                "revenue) instead of on the order event."
            ),
            default=False,
        ),
        **schema,
        "products": _fields.products(revenue_depends_on_price=True),
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
    key="logPurchase",
    title="Log Purchase",
    description=(
        "Send an order to Amplitude: one event with the order's revenue, and one `Product Purchased` event "
        "for each "
        "product. Batched delivery packs many orders into each request."
    ),
    default_subscription='type = "track"',
    fields=fields(),
    perform=perform,
    perform_batch=perform_batch,
    encode=encode_upload(build_upload),
    batching=BATCHING,
)

"""Field definitions shared by the Amplitude actions (the event schema and the control fields)."""

from __future__ import annotations

from typing import Any, Final

from actions import Choice, Condition, DependsOn, Field

__all__ = [
    "ADVERTISING_ID_DEFAULT",
    "DEVICE_ID_DEFAULT",
    "INSERT_ID_DEFAULT",
    "device_and_location_fields",
    "device_id",
    "event_schema",
    "include_raw_user_agent",
    "library_settings",
    "min_id_length",
    "products",
    "referrer",
    "use_batch_endpoint",
    "user_agent",
    "user_agent_data",
    "user_agent_parsing",
    "user_id",
    "utm_properties",
]

DEVICE_ID_DEFAULT: Final = {
    "@if": {
        "exists": {"@path": "$.context.device.id"},
        "then": {"@path": "$.context.device.id"},
        "else": {"@path": "$.anonymousId"},
    }
}
ADVERTISING_ID_DEFAULT: Final = {
    "@if": {
        "exists": {"@path": "$.context.device.advertisingId"},
        "then": {"@path": "$.context.device.advertisingId"},
        "else": {"@path": "$.context.device.idfa"},
    }
}
#: insert_id defaults to the Segment messageId so that a retried delivery is deduplicated by
#: Amplitude instead of being counted twice (the reference leaves it unset).
INSERT_ID_DEFAULT: Final = {"@path": "$.messageId"}

_ID_HELP = (
    "Amplitude needs a user ID or a device ID on every event and rejects IDs shorter than 5 characters "
    "unless Minimum ID Length says otherwise."
)


def _path(path: str) -> dict[str, str]:
    return {"@path": path}


def user_id() -> Field:
    return Field(
        label="User ID",
        type="string",
        allow_null=True,
        description=(
            f"Your identifier for the user. {_ID_HELP} Without a device ID, Amplitude derives one from it."
        ),
        default=_path("$.userId"),
    )


def device_id() -> Field:
    return Field(
        label="Device ID",
        type="string",
        description=f"Identifier of the device. {_ID_HELP} Defaults to the device id, else the anonymous id.",
        default=DEVICE_ID_DEFAULT,
    )


def _string(label: str, description: str, path: str | None = None) -> Field:
    return Field(label=label, type="string", description=description, default=_path(path) if path else None)


def device_and_location_fields() -> dict[str, Field]:
    """app_version .. language: the device, platform and location fields in the reference's order."""
    return {
        "app_version": _string("App Version", "Version of the app the user is on.", "$.context.app.version"),
        "platform": _string(
            "Platform",
            "Platform of the device (iOS, Android, Web...). An `ios` or `android` word is capitalised the "
            "way "
            "Amplitude expects; with no platform, events from analytics.js are sent as `Web`.",
            "$.context.device.type",
        ),
        "os_name": _string("OS Name", "Name of the operating system or browser.", "$.context.os.name"),
        "os_version": _string(
            "OS Version", "Version of the operating system or browser.", "$.context.os.version"
        ),
        "device_brand": _string("Device Brand", "Brand of the device.", "$.context.device.brand"),
        "device_manufacturer": _string(
            "Device Manufacturer", "Maker of the device.", "$.context.device.manufacturer"
        ),
        "device_model": _string("Device Model", "Model of the device.", "$.context.device.model"),
        "carrier": _string("Carrier", "Mobile network carrier.", "$.context.network.carrier"),
        "country": _string("Country", "Country of the user.", "$.context.location.country"),
        "region": _string("Region", "Region (state, province) of the user.", "$.context.location.region"),
        "city": _string("City", "City of the user.", "$.context.location.city"),
        "dma": _string("Designated Market Area", "Designated Market Area (DMA) of the user."),
        "language": _string("Language", "Language setting of the user, such as `en-US`.", "$.context.locale"),
    }


def event_schema(*, sends_revenue: bool = True) -> dict[str, Field]:
    """The fields every event-sending action starts with, in the reference's order.

    Log Event and Log Event V2 keep the revenue fields for compatibility with mappings written for
    the reference but never send them; their descriptions say so (``sends_revenue=False``).
    """
    unsent = "" if sends_revenue else "Not sent by this action (use Log Purchase for revenue). "
    fields: dict[str, Field] = {
        "user_id": user_id(),
        "device_id": device_id(),
        "event_type": Field(
            label="Event Type",
            type="string",
            required=True,
            description="Name of the event in Amplitude.",
            default=_path("$.event"),
        ),
        "session_id": Field(
            label="Session ID",
            type="datetime",
            description=(
                "Start of the session, as a date or as epoch milliseconds (a number or a string of digits). "
                "Events with the same session ID belong to one session. The Segment browser session plugin "
                "stores it under `integrations['Actions Amplitude'].session_id`."
            ),
            default=_path("$.integrations.Actions Amplitude.session_id"),
        ),
        "time": Field(
            label="Timestamp",
            type="datetime",
            description=(
                "When the event happened: a date, or epoch milliseconds (a number or a string of digits). "
                "Without it Amplitude uses the time it received the event."
            ),
            default=_path("$.timestamp"),
        ),
        "event_properties": Field(
            label="Event Properties",
            type="object",
            description=(
                "Properties of the event. Values may be nested objects (up to 40 levels) and flat arrays; "
                "dates arrive in Amplitude as strings."
            ),
            default=_path("$.properties"),
        ),
        "user_properties": Field(
            label="User Properties",
            type="object",
            description=(
                "Properties of the user, sent with the event. Segment track events carry traits in "
                "`context.traits`, not in `traits`, so map that path to send them."
            ),
            default=_path("$.traits"),
        ),
        "groups": Field(
            label="Groups",
            type="object",
            description=(
                "Groups the user belongs to, as group type to group name (or list of names). Needs "
                "Amplitude's Accounts add-on; at most 5 group types per event."
            ),
        ),
        **device_and_location_fields(),
        "price": Field(
            label="Price",
            type="number",
            description=unsent + "Price of the item purchased. Negative for refunds.",
            default=_path("$.properties.price"),
        ),
        "quantity": Field(
            label="Quantity",
            type="integer",
            description=unsent + "Number of items purchased; Amplitude assumes 1.",
            default=_path("$.properties.quantity"),
        ),
        "revenue": Field(
            label="Revenue",
            type="number",
            description=unsent
            + "Revenue of the purchase. When price and quantity are both set, revenue is price times "
            "quantity instead. Negative for refunds.",
            default=_path("$.properties.revenue"),
        ),
        "productId": Field(
            label="Product ID",
            type="string",
            description=unsent + "Identifier of the product purchased.",
            default=_path("$.properties.productId"),
        ),
        "revenueType": Field(
            label="Revenue Type",
            type="string",
            description=unsent + "Kind of revenue, such as `Purchase` (the default) or `Refund`.",
            default=_path("$.properties.revenueType"),
        ),
        "location_lat": Field(
            label="Latitude",
            type="number",
            description="Latitude of the user.",
            default=_path("$.context.location.latitude"),
        ),
        "location_lng": Field(
            label="Longtitude",
            type="number",
            description="Longitude of the user.",
            default=_path("$.context.location.longitude"),
        ),
        "ip": Field(
            label="IP Address",
            type="string",
            description=(
                "IP address of the user; Amplitude derives the location from it unless country, region and "
                "city are set. `$remote` means the address the request came from."
            ),
            default=_path("$.context.ip"),
        ),
        "idfa": Field(
            label="Identifier For Advertiser (IDFA)",
            type="string",
            description="Apple advertising identifier.",
            default=ADVERTISING_ID_DEFAULT,
        ),
        "idfv": Field(
            label="Identifier For Vendor (IDFV)",
            type="string",
            description="Apple identifier for vendor.",
            default=_path("$.context.device.id"),
        ),
        "adid": Field(
            label="Google Play Services Advertising ID",
            type="string",
            description="Google advertising identifier.",
            default=ADVERTISING_ID_DEFAULT,
        ),
        "android_id": Field(label="Android ID", type="string", description="Android device identifier."),
        "event_id": Field(
            label="Event ID",
            type="integer",
            description=(
                "An increasing counter that tells apart events of the same user with the same timestamp."
            ),
        ),
        "insert_id": Field(
            label="Insert ID",
            type="string",
            description=(
                "Deduplication key: Amplitude ignores an event whose insert ID it has seen for the same "
                "device "
                "in the last 7 days. Defaults to the Segment message ID, so retried deliveries are never "
                "counted "
                "twice; purchase product events get the same ID with a numbered suffix."
            ),
            default=INSERT_ID_DEFAULT,
        ),
        "library": Field(
            label="HIDDEN: Library",
            type="string",
            description=(
                "Name of the Segment library that sent the event; only used to send `Web` as the platform "
                "for "
                "analytics.js events without one."
            ),
            default=_path("$.context.library.name"),
            hidden=True,
        ),
        "library2": library_settings(),
    }
    return fields


def library_settings() -> Field:
    return Field(
        label="Library Settings",
        type="object",
        description=(
            "Which library name Amplitude records. `Use Mapping` sends the mapped value (by default the "
            "Segment "
            "library, such as analytics.js); `Auto`, the older behaviour, always sends `segment`."
        ),
        properties={
            "behavior": Field(
                label="Behavior",
                type="string",
                description="`auto` sends `segment`; `use_mapping` sends Library Mapping.",
                choices=(
                    Choice(value="auto", label="Auto"),
                    Choice(value="use_mapping", label="Use Mapping"),
                ),
            ),
            "mapping": Field(
                label="Library Mapping",
                type="string",
                description="The library name to send when Behavior is `use_mapping`.",
            ),
        },
        default_object_ui="keyvalue",
        default={"behavior": "use_mapping", "mapping": _path("$.context.library.name")},
    )


_PRODUCT_SHAPE: Final[dict[str, Any]] = {
    "price": _path("price"),
    "revenue": _path("revenue"),
    "quantity": _path("quantity"),
    "productId": _path("productId"),
    "revenueType": _path("revenueType"),
}


def products(*, revenue_depends_on_price: bool = False) -> Field:
    """The products list; logPurchase shows a product's revenue only when price or quantity is empty."""
    revenue_depends_on = (
        DependsOn(
            match="any",
            conditions=(
                Condition(field_key="price", operator="is_not"),
                Condition(field_key="quantity", operator="is_not"),
            ),
        )
        if revenue_depends_on_price
        else None
    )
    return Field(
        label="Products",
        type="object",
        multiple=True,
        additional_properties=True,
        description=(
            "Products of the order. Log Purchase sends one `Product Purchased` event per product with the "
            "product "
            "as its event properties."
        ),
        properties={
            "price": Field(label="Price", type="number", description="Price of one unit."),
            "quantity": Field(label="Quantity", type="integer", description="Number of units."),
            "revenue": Field(
                label="Revenue",
                type="number",
                description="Revenue of the product line; price times quantity wins when both are set.",
                depends_on=revenue_depends_on,
            ),
            "productId": Field(label="Product ID", type="string", description="Identifier of the product."),
            "revenueType": Field(
                label="Revenue Type", type="string", description="Kind of revenue, `Purchase` by default."
            ),
        },
        default={"@arrayPath": ["$.properties.products", dict(_PRODUCT_SHAPE)]},
    )


def use_batch_endpoint() -> Field:
    return Field(
        label="Use Batch Endpoint",
        type="boolean",
        description=(
            "Send to Amplitude's Batch API instead of the HTTP V2 API. Its per-user and per-device rate "
            "limits are "
            "higher, which means fewer 429 (too many requests) answers."
        ),
        default=False,
    )


def user_agent() -> Field:
    return Field(
        label="User Agent",
        type="string",
        description="The user agent of the device, parsed for OS and device fields.",
        default=_path("$.context.userAgent"),
    )


def user_agent_parsing() -> Field:
    return Field(
        label="User Agent Parsing",
        type="boolean",
        description=(
            "Fill OS name and version, device manufacturer and model from the user agent. Mapped OS and "
            "device "
            "fields take precedence."
        ),
        default=True,
    )


def include_raw_user_agent() -> Field:
    return Field(
        label="Include Raw User Agent",
        type="boolean",
        description="Also send the user agent itself, as `user_agent`.",
        default=False,
    )


def utm_properties() -> Field:
    return Field(
        label="UTM Properties",
        type="object",
        description=(
            "Campaign parameters. Each one is set on the user (`$set`) and kept as `initial_<name>` the "
            "first "
            "time (`$setOnce`)."
        ),
        properties={
            "utm_source": Field(label="UTM Source", type="string"),
            "utm_medium": Field(label="UTM Medium", type="string"),
            "utm_campaign": Field(label="UTM Campaign", type="string"),
            "utm_term": Field(label="UTM Term", type="string"),
            "utm_content": Field(label="UTM Content", type="string"),
        },
        default={
            "utm_source": _path("$.context.campaign.source"),
            "utm_medium": _path("$.context.campaign.medium"),
            "utm_campaign": _path("$.context.campaign.name"),
            "utm_term": _path("$.context.campaign.term"),
            "utm_content": _path("$.context.campaign.content"),
        },
    )


def referrer() -> Field:
    return Field(
        label="Referrer",
        type="string",
        description=(
            "The page the user came from. Set on the user as `referrer` (`$set`) and kept as "
            "`initial_referrer` "
            "the first time (`$setOnce`)."
        ),
        default=_path("$.context.page.referrer"),
    )


def min_id_length() -> Field:
    return Field(
        label="Minimum ID Length",
        type="integer",
        allow_null=True,
        description=(
            "Shortest user or device ID Amplitude accepts in this request (its default is 5). Leave empty "
            "or 0 "
            "for Amplitude's default."
        ),
    )


def user_agent_data() -> Field:
    return Field(
        label="User Agent Data",
        type="object",
        description=(
            "Client hints from `navigator.userAgentData`: the device model and platform version, which win "
            "over "
            "what the user agent string says."
        ),
        properties={
            "model": Field(label="Model", type="string"),
            "platformVersion": Field(label="Platform Version", type="string"),
        },
        default={
            "model": _path("$.context.userAgentData.model"),
            "platformVersion": _path("$.context.userAgentData.platformVersion"),
        },
    )

"""Payload validation throughput on the Amplitude "Log Event V2" field set.

Runs the per-event pipeline step (``PayloadValidator.clean``: remove empty values, coerce,
prune, check) and ``validate`` alone over realistic mapped payloads, and prints payloads per
second and microseconds per payload (median of 5 runs).

    .venv/bin/python benchmarks/bench_validation.py [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from actions._fields import Field
from actions.validation import PayloadValidator

# The logEventV2 field table (spec/amplitude-destination.md, Appendix A): key, label, type, and
# the flags that shape the schema. Defaults are mapping directives; they do not affect validation.
_S, _N, _I, _B, _O, _D = "string", "number", "integer", "boolean", "object", "datetime"
FIELD_TABLE: list[tuple[str, str, str, dict[str, Any]]] = [
    ("user_id", "User ID", _S, {"allow_null": True}),
    ("device_id", "Device ID", _S, {}),
    ("event_type", "Event Type", _S, {"required": True}),
    ("session_id", "Session ID", _D, {}),
    ("time", "Timestamp", _D, {}),
    ("event_properties", "Event Properties", _O, {}),
    ("user_properties", "User Properties", _O, {}),
    ("groups", "Groups", _O, {}),
    ("app_version", "App Version", _S, {}),
    ("platform", "Platform", _S, {}),
    ("os_name", "OS Name", _S, {}),
    ("os_version", "OS Version", _S, {}),
    ("device_brand", "Device Brand", _S, {}),
    ("device_manufacturer", "Device Manufacturer", _S, {}),
    ("device_model", "Device Model", _S, {}),
    ("carrier", "Carrier", _S, {}),
    ("country", "Country", _S, {}),
    ("region", "Region", _S, {}),
    ("city", "City", _S, {}),
    ("dma", "Designated Market Area", _S, {}),
    ("language", "Language", _S, {}),
    ("price", "Price", _N, {}),
    ("quantity", "Quantity", _I, {}),
    ("revenue", "Revenue", _N, {}),
    ("productId", "Product ID", _S, {}),
    ("revenueType", "Revenue Type", _S, {}),
    ("location_lat", "Latitude", _N, {}),
    ("location_lng", "Longtitude", _N, {}),
    ("ip", "IP Address", _S, {}),
    ("idfa", "Identifier For Advertiser (IDFA)", _S, {}),
    ("idfv", "Identifier For Vendor (IDFV)", _S, {}),
    ("adid", "Google Play Services Advertising ID", _S, {}),
    ("android_id", "Android ID", _S, {}),
    ("event_id", "Event ID", _I, {}),
    ("insert_id", "Insert ID", _S, {}),
    ("library", "HIDDEN: Library", _S, {}),
    ("library2", "Library Settings", _O, {"properties": {
        "behavior": Field(label="Behavior", type="string", choices=("auto", "use_mapping")),
        "mapping": Field(label="Mapping", type="string"),
    }}),
    ("products", "Products", _O, {"multiple": True, "additional_properties": True, "properties": {
        "price": Field(label="Price", type="number"),
        "quantity": Field(label="Quantity", type="integer"),
        "revenue": Field(label="Revenue", type="number"),
        "productId": Field(label="Product ID", type="string"),
        "revenueType": Field(label="Revenue Type", type="string"),
    }}),
    ("setOnce", "Set Once", _O, {"additional_properties": True, "properties": {
        key: Field(label=key, type="string") for key in (
            "initial_referrer", "initial_utm_source", "initial_utm_medium",
            "initial_utm_campaign", "initial_utm_term", "initial_utm_content",
        )
    }}),
    ("setAlways", "Set Always", _O, {"additional_properties": True, "properties": {
        key: Field(label=key, type="string") for key in (
            "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
        )
    }}),
    ("add", "Add", _O, {"additional_properties": True}),
    ("use_batch_endpoint", "Use Batch Endpoint", _B, {}),
    ("userAgent", "User Agent", _S, {}),
    ("userAgentParsing", "User Agent Parsing", _B, {}),
    ("includeRawUserAgent", "Include Raw User Agent", _B, {}),
    ("min_id_length", "Minimum ID Length", _I, {"allow_null": True}),
    ("userAgentData", "User Agent Data", _O, {"properties": {
        "model": Field(label="Model", type="string"),
        "platformVersion": Field(label="PlatformVersion", type="string"),
    }}),
]  # fmt: skip

LOG_EVENT_V2_FIELDS = {key: Field(label=label, type=kind, **extra) for key, label, kind, extra in FIELD_TABLE}


def typical_payload(n: int) -> dict[str, Any]:
    """What the default mapping yields for a web track event (analytics.js), with small variations."""
    return {
        "user_id": f"user-{n}",
        "device_id": "anon-2f0a1b9c-8d1e-4e77-a1f3-0c9b7e5d2a11",
        "event_type": "Product Viewed",
        "time": "2024-01-15T12:00:00.000Z",
        "event_properties": {"product_id": "p-123", "price": 19.99, "currency": "USD", "tags": ["a", "b"]},
        "user_properties": {},
        "platform": "Web",
        "os_name": "Mac OS",
        "os_version": "10.15.7",
        "device_model": "Macintosh",
        "country": "United States",
        "region": "California",
        "city": "San Francisco",
        "language": "en-US",
        "location_lat": 37.7749,
        "location_lng": -122.4194,
        "ip": "203.0.113.7",
        "library": "analytics.js",
        "library2": {"behavior": "use_mapping", "mapping": "analytics.js"},
        "setOnce": {"initial_referrer": "https://example.com/", "initial_utm_source": "newsletter"},
        "setAlways": {"referrer": "https://example.com/", "utm_source": "newsletter"},
        "use_batch_endpoint": False,
        "userAgent": (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
        ),
        "userAgentParsing": True,
        "includeRawUserAgent": False,
        "utm_properties": {"utm_source": "newsletter"},  # not a logEventV2 field: removed
        "userAgentData": {"model": "", "platformVersion": "14.2.0"},
        "session_id": 1705320000000 + n,
    }


def purchase_payload(n: int) -> dict[str, Any]:
    """A mapped "Order Completed" with products, coercions and empty values to remove."""
    payload = typical_payload(n)
    payload.update(
        event_type="Order Completed",
        revenue="59.97",  # coerced to a number
        quantity=3,
        products=[
            {"price": 19.99, "quantity": "1", "productId": "p-1", "revenueType": None, "name": "kept"},
            {"price": 39.98, "quantity": 2, "productId": 42},
        ],
        insert_id="",  # removed (root-level "")
        event_id=None,  # removed (null, not allowed)
    )
    return payload


def median_rate(
    step: Callable[[dict[str, Any]], object], payloads: list[dict[str, Any]], seconds: float
) -> float:
    """Payloads per second, median of 5 runs of at least ``seconds`` each."""
    rates = []
    for _ in range(5):
        done = 0
        start = time.perf_counter()
        while True:
            for payload in payloads:
                step(payload)
            done += len(payloads)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(done / elapsed)
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="minimum duration of each of the 5 runs")
    args = parser.parse_args()

    validator = PayloadValidator(LOG_EVENT_V2_FIELDS)
    typical = [typical_payload(n) for n in range(100)]
    purchases = [purchase_payload(n) for n in range(100)]
    validator.clean(typical[0])  # sanity: both kinds are valid
    validator.clean(purchases[0])

    print(f"Log Event V2: {len(LOG_EVENT_V2_FIELDS)} fields; payloads of {len(typical[0])} keys")
    for name, step, payloads in (
        ("clean (typical track)", validator.clean, typical),
        ("clean (purchase, coercions)", validator.clean, purchases),
        ("validate only (typical)", validator.validate, typical),
    ):
        rate = median_rate(step, payloads, args.seconds)
        print(f"{name:<30} {rate:>12,.0f} payloads/s  {1e6 / rate:8.2f} us/payload")


if __name__ == "__main__":
    main()

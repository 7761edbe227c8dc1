"""Benchmark ``transform`` with Amplitude's logEventV2 default mapping over varied track events.

Generates 100,000 realistic track events (seeded, so every run sees the same data), maps each
with ``actions.mapping.transform`` and prints events/second for 5 runs and their median.
Run: ``.venv/bin/python benchmarks/bench_mapping.py [--events N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from typing import Any

from actions import mapping
from actions.mapping import transform

# The default mapping of Amplitude's "Log Event V2" action, as the reference builds it
# (copied from an `effective_mapping` in destinations/amplitude/tests/conformance/cases.jsonl).
LOG_EVENT_V2_MAPPING: dict[str, Any] = {
    "user_id": {"@path": "$.userId"},
    "device_id": {
        "@if": {
            "exists": {"@path": "$.context.device.id"},
            "then": {"@path": "$.context.device.id"},
            "else": {"@path": "$.anonymousId"},
        }
    },
    "event_type": {"@path": "$.event"},
    "session_id": {"@path": "$.integrations.Actions Amplitude.session_id"},
    "time": {"@path": "$.timestamp"},
    "event_properties": {"@path": "$.properties"},
    "user_properties": {"@path": "$.traits"},
    "app_version": {"@path": "$.context.app.version"},
    "platform": {"@path": "$.context.device.type"},
    "os_name": {"@path": "$.context.os.name"},
    "os_version": {"@path": "$.context.os.version"},
    "device_brand": {"@path": "$.context.device.brand"},
    "device_manufacturer": {"@path": "$.context.device.manufacturer"},
    "device_model": {"@path": "$.context.device.model"},
    "carrier": {"@path": "$.context.network.carrier"},
    "country": {"@path": "$.context.location.country"},
    "region": {"@path": "$.context.location.region"},
    "city": {"@path": "$.context.location.city"},
    "language": {"@path": "$.context.locale"},
    "price": {"@path": "$.properties.price"},
    "quantity": {"@path": "$.properties.quantity"},
    "revenue": {"@path": "$.properties.revenue"},
    "productId": {"@path": "$.properties.productId"},
    "revenueType": {"@path": "$.properties.revenueType"},
    "location_lat": {"@path": "$.context.location.latitude"},
    "location_lng": {"@path": "$.context.location.longitude"},
    "ip": {"@path": "$.context.ip"},
    "idfa": {
        "@if": {
            "exists": {"@path": "$.context.device.advertisingId"},
            "then": {"@path": "$.context.device.advertisingId"},
            "else": {"@path": "$.context.device.idfa"},
        }
    },
    "idfv": {"@path": "$.context.device.id"},
    "adid": {
        "@if": {
            "exists": {"@path": "$.context.device.advertisingId"},
            "then": {"@path": "$.context.device.advertisingId"},
            "else": {"@path": "$.context.device.idfa"},
        }
    },
    "library": {"@path": "$.context.library.name"},
    "library2": {"behavior": "use_mapping", "mapping": {"@path": "$.context.library.name"}},
    "products": {
        "@arrayPath": [
            "$.properties.products",
            {
                "price": {"@path": "price"},
                "revenue": {"@path": "revenue"},
                "quantity": {"@path": "quantity"},
                "productId": {"@path": "productId"},
                "revenueType": {"@path": "revenueType"},
            },
        ]
    },
    "setOnce": {
        "initial_referrer": {"@path": "$.context.page.referrer"},
        "initial_utm_source": {"@path": "$.context.campaign.source"},
        "initial_utm_medium": {"@path": "$.context.campaign.medium"},
        "initial_utm_campaign": {"@path": "$.context.campaign.name"},
        "initial_utm_term": {"@path": "$.context.campaign.term"},
        "initial_utm_content": {"@path": "$.context.campaign.content"},
    },
    "setAlways": {
        "referrer": {"@path": "$.context.page.referrer"},
        "utm_source": {"@path": "$.context.campaign.source"},
        "utm_medium": {"@path": "$.context.campaign.medium"},
        "utm_campaign": {"@path": "$.context.campaign.name"},
        "utm_term": {"@path": "$.context.campaign.term"},
        "utm_content": {"@path": "$.context.campaign.content"},
    },
    "use_batch_endpoint": False,
    "userAgent": {"@path": "$.context.userAgent"},
    "userAgentParsing": True,
    "includeRawUserAgent": False,
    "userAgentData": {
        "model": {"@path": "$.context.userAgentData.model"},
        "platformVersion": {"@path": "$.context.userAgentData.platformVersion"},
    },
}

EVENT_NAMES = [
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Order Completed",
    "Signed Up",
    "Video Played",
    "Search Performed",
    "Page Scrolled",
    "Button Clicked",
    "Plan Upgraded",
]
LIBRARIES = [
    ("analytics.js", "4.1.0"),
    ("analytics-ios", "4.1.5"),
    ("analytics-android", "4.10.4"),
    ("analytics-node", "6.2.0"),
    ("analytics-python", "2.2.2"),
]
DEVICES = [
    ("ios", "Apple", "iPhone14,2", "iOS", "17.2"),
    ("android", "Samsung", "SM-G991B", "Android", "14"),
    ("android", "Google", "Pixel 8", "Android", "14"),
    (None, None, None, "Mac OS X", "14.2.1"),
    (None, None, None, "Windows", "10"),
]
CITIES = [
    ("San Francisco", "United States", "CA"),
    ("Berlin", "Germany", "BE"),
    ("Paris", "France", "IDF"),
    ("Tokyo", "Japan", "13"),
    ("São Paulo", "Brazil", "SP"),
]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
    "Safari/605.1.15",
]


def make_event(rng: random.Random, index: int) -> dict[str, Any]:
    """One track event with the optional parts a real source sometimes sends and sometimes omits."""
    device_type, brand, model, os_name, os_version = rng.choice(DEVICES)
    city, country, region = rng.choice(CITIES)
    library, version = rng.choice(LIBRARIES)
    properties: dict[str, Any] = {
        "category": rng.choice(["shoes", "hats", "bags"]),
        "value": rng.randint(1, 500),
    }
    if rng.random() < 0.4:
        properties.update(
            price=round(rng.uniform(1, 300), 2), quantity=rng.randint(1, 5), productId=f"sku-{index % 997}"
        )
    if rng.random() < 0.2:
        properties["revenue"] = round(rng.uniform(10, 900), 2)
        properties["revenueType"] = rng.choice(["purchase", "refund"])
        properties["products"] = [
            {
                "productId": f"p-{rng.randint(1, 99)}",
                "price": round(rng.uniform(1, 99), 2),
                "quantity": rng.randint(1, 3),
            }
            for _ in range(rng.randint(1, 4))
        ]
    context: dict[str, Any] = {
        "ip": f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "library": {"name": library, "version": version},
        "locale": rng.choice(["en-US", "de-DE", "fr-FR", "ja-JP", "pt-BR"]),
        "location": {
            "city": city,
            "country": country,
            "region": region,
            "latitude": rng.uniform(-90, 90),
            "longitude": rng.uniform(-180, 180),
        },
        "os": {"name": os_name, "version": os_version},
        "timezone": rng.choice(["America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"]),
        "userAgent": rng.choice(USER_AGENTS),
    }
    if device_type:
        context["device"] = {
            "type": device_type,
            "manufacturer": brand,
            "model": model,
            "id": f"dev-{index % 5000}",
        }
        if rng.random() < 0.5:
            context["device"]["advertisingId"] = f"ad-{index % 3000}"
        context["app"] = {
            "version": f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.0",
            "build": str(rng.randint(100, 999)),
        }
        context["network"] = {
            "carrier": rng.choice(["T-Mobile", "Vodafone", "NTT"]),
            "wifi": rng.random() < 0.5,
        }
    else:
        context["page"] = {
            "path": "/pricing",
            "referrer": rng.choice(["", "https://google.com/"]),
            "title": "Pricing",
            "url": "https://example.com/pricing",
        }
        if rng.random() < 0.3:
            context["campaign"] = {"source": "newsletter", "medium": "email", "name": f"spring-{index % 7}"}
    event: dict[str, Any] = {
        "type": "track",
        "event": rng.choice(EVENT_NAMES),
        "messageId": f"msg-{index:08d}",
        "anonymousId": f"anon-{index % 20000}",
        "timestamp": f"2024-01-{1 + index % 28:02d}T{index % 24:02d}:{index % 60:02d}:00.000Z",
        "properties": properties,
        "context": context,
        "integrations": {"Actions Amplitude": {"session_id": 1705320000000 + index}}
        if rng.random() < 0.3
        else {},
    }
    if rng.random() < 0.7:
        event["userId"] = f"user-{index % 10000}"
        event["traits"] = {"plan": rng.choice(["free", "pro", "enterprise"]), "logins": rng.randint(1, 90)}
    return event


def run_transform(events: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for event in events:
        transform(LOG_EVENT_V2_MAPPING, event)
    return len(events) / (time.perf_counter() - start)


def run_compiled(events: list[dict[str, Any]]) -> float:
    mapped = mapping.compile(LOG_EVENT_V2_MAPPING)
    start = time.perf_counter()
    for event in events:
        mapped(event)
    return len(events) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--compiled", action="store_true", help="also time a compile()d function (no per-call cache lookup)"
    )
    args = parser.parse_args()
    rng = random.Random(20240115)
    events = [make_event(rng, index) for index in range(args.events)]
    mapping.compile(LOG_EVENT_V2_MAPPING)  # compile (and cache) once, as a long-running process would
    print(f"CPython {platform.python_version()} on {platform.machine()}; {len(events):,} track events")
    runners = [("transform", run_transform)] + ([("compiled", run_compiled)] if args.compiled else [])
    for label, runner in runners:
        rates = []
        for number in range(1, args.runs + 1):
            rate = runner(events)
            rates.append(rate)
            print(f"{label} run {number}: {rate:,.0f} events/s")
        print(f"{label} median: {statistics.median(rates):,.0f} events/s")


if __name__ == "__main__":
    main()

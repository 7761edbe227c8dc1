"""Benchmark subscription filters: parse (cold, cached) and Filter.matches per event. Prints ns per call."""

from __future__ import annotations

import platform
import timeit

from actions._subscriptions import _parse_cached, parse_filter

TRACK = {
    "type": "track",
    "event": "Product Viewed",
    "userId": "user-1",
    "properties": {"price": 120, "name": "Nike Air", "items": [{"id": 1}]},
    "context": {"ip": "1.1.1.1", "traits": {"plan": "pro"}},
}
EVENTS = {
    "track": TRACK,
    "order": {**TRACK, "event": "Order Completed"},
    "identify": {"type": "identify", "userId": "user-1", "traits": {"email": "a@b.c"}},
}
FILTERS = {
    "Track Calls preset": 'type = "track" and event != "Order Completed"',
    "Page Calls preset": 'type = "page"',
    "default (5 types)": " or ".join(
        f'type = "{t}"' for t in ("track", "identify", "group", "page", "alias")
    ),
    "property >=": 'type = "track" and properties.price >= 100',
    "list index path": "properties.items.0.id = 1",
    "contains + match": 'contains(properties.name, "Nike") and match(context.ip, "1.*")',
    "mixed 5 conditions": '(event = "A" or event = "B" or event = "Product Viewed") and userId != null '
    'and !contains(event, "x")',
}


def best_ns(stmt: str, env: dict[str, object], number: int) -> float:
    return min(timeit.repeat(stmt, globals=env, number=number, repeat=7)) / number * 1e9


def main() -> None:
    print(f"CPython {platform.python_version()} on {platform.machine()}")
    baseline = best_ns("f(e)", {"f": lambda e: True, "e": TRACK}, 500_000)
    print(f"(calling a no-op lambda costs {baseline:.0f} ns; included below)")
    for label, text in FILTERS.items():
        cold = best_ns(
            "clear(); parse(t)", {"clear": _parse_cached.cache_clear, "parse": parse_filter, "t": text}, 500
        )
        cached = best_ns("parse(t)", {"parse": parse_filter, "t": text}, 200_000)
        matches = parse_filter(text).matches
        per_event = {
            name: best_ns("m(e)", {"m": matches, "e": event}, 200_000) for name, event in EVENTS.items()
        }
        spread = "  ".join(f"{name} {ns:4.0f}" for name, ns in per_event.items())
        print(f"{label:20} parse {cold / 1000:5.1f} us  cached {cached:3.0f} ns  matches ns: {spread}")


if __name__ == "__main__":
    main()

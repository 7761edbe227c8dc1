"""Regenerate the example files in this folder (seeded: the output is the same on every run).

``python examples/make_examples.py`` writes:

- ``events.ndjson``: a few hundred Segment events of every type, as a website and a mobile app
  would send them (the README's main job: everything is delivered, or filtered where no preset
  subscribes).
- ``messy-events.ndjson``: the same feed with the lines a real one also has: lines that are not
  events (broken JSON, an array, an object with no ``type``) and events Amplitude cannot take (a
  track call with no name, a group call with no group id, an unparseable timestamp, a user id
  shorter than Amplitude's minimum), so a run shows every outcome, dead letters included.
- ``amplitude-subscriptions.json``: the Amplitude presets spelled out, plus Group and Alias
  calls (which have no preset), ready to edit.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

WEB_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
]
PRODUCTS = [
    {
        "product_id": "sku-1001",
        "sku": "TEE-BLK-M",
        "name": "Black T-shirt",
        "price": 19.99,
        "category": "tops",
    },
    {"product_id": "sku-2002", "sku": "CAP-RED", "name": "Red cap", "price": 14.5, "category": "hats"},
    {"product_id": "sku-3003", "sku": "BAG-CNV", "name": "Canvas bag", "price": 34.0, "category": "bags"},
]
PAGES = [("Home", "/"), ("Product", "/products/black-t-shirt"), ("Cart", "/cart"), ("Pricing", "/pricing")]
SCREENS = ["Home", "Search", "Product Detail", "Settings"]
TRACKS = [
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Products Searched",
    "Signed Up",
    "Video Played",
]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.clock = 1_764_403_200_000  # 2025-11-29T08:00:00Z, in ms

    def _base(self, user: str | None, anonymous: str, mobile: bool) -> dict[str, Any]:
        self.count += 1
        self.clock += self.rng.randrange(200, 90_000)
        stamp = _iso(self.clock)
        event: dict[str, Any] = {
            "messageId": f"ex-{self.count:05d}-{self.rng.randrange(16**8):08x}",
            "anonymousId": anonymous,
            "timestamp": stamp,
            "sentAt": stamp,
            "context": self._context(mobile),
        }
        if user is not None:
            event["userId"] = user
        return event

    def _context(self, mobile: bool) -> dict[str, Any]:
        context: dict[str, Any] = {
            "ip": f"203.0.113.{self.rng.randrange(1, 255)}",
            "locale": self.rng.choice(["en-US", "fr-FR", "de-DE", "ja-JP"]),
            "timezone": self.rng.choice(["America/New_York", "Europe/Paris", "Asia/Tokyo"]),
        }
        if mobile:
            context.update(
                app={"name": "Shop", "version": self.rng.choice(["4.2.0", "4.3.1"]), "build": "431"},
                device={
                    "id": f"device-{self.rng.randrange(10**6):06d}",
                    "manufacturer": "Apple",
                    "model": "iPhone15,2",
                    "type": "ios",
                },
                os={"name": "iOS", "version": "17.1"},
                library={"name": "analytics-ios", "version": "4.1.8"},
            )
        else:
            path = self.rng.choice(PAGES)[1]
            context.update(
                userAgent=self.rng.choice(WEB_AGENTS),
                library={"name": "analytics.js", "version": "next-1.64.0"},
                page={
                    "path": path,
                    "url": f"https://shop.example.com{path}",
                    "title": "Example Shop",
                    "referrer": self.rng.choice(["", "https://www.google.com/", "https://news.example.org/"]),
                    "search": self.rng.choice(
                        ["", "?utm_source=newsletter&utm_medium=email&utm_campaign=fall"]
                    ),
                },
            )
            if "utm_source" in context["page"]["search"]:
                context["campaign"] = {"source": "newsletter", "medium": "email", "name": "fall"}
        return context

    def session(self) -> list[dict[str, Any]]:
        """What one visitor does in one visit."""
        rng = self.rng
        user = f"user-{rng.randrange(1000, 9999)}" if rng.random() < 0.7 else None
        anonymous = f"anon-{rng.randrange(16**12):012x}"
        mobile = rng.random() < 0.35
        out = []
        for _ in range(rng.randrange(2, 6)):
            roll = rng.random()
            event = self._base(user, anonymous, mobile)
            if mobile and roll < 0.3:
                event.update(
                    type="screen", name=rng.choice(SCREENS), properties={"variant": rng.choice("AB")}
                )
            elif not mobile and roll < 0.3:
                name, path = rng.choice(PAGES)
                event.update(
                    type="page", name=name, properties={"path": path, "title": f"{name} - Example Shop"}
                )
            else:
                product = rng.choice(PRODUCTS)
                event.update(
                    type="track", event=rng.choice(TRACKS), properties={**product, "currency": "USD"}
                )
            out.append(event)
        if user is not None and rng.random() < 0.5:
            event = self._base(user, anonymous, mobile)
            event.update(
                type="identify",
                traits={
                    "email": f"{user}@example.com",
                    "plan": rng.choice(["free", "pro"]),
                    "name": rng.choice(["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
                },
            )
            out.append(event)
        if user is not None and rng.random() < 0.25:
            products = rng.sample(PRODUCTS, rng.randrange(1, 3))
            event = self._base(user, anonymous, mobile)
            revenue = round(sum(p["price"] for p in products), 2)
            event.update(
                type="track",
                event="Order Completed",
                properties={
                    "order_id": f"order-{self.count}",
                    "revenue": revenue,
                    "currency": "USD",
                    "products": [{**p, "quantity": rng.randrange(1, 3)} for p in products],
                },
            )
            out.append(event)
        if user is not None and rng.random() < 0.15:
            event = self._base(user, anonymous, mobile)
            event.update(
                type="group",
                groupId=f"company-{rng.randrange(100, 999)}",
                traits={
                    "name": rng.choice(["Acme", "Globex", "Initech"]),
                    "employees": rng.randrange(5, 500),
                },
            )
            out.append(event)
        if user is not None and rng.random() < 0.08:
            event = self._base(user, anonymous, mobile)
            event.update(type="alias", previousId=anonymous)
            out.append(event)
        return out

    def problems(self) -> list[str]:
        """Lines a real feed also has: not JSON, not events, and events Amplitude rejects."""
        track = self._base("user-4242", "anon-problems", False)
        lines = [
            '{"type": "track", "event": "Cut off mid-write", "userId": "user-1',
            json.dumps([{"type": "track", "event": "An array, not an event"}]),
            json.dumps({"event": "No type at all", "userId": "user-5150"}),
            json.dumps({**track, "type": "track", "properties": {"note": "no event name"}}),
            json.dumps(
                {
                    **self._base("user-4243", "anon-problems", False),
                    "type": "group",
                    "traits": {"name": "No id"},
                }
            ),
            json.dumps(
                {
                    **self._base("user-4244", "anon-problems", False),
                    "type": "track",
                    "event": "Bad time",
                    "timestamp": "sometime last week",
                }
            ),
            json.dumps({**self._base("u1", "a1", True), "type": "track", "event": "Short ids"}),
        ]
        return lines


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def make_events(path: Path, *, with_problems: bool, sessions: int = 90) -> int:
    generator = Generator(seed=2025)
    lines = [json.dumps(event, ensure_ascii=False) for _ in range(sessions) for event in generator.session()]
    problems = generator.problems() if with_problems else []
    # Spread the problem lines through the file, as they would arrive.
    step = len(lines) // (len(problems) + 1)
    for index, problem in enumerate(problems, 1):
        lines.insert(index * step + index - 1, problem)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def make_subscriptions(path: Path) -> None:
    from actions_amplitude import destination

    subscriptions = [
        {"name": s.name, "subscribe": s.subscribe, "action": s.action, "mapping": s.mapping}
        for s in destination.default_subscriptions()
    ]
    group = destination.action("groupIdentifyUser").default_mapping
    subscriptions.append(
        {
            "name": "Group Calls",
            "subscribe": 'type = "group"',
            "action": "groupIdentifyUser",
            "mapping": {**group, "group_type": "company", "group_value": {"@path": "$.groupId"}},
        }
    )
    subscriptions.append(
        {
            "name": "Alias Calls",
            "subscribe": 'type = "alias"',
            "action": "mapUser",
            "mapping": destination.action("mapUser").default_mapping,
        }
    )
    path.write_text(json.dumps({"subscriptions": subscriptions}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    clean = make_events(HERE / "events.ndjson", with_problems=False)
    messy = make_events(HERE / "messy-events.ndjson", with_problems=True)
    make_subscriptions(HERE / "amplitude-subscriptions.json")
    print(f"wrote events.ndjson ({clean} lines), messy-events.ndjson ({messy}), amplitude-subscriptions.json")

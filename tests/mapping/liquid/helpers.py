"""What the Liquid tests share: a payload to render against, and rendering at a fixed time."""

from __future__ import annotations

from typing import Any

from actions import use_clock
from actions.mapping import transform

PAYLOAD = {
    "properties": {
        "name": "Ada Lovelace",
        "n": 3,
        "price": 9.5,
        "list": ["a", "b", 1.0],
        "nested": {"k": "v", "nil": "not a keyword here"},
        "nil": None,
        "when": "2024-03-05T10:20:30Z",
    }
}


def render(template: str, payload: Any = None, *, now: str = "2024-01-15T12:00:00Z") -> Any:
    """What ``{"@liquid": template}`` gives for ``payload`` (by default :data:`PAYLOAD`) at ``now``."""
    with use_clock(now):
        result = transform({"out": {"@liquid": template}}, PAYLOAD if payload is None else payload)
    return result.get("out")

"""Small builders shared by the queue tests and the crash test's child process."""

from __future__ import annotations

from collections.abc import Sequence

from actions.queues import Accepted, Delivery, Queue


def accepted(
    ids: Sequence[str], destinations: tuple[str, ...] = ("amplitude",), source: str = "web"
) -> list[Accepted]:
    """One track event per message id, to ``destinations``."""
    return [
        Accepted(source, mid, {"type": "track", "event": "Bought", "messageId": mid}, destinations)
        for mid in ids
    ]


async def take_all(queue: Queue, destination: str) -> list[Delivery]:
    """Every delivery of ``destination`` that can be taken now, leased in batches."""
    taken: list[Delivery] = []
    while batch := await queue.take(destination, 1000):
        taken.extend(batch)
    return taken


def message_ids(deliveries: Sequence[Delivery]) -> list[str]:
    return [d.event["messageId"] for d in deliveries]

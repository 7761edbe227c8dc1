"""The Queue contract, for every backend in conftest.BACKENDS: what ingestion and delivery rely on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from actions.queues import Queue, QueueFull, Settled
from queue_helpers import accepted, message_ids, take_all

Opener = Callable[..., Queue]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_put_then_take_gives_each_destination_every_event_oldest_first(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        assert await queue.put(accepted(["m1", "m2"], ("amplitude", "webhook"))) == [True, True]
        assert await queue.put(accepted(["m3"], ("amplitude",))) == [True]
        amplitude = await queue.take("amplitude", 10)
        webhook = await queue.take("webhook", 10)
        assert message_ids(amplitude) == ["m1", "m2", "m3"]
        assert message_ids(webhook) == ["m1", "m2"]
        assert [d.seq for d in amplitude] == sorted(d.seq for d in amplitude)
        assert [d.seq for d in webhook] == [d.seq for d in amplitude[:2]]
        first = amplitude[0]
        assert (first.destination, first.source, first.attempts) == ("amplitude", "web", 0)
        assert first.event == {"type": "track", "event": "Bought", "messageId": "m1"}
        assert abs(first.received_at - _now_ms()) < 60_000
        await queue.close()

    asyncio.run(main())


def test_a_leased_delivery_is_not_taken_again_until_released(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted([f"m{i}" for i in range(5)]))
        first = await queue.take("amplitude", 2)
        second = await queue.take("amplitude", 2)
        third = await queue.take("amplitude", 2)
        assert [message_ids(b) for b in (first, second, third)] == [["m0", "m1"], ["m2", "m3"], ["m4"]]
        assert await queue.take("amplitude", 10) == []
        queue.release("amplitude", [d.id for d in second])
        again = await queue.take("amplitude", 10)
        assert message_ids(again) == ["m2", "m3"]
        assert [d.attempts for d in again] == [1, 1]
        assert await queue.take("amplitude", 10) == []
        await queue.close()

    asyncio.run(main())


def test_released_events_come_back_before_newer_ones(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1", "m2"]))
        taken = await queue.take("amplitude", 1)
        await queue.put(accepted(["m3"]))
        queue.release("amplitude", [taken[0].id])
        assert message_ids(await take_all(queue, "amplitude")) == ["m1", "m2", "m3"]
        await queue.close()

    asyncio.run(main())


def test_settled_events_are_not_taken_again_and_are_counted(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1", "m2", "m3", "m4"], ("amplitude", "webhook")))
        one, two, three, _ = await queue.take("amplitude", 10)
        queue.settle(
            "amplitude",
            [
                Settled(one.id, "delivered"),
                Settled(two.id, "filtered"),
                Settled(three.id, "dead", "HTTP_400", {"status": 400}),
            ],
        )
        queue.release("amplitude", [one.id, two.id, three.id])  # settled already: nothing to give back
        assert await queue.take("amplitude", 10) == []
        stats = await queue.stats()
        assert stats.events == 4
        assert stats.states["amplitude"] == {"pending": 1, "delivered": 1, "filtered": 1, "dead": 1}
        assert stats.states["webhook"] == {"pending": 4, "delivered": 0, "filtered": 0, "dead": 0}
        await queue.close()

    asyncio.run(main())


def test_a_settle_of_an_event_not_leased_changes_nothing(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1"]))
        [delivery] = await queue.take("amplitude", 10)
        queue.settle("amplitude", [Settled(delivery.id, "delivered")])
        queue.settle("amplitude", [Settled(delivery.id, "dead", "HTTP_500")])  # twice: the first stands
        stats = await queue.stats()
        assert stats.states["amplitude"] == {"pending": 0, "delivered": 1, "filtered": 0, "dead": 0}
        assert await queue.dead() == []
        await queue.close()

    asyncio.run(main())


def test_a_repeated_message_id_of_the_same_source_is_accepted_but_not_stored(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        assert await queue.put(accepted(["m1", "m2", "m1"])) == [True, True, False]
        assert await queue.put(accepted(["m2", "m3"])) == [False, True]
        assert await queue.put(accepted(["m1"], source="ios")) == [True]  # another source's m1
        deliveries = await take_all(queue, "amplitude")
        assert [(d.source, d.event["messageId"]) for d in deliveries] == [
            ("web", "m1"),
            ("web", "m2"),
            ("web", "m3"),
            ("ios", "m1"),
        ]
        assert (await queue.stats()).events == 4
        await queue.close()

    asyncio.run(main())


def test_dedup_keys_are_pruned_past_the_window_and_survive_a_restart(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue(dedup_window_s=3600)
        await queue.put(accepted(["m1", "m2"]))
        await queue.close()
        queue = open_test_queue(dedup_window_s=3600)
        assert await queue.put(accepted(["m1"])) == [False]
        await queue.prune(_now_ms() + 3_601_000)
        assert await queue.put(accepted(["m1", "m2"])) == [True, True]
        assert message_ids(await take_all(queue, "amplitude")) == ["m1", "m2", "m1", "m2"]
        await queue.close()

    asyncio.run(main())


def test_take_waits_for_a_put_and_is_woken_by_it(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        assert await queue.take("amplitude", 10, wait=0) == []
        waiting = asyncio.create_task(queue.take("amplitude", 10, wait=300))
        await asyncio.sleep(0)
        assert not waiting.done()
        await queue.put(accepted(["m1"], ("webhook",)))  # another destination's event wakes nobody here
        await queue.put(accepted(["m2"]))
        # The timeout only keeps a broken wake-up from hanging the suite; a woken take returns at once.
        assert message_ids(await asyncio.wait_for(waiting, 60)) == ["m2"]
        await queue.close()

    asyncio.run(main())


def test_take_with_a_short_wait_returns_empty(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        assert await queue.take("amplitude", 10, wait=0.01) == []
        await queue.close()

    asyncio.run(main())


def test_the_bound_refuses_a_whole_put_for_a_full_destination_and_stores_nothing(
    open_test_queue: Opener,
) -> None:
    async def main() -> None:
        queue = open_test_queue(max_pending=3)
        await queue.put(accepted(["m1", "m2"], ("amplitude", "webhook")))
        with pytest.raises(QueueFull) as refused:
            await queue.put(accepted(["m3", "m4"], ("amplitude", "webhook")))
        assert "amplitude" in str(refused.value) and "3" in str(refused.value)
        assert refused.value.retry_after >= 1
        stats = await queue.stats()
        assert (stats.events, stats.states["amplitude"]["pending"]) == (2, 2)
        assert await queue.put(accepted(["m5"], ("webhook",))) == [True]
        # Draining one destination makes room for it, and the refused events were never stored.
        [first, _] = await queue.take("amplitude", 10)
        queue.settle("amplitude", [Settled(first.id, "delivered")])
        assert await queue.put(accepted(["m3", "m4"], ("amplitude",))) == [True, True]
        assert message_ids(await take_all(queue, "amplitude")) == ["m3", "m4"]
        await queue.close()

    asyncio.run(main())


def test_taken_but_unsettled_events_count_against_the_bound(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue(max_pending=2)
        await queue.put(accepted(["m1", "m2"]))
        await queue.take("amplitude", 10)
        with pytest.raises(QueueFull):
            await queue.put(accepted(["m3"]))
        await queue.close()

    asyncio.run(main())


def _settle_dead(queue: Queue, deliveries: list, reasons: list[str]) -> None:  # type: ignore[type-arg]
    queue.settle(
        deliveries[0].destination,
        [
            Settled(d.id, "dead", reason, {"reason": reason, "message": "no"}, attempts=3)
            for d, reason in zip(deliveries, reasons, strict=True)
        ],
    )


def test_dead_letters_are_listed_by_destination_reason_and_time(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        before = _now_ms()
        await queue.put(accepted(["m1", "m2", "m3"], ("amplitude", "webhook")))
        _settle_dead(queue, await queue.take("amplitude", 10), ["HTTP_400", "HTTP_400", "MAPPING_FAILED"])
        _settle_dead(queue, await queue.take("webhook", 1), ["HTTP_400"])
        after = _now_ms() + 1
        everything = await queue.dead()
        assert [(d.destination, d.event["messageId"], d.reason) for d in everything] == [
            ("amplitude", "m1", "HTTP_400"),
            ("webhook", "m1", "HTTP_400"),
            ("amplitude", "m2", "HTTP_400"),
            ("amplitude", "m3", "MAPPING_FAILED"),
        ]
        one = everything[0]
        assert one.detail == {"reason": "HTTP_400", "message": "no"}
        assert (one.attempts, one.source) == (3, "web")
        assert before <= one.settled_at <= after and one.received_at <= one.settled_at
        assert len(await queue.dead(destination="amplitude")) == 3
        assert len(await queue.dead(destination="amplitude", reason="HTTP_400")) == 2
        assert len(await queue.dead(since_ms=before, until_ms=after)) == 4
        assert await queue.dead(since_ms=after) == []
        assert await queue.dead(until_ms=before) == []
        assert len(await queue.dead(limit=1)) == 1
        await queue.close()

    asyncio.run(main())


def test_requeued_dead_letters_are_taken_again_and_leave_the_dead_list(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1", "m2", "m3"], ("amplitude", "webhook")))
        _settle_dead(queue, await queue.take("amplitude", 10), ["HTTP_400", "HTTP_500", "HTTP_500"])
        _settle_dead(queue, await queue.take("webhook", 10), ["HTTP_500", "HTTP_500", "HTTP_500"])
        assert await queue.requeue(destination="amplitude", reason="HTTP_500") == 2
        assert message_ids(await take_all(queue, "amplitude")) == ["m2", "m3"]
        assert await take_all(queue, "webhook") == []
        [m1] = await queue.dead(destination="amplitude")
        webhook_dead = await queue.dead(destination="webhook")
        assert await queue.requeue(ids=[webhook_dead[0].id, m1.id]) == 2
        assert message_ids(await take_all(queue, "webhook")) == ["m1"]
        assert message_ids(await take_all(queue, "amplitude")) == ["m1"]
        assert await queue.requeue(ids=[m1.id]) == 0  # pending again, not dead: nothing to requeue
        stats = await queue.stats()
        assert stats.states["amplitude"] == {"pending": 3, "delivered": 0, "filtered": 0, "dead": 0}
        assert stats.states["webhook"] == {"pending": 1, "delivered": 0, "filtered": 0, "dead": 2}
        await queue.close()

    asyncio.run(main())


def test_requeue_filters_by_settle_time(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1"]))
        _settle_dead(queue, await queue.take("amplitude", 10), ["HTTP_400"])
        [dead] = await queue.dead()
        assert await queue.requeue(until_ms=dead.settled_at) == 0
        assert await queue.requeue(since_ms=dead.settled_at + 1) == 0
        assert await queue.requeue(since_ms=dead.settled_at, until_ms=dead.settled_at + 1) == 1
        await queue.close()

    asyncio.run(main())


def test_prune_deletes_what_retention_allows_and_keeps_the_rest(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue(retention_s=60)
        await queue.put(accepted(["m1", "m2", "m3", "m4"], ("amplitude", "webhook")))
        a1, a2, a3, _ = await queue.take("amplitude", 10)
        w1, w2 = await queue.take("webhook", 2)
        queue.settle("amplitude", [Settled(a1.id, "delivered"), Settled(a2.id, "filtered")])
        queue.settle("amplitude", [Settled(a3.id, "dead", "HTTP_400")])
        queue.settle("webhook", [Settled(w1.id, "delivered")])
        queue.release("webhook", [w2.id])
        now = _now_ms()
        assert await queue.prune(now) == 0  # not yet past the retention
        # m1 is done everywhere; m2 still waits for the webhook; m3 is dead for amplitude; m4 pending.
        assert await queue.prune(now + 61_000) == 1
        stats = await queue.stats()
        assert stats.events == 3
        assert stats.states["amplitude"] == {"pending": 1, "delivered": 0, "filtered": 0, "dead": 1}
        assert stats.states["webhook"] == {"pending": 3, "delivered": 0, "filtered": 0, "dead": 0}
        assert message_ids(await take_all(queue, "webhook")) == ["m2", "m3", "m4"]
        assert [d.event["messageId"] for d in await queue.dead()] == ["m3"]
        await queue.close()
        reopened = open_test_queue(retention_s=60)
        counted = await reopened.stats()  # counted from the file, as they were kept in memory
        assert (counted.events, counted.states) == (3, stats.states)
        await reopened.close()

    asyncio.run(main())


def test_a_restart_makes_every_unsettled_delivery_pending_again(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted(["m1", "m2", "m3"]))
        m1, m2, _ = await queue.take("amplitude", 10)
        queue.settle("amplitude", [Settled(m1.id, "delivered")])
        before = await queue.stats()
        await queue.close()
        queue = open_test_queue()
        after = await queue.stats()
        assert (after.events, after.states) == (before.events, before.states)
        again = await take_all(queue, "amplitude")
        assert message_ids(again) == ["m2", "m3"]
        assert again[0].id == m2.id
        await queue.close()

    asyncio.run(main())


def test_stats_report_the_size_on_disk(open_test_queue: Opener) -> None:
    async def main() -> None:
        queue = open_test_queue()
        await queue.put(accepted([f"m{i}" for i in range(100)]))
        assert (await queue.stats()).size_bytes > 0
        await queue.close()

    asyncio.run(main())

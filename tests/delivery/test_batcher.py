"""Batching: by count, by bytes, by linger time, by batch keys; and the limits operators may lower."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from actions import Batching
from actions.delivery import Batcher, BatchLimits
from actions.delivery._batcher import batch_key, payload_size


def collect() -> tuple[list[tuple[Hashable, list[int]]], Batcher[int]]:
    released: list[tuple[Hashable, list[int]]] = []
    return released, Batcher(lambda group, items: released.append((group, items)))


def test_batch_is_released_when_it_reaches_max_events() -> None:
    async def go() -> list[tuple[Hashable, list[int]]]:
        released, batcher = collect()
        limits = BatchLimits(max_events=3, linger_s=60)
        for i in range(7):
            batcher.add("g", i, 1, limits)
        assert batcher.pending == 1
        return released

    assert asyncio.run(go()) == [("g", [0, 1, 2]), ("g", [3, 4, 5])]


def test_an_item_that_would_exceed_max_bytes_starts_a_new_batch() -> None:
    async def go() -> list[tuple[Hashable, list[int]]]:
        released, batcher = collect()
        limits = BatchLimits(max_events=100, max_bytes=10, linger_s=60)
        for i, size in enumerate([4, 4, 4, 20, 1]):
            batcher.add("g", i, size, limits)
        batcher.flush()
        return released

    # 4+4 fit, the third 4 would make 12; an oversized item still goes, alone.
    assert asyncio.run(go()) == [("g", [0, 1]), ("g", [2]), ("g", [3]), ("g", [4])]


def test_batch_is_released_after_linger_even_if_not_full() -> None:
    async def go() -> list[tuple[Hashable, list[int]]]:
        released, batcher = collect()
        batcher.add("g", 1, 1, BatchLimits(max_events=100, linger_s=0.05))
        await asyncio.sleep(0.01)
        assert released == []
        await asyncio.sleep(0.2)
        return released

    assert asyncio.run(go()) == [("g", [1])]


def test_groups_are_batched_separately() -> None:
    async def go() -> list[tuple[Hashable, list[int]]]:
        released, batcher = collect()
        limits = BatchLimits(max_events=2, linger_s=60)
        for i, group in enumerate(["a", "b", "a", "b"]):
            batcher.add(group, i, 1, limits)
        return released

    assert asyncio.run(go()) == [("a", [0, 2]), ("b", [1, 3])]


def test_zero_linger_releases_every_item_at_once() -> None:
    async def go() -> list[tuple[Hashable, list[int]]]:
        released, batcher = collect()
        for i in range(2):
            batcher.add("g", i, 1, BatchLimits(max_events=10, linger_s=0))
        return released

    assert asyncio.run(go()) == [("g", [0]), ("g", [1])]


def test_operator_overrides_can_lower_but_not_raise_declared_limits() -> None:
    declared = Batching(max_events=100, max_bytes=1000, linger_s=0.5, keys=("k",))
    lowered = BatchLimits.for_action(declared, max_events=10, max_bytes=50_000, linger_s=2.0)
    assert lowered == BatchLimits(max_events=10, max_bytes=1000, linger_s=2.0, keys=("k",))
    assert BatchLimits.for_action(declared) == BatchLimits(100, 1000, 0.5, ("k",))


def test_batch_key_tells_apart_values_that_python_equates() -> None:
    assert batch_key({"a": 1}, ["a"]) != batch_key({"a": True}, ["a"])
    assert batch_key({"a": {"x": 1, "y": 2}}, ["a"]) == batch_key({"a": {"y": 2, "x": 1}}, ["a"])
    assert batch_key({}, ["a"]) == batch_key({"a": None}, ["a"])


def test_payload_size_is_compact_utf8_json() -> None:
    assert payload_size({"a": 1, "b": [True, None]}) == len(b'{"a":1,"b":[true,null]}')
    for text in ("é", "日本", "😀", "plain"):
        assert payload_size({"a": text}) == len(f'{{"a":"{text}"}}'.encode())


def test_payload_size_measures_what_orjson_refuses_too() -> None:
    assert payload_size({"n": 2**70}) == len(b'{"n":1180591620717411303424}')
    assert payload_size({"s": "a\ud800"}) == len(b'{"s":"a\\ud800"}')
    assert payload_size({1: "x"}) == len(b'{"1":"x"}')

"""Identify batches under transient faults, against the emulator: finding a bad identification
must not cost the valid ones their retries, and retries re-send as few stored ones as they can."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from actions.delivery import BatchOptions, Engine, RetryPolicy
from actions_amplitude import destination
from actions_amplitude.emulator import Emulator, EmulatorConfig

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
FAST = RetryPolicy(max_attempts=4, initial_delay_s=0.001, max_delay_s=0.004, max_elapsed_s=None)


def identifies(count: int, bad_every: int = 0) -> list[dict[str, Any]]:
    events = []
    for i in range(count):
        bad = bad_every and i % bad_every == bad_every // 2
        user = "abc" if bad else f"user-{i:06d}"  # Amplitude refuses ids shorter than 5 characters
        events.append({"type": "identify", "userId": user, "messageId": f"m-{i}", "traits": {"n": i}})
    return events


def run(emulator: Emulator, events: list[dict[str, Any]], retry: RetryPolicy = FAST) -> Engine:
    engine = Engine(
        destination,
        SETTINGS,
        transport=emulator.transport(),
        batching=BatchOptions(linger_s=0.01),
        retry=retry,
    )
    asyncio.run(engine.run(events))
    return engine


def test_isolating_a_bad_identification_under_transient_faults_spends_no_retries_of_the_valid_ones() -> None:
    # Before: 8, 0 and 35 valid identifications of these runs were dead-lettered ("gave up after 5
    # attempts") while the batch they shared with a bad one was halved through the faults.
    policy = RetryPolicy(max_attempts=5, initial_delay_s=0.001, max_delay_s=0.004, max_elapsed_s=None)
    for seed in (1, 2, 3):
        emulator = Emulator(EmulatorConfig(seed=seed, error_rate=0.25, error_after_accept_rate=0.0))
        engine = run(emulator, identifies(3000, bad_every=500), policy)
        valid_dead = [d for d in engine.dead_letters if d["event"]["userId"] != "abc"]
        assert [d["reason"] for d in valid_dead] == [], seed
        assert sorted(d["code"] for d in engine.dead_letters) == ["INVALID_ID_LENGTH"] * 6
        assert (
            engine.report.delivered == len({r.identification["user_id"] for r in emulator.identifies}) == 2994
        )
        assert sum(emulator.stats.faults.values()) > 10  # the faults really were there
        assert engine.report.requests < 200  # isolating through faults stays a few requests per bad item


def test_without_a_bad_identification_the_attempt_budget_still_holds() -> None:
    emulator = Emulator(EmulatorConfig(error_rate=1.0, error_after_accept_rate=0.0))
    engine = run(emulator, identifies(50))
    assert engine.report.dead_lettered == 50
    assert {d["attempts"] for d in engine.dead_letters} == {4}
    assert Counter(d["reason"] for d in engine.dead_letters) == {"gave up after 4 attempts": 50}

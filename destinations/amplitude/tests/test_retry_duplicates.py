"""What a retry after an ambiguous answer stores twice, against the emulator: the window that
docs/destinations/amplitude.md ("Retries and duplicates") documents.

Events carry ``insert_id``, so Amplitude ignores a second copy. The Identify API has no such key:
an identification sent again after an answer that may follow storing (500, 502, 504, a timeout)
is applied again. A 503, a 429 or a dropped connection stored nothing, so its retry is harmless.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from actions.delivery import BatchOptions, Engine, Limits, RetryPolicy
from actions_amplitude import destination
from actions_amplitude.emulator import Emulator, EmulatorConfig, Fault

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
FAST = RetryPolicy(max_attempts=4, initial_delay_s=0.001, max_delay_s=0.004, max_elapsed_s=None)
USERS = 20


def deliver(emulator: Emulator, events: list[dict[str, Any]]) -> Engine:
    engine = Engine(
        destination,
        SETTINGS,
        transport=emulator.transport(),
        batching=BatchOptions(linger_s=0.01),
        retry=FAST,
        limits=Limits(timeout_s=0.5),
    )
    asyncio.run(engine.run(events))
    return engine


def logins(i: int) -> dict[str, Any]:
    """An identify that counts a login: ``$add`` is applied again by every copy Amplitude stores."""
    user = f"user-{i:04d}"
    return {"type": "identify", "userId": user, "messageId": f"m-{i}", "traits": {"$add": {"n": 1}}}


def tracks() -> list[dict[str, Any]]:
    users = [f"user-{i:04d}" for i in range(USERS)]
    return [{"type": "track", "event": "Login", "userId": user, "messageId": f"t-{user}"} for user in users]


AMBIGUOUS = [
    Fault(kind="error", status=500, accept=True),
    Fault(kind="error", status=502, accept=True),
    Fault(kind="error", status=504, accept=True),
    Fault(kind="timeout", delay_s=1.0),
]
STORED_NOTHING = [
    Fault(kind="error", status=503),
    Fault(kind="error", status=500),  # an error before storing: the client cannot tell it from the above
    Fault(kind="throttle"),
    Fault(kind="drop"),
]


@pytest.mark.parametrize("fault", AMBIGUOUS, ids=lambda f: f"{f.kind}-{f.status}")
def test_an_identify_retried_after_an_answer_that_followed_storing_is_applied_twice(fault: Fault) -> None:
    emulator = Emulator(EmulatorConfig())
    emulator.inject(fault)
    engine = deliver(emulator, [logins(i) for i in range(USERS)])
    assert engine.report.delivered == USERS and engine.report.dead_lettered == 0
    stored = Counter(r.identification["user_id"] for r in emulator.identifies)
    assert set(stored.values()) == {2}  # the whole request, once more: the documented window
    assert {emulator.user_properties(f"user-{i:04d}")["n"] for i in range(USERS)} == {2}


@pytest.mark.parametrize("fault", STORED_NOTHING, ids=lambda f: f"{f.kind}-{f.status}")
def test_an_identify_retried_after_a_failure_that_stored_nothing_is_applied_once(fault: Fault) -> None:
    emulator = Emulator(EmulatorConfig())
    emulator.inject(fault)
    engine = deliver(emulator, [logins(i) for i in range(USERS)])
    assert engine.report.delivered == USERS
    assert engine.report.requests >= 2  # it was retried
    assert Counter(r.identification["user_id"] for r in emulator.identifies) == {
        f"user-{i:04d}": 1 for i in range(USERS)
    }
    assert {emulator.user_properties(f"user-{i:04d}")["n"] for i in range(USERS)} == {1}


@pytest.mark.parametrize("fault", AMBIGUOUS, ids=lambda f: f"{f.kind}-{f.status}")
def test_an_event_retried_after_an_answer_that_followed_storing_is_stored_once(fault: Fault) -> None:
    emulator = Emulator(EmulatorConfig())
    emulator.inject(fault)
    engine = deliver(emulator, tracks())
    assert engine.report.delivered == USERS
    assert emulator.stats.duplicates_dropped == USERS  # the second copy came, and was ignored
    assert len(emulator.events) == USERS

"""Batches against the local Amplitude emulator: what Amplitude ends up storing, and what fails."""

from __future__ import annotations

from typing import Any

from actions import Delivered, Failed, use_clock
from actions.testing import make_event, run_batch
from actions_amplitude import destination
from actions_amplitude.emulator import Emulator, EmulatorConfig, Fault

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
NOW_MS = 1705320000000


def deliver(emulator: Emulator, events: list[dict[str, Any]], action: str = "logEventV2") -> Any:
    with use_clock("2024-01-15T12:00:00.000Z"):
        return run_batch(
            destination,
            action,
            events=[make_event(e) for e in events],
            settings=SETTINGS,
            use_default_mappings=True,
            responses=emulator.transport(),
        )


def played(user: str, device: str = "device-00001") -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Played",
        "userId": user,
        "messageId": f"msg-{user}",
        "context": {"device": {"id": device}},
    }


def test_short_ids_and_silenced_devices_fail_and_the_rest_is_stored() -> None:
    emulator = Emulator(EmulatorConfig(silenced_devices=frozenset({"spam-device"})), clock=lambda: NOW_MS)
    run = deliver(
        emulator,
        [played("user-00001"), played("ab"), played("user-00003", "spam-device"), played("user-00004")],
    )
    assert [type(r) for r in run.results] == [Delivered, Failed, Failed, Delivered]
    assert sorted(str(e.event["user_id"]) for e in emulator.events) == ["user-00001", "user-00004"]
    assert all(not r.error.retryable for r in run.results if isinstance(r, Failed))


def test_retrying_after_an_error_that_hid_a_success_stores_nothing_twice() -> None:
    emulator = Emulator(clock=lambda: NOW_MS)
    emulator.inject(Fault(kind="error", status=500, accept=True))
    events = [played(f"user-{i:05d}") for i in range(3)]
    first = deliver(emulator, events)
    assert all(isinstance(r, Failed) and r.error.retryable for r in first.results)
    second = deliver(emulator, events)
    assert all(isinstance(r, Delivered) for r in second.results)
    assert len(emulator.events) == 3
    assert emulator.stats.duplicates_dropped == 3


def test_throttled_users_are_held_back_while_others_go_through() -> None:
    emulator = Emulator(EmulatorConfig(eps_threshold=0.1, eps_window_s=30), clock=lambda: NOW_MS)
    busy = [played("busy-user", device=f"device-{i:05d}") | {"messageId": f"busy-{i}"} for i in range(5)]
    run = deliver(emulator, [*busy, played("calm-user", device="calm-device")])
    assert isinstance(run.results[-1], Delivered)
    held_back = [r for r in run.results if isinstance(r, Failed)]
    assert held_back
    assert all(r.error.status == 429 and r.error.retryable for r in held_back)


def test_purchase_events_are_stored_once_each_with_derived_insert_ids() -> None:
    emulator = Emulator(clock=lambda: NOW_MS)
    order = {
        "type": "track",
        "event": "Order Completed",
        "userId": "user-00001",
        "messageId": "order-1",
        "properties": {"revenue": 30, "products": [{"productId": "a", "price": 10, "quantity": 3}]},
    }
    run = deliver(emulator, [order], action="logPurchase")
    assert isinstance(run.results[0], Delivered)
    assert emulator.insert_ids() == {"order-1": 1, "order-1-2": 1}

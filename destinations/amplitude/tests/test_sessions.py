from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from actions import ConfigurationError, EnricherOptions, iso_ms
from actions_amplitude.sessions import (
    NO_SESSION,
    SESSIONS,
    SessionConfig,
    Sessionizer,
    SQLiteStore,
)

T0 = 1_700_000_000_000
MIN = 60_000
TIMEOUT = 30 * MIN


def ev(ms: int, device: str | None = "dev-1", user: str | None = None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "track", "event": "E", "timestamp": iso_ms(ms), **extra}
    if device is not None:
        event["anonymousId"] = device
    if user is not None:
        event["userId"] = user
    return event


def sid(event: dict[str, Any]) -> int | None:
    return event.get("integrations", {}).get("Actions Amplitude", {}).get("session_id")


def run(sessionizer: Sessionizer, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for event in events:
        out.extend(e for e, _ in sessionizer.enrich(event))
    out.extend(e for e, _ in sessionizer.flush())
    return out


def test_a_gap_just_under_the_timeout_keeps_the_session() -> None:
    out = run(Sessionizer(), [ev(T0), ev(T0 + TIMEOUT - 1)])
    assert [sid(e) for e in out] == [T0, T0]


def test_a_gap_of_exactly_the_timeout_starts_a_new_session() -> None:
    out = run(Sessionizer(), [ev(T0), ev(T0 + TIMEOUT)])
    assert [sid(e) for e in out] == [T0, T0 + TIMEOUT]


def test_a_gap_over_the_timeout_starts_a_new_session_measured_from_last_activity() -> None:
    events = [ev(T0), ev(T0 + 20 * MIN), ev(T0 + 40 * MIN), ev(T0 + 71 * MIN)]
    assert [sid(e) for e in run(Sessionizer(), events)] == [T0, T0, T0, T0 + 71 * MIN]


def test_interleaved_devices_have_independent_sessions() -> None:
    events = [
        ev(T0, "a"),
        ev(T0 + 1, "b"),
        ev(T0 + 31 * MIN, "a"),
        ev(T0 + 20 * MIN, "b"),
        ev(T0 + 45 * MIN, "b"),
    ]
    out = run(Sessionizer(), events)
    by_device = {(e["anonymousId"], e["timestamp"]): sid(e) for e in out}
    assert by_device[("a", iso_ms(T0))] == T0
    assert by_device[("a", iso_ms(T0 + 31 * MIN))] == T0 + 31 * MIN
    assert [by_device[("b", iso_ms(t))] for t in (T0 + 1, T0 + 20 * MIN, T0 + 45 * MIN)] == [T0 + 1] * 3


def test_the_device_id_wins_over_the_anonymous_id_and_users_are_the_fallback() -> None:
    device = ev(T0, device="anon", context={"device": {"id": "hardware"}})
    user_only = ev(T0 + 5, device=None, user="u-1")
    nobody = ev(T0 + 6, device=None)
    out = {
        e["timestamp"]: e
        for e in run(Sessionizer(), [device, ev(T0 + MIN, device="anon"), user_only, nobody])
    }
    assert sid(out[iso_ms(T0)]) == T0
    assert sid(out[iso_ms(T0 + MIN)]) == T0 + MIN  # a different key: the anonymousId alone
    assert sid(out[iso_ms(T0 + 5)]) == T0 + 5
    assert "integrations" not in out[iso_ms(T0 + 6)]


def test_an_event_with_a_session_id_keeps_it_and_refreshes_last_activity() -> None:
    carried = ev(T0 + 10 * MIN, integrations={"Actions Amplitude": {"session_id": T0 - 5 * MIN}})
    out = run(Sessionizer(), [ev(T0), carried, ev(T0 + 35 * MIN)])
    assert [sid(e) for e in out] == [T0, T0 - 5 * MIN, T0 - 5 * MIN]


def test_events_without_a_timestamp_pass_through_untouched() -> None:
    event = {"type": "track", "anonymousId": "x"}
    assert run(Sessionizer(), [event]) == [event]


def test_out_of_order_events_within_the_window_are_sessionized_as_if_in_order() -> None:
    ordered = [ev(T0 + i * 10 * MIN) for i in range(12)] + [ev(T0 + 200 * MIN + i * MIN) for i in range(5)]
    shuffled = ordered[:]
    rng = random.Random(7)
    for i in range(0, len(shuffled) - 1, 2):  # swap neighbours: at most 10 minutes late
        if rng.random() < 0.7:
            shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
    config = SessionConfig(reorder_window_ms=15 * MIN)
    expected = {e["timestamp"]: sid(e) for e in run(Sessionizer(config), ordered)}
    got = run(Sessionizer(config), shuffled)
    assert [e["timestamp"] for e in got] == sorted(e["timestamp"] for e in got)
    assert {e["timestamp"]: sid(e) for e in got} == expected


def test_events_later_than_the_window_never_rewrite_a_session_already_sent() -> None:
    config = SessionConfig(reorder_window_ms=MIN)
    s = Sessionizer(config)
    first = run(s, [ev(T0), ev(T0 + 10 * MIN), ev(T0 + 60 * MIN), ev(T0 + 70 * MIN)])
    assert [sid(e) for e in first] == [T0, T0, T0 + 60 * MIN, T0 + 60 * MIN]
    # Just before the current session's start: joins it (its id is not changed).
    assert sid(s.enrich(ev(T0 + 59 * MIN))[0][0]) == T0 + 60 * MIN
    # Inside the previous session's span: joins that one.
    assert sid(s.enrich(ev(T0 + 5 * MIN))[0][0]) == T0
    # Before anything known: no session rather than a made-up one.
    assert sid(s.enrich(ev(T0 - 5 * 60 * MIN))[0][0]) == NO_SESSION


def test_synthetic_session_events_are_off_by_default_and_named_by_options() -> None:
    assert len(run(Sessionizer(), [ev(T0), ev(T0 + TIMEOUT)])) == 2
    s = SESSIONS.factory(
        EnricherOptions(params={"session_start_event": "session_start", "session_end_event": "session_end"})
    )
    out = run(s, [ev(T0, user="u"), ev(T0 + MIN, user="u"), ev(T0 + 40 * MIN, user="u")])
    assert [(e["event"], sid(e), e["timestamp"]) for e in out] == [
        ("session_start", T0, iso_ms(T0)),
        ("E", T0, iso_ms(T0)),
        ("E", T0, iso_ms(T0 + MIN)),
        ("session_end", T0, iso_ms(T0 + MIN)),
        ("session_start", T0 + 40 * MIN, iso_ms(T0 + 40 * MIN)),
        ("E", T0 + 40 * MIN, iso_ms(T0 + 40 * MIN)),
    ]
    assert out[0]["userId"] == "u" and out[0]["anonymousId"] == "dev-1"
    again = run(SESSIONS.factory(EnricherOptions(params={"session_start_event": "session_start"})), [ev(T0)])
    assert again[0]["messageId"] == out[0]["messageId"]  # stable: a replay cannot duplicate it


def test_options_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="unknown option"):
        SESSIONS.factory(EnricherOptions(params={"timeout": "5"}))
    with pytest.raises(ConfigurationError, match="timeout_minutes must be a number"):
        SESSIONS.factory(EnricherOptions(params={"timeout_minutes": "soon"}))
    s = SESSIONS.factory(EnricherOptions(params={"timeout_minutes": "5"}))
    assert [sid(e) for e in run(s, [ev(T0), ev(T0 + 5 * MIN)])] == [T0, T0 + 5 * MIN]


def test_a_second_run_continues_sessions_from_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sessions.db"
    first = SESSIONS.factory(EnricherOptions(state_path=state))
    assert [sid(e) for e in run(first, [ev(T0), ev(T0 + 10 * MIN)])] == [T0, T0]
    first.close()
    second = SESSIONS.factory(EnricherOptions(state_path=state))
    assert [sid(e) for e in run(second, [ev(T0 + 25 * MIN), ev(T0 + 60 * MIN)])] == [T0, T0 + 60 * MIN]
    second.close()
    third = SESSIONS.factory(EnricherOptions(state_path=state))
    assert sid(run(third, [ev(T0 + 61 * MIN)])[0]) == T0 + 60 * MIN
    third.close()


CRASHER = """
import os, sys
from actions_amplitude.sessions import SessionState, SQLiteStore
store = SQLiteStore(sys.argv[1], commit_every=50)
i = 0
while True:
    store.put(f"d:{i % 5000}", SessionState(i, i))
    i += 1
    if i == 20_000:
        print("ready", flush=True)
"""


def test_a_crash_mid_write_leaves_a_consistent_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sessions.db"
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASHER))
    proc = subprocess.Popen([sys.executable, str(script), str(state)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    proc.stdout.close()
    db = sqlite3.connect(state)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = db.execute("SELECT key, session_id, last_ms FROM amplitude_sessions").fetchall()
    db.close()
    assert rows
    assert all(session == last and int(key[2:]) == session % 5000 for key, session, last in rows)
    reopened = SQLiteStore(state)
    reopened.put("d:new", reopened.get("d:1") or reopened.get("d:new") or _state(1))
    reopened.close()


def _state(n: int) -> Any:
    from actions_amplitude.sessions import SessionState

    return SessionState(n, n)


def test_origins_travel_with_their_events_and_synthetic_events_take_their_cause() -> None:
    s = SESSIONS.factory(EnricherOptions(params={"session_start_event": "session_start"}))
    out = [*s.enrich(ev(T0 + MIN), "line-2"), *s.enrich(ev(T0), "line-1"), *s.flush()]
    assert [(e["event"], origin) for e, origin in out] == [
        ("session_start", "line-1"),
        ("E", "line-1"),
        ("E", "line-2"),
    ]

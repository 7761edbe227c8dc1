"""Benchmark: Amplitude user-agent parsing rate, uncached (every UA new) and cached (UAs repeating)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from actions_amplitude._user_agent import clear_cache, parse_user_agent_properties

CONFORMANCE = Path(__file__).resolve().parent.parent / "destinations/amplitude/tests/conformance"


def _user_agents() -> list[str]:
    cases = json.loads((CONFORMANCE / "user-agents.json").read_text(encoding="utf-8"))["user_agent_cases"]
    return [case["ua"] for case in cases if case["ua"]]


def _rate(user_agents: list[str], rounds: int, *, cached: bool) -> float:
    parse_user_agent_properties(user_agents[0])  # compile the rules before timing
    calls = 0
    started = time.perf_counter()
    for _ in range(rounds):
        if not cached:
            clear_cache()
        for ua in user_agents:
            parse_user_agent_properties(ua)
            calls += 1
    return calls / (time.perf_counter() - started)


def main() -> None:
    user_agents = _user_agents()
    print(f"user agents: {len(user_agents)} distinct (public conformance set)")
    print(f"uncached: {_rate(user_agents, 20, cached=False):>12,.0f} parses/s")
    print(f"cached:   {_rate(user_agents, 200, cached=True):>12,.0f} parses/s")


if __name__ == "__main__":
    main()

"""Seeded fault injection: which request fails how, and the 429 bodies naming a request's ids.

Every random decision comes from one ``random.Random(seed)``, drawn in request order, so a given
seed and request sequence always fail the same way. A request to an eligible route draws one
number; it falls into the drop, timeout, error or throttle share (the rates partition [0, 1]) or
into "no fault". An error then draws its status (500, 502, 503 or 504) and, unless it is a 503,
whether the request was processed before the error was answered. Scripted faults
(:class:`~actions_amplitude.emulator.Fault`) are served first and draw nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from ._config import EmulatorConfig
from ._records import Fault, FaultKind
from ._state import event_id_keys

__all__ = ["ERROR_MESSAGES", "FaultDecision", "FaultInjector"]

_ERROR_STATUSES = (500, 502, 503, 504)
ERROR_MESSAGES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one request."""

    kind: FaultKind
    status: int = 0
    accept: bool = False
    delay_s: float = 0.0


class FaultInjector:
    """Decides faults from the config's rates, the scripted queue and a seeded generator."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._random = random.Random(config.seed)
        self._scripted: list[Fault] = []

    @property
    def scripted(self) -> list[Fault]:
        """Scripted faults still pending."""
        return list(self._scripted)

    def add(self, fault: Fault) -> None:
        if fault.times > 0:
            self._scripted.append(fault)

    def _take_scripted(self, route: str) -> Fault | None:
        for position, fault in enumerate(self._scripted):
            if fault.path is None or fault.path == route:
                if fault.times > 1:
                    self._scripted[position] = replace(fault, times=fault.times - 1)
                else:
                    del self._scripted[position]
                return fault
        return None

    def decide(self, route: str) -> FaultDecision | None:
        """The fault for the next request to ``route`` (an Amplitude route), if any."""
        scripted = self._take_scripted(route)
        if scripted is not None:
            delay = self._config.timeout_s if scripted.delay_s is None else scripted.delay_s
            return FaultDecision(
                scripted.kind,
                status=scripted.status if scripted.kind == "error" else 0,
                accept=scripted.accept,
                delay_s=delay if scripted.kind == "timeout" else 0.0,
            )
        config = self._config
        if config.fault_paths is not None and route not in config.fault_paths:
            return None
        shares: tuple[tuple[FaultKind, float], ...] = (
            ("drop", config.drop_rate),
            ("timeout", config.timeout_rate),
            ("error", config.error_rate),
            ("throttle", config.throttle_rate),
        )
        if not any(rate for _, rate in shares):
            return None
        draw = self._random.random()
        for kind, rate in shares:
            if draw < rate:
                return self._decision(kind)
            draw -= rate
        return None

    def _decision(self, kind: FaultKind) -> FaultDecision:
        if kind == "timeout":
            return FaultDecision("timeout", delay_s=self._config.timeout_s)
        if kind != "error":
            return FaultDecision(kind)
        status = self._random.choice(_ERROR_STATUSES)
        accept = status != 503 and self._random.random() < self._config.error_after_accept_rate
        return FaultDecision("error", status=status, accept=accept)

    def throttle_body(
        self, records: list[dict[str, object]], eps_threshold: int | float
    ) -> dict[str, object]:
        """A 429 body naming a random non-empty subset of the records' devices/users.

        Records without ids (group identifications) are all throttled.
        """
        candidates = list(dict.fromkeys(key for record in records for key in event_id_keys(record)))
        chosen = {key for key in candidates if self._random.random() < 0.5}
        if candidates and not chosen:
            chosen.add(self._random.choice(candidates))
        over_limit = int(eps_threshold) + 1
        devices = {value: over_limit for kind, value in candidates if (kind, value) in chosen and kind == "d"}
        users = {value: over_limit for kind, value in candidates if (kind, value) in chosen and kind == "u"}
        events = [
            index
            for index, record in enumerate(records)
            if not candidates or any(key in chosen for key in event_id_keys(record))
        ]
        return {
            "code": 429,
            "error": "Too many requests for some devices and users",
            "eps_threshold": eps_threshold,
            "throttled_devices": devices,
            "throttled_users": users,
            "throttled_events": events,
        }

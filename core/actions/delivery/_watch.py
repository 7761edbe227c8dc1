"""Watching one lane's failures: log lines while it retries, and when it has answered nothing at all.

Without this, a run against a closed port or a server that never answers retries silently for
minutes when stderr is not a terminal (systemd, cron, CI). Lines go to the ``actions.delivery``
logger, at most one per lane per :data:`LOG_INTERVAL_S` (with counts since the last one), so a
destination that is down does not flood the log.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Final

from .._errors import IntegrationError, NetworkError
from .._redact import Redactor
from .._request import REFUSED_ANSWER_CODES

__all__ = ["LOG_INTERVAL_S", "Watch", "no_answer"]

_log = logging.getLogger("actions.delivery")

#: Fewest seconds between two log lines about one lane's failures.
LOG_INTERVAL_S: Final = 10.0


def no_answer(error: IntegrationError) -> bool:
    """The request got no response at all (connection refused or reset, timeout), as opposed to an
    answer the session refused to use."""
    return isinstance(error, NetworkError) and error.status is None and error.code not in REFUSED_ANSWER_CODES


class Watch:
    """One lane's failures since its last log line, and whether it ever answered."""

    def __init__(self, name: str, redactor: Redactor, unreachable_after_s: float) -> None:
        self.name = name
        self.redactor = redactor
        self.unreachable_after_s = unreachable_after_s
        self.answered = False
        self.first_sent: float | None = None
        self._failures: Counter[str] = Counter()
        self._retries = 0
        self._since: float | None = None
        self._last_line = -float("inf")

    def sent(self, now: float) -> None:
        if self.first_sent is None:
            self.first_sent = now

    def outcome(self, error: IntegrationError | None) -> None:
        """One delivery's result: anything but "no answer" means the destination is reachable."""
        if error is None or not no_answer(error):
            self.answered = True

    def unreachable(self, now: float) -> bool:
        """Every request so far got no answer, for at least ``unreachable_after_s`` (0: never)."""
        return (
            self.unreachable_after_s > 0
            and not self.answered
            and self.first_sent is not None
            and now - self.first_sent >= self.unreachable_after_s
        )

    def failed(self, error: IntegrationError, *, retrying: bool, now: float) -> None:
        """Count a failure worth telling the operator about (no answer, or one that is retried)."""
        if self._since is None:
            self._since = now
        self._failures[str(error.code or error.status or "error")] += 1
        self._retries += retrying
        if now - self._last_line < LOG_INTERVAL_S:
            return
        codes = ", ".join(f"{code} {count}" for code, count in self._failures.most_common())
        total = sum(self._failures.values())
        message = self.redactor.text(error.message or str(error))
        _log.warning(
            "%s: %d failed attempt(s) in %.0fs (%s), %d retry(s) scheduled; last: %s",
            self.name, total, now - self._since, codes, self._retries, message,
        )  # fmt: skip
        self._failures.clear()
        self._retries = 0
        self._since = None
        self._last_line = now

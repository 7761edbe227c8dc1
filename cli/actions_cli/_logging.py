"""Log lines on stderr: ``-v``/``--log-level`` choose how many, ``--debug`` adds tracebacks.

Every line (traceback included) goes through the redactors of the run's destinations first, so a
secret in an exception message or a local variable's repr never reaches the terminal or a journal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the registry and HTTP session behind actions.runtime are not needed to log
    from actions.runtime import Redactor

__all__ = ["LEVELS", "redact_with", "setup"]

LEVELS = ("error", "warning", "info", "debug")

_redactors: list[Redactor] = []


class _Stderr(logging.Handler):
    """Writes through click at each call, so it follows whatever stderr is now (tests swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self.tracebacks = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Warnings read as they did before this handler (plain); other levels say what they are.
            level = "" if record.levelno == logging.WARNING else f"{record.levelname.lower()}: "
            text = level + record.getMessage()
            if self.tracebacks and record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            for redactor in _redactors:
                text = redactor.text(text)
            click.echo(text, err=True)
        except Exception:  # a log line must never end a run
            self.handleError(record)


_handler = _Stderr()


def setup(*, verbose: int = 0, level: str | None = None, debug: bool = False) -> None:
    """Send the framework's log lines (``actions.*``) to stderr at the level asked for."""
    _redactors.clear()
    name = level or ("debug" if debug or verbose >= 2 else "info" if verbose == 1 else "warning")
    logger = logging.getLogger("actions")
    logger.setLevel(getattr(logging, name.upper()))
    _handler.tracebacks = debug
    if _handler not in logger.handlers:
        logger.addHandler(_handler)


def redact_with(redactor: Redactor) -> None:
    """Redact this run's secrets from every log line from now on."""
    _redactors.append(redactor)

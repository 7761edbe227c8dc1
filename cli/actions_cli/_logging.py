"""Log lines on stderr: ``-v``/``--log-level`` choose how many, ``--debug`` adds tracebacks.

Every line (traceback included) goes through the redactors of the run's destinations first, so a
secret in an exception message or a local variable's repr never reaches the terminal or a journal.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the registry and HTTP session behind actions.runtime are not needed to log
    from actions.runtime import Redactor

__all__ = ["LEVELS", "redact_with", "setup", "use_json"]

LEVELS = ("error", "warning", "info", "debug")

_redactors: list[Redactor] = []


class _Stderr(logging.Handler):
    """Writes through click at each call, so it follows whatever stderr is now (tests swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self.tracebacks = False
        self.json = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Warnings read as they did before this handler (plain); other levels say what they are.
            message = record.getMessage()
            trace = None
            if self.tracebacks and record.exc_info:
                trace = logging.Formatter().formatException(record.exc_info)
            for redactor in _redactors:
                message = redactor.text(message)
                trace = None if trace is None else redactor.text(trace)
            if self.json:
                line = {"time": _iso(record.created), "level": record.levelname.lower()}
                line |= {"logger": record.name, "message": message}
                if trace is not None:
                    line["traceback"] = trace
                click.echo(json.dumps(line, ensure_ascii=False), err=True)
                return
            # Warnings read as they did before this handler (plain); other levels say what they are.
            level = "" if record.levelno == logging.WARNING else f"{record.levelname.lower()}: "
            text = level + message + ("" if trace is None else "\n" + trace)
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


def use_json() -> None:
    """Write each log line as one JSON object (``time``, ``level``, ``logger``, ``message``)."""
    _handler.json = True


def _iso(created: float) -> str:
    return datetime.datetime.fromtimestamp(created, datetime.UTC).isoformat(timespec="milliseconds")


def redact_with(redactor: Redactor) -> None:
    """Redact this run's secrets from every log line from now on."""
    _redactors.append(redactor)

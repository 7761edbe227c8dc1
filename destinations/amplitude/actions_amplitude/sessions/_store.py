"""Where session state lives between events: memory for one run, or a SQLite file across runs.

The interface is four methods so that a shared store (Redis, a database) for several workers is a
small class: ``get`` and ``put`` one device's state, ``commit`` what was put, ``close``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from actions import ConfigurationError

__all__ = ["MemoryStore", "SQLiteStore", "SessionState", "SessionStore"]


@dataclass(frozen=True)
class SessionState:
    """One device's (or user's) current session and the one before it, in epoch ms."""

    session_id: int
    last_ms: int
    previous_id: int | None = None
    previous_last_ms: int | None = None


class SessionStore(Protocol):
    """Session state by key (``d:<device id>`` or ``u:<user id>``)."""

    def get(self, key: str) -> SessionState | None: ...

    def put(self, key: str, state: SessionState) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """State for one run only."""

    def __init__(self) -> None:
        self._states: dict[str, SessionState] = {}

    def get(self, key: str) -> SessionState | None:
        return self._states.get(key)

    def put(self, key: str, state: SessionState) -> None:
        self._states[key] = state

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass


class SQLiteStore:
    """State in a SQLite file, so consecutive runs over a stream continue the same sessions.

    Reads are cached and writes buffered in memory; :meth:`commit` writes every changed key in
    one transaction (the sessionizer commits every ``commit_every`` updates and when flushed).
    A crash loses at most the uncommitted updates and never leaves a half-written file: SQLite's
    journal rolls an interrupted transaction back.
    """

    _SCHEMA = """
        CREATE TABLE IF NOT EXISTS amplitude_sessions (
            key TEXT PRIMARY KEY,
            session_id INTEGER NOT NULL,
            last_ms INTEGER NOT NULL,
            previous_id INTEGER,
            previous_last_ms INTEGER
        )
    """

    _COLUMNS = ("key", "session_id", "last_ms", "previous_id", "previous_last_ms")

    def __init__(self, path: str | Path, *, commit_every: int = 1000) -> None:
        self.path = Path(path)
        self.commit_every = commit_every
        self._db = sqlite3.connect(self.path, isolation_level=None)
        try:
            self._open()
        except (sqlite3.Error, ConfigurationError) as exc:
            self._db.close()
            reason = (
                exc if isinstance(exc, ConfigurationError) else f"it is not a readable SQLite file ({exc})"
            )
            raise ConfigurationError(
                f"amplitude-sessions: the state file {path} cannot be used: {reason}"
            ) from None
        self._cache: dict[str, SessionState | None] = {}
        self._dirty: dict[str, SessionState] = {}

    def _open(self) -> None:
        """Check the file before the first event: a corrupt one would otherwise fail mid-run."""
        # quick_check reads every page (not the indexes' contents): a truncated file is found here.
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise ConfigurationError(f"it is damaged ({problems[0]})")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(self._SCHEMA)
        columns = tuple(row[1] for row in self._db.execute("PRAGMA table_info(amplitude_sessions)"))
        if columns != self._COLUMNS:
            raise ConfigurationError(
                f"its amplitude_sessions table has columns ({', '.join(columns)}), "
                f"not ({', '.join(self._COLUMNS)})"
            )

    def get(self, key: str) -> SessionState | None:
        if key in self._cache:
            return self._cache[key]
        row = self._db.execute(
            "SELECT session_id, last_ms, previous_id, previous_last_ms FROM amplitude_sessions WHERE key = ?",
            (key,),
        ).fetchone()
        state = SessionState(*row) if row else None
        self._cache[key] = state
        return state

    def put(self, key: str, state: SessionState) -> None:
        self._cache[key] = state
        self._dirty[key] = state
        if len(self._dirty) >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if not self._dirty:
            return
        rows = [
            (key, s.session_id, s.last_ms, s.previous_id, s.previous_last_ms)
            for key, s in self._dirty.items()
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO amplitude_sessions (key, session_id, last_ms, previous_id, previous_last_ms) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET session_id = excluded.session_id, "
                "last_ms = excluded.last_ms, previous_id = excluded.previous_id, "
                "previous_last_ms = excluded.previous_last_ms",
                rows,
            )
        self._dirty.clear()
        # Bound memory: after a commit the cache can be rebuilt from the file on demand.
        if len(self._cache) > 100_000:
            self._cache.clear()

    def close(self) -> None:
        self.commit()
        self._db.close()

"""Golden mapping cases this port deliberately answers differently from the reference, and why."""

from __future__ import annotations

__all__ = ["DIVERGENCES"]

#: Case id -> reason. Kept in sync with the "Divergences" section of docs/mapping.md (a test checks).
DIVERGENCES: dict[str, str] = {}

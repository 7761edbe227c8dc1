"""``@liquid``: the LiquidJS 10 subset the reference configures, rendered the way it renders there.

The rest of the mapping language needs one thing from it: :func:`compile_liquid`, which turns a
template into a resolver of the payload. Inside, :mod:`._lexer` tokenizes, :mod:`._engine` parses
and renders tags and expressions, :mod:`._values` holds LiquidJS's value rules (drops, printing,
comparisons, lookups) layered on :mod:`actions.js`, :mod:`._filters` the filters, and
:mod:`._dates` with :mod:`._strftime` the ``date`` filter's dates.
"""

from __future__ import annotations

from ._engine import compile_liquid

__all__ = ["compile_liquid"]

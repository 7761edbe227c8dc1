"""Subscription filters, Segment's FQL subset: parse, match, read the syntax tree, print it back.

The public home of what docs/subscriptions.md shows (``Condition`` and ``Group`` are the nodes of
``Filter.ast``).
"""

from __future__ import annotations

from ._subscriptions import Condition, Filter, Group, parse_filter, to_fql

__all__ = ["Condition", "Filter", "Group", "parse_filter", "to_fql"]

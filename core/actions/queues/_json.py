"""Events as stored bytes: orjson where its output reads back as the same event, json.dumps elsewhere.

What is stored must read back through :func:`actions.delivery._loads.loads` as exactly the event
that was put (key order included). orjson writes most events several times faster than the
standard library, but it refuses lone surrogates and integers beyond 64 bits (raising), and it
writes ``NaN`` and infinities as ``null`` (silently). Both cases go to ``json.dumps``, whose
ASCII output escapes lone surrogates and writes ``NaN``/``Infinity``, which ``loads`` reads back.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

__all__ = ["dumps"]


def dumps(value: Any) -> bytes:
    """``value`` as JSON bytes that :func:`actions.delivery._loads.loads` turns back into ``value``."""
    try:
        data = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _standard(value)
    # A non-finite float can only hide behind a null, so most events skip the walk.
    if b"null" in data and _has_non_finite_float(value):
        return _standard(value)
    return data


def _standard(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def _has_non_finite_float(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is float:
            if not math.isfinite(item):
                return True
        elif type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False

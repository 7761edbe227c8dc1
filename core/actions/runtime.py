"""The runtime that hosts destinations: plugin registry, HTTP session, redaction, descriptions.

What the ``actions`` CLI and other hosts (a server, a notebook, a test of the whole plugin set)
build a run from. Destination authors rarely need it: their API is :mod:`actions` and
:mod:`actions.testing`.
"""

from __future__ import annotations

from ._describe import describe, describe_markdown, describe_text
from ._redact import Redactor
from ._registry import Registry, get_registry
from ._request import Exchange, HttpSession

__all__ = [
    "Exchange",
    "HttpSession",
    "Redactor",
    "Registry",
    "describe",
    "describe_markdown",
    "describe_text",
    "get_registry",
]

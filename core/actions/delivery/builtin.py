"""The built-in sources, registered as an ordinary plugin (entry point ``builtin-sources``)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from ..serve._sources import SEGMENT_SOURCE
from ._deadletter import DEAD_LETTER_SOURCE
from ._ndjson import NDJSON_SOURCE
from ._sources import SourceSpec


@hookimpl
def register_sources(register: Callable[[SourceSpec], None]) -> None:
    register(NDJSON_SOURCE)
    register(DEAD_LETTER_SOURCE)
    register(SEGMENT_SOURCE)

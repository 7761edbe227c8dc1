"""The testing kit for destination authors: run actions with no network, make events, snapshot requests."""

from __future__ import annotations

from ._events import TEST_USER_AGENT, make_event, stable_message_id
from ._harness import (
    ActionRun,
    RecordedRequest,
    Reply,
    check_authentication,
    record_request,
    run_action,
    run_batch,
    run_delete,
)

__all__ = [
    "TEST_USER_AGENT",
    "ActionRun",
    "RecordedRequest",
    "Reply",
    "check_authentication",
    "make_event",
    "record_request",
    "run_action",
    "run_batch",
    "run_delete",
    "stable_message_id",
]

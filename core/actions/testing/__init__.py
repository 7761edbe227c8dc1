"""The testing kit for destination authors: run actions with no network, make events, snapshot requests.

Everything here is public: the harness (:func:`run_action`, :func:`run_batch`...), deterministic
events (:func:`make_event`) and test data (:func:`generate_payload`, :func:`generate_settings`),
request snapshots (:func:`snapshot_of`, :class:`RequestSnapshotExtension`) and the standard suite
(:func:`destination_test_class`). The pytest plugin (:mod:`actions.testing.pytest_plugin`) adds the
``frozen_clock``, ``harness`` and ``request_snapshot`` fixtures to every test suite.
"""

from __future__ import annotations

from . import _rewrite  # noqa: F401  (first: it must run before ._suite is imported)
from ._data import (
    SECRET_MARKER,
    action_seed,
    generate_payload,
    generate_settings,
    generate_value,
    settings_seed,
)
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
from ._snapshots import (
    TRANSPORT_HEADERS,
    RequestSnapshotExtension,
    RequestsSnapshot,
    request_view,
    snapshot_of,
)
from ._suite import DestinationSuite, destination_test_class, registry_for, schema_problems
from .pytest_plugin import FROZEN_NOW, Harness

__all__ = [
    "FROZEN_NOW",
    "SECRET_MARKER",
    "TEST_USER_AGENT",
    "TRANSPORT_HEADERS",
    "ActionRun",
    "DestinationSuite",
    "Harness",
    "RecordedRequest",
    "Reply",
    "RequestSnapshotExtension",
    "RequestsSnapshot",
    "action_seed",
    "check_authentication",
    "destination_test_class",
    "generate_payload",
    "generate_settings",
    "generate_value",
    "make_event",
    "record_request",
    "registry_for",
    "request_view",
    "run_action",
    "run_batch",
    "run_delete",
    "schema_problems",
    "settings_seed",
    "snapshot_of",
    "stable_message_id",
]

"""pytest plugin (entry point ``pytest11``): fixtures that expose the test harness to any test suite.

Fixtures:
    ``frozen_clock``: the clock frozen at :data:`FROZEN_NOW` for the test.
    ``harness``: a :class:`Harness` for the ``destination`` fixture (and the optional
        ``destination_settings`` fixture) that the test suite defines; every request is answered
        by a mock transport, never the network.
    ``request_snapshot``: syrupy's ``snapshot`` storing :class:`RequestsSnapshot` data as one
        JSON file per snapshot.

It also refuses ``--snapshot-update`` under pytest-xdist, or with ``-k``/``-m`` when the selected
tests use request snapshots: an update must run serially, on the full suite, or it can truncate
or delete snapshots it did not run (set ``ACTIONS_ALLOW_PARTIAL_SNAPSHOT_UPDATE=1`` to override).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .._clock import Clock, use_clock

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from .._destination import Destination
    from ._harness import ActionRun, RecordedRequest, Reply, Responder
    from ._snapshots import RequestsSnapshot

__all__ = ["FROZEN_NOW", "MISSING_SNAPSHOT_HINT", "PARTIAL_UPDATE_ENV", "Harness"]

#: The instant the reference's golden cases were produced at; tests freeze the clock here.
FROZEN_NOW = "2024-01-15T12:00:00.000Z"

#: Set to ``1`` to allow ``--snapshot-update`` with ``-k``/``-m`` or under xdist anyway.
PARTIAL_UPDATE_ENV = "ACTIONS_ALLOW_PARTIAL_SNAPSHOT_UPDATE"


class Harness:
    """Runs a destination's actions against canned replies and keeps what was sent.

    Replies queued with :meth:`reply` (or a handler/transport given to :meth:`route`) answer the
    next call; with none, every request gets ``200 {}``. Each call's result is returned and kept:
    :attr:`runs`, :attr:`requests` and :attr:`payloads` accumulate over the test.

    Args:
        destination: The destination under test.
        settings: Settings used when a call passes none (a mapping, used unvalidated, as in
            the reference's harness; or a settings object).
    """

    def __init__(self, destination: Destination, settings: Any = None) -> None:
        self.destination = destination
        self.settings = settings
        self.runs: list[ActionRun] = []
        self._replies: list[Reply] = []
        self._route: Responder = None

    # --- arranging replies ------------------------------------------------------------------

    def reply(self, status: int = 200, body: Any = None, headers: Mapping[str, str] | None = None) -> Harness:
        """Queue a canned reply for the next call (one per request, in order; the last repeats)."""
        from ._harness import Reply

        self._replies.append(Reply(status, {} if body is None else body, dict(headers or {})))
        return self

    def route(
        self, responder: Callable[[httpx.Request], httpx.Response] | httpx.AsyncBaseTransport
    ) -> Harness:
        """Answer every following request with a handler or a transport (an emulator's, say)."""
        self._route = responder
        return self

    def _responses(self, given: Responder) -> Responder:
        if given is not None:
            return given
        if self._replies:
            replies, self._replies = self._replies, []
            return replies
        return self._route

    def _keep(self, run: ActionRun) -> ActionRun:
        self.runs.append(run)
        return run

    # --- running ----------------------------------------------------------------------------

    def run(
        self,
        action: str,
        event: Mapping[str, Any] | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
        settings: Any = None,
        use_default_mappings: bool = False,
        responses: Responder = None,
        raise_errors: bool = True,
    ) -> ActionRun:
        """Run one event (default: :func:`make_event` with no overrides) through ``action``."""
        from ._events import make_event
        from ._harness import run_action

        return self._keep(
            run_action(
                self.destination,
                action,
                event=make_event() if event is None else event,
                mapping=mapping,
                settings=self.settings if settings is None else settings,
                use_default_mappings=use_default_mappings,
                responses=self._responses(responses),
                raise_errors=raise_errors,
            )
        )

    def run_batch(
        self,
        action: str,
        events: Sequence[Mapping[str, Any]] | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
        settings: Any = None,
        use_default_mappings: bool = False,
        responses: Responder = None,
        raise_errors: bool = True,
    ) -> ActionRun:
        """Run events through ``action``'s ``perform_batch`` (default: one default event)."""
        from ._events import make_event
        from ._harness import run_batch

        return self._keep(
            run_batch(
                self.destination,
                action,
                events=[make_event()] if events is None else events,
                mapping=mapping,
                settings=self.settings if settings is None else settings,
                use_default_mappings=use_default_mappings,
                responses=self._responses(responses),
                raise_errors=raise_errors,
            )
        )

    def check_authentication(
        self,
        settings: Mapping[str, Any] | None = None,
        *,
        responses: Responder = None,
        raise_errors: bool = True,
    ) -> ActionRun:
        """Validate the settings and run the destination's credentials check."""
        from ._harness import check_authentication

        raw = self.settings if settings is None else settings
        return self._keep(
            check_authentication(
                self.destination,
                dict(raw or {}),
                responses=self._responses(responses),
                raise_errors=raise_errors,
            )
        )

    def delete(
        self,
        event: Mapping[str, Any],
        *,
        settings: Mapping[str, Any] | None = None,
        responses: Responder = None,
        raise_errors: bool = True,
    ) -> ActionRun:
        """Validate the settings and run the destination's ``on_delete`` for the user in ``event``."""
        from ._harness import run_delete

        raw = self.settings if settings is None else settings
        return self._keep(
            run_delete(
                self.destination,
                event=event,
                settings=dict(raw or {}),
                responses=self._responses(responses),
                raise_errors=raise_errors,
            )
        )

    # --- what happened ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request sent during the test, in order."""
        return [request for run in self.runs for request in run.requests]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Every payload handed to ``perform``/``perform_batch`` during the test, in order."""
        return [payload for run in self.runs for payload in run.payloads]

    def snapshot_of(self, run: ActionRun, settings: Any = None) -> RequestsSnapshot:
        """``run`` as redacted snapshot data (secrets of ``settings``, default the harness's)."""
        from ._snapshots import snapshot_of

        return snapshot_of(
            run, destination=self.destination, settings=self.settings if settings is None else settings
        )


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def frozen_clock() -> Iterator[Clock]:
    """Freeze :func:`actions.get_clock` at 2024-01-15T12:00:00Z for the test."""
    with use_clock(FROZEN_NOW) as clock:
        yield clock


def _optional_fixture(request: pytest.FixtureRequest, name: str) -> Any:
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


@pytest.fixture
def harness(request: pytest.FixtureRequest, frozen_clock: Clock) -> Harness:
    """A :class:`Harness` for the suite's ``destination`` fixture, with the clock frozen.

    Define ``destination`` (and optionally ``destination_settings``) in your ``conftest.py``.
    """
    destination = _optional_fixture(request, "destination")
    if destination is None:
        pytest.fail(
            "the `harness` fixture needs a `destination` fixture: define one in conftest.py returning "
            "your Destination (and optionally `destination_settings` returning its test settings)",
            pytrace=False,
        )
    return Harness(destination, _optional_fixture(request, "destination_settings"))


@pytest.fixture
def request_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's ``snapshot``, storing request snapshots as one pretty JSON file each.

    Compare redacted data: ``assert snapshot_of(run, destination=d, settings=s) == request_snapshot``.
    """
    from ._snapshots import RequestSnapshotExtension

    return snapshot.use_extension(RequestSnapshotExtension)


#: Added to syrupy's "Snapshot '...' does not exist!", which does not say how to write one.
MISSING_SNAPSHOT_HINT = (
    "To write missing snapshots: run `pytest --snapshot-update` on the whole suite, serially "
    "(or `pytest --snapshot-update-new-only` to only add new ones), then review and commit "
    "tests/__snapshots__/."
)


@pytest.hookimpl(wrapper=True)
def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object) -> Any:
    """syrupy's explanation of a failed ``== snapshot``, plus how to write a snapshot that is missing."""
    explanations = yield
    from syrupy.assertion import SnapshotAssertion

    snapshot = next((side for side in (right, left) if isinstance(side, SnapshotAssertion)), None)
    if op != "==" or snapshot is None or not snapshot.num_executions:
        return explanations
    last = snapshot.executions.get(snapshot.num_executions - 1)
    if last is None or last.recalled_data is not None:
        return explanations
    for index, lines in enumerate(explanations):
        if lines:  # pytest shows the first non-empty explanation, cut after 8 lines: hint near the top
            at = next((i + 1 for i, line in enumerate(lines) if "does not exist" in line), len(lines))
            explanations[index] = [*lines[:at], MISSING_SNAPSHOT_HINT, *lines[at:]]
            break
    else:
        explanations.append(["snapshot does not exist", MISSING_SNAPSHOT_HINT])
    return explanations


# --- the --snapshot-update guard ------------------------------------------------------------------


def _updating(config: pytest.Config) -> bool:
    return (
        bool(getattr(config.option, "update_snapshots", False)) and os.environ.get(PARTIAL_UPDATE_ENV) != "1"
    )


def _xdist_workers(config: pytest.Config) -> bool:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return True
    workers = getattr(config.option, "numprocesses", None)
    return workers not in (None, 0, "0")


def pytest_configure(config: pytest.Config) -> None:
    if _updating(config) and _xdist_workers(config):
        raise pytest.UsageError(
            "--snapshot-update must run serially: parallel workers can truncate or delete each other's "
            f"snapshots. Run it without -n (set {PARTIAL_UPDATE_ENV}=1 to override)."
        )


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not _updating(config) or not (config.option.keyword or config.option.markexpr):
        return
    if any("request_snapshot" in getattr(item, "fixturenames", ()) for item in session.items):
        raise pytest.UsageError(
            "--snapshot-update must run on the full suite: with -k or -m, syrupy treats the snapshots of "
            "deselected tests as unused. Drop -k/-m, or use --snapshot-update-new-only to only add "
            f"missing snapshots (set {PARTIAL_UPDATE_ENV}=1 to override)."
        )

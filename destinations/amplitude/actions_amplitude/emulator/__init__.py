"""A local Amplitude: the ingestion, identify, mapping and admin APIs, with seeded fault injection.

Use it in-process through an httpx transport::

    emulator = Emulator(EmulatorConfig(api_keys={"key": "secret"}))
    client = httpx.Client(transport=emulator.transport())

or over real HTTP, from this or another process::

    with serve(emulator) as server:
        ...  # point every Amplitude base URL at server.url

Routing is by path only (any host): ``/2/httpapi``, ``/batch``, ``/identify``, ``/groupidentify``,
``/usermap``, ``/api/2/deletions/users`` and ``/api/2/usersearch``, plus the inspection API under
``/_emulator/``. Behaviour follows the project's Amplitude API spec; where Amplitude's behaviour is
undocumented the choice is written down in the module that makes it (fault model: ``_emulator``;
validation order: ``_validate``; form API error codes: ``_forms``; deletion jobs: ``_admin``).

Events are stored exactly as sent: Amplitude's accept-time rewrites (default ``time``, device_id
from user_id, language names, GeoIP, string truncation at 1024 characters) are not modelled, nor
are the rate limits of user-property syncing, user mapping and the admin APIs.
"""

from __future__ import annotations

from ._config import EmulatorConfig, Region
from ._emulator import Emulator
from ._inspect import key_fingerprint
from ._records import (
    DeletionRecord,
    EmulatorStats,
    Fault,
    GroupIdentifyRecord,
    IdentifyRecord,
    StoredEvent,
    UserMappingRecord,
    UserRecord,
)
from ._reply import Reply
from ._server import RunningServer, run_forever, serve
from ._transport import EmulatorTransport

__all__ = [
    "DeletionRecord",
    "Emulator",
    "EmulatorConfig",
    "EmulatorStats",
    "EmulatorTransport",
    "Fault",
    "GroupIdentifyRecord",
    "IdentifyRecord",
    "Region",
    "Reply",
    "RunningServer",
    "StoredEvent",
    "UserMappingRecord",
    "UserRecord",
    "key_fingerprint",
    "run_forever",
    "serve",
]

"""The inspection API under ``/_emulator/`` for standalone use (JSON in, JSON out).

========================================  =====================================================
``GET /_emulator/events``                 accepted events; filters ``api_key``, ``endpoint``,
                                          paging ``offset``, ``limit``
``GET /_emulator/identifies``             also ``group_identifies``, ``user_mappings``,
                                          ``deletions`` (same filters and paging)
``GET /_emulator/users/{id}``             a user by user_id or device_id (``api_key`` optional)
``GET /_emulator/groups/{type}/{value}``  a group's properties
``GET /_emulator/stats``                  counters
``GET|POST /_emulator/faults``            pending scripted faults / script one (a Fault as JSON)
``POST /_emulator/reset``                 forget everything
========================================  =====================================================

Records name their project by :func:`key_fingerprint` of its API key, never the key itself:
anyone who can reach the port can read this API. ``api_key=`` filters take the key or its
fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

from pydantic import TypeAdapter, ValidationError

from ._records import EmulatorStats, Fault
from ._reply import Reply, json_reply
from ._validate import parse_json

__all__ = ["Inspected", "handle_inspection", "key_fingerprint"]


class Inspected(Protocol):
    """What the inspection API reads and changes: an :class:`~._emulator.Emulator`."""

    @property
    def events(self) -> Sequence[object]: ...
    @property
    def identifies(self) -> Sequence[object]: ...
    @property
    def group_identifies(self) -> Sequence[object]: ...
    @property
    def user_mappings(self) -> Sequence[object]: ...
    @property
    def deletions(self) -> Sequence[object]: ...
    @property
    def stats(self) -> EmulatorStats: ...
    @property
    def pending_faults(self) -> Sequence[Fault]: ...
    def reset(self) -> None: ...
    def user(self, user_or_device_id: str, api_key: str | None = None) -> object | None: ...
    def group_properties(
        self, group_type: str, group_value: str, api_key: str | None = None
    ) -> dict[str, object]: ...
    def inject(self, fault: Fault) -> None: ...

_FAULT = TypeAdapter(Fault)


def key_fingerprint(api_key: str) -> str:
    """A short stand-in for an API key (``sha256:1a2b3c4d``): tells projects apart, reveals nothing."""
    return "sha256:" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:8]


def _shown(record: object) -> dict[str, Any]:
    """A record as JSON data with its API key replaced by the key's fingerprint."""
    view: dict[str, Any] = record.as_dict()  # type: ignore[attr-defined]
    if isinstance(view.get("api_key"), str):
        view["api_key"] = key_fingerprint(view["api_key"])
    return view


def _same_key(given: str, api_key: str) -> bool:
    return given in (api_key, key_fingerprint(api_key))


def _known_key(emulator: Inspected, given: str | None) -> str | None:
    """The API key ``given`` names (itself, or the key whose fingerprint it is)."""
    if given is None or not given.startswith("sha256:"):
        return given
    for records in _collections(emulator).values():
        for record in records():
            api_key = getattr(record, "api_key", None)
            if isinstance(api_key, str) and key_fingerprint(api_key) == given:
                return api_key
    return given


def _not_found(what: str) -> Reply:
    return json_reply(404, {"error": f"{what} not found"})


def _collections(emulator: Inspected) -> dict[str, Callable[[], Sequence[object]]]:
    return {
        "events": lambda: emulator.events,
        "identifies": lambda: emulator.identifies,
        "group_identifies": lambda: emulator.group_identifies,
        "user_mappings": lambda: emulator.user_mappings,
        "deletions": lambda: emulator.deletions,
    }


def _page(name: str, records: Sequence[object], params: dict[str, str]) -> Reply:
    selected = [
        _shown(record)
        for record in records
        if ("api_key" not in params or _same_key(params["api_key"], getattr(record, "api_key", "")))
        and (
            "endpoint" not in params or params["endpoint"] == getattr(record, "endpoint", params["endpoint"])
        )
    ]
    try:
        offset = max(0, int(params.get("offset", "0")))
        limit = int(params["limit"]) if "limit" in params else None
    except ValueError:
        return json_reply(400, {"error": "offset and limit must be integers"})
    end = None if limit is None else offset + max(0, limit)
    return json_reply(200, {"total": len(selected), name: selected[offset:end]})


def handle_inspection(emulator: Inspected, method: str, route: str, query: str, body: bytes) -> Reply:
    """Answer a ``/_emulator/...`` request."""
    params = {name: values[-1] for name, values in parse_qs(query).items()}
    parts = [unquote(part) for part in route.split("/")[2:]]
    name = parts[0] if parts else ""
    collections = _collections(emulator)
    if method == "GET" and name in collections and len(parts) == 1:
        return _page(name, collections[name](), params)
    if method == "GET" and name == "stats" and len(parts) == 1:
        return json_reply(200, emulator.stats.as_dict())
    if method == "POST" and name == "reset" and len(parts) == 1:
        emulator.reset()
        return json_reply(200, {"ok": True})
    if method == "GET" and name == "users" and len(parts) == 2:
        user = emulator.user(parts[1], _known_key(emulator, params.get("api_key")))
        return json_reply(200, _shown(user)) if user is not None else _not_found("user")
    if method == "GET" and name == "groups" and len(parts) == 3:
        properties = emulator.group_properties(
            parts[1], parts[2], _known_key(emulator, params.get("api_key"))
        )
        return json_reply(200, {"group_properties": properties})
    if name == "faults" and len(parts) == 1:
        if method == "GET":
            return json_reply(200, {"faults": [fault.as_dict() for fault in emulator.pending_faults]})
        if method == "POST":
            try:
                fault = _FAULT.validate_python(parse_json(body))
            except (ValueError, ValidationError) as error:
                return json_reply(400, {"error": f"invalid fault: {error}"})
            emulator.inject(fault)
            return json_reply(200, {"ok": True})
    return _not_found("inspection route")

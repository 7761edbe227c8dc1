"""The Basic-auth admin APIs: user deletions (``/api/2/deletions/users``) and user search.

Deletion ids are scheduled on a job for the day ten days after the request (Amplitude schedules
10-13 days out). A job is ``staging`` until three days before its day (only then can an id be
revoked), ``submitted`` in those three days, and ``done`` from its day on. Unknown user ids get a
fresh Amplitude id unless ``ignore_invalid_id`` is set, in which case they are skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import parse_qs

from ._records import DeletionRecord
from ._reply import Reply, error_reply, json_reply
from ._state import State, utc_day
from ._validate import parse_json

__all__ = [
    "basic_credentials",
    "delete_deletion",
    "list_deletions",
    "post_deletions",
    "user_search",
]

MAX_DELETION_IDS = 100
_SCHEDULE_AFTER_DAYS = 10
_REVOCABLE_UNTIL_DAYS = 3
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """``(api_key, secret_key)`` from an ``Authorization: Basic`` header (lower-case names)."""
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    api_key, colon, secret_key = decoded.partition(":")
    return (api_key, secret_key) if colon else None


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _job_status(day: str, today: str) -> str:
    days_left = (date.fromisoformat(day) - date.fromisoformat(today)).days
    if days_left <= 0:
        return "done"
    return "submitted" if days_left <= _REVOCABLE_UNTIL_DAYS else "staging"


def _deletion_entry(record: DeletionRecord) -> dict[str, object]:
    """One scheduled id as a deletion job lists it."""
    entry: dict[str, object] = {
        "amplitude_id": record.amplitude_id,
        "requested_on_day": record.requested_on_day,
        "requester": record.requester,
    }
    if record.user_id is not None:
        entry["user_id"] = record.user_id
    return entry


def _jobs(state: State, api_key: str, days: set[str] | None, today: str) -> list[dict[str, object]]:
    by_day: dict[str, list[dict[str, object]]] = {}
    for record in state.deletions:
        if record.api_key != api_key or (days is not None and record.day not in days):
            continue
        by_day.setdefault(record.day, []).append(_deletion_entry(record))
    return [
        {
            "active_scrub_done_date": None,
            "amplitude_ids": entries,
            "app": state.deletion_app_id(api_key),
            "day": day,
            "status": _job_status(day, today),
        }
        for day, entries in sorted(by_day.items())
    ]


def post_deletions(state: State, api_key: str, body: bytes, now_ms: int) -> Reply:
    """Schedule the ids of a deletion request; the answer is the job(s) they joined."""
    try:
        request = parse_json(body)
    except ValueError:
        return error_reply(400, "Invalid JSON request body")
    if not isinstance(request, dict):
        return error_reply(400, "Invalid JSON request body")
    user_ids = request.get("user_ids") or []
    amplitude_ids = request.get("amplitude_ids") or []
    if not isinstance(user_ids, list) or not all(isinstance(value, str) and value for value in user_ids):
        return error_reply(400, "Invalid user_ids: expected a list of non-empty strings")
    if not isinstance(amplitude_ids, list) or not all(
        isinstance(value, int) and not isinstance(value, bool) for value in amplitude_ids
    ):
        return error_reply(400, "Invalid amplitude_ids: expected a list of integers")
    if not user_ids and not amplitude_ids:
        return error_reply(400, "Request missing required field", missing_field="amplitude_ids or user_ids")
    if len(user_ids) + len(amplitude_ids) > MAX_DELETION_IDS:
        return error_reply(400, f"Too many ids: at most {MAX_DELETION_IDS} per request")
    requester = request.get("requester")
    requester = requester if isinstance(requester, str) else None
    ignore_invalid = _flag(request.get("ignore_invalid_id"))

    today = utc_day(now_ms)
    day = (date.fromisoformat(today) + timedelta(days=_SCHEDULE_AFTER_DAYS)).isoformat()
    scheduled: list[tuple[int, str | None]] = []
    for user_id in user_ids:
        user = state.find_user(user_id, api_key)
        if user is not None and user.user_id == user_id:
            scheduled.append((user.amplitude_id, user_id))
        elif not ignore_invalid:
            scheduled.append((state.new_amplitude_id(), user_id))
    for amplitude_id in amplitude_ids:
        known = state.user_by_amplitude_id(api_key, amplitude_id)
        if known is not None:
            scheduled.append((amplitude_id, known.user_id))
        elif not ignore_invalid:
            scheduled.append((amplitude_id, None))
    if not scheduled:
        app = state.deletion_app_id(api_key)
        # Key with a leading space, as Amplitude spells it.
        return json_reply(
            200, {" message": f"Nothing scheduled due to invalid amplitude/user ids for app {app}"}
        )
    for amplitude_id, user_id in scheduled:
        state.deletions.append(DeletionRecord(api_key, amplitude_id, user_id, requester, today, day))
    return json_reply(200, _jobs(state, api_key, {day}, today))


def list_deletions(state: State, api_key: str, query: str, now_ms: int) -> Reply:
    """The jobs whose day lies in ``start_day``..``end_day``."""
    params = {name: values[-1] for name, values in parse_qs(query).items()}
    start, end = params.get("start_day"), params.get("end_day")
    if start is None or end is None:
        return error_reply(
            400, "Request missing required field", missing_field="start_day" if start is None else "end_day"
        )
    if not (_DAY.match(start) and _DAY.match(end)):
        return error_reply(400, "Invalid day: expected YYYY-MM-DD")
    days = {record.day for record in state.deletions if start <= record.day <= end}
    return json_reply(200, _jobs(state, api_key, days, utc_day(now_ms)))


def delete_deletion(state: State, api_key: str, amplitude_id: str, day: str, now_ms: int) -> Reply:
    """Revoke one id from a staging job."""
    for position, record in enumerate(state.deletions):
        if record.api_key == api_key and str(record.amplitude_id) == amplitude_id and record.day == day:
            if _job_status(day, utc_day(now_ms)) != "staging":
                return error_reply(400, "Deletion job is no longer staging and cannot be changed")
            del state.deletions[position]
            return json_reply(200, _deletion_entry(record))
    return error_reply(400, f"No deletion scheduled for amplitude_id {amplitude_id} on {day}")


def user_search(state: State, api_key: str, query: str) -> Reply:
    """Find a user by Amplitude id, user/device id, or user id prefix."""
    term = parse_qs(query).get("user", [""])[-1]
    if not term:
        return error_reply(400, "Request missing required field", missing_field="user")
    match_type = "match_user_or_device_id"
    users = []
    if term.isdigit():
        by_amplitude_id = state.user_by_amplitude_id(api_key, int(term))
        if by_amplitude_id is not None:
            match_type, users = "match_amplitude_id", [by_amplitude_id]
    if not users:
        exact = state.find_user(term, api_key)
        if exact is not None:
            users = [exact]
        else:
            match_type, users = "match_user_prefix", state.users_with_user_id_prefix(api_key, term)
    if not users:
        return json_reply(200, {"type": "nomatch", "matches": []})
    matches = [
        {
            "user_id": user.user_id,
            "amplitude_id": user.amplitude_id,
            "last_device_id": user.device_ids[-1] if user.device_ids else None,
            "platform": user.attributes.get("platform"),
            "country": user.attributes.get("country"),
            "last_seen": utc_day(user.last_seen_ms),
        }
        for user in users
    ]
    return json_reply(200, {"type": match_type, "matches": matches})

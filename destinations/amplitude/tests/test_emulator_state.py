"""The Amplitude emulator's form APIs, admin APIs and user/group property state."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from actions_amplitude.emulator import Emulator, EmulatorConfig, Reply

NOW = 1_700_000_000_000  # 2023-11-14
DAY_MS = 24 * 3600 * 1000
FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", "Host": "api2.amplitude.com"}


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make(clock: Clock | None = None, **config: Any) -> Emulator:
    return Emulator(EmulatorConfig(**config), clock=clock or Clock())


def form(emulator: Emulator, path: str, api_key: str = "project-key", **params: object) -> Reply:
    fields = {"api_key": api_key}
    fields.update(
        {name: value if isinstance(value, str) else json.dumps(value) for name, value in params.items()}
    )
    return emulator.handle("POST", path, FORM, urlencode(fields).encode())


def upload(emulator: Emulator, events: list[dict[str, object]], api_key: str = "project-key") -> Reply:
    body = json.dumps({"api_key": api_key, "events": events}).encode()
    return emulator.handle("POST", "/2/httpapi", {"Content-Type": "application/json"}, body)


def basic(api_key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{api_key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


# -- /identify ---------------------------------------------------------------------------------


def test_identify_answers_success_and_records_the_identification() -> None:
    emulator = make()
    identification = {"user_id": "user-0001", "device_id": "device-1", "user_properties": {"plan": "pro"}}
    reply = form(emulator, "/identify", identification=identification, options="undefined")
    assert (reply.status, reply.text(), reply.headers["Content-Type"]) == (
        200,
        "success",
        "text/plain; charset=utf-8",
    )
    [record] = emulator.identifies
    assert (record.api_key, record.identification, record.region) == ("project-key", identification, "us")
    assert emulator.user_properties("user-0001") == {"plan": "pro"}
    assert emulator.user_properties("device-1") == {"plan": "pro"}


def test_identify_accepts_query_parameters_and_arrays() -> None:
    emulator = make()
    query = urlencode(
        {"api_key": "k", "identification": json.dumps([{"user_id": "user-1"}, {"device_id": "dev-12"}])}
    )
    assert emulator.handle("GET", f"/identify?{query}", {}, b"").status == 200
    assert [r.identification for r in emulator.identifies] == [{"user_id": "user-1"}, {"device_id": "dev-12"}]


def test_identify_accepts_a_multipart_body() -> None:
    emulator = make()
    boundary = "XyZ"
    parts = [("api_key", "k"), ("identification", json.dumps({"user_id": "user-0001"}))]
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in parts
        )
        + f"--{boundary}--\r\n"
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    assert emulator.handle("POST", "/identify", headers, body.encode()).status == 200
    assert emulator.identifies[0].identification == {"user_id": "user-0001"}


@pytest.mark.parametrize(
    "identification",
    [None, "{not json", "[]", '["a string"]', json.dumps({"user_properties": {"a": 1}})],
)
def test_identify_without_a_usable_identification_is_missing_event(identification: str | None) -> None:
    emulator = make()
    params = {} if identification is None else {"identification": identification}
    reply = form(emulator, "/identify", **params)
    assert (reply.status, reply.text()) == (400, "missing_event")
    assert emulator.identifies == []


def test_identify_with_unknown_or_missing_key_is_invalid_api_key() -> None:
    emulator = make(api_keys={"good-key": "secret"})
    identification = {"user_id": "user-0001"}
    assert form(emulator, "/identify", api_key="good-key", identification=identification).status == 200
    assert (
        form(emulator, "/identify", api_key="bad-key", identification=identification).text()
        == "invalid_api_key"
    )
    assert form(emulator, "/identify", api_key="", identification=identification).text() == "invalid_api_key"


def test_identify_checks_id_length_honouring_options() -> None:
    emulator = make()
    short = {"user_id": "abc"}
    assert form(emulator, "/identify", identification=short).text() == "invalid_id_length"
    assert form(emulator, "/identify", identification=short, options={"min_id_length": 3}).status == 200
    assert form(emulator, "/identify", identification={"user_id": "null"}).text() == "invalid_id"


def test_identify_resets_the_rest_of_a_device_or_location_group() -> None:
    emulator = make()
    form(
        emulator,
        "/identify",
        identification={"user_id": "user-0001", "platform": "iOS", "os_name": "iOS", "city": "Paris"},
    )
    form(
        emulator,
        "/identify",
        identification={"user_id": "user-0001", "os_name": "Android", "language": "English"},
    )
    user = emulator.user("user-0001")
    assert user is not None
    assert user.attributes["os_name"] == "Android"
    assert user.attributes["platform"] is None
    assert (user.attributes["city"], user.attributes["language"]) == ("Paris", "English")


def test_form_api_limits() -> None:
    emulator = make(max_form_body_bytes=100)
    reply = form(
        emulator, "/identify", identification={"user_id": "user-0001", "user_properties": {"x": "y" * 100}}
    )
    assert (reply.status, reply.json()) == (413, {"code": 413, "error": "Payload too large"})
    long_get = emulator.handle("GET", "/identify?api_key=k&identification=" + "x" * 9000, {}, b"")
    assert long_get.status == 414


# -- /groupidentify and /usermap ---------------------------------------------------------------


def test_group_identify_applies_group_properties() -> None:
    emulator = make()
    identification = [
        {"group_type": "company", "group_value": "Acme", "group_properties": {"plan": "pro", "seats": 3}},
        {"group_type": "company", "group_value": "Acme", "group_properties": {"$add": {"seats": 2}}},
    ]
    reply = form(emulator, "/groupidentify", identification=identification, options="undefined")
    assert (reply.status, reply.text()) == (200, "success")
    assert emulator.group_properties("company", "Acme") == {"plan": "pro", "seats": 5}
    assert len(emulator.group_identifies) == 2


@pytest.mark.parametrize(
    ("identification", "error"),
    [
        ({"group_value": "Acme"}, "missing_group_type"),
        ({"group_type": "company"}, "missing_group_value"),
        ({"group_type": "company", "group_value": "Acme", "group_properties": []}, "invalid_user_properties"),
    ],
)
def test_group_identify_rejects_incomplete_identifications(
    identification: dict[str, object], error: str
) -> None:
    reply = form(make(), "/groupidentify", identification=identification)
    assert (reply.status, reply.text()) == (400, error)


def test_usermap_records_mappings_and_unmapping() -> None:
    emulator = make()
    assert (
        form(
            emulator,
            "/usermap",
            mapping=[{"user_id": "user-0001", "global_user_id": "global-1", "min_id_length": 3}],
        ).status
        == 200
    )
    assert emulator.global_user_id("user-0001") == "global-1"
    assert form(emulator, "/usermap", mapping={"user_id": "user-0001", "unmap": True}).status == 200
    assert emulator.global_user_id("user-0001") is None
    assert [(m.user_id, m.global_user_id, m.unmap) for m in emulator.user_mappings] == [
        ("user-0001", "global-1", False),
        ("user-0001", None, True),
    ]


@pytest.mark.parametrize(
    ("mapping", "error"),
    [
        (None, "missing_mapping"),
        ({"global_user_id": "global-1"}, "missing_user_id"),
        ({"user_id": "user-0001"}, "missing_global_user_id"),
        ({"user_id": "user-0001", "global_user_id": "global-1", "unmap": True}, "invalid_unmap"),
        ({"user_id": "abc", "global_user_id": "global-1"}, "invalid_id_length"),
    ],
)
def test_usermap_rejects_malformed_mappings(mapping: object, error: str) -> None:
    params: dict[str, Any] = {} if mapping is None else {"mapping": mapping}
    reply = form(make(), "/usermap", **params)
    assert (reply.status, reply.text()) == (400, error)


# -- user properties ---------------------------------------------------------------------------


def test_every_user_property_operation_applies_in_order() -> None:
    emulator = make()
    steps: list[dict[str, object]] = [
        {"$set": {"plan": "free", "tags": ["a"], "gone": 1, "visits": 1}, "$setOnce": {"first": "x"}},
        {"$setOnce": {"first": "y", "plan": "ignored"}, "$add": {"visits": 2, "new_counter": 5}},
        {"$append": {"tags": ["b", "c"]}, "$prepend": {"tags": "z"}, "$unset": {"gone": "-"}},
        {"$preInsert": {"tags": ["a", "p"]}, "$postInsert": {"tags": ["c", "q"]}, "$remove": {"tags": "b"}},
    ]
    for step in steps:
        assert (
            form(
                emulator, "/identify", identification={"user_id": "user-0001", "user_properties": step}
            ).status
            == 200
        )
    assert emulator.user_properties("user-0001") == {
        "plan": "free",
        "tags": ["p", "z", "a", "c", "q"],
        "visits": 3,
        "first": "x",
        "new_counter": 5,
    }
    form(
        emulator, "/identify", identification={"user_id": "user-0001", "user_properties": {"$clearAll": "-"}}
    )
    assert emulator.user_properties("user-0001") == {}


def test_events_update_user_properties_unless_sync_is_skipped() -> None:
    emulator = make()
    upload(emulator, [{"event_type": "x", "user_id": "user-0001", "user_properties": {"plan": "pro"}}])
    upload(
        emulator,
        [
            {
                "event_type": "x",
                "user_id": "user-0001",
                "user_properties": {"plan": "free"},
                "$skip_user_properties_sync": True,
            }
        ],
    )
    assert emulator.user_properties("user-0001") == {"plan": "pro"}


@pytest.mark.parametrize(("mode", "expected"), [("ignore", {"a": 1}), ("set", {"a": 1, "plain": "p"})])
def test_plain_keys_beside_operations_follow_the_mixed_mode(mode: str, expected: dict[str, object]) -> None:
    emulator = make(mixed_properties_mode=mode)
    upload(
        emulator,
        [{"event_type": "x", "user_id": "user-0001", "user_properties": {"$set": {"a": 1}, "plain": "p"}}],
    )
    assert emulator.user_properties("user-0001") == expected


def test_anonymous_device_becomes_the_user_on_its_first_identified_event() -> None:
    emulator = make()
    upload(emulator, [{"event_type": "x", "device_id": "device-1", "user_properties": {"seen": True}}])
    upload(emulator, [{"event_type": "x", "device_id": "device-1", "user_id": "user-0001"}])
    user = emulator.user("user-0001")
    assert user is not None
    assert (user.user_properties, user.device_ids, user.event_count) == ({"seen": True}, ("device-1",), 2)
    assert emulator.user("device-1") == user


def test_groupidentify_event_sets_group_properties_and_other_events_set_user_groups() -> None:
    emulator = make()
    upload(
        emulator,
        [
            {
                "event_type": "$groupidentify",
                "device_id": "device-1",
                "groups": {"org": "Acme"},
                "group_properties": {"$set": {"tier": 1}},
            },
            {"event_type": "x", "device_id": "device-1", "groups": {"org": ["Acme", "Beta"]}},
        ],
    )
    assert emulator.group_properties("org", "Acme") == {"tier": 1}
    user = emulator.user("device-1")
    assert user is not None and user.groups == {"org": ["Acme", "Beta"]}


def test_unknown_user_has_no_properties() -> None:
    assert make().user_properties("nobody") == {}


# -- admin APIs --------------------------------------------------------------------------------


def test_usersearch_needs_valid_basic_credentials() -> None:
    emulator = make(api_keys={"project-key": "secret"})
    url = "/api/2/usersearch?user=testUser@example.com"
    assert emulator.handle("GET", url, basic("project-key", "secret"), b"").status == 200
    for headers in (
        basic("project-key", "wrong"),
        basic("other-key", "secret"),
        {},
        {"Authorization": "Basic !!"},
    ):
        reply = emulator.handle("GET", url, headers, b"")
        assert (reply.status, reply.json()) == (401, {"code": 401, "error": "Invalid API key or secret key"})


def test_usersearch_finds_users_by_id_device_prefix_and_amplitude_id() -> None:
    emulator = make()
    auth = basic("project-key", "any")
    assert emulator.handle("GET", "/api/2/usersearch?user=user-0001", auth, b"").json() == {
        "type": "nomatch",
        "matches": [],
    }
    upload(emulator, [{"event_type": "x", "user_id": "user-0001", "device_id": "device-1"}])
    by_id = emulator.handle("GET", "/api/2/usersearch?user=user-0001", auth, b"").json()
    assert by_id["type"] == "match_user_or_device_id"
    [match] = by_id["matches"]
    assert (match["user_id"], match["last_device_id"], match["last_seen"]) == (
        "user-0001",
        "device-1",
        "2023-11-14",
    )
    by_device = emulator.handle("GET", "/api/2/usersearch?user=device-1", auth, b"").json()
    assert by_device["matches"][0]["user_id"] == "user-0001"
    by_prefix = emulator.handle("GET", "/api/2/usersearch?user=user-", auth, b"").json()
    assert by_prefix["type"] == "match_user_prefix"
    by_amplitude_id = emulator.handle(
        "GET", f"/api/2/usersearch?user={match['amplitude_id']}", auth, b""
    ).json()
    assert by_amplitude_id["type"] == "match_amplitude_id"


def test_deletion_request_joins_a_staging_job_ten_days_out() -> None:
    emulator = make()
    upload(emulator, [{"event_type": "x", "user_id": "sloth@segment.com"}])
    body = json.dumps({"user_ids": ["sloth@segment.com"], "requester": "segment"}).encode()
    reply = emulator.handle("POST", "/api/2/deletions/users", basic("project-key", "secret"), body)
    assert reply.status == 200
    [job] = reply.json()
    user = emulator.user("sloth@segment.com")
    assert user is not None
    assert job["amplitude_ids"] == [
        {
            "amplitude_id": user.amplitude_id,
            "requested_on_day": "2023-11-14",
            "requester": "segment",
            "user_id": "sloth@segment.com",
        }
    ]
    assert (job["day"], job["status"], job["active_scrub_done_date"]) == ("2023-11-24", "staging", None)
    assert [(d.user_id, d.day) for d in emulator.deletions] == [("sloth@segment.com", "2023-11-24")]


@pytest.mark.parametrize(
    "request_body",
    [
        {"user_ids": [None], "requester": "segment"},
        {"requester": "segment"},
        {"user_ids": [f"u{n}" for n in range(101)]},
    ],
)
def test_invalid_deletion_requests_are_400(request_body: dict[str, object]) -> None:
    emulator = make()
    reply = emulator.handle(
        "POST", "/api/2/deletions/users", basic("foo", "bar"), json.dumps(request_body).encode()
    )
    assert reply.status == 400
    assert emulator.deletions == []


def test_deletion_of_only_unknown_ids_with_ignore_invalid_id_schedules_nothing() -> None:
    emulator = make()
    body = json.dumps({"user_ids": ["nobody-1"], "ignore_invalid_id": "true"}).encode()
    reply = emulator.handle("POST", "/api/2/deletions/users", basic("foo", "bar"), body)
    app = reply.json()[" message"].rsplit(" ", 1)[1]
    assert reply.json() == {" message": f"Nothing scheduled due to invalid amplitude/user ids for app {app}"}
    assert emulator.deletions == []


def test_deletion_jobs_can_be_listed_revoked_while_staging_and_progress_with_time() -> None:
    clock = Clock()
    emulator = make(clock)
    auth = basic("foo", "bar")
    post = json.dumps({"user_ids": ["user-a", "user-b"], "requester": "me"}).encode()
    [job] = emulator.handle("POST", "/api/2/deletions/users", auth, post).json()
    first_id = job["amplitude_ids"][0]["amplitude_id"]
    revoked = emulator.handle("DELETE", f"/api/2/deletions/users/{first_id}/2023-11-24", auth, b"")
    assert (revoked.status, revoked.json()["user_id"]) == (200, "user-a")
    listed = emulator.handle(
        "GET", "/api/2/deletions/users?start_day=2023-11-01&end_day=2023-11-30", auth, b""
    ).json()
    assert [entry["user_id"] for entry in listed[0]["amplitude_ids"]] == ["user-b"]
    clock.now += 8 * DAY_MS
    second_id = listed[0]["amplitude_ids"][0]["amplitude_id"]
    assert (
        emulator.handle("DELETE", f"/api/2/deletions/users/{second_id}/2023-11-24", auth, b"").status == 400
    )
    clock.now += 2 * DAY_MS
    done = emulator.handle(
        "GET", "/api/2/deletions/users?start_day=2023-11-24&end_day=2023-11-24", auth, b""
    ).json()
    assert done[0]["status"] == "done"
    assert emulator.handle("GET", "/api/2/deletions/users?start_day=2023-11-01", auth, b"").status == 400

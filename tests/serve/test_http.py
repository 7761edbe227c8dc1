"""The tracking API under a real uvicorn: paths, auth, bodies, limits, answers and what is stored."""

from __future__ import annotations

import base64
import gzip
import json
import select
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from actions.serve import IngestLimits
from actions.serve._ingest import format_time
from serve_fakes import SERVER_KEY, WEB_KEY, MemoryQueue, Served, raw_request, read_answer, serve


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve() as running:
        yield running


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    served.queue.stored.clear()
    with httpx.Client(base_url=served.url, timeout=10) as http:
        yield http


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def track(user: str = "u1", **fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": "Clicked", "userId": user, **fields}


def stored(served: Served) -> list[dict[str, Any]]:
    return served.queue.events()


# -- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/v1/track", "track"),
        ("/v1/identify", "identify"),
        ("/v1/page", "page"),
        ("/v1/screen", "screen"),
        ("/v1/group", "group"),
        ("/v1/alias", "alias"),
        ("/v1/t", "track"),
        ("/v1/i", "identify"),
        ("/v1/p", "page"),
        ("/v1/s", "screen"),
        ("/v1/g", "group"),
        ("/v1/a", "alias"),
    ],
)
def test_single_event_paths_store_one_event_of_their_type(
    served: Served, client: httpx.Client, path: str, kind: str
) -> None:
    answer = client.post(path, json={"userId": "u1", "writeKey": WEB_KEY})
    assert (answer.status_code, answer.content) == (200, b'{"success": true}')
    [accepted] = served.queue.stored
    assert (accepted.source, accepted.destinations) == ("web", ("amplitude", "warehouse"))
    assert accepted.event["type"] == kind


@pytest.mark.parametrize(
    "path", ["/v1/batch", "/v1/b", "/v1/import", "/b", "/batch", "/v1/batch/b", "/v1/batch/"]
)
def test_batch_paths_store_every_event(served: Served, client: httpx.Client, path: str) -> None:
    body = {"batch": [track("a"), {"type": "identify", "anonymousId": "b"}], "writeKey": SERVER_KEY}
    answer = client.post(path, json=body)
    assert (answer.status_code, answer.json()) == (200, {"success": True})
    assert [event["type"] for event in stored(served)] == ["track", "identify"]
    assert {accepted.source for accepted in served.queue.stored} == {"backend"}


def test_unknown_paths_and_wrong_methods_answer_json(client: httpx.Client) -> None:
    missing = client.post("/v2/track", json={})
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "code": "not_found", "message": "no such path: /v2/track"}
    wrong = client.get("/v1/batch")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST, OPTIONS")
    assert wrong.json()["message"] == "/v1/batch takes POST"
    assert client.post("/health").status_code == 405


def test_health_ready_and_metrics(served: Served, client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"ready": True}
    client.post("/v1/track", json=track(), headers=basic(WEB_KEY))
    scraped = client.get("/metrics")
    assert scraped.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert 'actions_requests_total{source="web",status="200"}' in scraped.text
    assert 'actions_request_duration_seconds_count{source="web"}' in scraped.text


def test_ready_is_503_when_the_queue_is_full_or_broken() -> None:
    queue = MemoryQueue()
    with serve(queue, max_pending=1) as running, httpx.Client(base_url=running.url) as http:
        assert http.get("/ready").status_code == 200
        http.post("/v1/track", json=track(), headers=basic(WEB_KEY))
        full = http.get("/ready")
        assert (full.status_code, full.json()["reason"]) == (
            503,
            "the queue is full for destination amplitude",
        )
        queue.broken = True
        assert http.get("/ready").json() == {"ready": False, "reason": "the queue is not available"}


# -- auth ----------------------------------------------------------------------------------------


def test_every_auth_form_is_accepted(served: Served, client: httpx.Client) -> None:
    assert client.post("/v1/track", json=track("basic"), headers=basic(WEB_KEY)).status_code == 200
    assert client.post("/v1/track", json=track("body", writeKey=WEB_KEY)).status_code == 200
    bearer = {"Authorization": "Bearer some.oauth.token"}
    assert (
        client.post("/v1/track", json=track("bearer", writeKey=SERVER_KEY), headers=bearer).status_code == 200
    )
    # httpx's own Basic: user = key, empty password.
    assert client.post("/v1/track", json=track("httpx"), auth=(WEB_KEY, "")).status_code == 200
    assert [(a.source, a.event["userId"]) for a in served.queue.stored] == [
        ("web", "basic"),
        ("web", "body"),
        ("backend", "bearer"),
        ("web", "httpx"),
    ]


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ({}, track(), "no write key: send it as the Basic auth user or as writeKey in the body"),
        (basic("not-a-key"), track(), "unknown write key"),
        ({}, track(writeKey="guess-" + WEB_KEY), "unknown write key"),
        (
            {"Authorization": "Bearer t"},
            track(),
            "no write key: send it as the Basic auth user or as writeKey",
        ),
        ({"Authorization": "Basic %%%"}, track(), "malformed Basic authorization header"),
    ],
)
def test_missing_and_unknown_keys_are_401_naming_no_secret(
    served: Served, client: httpx.Client, headers: dict[str, str], body: dict[str, Any], message: str
) -> None:
    answer = client.post("/v1/track", json=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"
    assert answer.json()["message"].startswith(message)
    assert "not-a-key" not in answer.text and WEB_KEY not in answer.text
    assert served.queue.stored == []


# -- bodies --------------------------------------------------------------------------------------


def test_text_plain_with_any_charset_is_json(served: Served, client: httpx.Client) -> None:
    body = json.dumps(track(writeKey=WEB_KEY, properties={"name": "café"})).encode()
    answer = client.post("/v1/t", content=body, headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert answer.status_code == 200
    assert stored(served)[0]["properties"] == {"name": "café"}


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/html", None])
def test_other_content_types_are_415(served: Served, client: httpx.Client, content_type: str | None) -> None:
    headers = basic(WEB_KEY) | ({"Content-Type": content_type} if content_type else {})
    answer = client.post("/v1/track", content=json.dumps(track()).encode(), headers=headers)
    assert answer.status_code == 415
    shown = content_type or "missing"
    assert answer.json()["message"] == f"Content-Type must be application/json or text/plain, not {shown}"
    assert served.queue.stored == []


def test_gzip_bodies_are_read(served: Served, client: httpx.Client) -> None:
    body = gzip.compress(json.dumps({"batch": [track("g1"), track("g2")], "writeKey": WEB_KEY}).encode())
    answer = client.post(
        "/v1/batch", content=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    assert answer.status_code == 200
    assert [event["userId"] for event in stored(served)] == ["g1", "g2"]


def test_other_encodings_are_415(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/track", content=b"{}", headers={"Content-Type": "application/json", "Content-Encoding": "br"}
    )
    assert answer.status_code == 415
    assert answer.json()["message"] == "Content-Encoding must be gzip or identity, not br"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "malformed JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (b"", "malformed JSON: Expecting value: line 1 column 1 (char 0)"),
        (b"\xff\xfe{", "malformed JSON"),
        (b"[1]", "body must be a JSON object"),
    ],
)
def test_malformed_json_is_400(served: Served, client: httpx.Client, body: bytes, message: str) -> None:
    answer = client.post(
        "/v1/batch", content=body, headers={"Content-Type": "application/json"} | basic(WEB_KEY)
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["message"].startswith(message)
    assert served.queue.stored == []


def test_bad_gzip_is_400(client: httpx.Client) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"} | basic(WEB_KEY)
    not_gzip = client.post("/v1/track", content=b"plain text", headers=headers)
    assert (not_gzip.status_code, not_gzip.json()["message"]) == (400, "body is not valid gzip")
    cut = client.post("/v1/track", content=gzip.compress(json.dumps(track()).encode())[:-8], headers=headers)
    assert (cut.status_code, cut.json()["message"]) == (400, "gzip body ends before the end of its stream")


# -- limits --------------------------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_at_500_kb_of_output(served: Served, client: httpx.Client) -> None:
    # 100 MB of zeros in a JSON string, about 100 KB compressed.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = compressor.compress(b'{"batch": [], "writeKey": "' + b"0" * 100_000_000) + compressor.flush()
    assert len(bomb) < 500 << 10
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"} | basic(WEB_KEY)
    answer = client.post("/v1/batch", content=bomb, headers=headers)
    assert answer.status_code == 400
    assert answer.json() == {
        "success": False,
        "code": "request_too_large",
        "message": "decompressed request body is over 512000 bytes",
    }


def test_a_content_length_over_500_kb_is_refused_before_the_body_is_read(served: Served) -> None:
    head = (
        b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 600000\r\n\r\n"
    )
    status, _, body = raw_request(served, head)  # no body sent: the answer must not wait for it
    assert status == 400
    assert json.loads(body)["message"] == "request body is 600000 bytes, at most 512000 are allowed"


def test_a_chunked_body_over_500_kb_is_refused_while_reading(served: Served) -> None:
    head = (
        b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    with served.connect() as connection:
        connection.sendall(head)
        # 9 chunks of 64 KB cross the bound; the connection stays open, the answer comes anyway.
        for _ in range(9):
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, _, body = read_answer(connection)
    assert status == 400
    assert json.loads(body)["message"] == "request body is over 512000 bytes"


def test_chunked_gzip_like_analytics_kotlin_is_stored(served: Served, client: httpx.Client) -> None:
    payload = gzip.compress(
        json.dumps({"batch": [track("k1")], "writeKey": WEB_KEY, "sentAt": None}).encode()
    )

    def pieces() -> Iterator[bytes]:  # a generator body: httpx sends it chunked, no Content-Length
        for start in range(0, len(payload), 7):
            yield payload[start : start + 7]

    answer = client.post(
        "/v1/b", content=pieces(), headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    )
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert answer.status_code == 200
    assert stored(served)[0]["userId"] == "k1"


def test_an_event_over_32_kb_is_rejected_and_the_others_stored(served: Served, client: httpx.Client) -> None:
    big = track("big", properties={"blob": "x" * (32 << 10)})
    body = {"batch": [track("a"), big, track("b")], "writeKey": WEB_KEY}
    answer = client.post("/v1/batch", json=body)
    assert answer.status_code == 200
    [rejection] = answer.json()["rejected"]
    assert rejection["index"] == 1
    assert rejection["code"] == "event_too_large"
    assert [event["userId"] for event in stored(served)] == ["a", "b"]


def test_a_single_event_over_32_kb_is_400(served: Served, client: httpx.Client) -> None:
    answer = client.post(
        "/v1/track", json=track(properties={"blob": "x" * (32 << 10)}), headers=basic(WEB_KEY)
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "event_too_large"
    assert answer.json()["message"] == "event is 32841 bytes of JSON, at most 32768 are allowed"


def test_more_than_2500_events_is_400(served: Served, client: httpx.Client) -> None:
    answer = client.post("/v1/batch", json={"batch": [{"type": "track"}] * 2501}, headers=basic(WEB_KEY))
    assert answer.status_code == 400
    assert answer.json()["message"] == "batch has 2501 events, at most 2500 are allowed"
    assert served.queue.stored == []


def test_a_batch_with_invalid_events_stores_the_valid_ones_and_names_the_rest(
    served: Served, client: httpx.Client
) -> None:
    body = {
        "batch": [track("a"), {"type": "track"}, "x", track("b", messageId="m" * 120)],
        "writeKey": WEB_KEY,
    }
    answer = client.post("/v1/batch", json=body)
    assert answer.status_code == 200
    assert answer.json() == {
        "success": True,
        "rejected": [
            {"index": 1, "code": "missing_id", "message": "track event needs a userId or an anonymousId"},
            {"index": 2, "code": "invalid_event", "message": "event must be a JSON object"},
            {
                "index": 3,
                "code": "invalid_message_id",
                "message": "messageId has 120 characters, it must be under 100",
            },
        ],
    }
    assert [event["userId"] for event in stored(served)] == ["a"]


def test_a_batch_with_only_invalid_events_is_400(served: Served, client: httpx.Client) -> None:
    answer = client.post(
        "/v1/batch", json={"batch": [{"type": "track"}, {"type": "nope"}]}, headers=basic(WEB_KEY)
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "all 2 events were rejected"
    assert [item["index"] for item in answer.json()["rejected"]] == [0, 1]


def test_a_missing_user_id_and_anonymous_id_on_a_single_event_is_400(client: httpx.Client) -> None:
    answer = client.post("/v1/identify", json={"traits": {}}, headers=basic(WEB_KEY))
    assert answer.status_code == 400
    assert answer.json() == {
        "success": False,
        "code": "missing_id",
        "message": "identify event needs a userId or an anonymousId",
    }


def test_a_client_that_trickles_its_body_gets_408_and_the_server_serves_others() -> None:
    with serve(limits=IngestLimits(read_timeout_s=0.5)) as running:
        body = json.dumps(track(writeKey=WEB_KEY, properties={"pad": "x" * 200})).encode()
        head = (
            b"POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n"
        )
        with running.connect() as slow:
            slow.sendall(head % len(body))
            # Meanwhile another client is served at once.
            assert httpx.post(running.url + "/v1/track", json=track(writeKey=WEB_KEY)).status_code == 200
            sent = 0
            # A byte every 50 ms, until the server answers (it must, long before the body is done).
            while sent < len(body) and not select.select([slow], [], [], 0.05)[0]:
                slow.sendall(body[sent : sent + 1])
                sent += 1
            status, _, answer = read_answer(slow)
        assert sent < len(body)
        assert status == 408
        assert json.loads(answer)["message"] == "request body was not received within 0.5 s"
        assert len(running.queue.stored) == 1


# -- answers -------------------------------------------------------------------------------------


def test_a_full_queue_is_429_with_retry_after_and_nothing_is_stored() -> None:
    queue = MemoryQueue()
    queue.full_retry_after = 7
    with serve(queue) as running:
        answer = httpx.post(running.url + "/v1/batch", json={"batch": [track()], "writeKey": WEB_KEY})
        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "7"
        assert answer.json()["code"] == "queue_full"
        assert queue.stored == []
        queue.full_retry_after = None
        assert (
            httpx.post(running.url + "/v1/batch", json={"batch": [track()], "writeKey": WEB_KEY}).status_code
            == 200
        )
        scraped = httpx.get(running.url + "/metrics").text
        assert 'actions_events_rejected_total{source="web",reason="queue_full"} 1' in scraped
        assert 'actions_requests_total{source="web",status="429"} 1' in scraped


def test_a_broken_queue_is_503_not_a_client_error() -> None:
    queue = MemoryQueue()
    queue.broken = True
    with serve(queue) as running:
        answer = httpx.post(running.url + "/v1/track", json=track(writeKey=WEB_KEY))
        assert (answer.status_code, answer.json()["code"]) == (503, "unavailable")


def test_repeated_message_ids_are_200_and_passed_to_the_queue_for_dedup(
    served: Served, client: httpx.Client
) -> None:
    body = {"batch": [track("a", messageId="m-1"), track("a", messageId="m-1")], "writeKey": WEB_KEY}
    assert client.post("/v1/batch", json=body).status_code == 200
    assert client.post("/v1/batch", json=body).status_code == 200
    assert [accepted.message_id for accepted in served.queue.stored] == ["m-1"]
    # The same messageId from another source is another event.
    assert client.post("/v1/track", json=track("a", messageId="m-1", writeKey=SERVER_KEY)).status_code == 200
    assert len(served.queue.stored) == 2
    assert 'actions_events_duplicate_total{source="web"} 3' in client.get("/metrics").text


def test_stored_events_are_stamped_and_skew_corrected(served: Served, client: httpx.Client) -> None:
    # The client's clock runs 2 hours ahead; the event happened 30 s before the batch was sent.
    ahead = int(time.time() * 1000) + 7_200_000
    body = {
        "writeKey": WEB_KEY,
        "sentAt": format_time(ahead),
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
        "batch": [track(timestamp=format_time(ahead - 30_000))],
    }
    before = int(time.time() * 1000)
    assert client.post("/v1/batch", json=body).status_code == 200
    after = int(time.time() * 1000)
    [event] = stored(served)
    received = _epoch_ms(event["receivedAt"])
    assert before <= received <= after
    assert _epoch_ms(event["timestamp"]) == received - 30_000
    assert event["originalTimestamp"] == format_time(ahead - 30_000)
    assert event["sentAt"] == format_time(ahead)
    assert event["context"] == {
        "library": {"name": "analytics-python", "version": "2.4.0"},
        "ip": "127.0.0.1",
    }
    assert event["messageId"].startswith("api-")
    assert "writeKey" not in event


def _epoch_ms(text: str) -> int:
    from actions._dates import parse_date

    value = parse_date(text)
    assert value is not None
    return value


def test_no_write_key_reaches_the_metrics(served: Served, client: httpx.Client) -> None:
    client.post("/v1/track", json=track(), headers=basic(WEB_KEY))
    client.post("/v1/track", json=track(), headers=basic("wrong-key-value"))
    client.get(f"/v1/projects/{WEB_KEY}/settings")
    scraped = client.get("/metrics").text
    assert WEB_KEY not in scraped and SERVER_KEY not in scraped and "wrong-key-value" not in scraped
    assert 'actions_requests_rejected_total{source="",reason="unauthorized"}' in scraped


# -- browsers ------------------------------------------------------------------------------------


def test_cors_preflight_allows_any_origin_with_credentials(client: httpx.Client) -> None:
    answer = client.options(
        "/v1/t",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-retry-count",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["access-control-allow-headers"] == "authorization, content-type, x-retry-count"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-max-age"] == "900"


def test_answers_to_browsers_carry_cors_headers(client: httpx.Client) -> None:
    answer = client.post("/v1/t", json=track(writeKey=WEB_KEY), headers={"Origin": "https://shop.example"})
    assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    refused = client.post("/v1/t", json=track(), headers={"Origin": "https://shop.example"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://shop.example"


def test_settings_are_what_the_sdks_load(client: httpx.Client) -> None:
    answer = client.get(f"/v1/projects/{WEB_KEY}/settings", headers={"Host": "events.example:8080"})
    assert answer.status_code == 200
    settings = answer.json()
    segment = settings["integrations"]["Segment.io"]
    assert (segment["apiKey"], segment["apiHost"]) == (WEB_KEY, "events.example:8080/v1")
    # analytics-kotlin's AmplitudeSession plugin turns on only with this entry.
    assert settings["integrations"]["Actions Amplitude"] == {"versionSettings": {"componentTypes": []}}
    assert settings["plan"]["track"]["__default"]["enabled"] is True
    assert settings["edgeFunction"] == {}
    assert settings["remotePlugins"] == []


def test_settings_without_amplitude_and_for_unknown_keys(client: httpx.Client) -> None:
    settings = client.get(f"/v1/projects/{SERVER_KEY}/settings").json()
    assert list(settings["integrations"]) == ["Segment.io"]
    unknown = client.get("/v1/projects/nope/settings")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "no source has this write key"


def test_settings_use_the_configured_api_host() -> None:
    with serve(api_host="events.example.com/v1") as running:
        settings = httpx.get(f"{running.url}/v1/projects/{WEB_KEY}/settings").json()
    assert settings["integrations"]["Segment.io"]["apiHost"] == "events.example.com/v1"

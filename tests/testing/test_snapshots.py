"""Request snapshots: readable views of what was sent, with every secret redacted."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from actions import HTTPError, IntegrationError
from actions._request import Exchange, encode_form
from actions.testing import (
    ActionRun,
    RequestSnapshotExtension,
    RequestsSnapshot,
    record_request,
    request_view,
    snapshot_of,
)
from actions_webhook import destination as webhook

SECRET = "whsec-0123456789abcdef"
SETTINGS = {"url": "https://hooks.example.com/in", "sharedSecret": SECRET}


def json_request(body: object, **headers: str) -> httpx.Request:
    return httpx.Request(
        "POST",
        "https://api.example.com/v1/events",
        headers={"content-type": "application/json", **headers},
        content=json.dumps(body).encode(),
    )


def run_of(*requests: httpx.Request, error: Exception | None = None) -> ActionRun:
    return ActionRun(
        requests=[record_request(r) for r in requests],
        exchanges=[Exchange(r, httpx.Response(200)) for r in requests],
        error=error,
    )


def test_json_body_is_parsed_and_its_keys_sorted() -> None:
    view = request_view(json_request({"b": 1, "a": {"d": 2, "c": 3}}))
    assert view["method"] == "POST"
    assert view["url"] == "https://api.example.com/v1/events"
    assert view["body"] == {"a": {"c": 3, "d": 2}, "b": 1}
    assert list(view["body"]) == ["a", "b"]
    assert list(view["body"]["a"]) == ["c", "d"]


def test_form_body_is_decoded_with_json_values_expanded() -> None:
    content = encode_form({"api_key": "k", "identification": json.dumps([{"user_id": "u1"}]), "n": "42"})
    request = httpx.Request(
        "POST",
        "https://api.example.com/identify",
        headers={"content-type": "application/x-www-form-urlencoded;charset=UTF-8"},
        content=content.encode(),
    )
    view = request_view(request)
    assert view["form"] == {"api_key": "k", "identification": [{"user_id": "u1"}], "n": "42"}
    assert "body" not in view


def test_other_bodies_are_kept_as_text_and_empty_bodies_left_out() -> None:
    text = httpx.Request(
        "PUT", "https://x.example.com/", headers={"content-type": "text/plain"}, content=b"hi"
    )
    assert request_view(text)["text"] == "hi"
    assert set(request_view(httpx.Request("GET", "https://x.example.com/"))) == {"method", "url", "headers"}


def test_headers_are_sorted_lower_case_and_skip_transport_headers() -> None:
    view = request_view(json_request({}, **{"X-Signature": "sha256=ab", "User-Agent": "Segment (Actions)"}))
    assert list(view["headers"]) == ["content-type", "user-agent", "x-signature"]


def test_secrets_are_redacted_in_url_headers_and_body() -> None:
    token = base64.b64encode(f"{SECRET}:".encode()).decode()
    request = httpx.Request(
        "POST",
        f"https://api.example.com/in?key={SECRET}",
        headers={"content-type": "application/json", "authorization": f"Basic {token}", "x-key": SECRET},
        content=json.dumps({"api_key": SECRET, "nested": [f"Bearer {SECRET}"]}).encode(),
    )
    view = snapshot_of([request], destination=webhook, settings=SETTINGS).requests[0]
    assert view["url"] == "https://api.example.com/in?key=<redacted:sharedSecret>"
    assert view["headers"]["authorization"] == "Basic <redacted:sharedSecret>:"
    assert view["headers"]["x-key"] == "<redacted:sharedSecret>"
    assert view["body"] == {
        "api_key": "<redacted:sharedSecret>",
        "nested": ["Bearer <redacted:sharedSecret>"],
    }
    assert SECRET not in json.dumps(view)


def test_snapshot_of_a_run_keeps_every_header_of_every_request() -> None:
    first = json_request({"n": 1}, **{"X-Trace": "t1"})
    second = json_request({"n": 2})
    snapshot = snapshot_of(run_of(first, second), destination=webhook, settings=SETTINGS)
    assert [r["body"] for r in snapshot.requests] == [{"n": 1}, {"n": 2}]
    assert snapshot.requests[0]["headers"]["x-trace"] == "t1"
    assert snapshot.error is None


def test_snapshot_of_a_failed_run_records_the_redacted_error() -> None:
    error = IntegrationError(f"rejected key {SECRET}", "BAD_KEY", 400)
    snapshot = snapshot_of(run_of(error=error), destination=webhook, settings=SETTINGS)
    assert snapshot.error == {
        "type": "IntegrationError",
        "code": "BAD_KEY",
        "status": 400,
        "message": "rejected key <redacted:sharedSecret>",
    }
    assert snapshot.to_data() == {"requests": [], "error": snapshot.error}


def test_http_errors_record_the_response_status() -> None:
    response = httpx.Response(429, request=json_request({}))
    snapshot = snapshot_of(run_of(error=HTTPError(response)))
    assert snapshot.error is not None
    assert snapshot.error["type"] == "HTTPError"
    assert snapshot.error["status"] == 429


def test_extension_writes_pretty_json_in_a_fixed_envelope_order() -> None:
    snapshot = RequestsSnapshot(({"method": "GET", "url": "https://x.example.com/", "headers": {}},))
    text = RequestSnapshotExtension().serialize(snapshot)
    assert isinstance(text, str)
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "requests": [{"method": "GET", "url": "https://x.example.com/", "headers": {}}]
    }
    assert text.index('"method"') < text.index('"url"') < text.index('"headers"')
    assert '\n  "requests": [\n' in text


def test_extension_keeps_non_ascii_text_readable() -> None:
    text = RequestSnapshotExtension().serialize({"name": "Zoë ✓"})
    assert "Zoë ✓" in text


@pytest.mark.parametrize("raw", [run_of(), json_request({}), record_request(json_request({}))])
def test_extension_refuses_unredacted_runs_and_requests(raw: object) -> None:
    with pytest.raises(TypeError, match="snapshot_of"):
        RequestSnapshotExtension().serialize(raw)

"""Requests as shown to operators: redacted everywhere (headers, JSON and form bodies, URLs)."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
from actions.delivery import DryRunTransport, describe_request, format_request
from actions.runtime import Redactor

REDACTOR = Redactor({"apiKey": "KEY-abc-123", "secretKey": "S3CRET/+x"})


def test_json_body_secrets_are_redacted() -> None:
    request = httpx.Request(
        "POST", "https://api2.amplitude.com/2/httpapi", json={"api_key": "KEY-abc-123", "events": []}
    )
    view = describe_request(request, REDACTOR, action="logEvent")
    assert view["body"] == {"api_key": "<redacted:apiKey>", "events": []}
    assert view["action"] == "logEvent"


def test_form_body_is_decoded_and_redacted_even_when_the_secret_is_percent_encoded() -> None:
    request = httpx.Request(
        "POST",
        "https://api2.amplitude.com/identify",
        content=b"api_key=S3CRET%2F%2Bx&identification=%7B%22user_id%22%3A%22u%22%7D",
        headers={"content-type": "application/x-www-form-urlencoded;charset=UTF-8"},
    )
    view = describe_request(request, REDACTOR)
    assert view["body"] == {"api_key": "<redacted:secretKey>", "identification": {"user_id": "u"}}


def test_basic_auth_and_query_string_secrets_are_redacted() -> None:
    token = base64.b64encode(b"KEY-abc-123:S3CRET/+x").decode()
    request = httpx.Request(
        "GET",
        "https://amplitude.com/api/2/usersearch?key=KEY-abc-123",
        headers={"authorization": f"Basic {token}"},
    )
    text = format_request(request, REDACTOR)
    assert "KEY-abc-123" not in text and token not in text
    assert "authorization: Basic <redacted:apiKey>:<redacted:secretKey>" in text
    assert "?key=<redacted:apiKey>" in text


def test_text_format_reads_like_http_and_json_format_is_one_line() -> None:
    request = httpx.Request("POST", "https://x.test/p", json={"a": 1}, headers={"user-agent": "ua"})
    text = format_request(request, action="send")
    assert text.splitlines()[:4] == [
        "# send",
        "POST https://x.test/p",
        "content-type: application/json",
        "user-agent: ua",
    ]
    line = format_request(request, fmt="json")
    assert "\n" not in line
    assert json.loads(line)["body"] == {"a": 1}


def test_dry_run_transport_answers_without_sending_and_counts() -> None:
    transport = DryRunTransport()

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post("https://unreachable.invalid/x", json={"a": 1})

    response = asyncio.run(go())
    assert response.status_code == 200
    assert response.json() == {"code": 200}
    assert transport.requests == 1

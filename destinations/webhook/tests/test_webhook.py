"""The webhook destination: what it sends, how it signs, and how batches and failures come back."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from actions import Delivered, Failed, HTTPError, SettingsValidationError
from actions.testing import Harness, make_event, run_action
from actions_webhook import SIGNATURE_HEADER, destination, sign

SECRET = "whsec-test-0c1d2e3f4a5b"
DATA_ONLY = {"data": {"@path": "$.properties"}}


def expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_send_posts_the_whole_event_as_json_by_default(harness: Harness) -> None:
    event = make_event(event="Signed Up", properties={"plan": "pro"})
    request = harness.run("send", event, use_default_mappings=True).request
    assert request.method == "POST"
    assert request.url == "https://hooks.example.com/in"
    assert request.headers["content-type"] == "application/json"
    assert request.body == event


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_method_setting_chooses_the_http_method(harness: Harness, method: str) -> None:
    settings = {**harness.settings, "method": method}
    run = harness.run("send", mapping=DATA_ONLY, settings=settings)
    assert run.request.method == method


def test_signature_header_is_the_hmac_of_the_exact_body(harness: Harness) -> None:
    run = harness.run("send", make_event(properties={"zoë": "✓", "n": 1.5}), mapping=DATA_ONLY)
    sent = run.exchanges[0].request
    assert sent.headers[SIGNATURE_HEADER] == expected_signature(sent.content)
    assert (
        sent.content == json.dumps({"zoë": "✓", "n": 1.5}, ensure_ascii=False, separators=(",", ":")).encode()
    )


def test_sign_formats_the_hex_digest_with_its_algorithm() -> None:
    signature = sign(SECRET, b"{}")
    assert signature == expected_signature(b"{}")
    assert len(signature) == len("sha256=") + 64


def test_no_signature_is_sent_without_a_shared_secret(harness: Harness) -> None:
    settings = {"url": "https://hooks.example.com/in"}
    run = harness.run("send", mapping=DATA_ONLY, settings=settings)
    assert SIGNATURE_HEADER.lower() not in {name.lower() for name in run.exchanges[0].request.headers}


def test_mapped_headers_are_added_to_the_request(harness: Harness) -> None:
    mapping = {**DATA_ONLY, "headers": {"X-Tenant": "acme", "X-Attempt": 2}}
    sent = harness.run("send", mapping=mapping).exchanges[0].request
    assert sent.headers["x-tenant"] == "acme"
    assert sent.headers["x-attempt"] == "2"
    assert sent.headers["content-type"] == "application/json"


def test_a_rejected_request_raises_an_http_error_with_the_status(harness: Harness) -> None:
    harness.reply(status=410, body="gone")
    with pytest.raises(HTTPError) as failure:
        harness.run("send", mapping=DATA_ONLY)
    assert failure.value.status == 410


def test_send_batch_posts_one_array_with_every_events_data(harness: Harness) -> None:
    events = [make_event(properties={"n": n}) for n in range(3)]
    run = harness.run_batch("sendBatch", events, mapping=DATA_ONLY)
    assert len(run.requests) == 1
    assert run.request.body == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert run.results == [Delivered(200), Delivered(200), Delivered(200)]


def test_batch_signature_covers_the_array_body(harness: Harness) -> None:
    run = harness.run_batch(
        "sendBatch", [make_event(properties={"n": n}) for n in range(2)], mapping=DATA_ONLY
    )
    sent = run.exchanges[0].request
    assert sent.headers[SIGNATURE_HEADER] == expected_signature(sent.content)


def test_batch_headers_come_from_the_first_payload(harness: Harness) -> None:
    events = [make_event(properties={"tenant": t}) for t in ("first", "second")]
    mapping = {**DATA_ONLY, "headers": {"X-Tenant": {"@path": "$.properties.tenant"}}}
    run = harness.run_batch("sendBatch", events, mapping=mapping)
    assert run.exchanges[0].request.headers["x-tenant"] == "first"


def test_a_rejected_batch_fails_every_event_and_can_be_retried(harness: Harness) -> None:
    harness.reply(status=503)
    run = harness.run_batch("sendBatch", [make_event(), make_event(event="Second")], mapping=DATA_ONLY)
    assert len(run.results) == 2
    for result in run.results:
        assert isinstance(result, Failed)
        assert result.error.status == 503
        assert result.error.retryable


def test_settings_without_a_url_are_rejected_when_validated() -> None:
    with pytest.raises(SettingsValidationError):
        run_action(
            destination, "send", event=make_event(), mapping=DATA_ONLY, settings={}, validate_settings=True
        )


def test_snapshot_redacts_the_shared_secret_wherever_it_appears(harness: Harness) -> None:
    run = harness.run("send", make_event(properties={"leaked": SECRET}), mapping=DATA_ONLY)
    data: dict[str, Any] = harness.snapshot_of(run).to_data()
    text = json.dumps(data)
    assert SECRET not in text
    assert data["requests"][0]["body"] == {"leaked": "<redacted:sharedSecret>"}
    assert data["requests"][0]["headers"]["x-signature"].startswith("sha256=")

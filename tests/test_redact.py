from __future__ import annotations

import base64

from actions import Redactor


def test_secret_values_are_replaced_wherever_they_appear() -> None:
    redact = Redactor({"apiKey": "k-123", "secretKey": "s-456"})
    assert redact.text('{"api_key":"k-123"} k-123') == '{"api_key":"<redacted:apiKey>"} <redacted:apiKey>'
    assert redact.data({"k-123": ["s-456", 1]}) == {"<redacted:apiKey>": ["<redacted:secretKey>", 1]}


def test_basic_credentials_are_decoded_before_redaction() -> None:
    redact = Redactor({"apiKey": "k-123", "secretKey": "s-456"})
    header = "Basic " + base64.b64encode(b"k-123:s-456").decode()
    assert redact.header("Authorization", header) == "Basic <redacted:apiKey>:<redacted:secretKey>"
    assert redact.header("Authorization", "Basic !!notbase64") == "Basic !!notbase64"


def test_a_secret_containing_another_is_redacted_whole() -> None:
    redact = Redactor({"short": "abc", "long": "abcdef"})
    assert redact.text("abcdef abc") == "<redacted:long> <redacted:short>"


def test_empty_secrets_redact_nothing() -> None:
    redact = Redactor({"apiKey": ""})
    assert not redact
    assert redact.text("anything") == "anything"

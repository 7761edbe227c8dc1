from __future__ import annotations

import base64

from actions.runtime import Redactor


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


def test_a_short_secret_inside_other_words_and_event_strings_is_left_alone() -> None:
    redact = Redactor({"secretKey": "user", "apiKey": "redacted"})
    assert redact.text("missing 'userId' for user") == "missing 'userId' for <redacted:secretKey>"
    event = {"userId": "user-1", "properties": {"note": "a user signed up"}}
    assert redact.data(event) == event
    assert redact.text("redacted user") == "<redacted:apiKey> <redacted:secretKey>"  # never nested


def test_secrets_with_quotes_and_backslashes_are_found_in_json_text_and_request_bodies() -> None:
    import json

    import httpx
    from actions.delivery import describe_request

    secret = 'ab"c\\d-key'
    redact = Redactor({"apiKey": secret})
    assert secret not in redact.text(json.dumps({"error": f"bad {secret}"}))
    assert json.dumps(secret)[1:-1] not in redact.text(json.dumps({"error": f"bad {secret}"}))
    request = httpx.Request("POST", "https://x.test/e", json={"api_key": secret, "events": []})
    view = describe_request(request, redact)
    assert view["body"] == {"api_key": "<redacted:apiKey>", "events": []}


def test_a_cut_never_leaves_a_prefix_of_a_secret() -> None:
    secret = "k" * 32
    redact = Redactor({"apiKey": secret})
    text = "x" * 190 + " " + secret + " tail"
    short = redact.shorten(text, 200)
    assert "kkkk" not in short and short.endswith("...")
    embedded = "x" * 190 + secret + " tail"  # inside a longer word: not a token, still never cut through
    assert redact.shorten(embedded, 200) == "x" * 190 + "..."


def test_the_redactor_of_settings_finds_their_secrets_by_type() -> None:
    from actions import SecretStr, Settings, setting
    from pydantic import Field as PydanticField

    class Keys(Settings):
        api_key: SecretStr = PydanticField(alias="apiKey", title="API Key")
        signing: SecretStr | None = setting(None, label="Signing Key")
        region: str = setting("us", label="Region")
        label: str = setting("k-123", label="A plain setting that happens to hold the key's value")

    redact = Redactor.of(Keys.model_validate({"apiKey": "k-123", "region": "s-456"}))
    assert redact.text("k-123 s-456") == "<redacted:apiKey> s-456"  # named by its key; region is no secret
    both = Redactor.of(Keys.model_validate({"apiKey": "k-123"}), Keys.model_validate({"apiKey": "k-789"}))
    assert both.text("k-123 k-789") == "<redacted:apiKey> <redacted:apiKey>"  # one redactor, two lanes
    assert not Redactor.of(Keys.model_construct(api_key=None))  # unset (unchecked settings): none to redact

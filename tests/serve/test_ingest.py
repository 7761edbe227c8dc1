"""The pure part of ingestion: unpacking, merging, checks, stamping and clock-skew correction."""

from __future__ import annotations

import re
from typing import Any

import pytest
from actions.serve import Ingested, RequestRejected, ingest
from actions.serve._ingest import format_time

RECEIVED_MS = 1_700_000_000_123  # 2023-11-14T22:13:20.123Z
RECEIVED_AT = "2023-11-14T22:13:20.123Z"


def run(body: Any, event_type: str | None = None, ip: str | None = "203.0.113.7", **limits: int) -> Ingested:
    return ingest(
        body,
        event_type=event_type,
        received_ms=RECEIVED_MS,
        client_ip=ip,
        source="web",
        destinations=("amplitude",),
        **limits,
    )


def one(event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    ingested = run({"batch": [event]}, **kwargs)
    assert ingested.rejected == []
    return ingested.accepted[0].event


def test_received_at_is_iso_utc_with_milliseconds() -> None:
    assert format_time(RECEIVED_MS) == RECEIVED_AT
    assert format_time(0) == "1970-01-01T00:00:00.000Z"
    assert one({"type": "track", "userId": "u"})["receivedAt"] == RECEIVED_AT


def test_batch_context_and_integrations_merge_into_items_and_the_item_wins() -> None:
    body = {
        "writeKey": "secret",
        "context": {"library": {"name": "analytics-python"}, "locale": "en"},
        "integrations": {"All": True},
        "batch": [
            {
                "type": "track",
                "userId": "u",
                "context": {"locale": "fr"},
                "integrations": {"Amplitude": False},
            },
            {"type": "identify", "anonymousId": "a"},
        ],
    }
    first, second = (accepted.event for accepted in run(body).accepted)
    assert first["context"] == {"library": {"name": "analytics-python"}, "locale": "fr", "ip": "203.0.113.7"}
    assert first["integrations"] == {"All": True, "Amplitude": False}
    assert second["context"] == {"library": {"name": "analytics-python"}, "locale": "en", "ip": "203.0.113.7"}
    # Items do not share one context object: stamping one cannot change the other.
    assert first["context"] is not second["context"]
    assert "writeKey" not in first and "writeKey" not in second


def test_accepted_carries_source_message_id_and_destinations() -> None:
    accepted = run({"batch": [{"type": "track", "userId": "u", "messageId": "m-1"}]}).accepted[0]
    assert (accepted.source, accepted.message_id, accepted.destinations) == ("web", "m-1", ("amplitude",))


def test_single_event_paths_take_the_type_from_the_path_and_drop_the_write_key() -> None:
    ingested = run({"type": "page", "userId": "u", "writeKey": "secret", "event": "x"}, event_type="track")
    event = ingested.accepted[0].event
    assert event["type"] == "track"
    assert "writeKey" not in event
    # A single event is not a batch: a "batch" key in it means nothing special.
    assert run({"userId": "u", "batch": 3}, event_type="identify").accepted[0].event["batch"] == 3


def test_message_id_is_generated_when_missing_and_kept_when_present() -> None:
    generated = one({"type": "track", "userId": "u"})["messageId"]
    assert re.fullmatch(r"api-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", generated)
    assert one({"type": "track", "userId": "u", "messageId": ""})["messageId"].startswith("api-")
    assert one({"type": "track", "userId": "u", "messageId": "x" * 99})["messageId"] == "x" * 99


@pytest.mark.parametrize(
    ("event", "code", "message"),
    [
        ("hello", "invalid_event", "event must be a JSON object"),
        (
            {"userId": "u"},
            "invalid_type",
            "one of alias, group, identify, page, screen, track, not missing",
        ),
        ({"type": "click", "userId": "u"}, "invalid_type", 'not "click"'),
        ({"type": "track"}, "missing_id", "track event needs a userId or an anonymousId"),
        ({"type": "track", "userId": "", "anonymousId": None}, "missing_id", "needs a userId"),
        ({"type": "track", "userId": True}, "missing_id", "needs a userId"),
        (
            {"type": "track", "userId": "u", "messageId": "x" * 100},
            "invalid_message_id",
            "has 100 characters",
        ),
        ({"type": "track", "userId": "u", "messageId": 5}, "invalid_message_id", "must be a string, not 5"),
        ({"type": "track", "userId": "u", "context": []}, "invalid_event", "context must be a JSON object"),
        ({"type": "track", "userId": "u", "integrations": 1}, "invalid_event", "integrations must be"),
    ],
)
def test_invalid_events_are_rejected_with_a_code_and_a_message(event: Any, code: str, message: str) -> None:
    ingested = run({"batch": [{"type": "track", "userId": "ok"}, event]})
    assert len(ingested.accepted) == 1
    [rejection] = ingested.rejected
    assert (rejection.index, rejection.code) == (1, code)
    assert message in rejection.message


def test_numeric_ids_are_ids() -> None:
    assert one({"type": "identify", "userId": 42})["userId"] == 42
    assert one({"type": "identify", "anonymousId": 4.5})["anonymousId"] == 4.5


def test_an_event_over_32_kb_of_json_is_rejected_and_the_rest_kept() -> None:
    def sized(size: int) -> dict[str, Any]:
        event = {"type": "track", "userId": "u", "properties": {"p": ""}}
        base = len('{"type":"track","userId":"u","properties":{"p":""}}')
        event["properties"] = {"p": "x" * (size - base)}
        return event

    ingested = run({"batch": [sized(32 * 1024), sized(32 * 1024 + 1), sized(100)]})
    assert len(ingested.accepted) == 2
    [rejection] = ingested.rejected
    assert (rejection.index, rejection.code) == (1, "event_too_large")
    assert rejection.message == "event is 32769 bytes of JSON, at most 32768 are allowed"


def test_size_is_measured_for_what_orjson_cannot_write() -> None:
    # json.loads gives exact big integers and lone surrogates; the size check must still work.
    event = {"type": "track", "userId": "u", "properties": {"n": 10**30, "s": "\ud800"}}
    assert one(event)["properties"]["n"] == 10**30
    assert run({"batch": [event]}, max_event_bytes=40).rejected[0].code == "event_too_large"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ([1, 2], "invalid_request", "body must be a JSON object"),
        ({"events": []}, "invalid_request", 'body must have a "batch" list of events'),
        ({"batch": {"type": "track"}}, "invalid_request", 'body must have a "batch" list of events'),
        ({"batch": [{}] * 2501}, "too_many_events", "batch has 2501 events, at most 2500 are allowed"),
    ],
)
def test_bodies_that_are_not_batches_are_refused_whole(body: Any, code: str, message: str) -> None:
    with pytest.raises(RequestRejected) as raised:
        run(body)
    assert (raised.value.code, raised.value.message) == (code, message)


def test_context_ip_is_added_only_where_the_client_did_not_set_it() -> None:
    assert one({"type": "track", "userId": "u"})["context"]["ip"] == "203.0.113.7"
    assert (
        one({"type": "track", "userId": "u", "context": {"ip": "198.51.100.1"}})["context"]["ip"]
        == "198.51.100.1"
    )
    assert one({"type": "track", "userId": "u", "context": {"ip": None}})["context"]["ip"] is None
    assert "ip" not in one({"type": "track", "userId": "u"}, ip=None)["context"]


# -- clock skew: timestamp = receivedAt - (sentAt - originalTimestamp) --------------------------


def test_skew_is_corrected_from_the_events_own_sent_at() -> None:
    # The client's clock runs one hour ahead; the event happened 5 s before it was sent.
    event = one(
        {
            "type": "track",
            "userId": "u",
            "timestamp": format_time(RECEIVED_MS + 3_600_000 - 5_000),
            "sentAt": format_time(RECEIVED_MS + 3_600_000),
        }
    )
    assert event["timestamp"] == format_time(RECEIVED_MS - 5_000)
    assert event["originalTimestamp"] == format_time(RECEIVED_MS + 3_600_000 - 5_000)
    assert event["sentAt"] == format_time(RECEIVED_MS + 3_600_000)


def test_skew_is_corrected_from_the_batch_sent_at_and_offsets_are_read() -> None:
    body = {
        "sentAt": "2023-11-14T20:13:25.123-02:00",  # = receivedAt + 5 s
        "batch": [{"type": "track", "userId": "u", "timestamp": "2023-11-14T22:13:24.123Z"}],
    }
    event = run(body).accepted[0].event
    assert event["timestamp"] == "2023-11-14T22:13:19.123Z"
    assert event["originalTimestamp"] == "2023-11-14T22:13:24.123Z"
    assert event["sentAt"] == "2023-11-14T20:13:25.123-02:00"


def test_an_items_sent_at_wins_over_the_batches() -> None:
    body = {
        "sentAt": format_time(RECEIVED_MS + 60_000),
        "batch": [{"type": "track", "userId": "u", "timestamp": RECEIVED_AT, "sentAt": RECEIVED_AT}],
    }
    assert run(body).accepted[0].event["timestamp"] == RECEIVED_AT


def test_a_missing_sent_at_counts_as_received_at() -> None:
    event = one({"type": "track", "userId": "u", "timestamp": "2020-01-01T00:00:00Z"})
    assert event["timestamp"] == "2020-01-01T00:00:00.000Z"
    assert event["originalTimestamp"] == "2020-01-01T00:00:00Z"
    assert "sentAt" not in event


def test_a_missing_timestamp_counts_as_received_at() -> None:
    event = one({"type": "track", "userId": "u", "sentAt": format_time(RECEIVED_MS + 10_000)})
    assert event["originalTimestamp"] == RECEIVED_AT
    # RudderStack's default, then the formula as for any event: receivedAt - (sentAt - receivedAt).
    assert event["timestamp"] == format_time(RECEIVED_MS - 10_000)
    # Without either, the event happened when it was received.
    assert one({"type": "track", "userId": "u"})["timestamp"] == RECEIVED_AT


def test_an_existing_original_timestamp_is_used_when_there_is_no_timestamp() -> None:
    event = one(
        {
            "type": "track",
            "userId": "u",
            "originalTimestamp": "2023-11-14T22:13:00.000Z",
            "sentAt": RECEIVED_AT,
        }
    )
    assert event["timestamp"] == "2023-11-14T22:13:00.000Z"


def test_an_unparseable_sent_at_keeps_a_parseable_timestamp_unchanged() -> None:
    event = one({"type": "track", "userId": "u", "timestamp": "2023-11-14T23:13:20+01:00", "sentAt": "soon"})
    assert event["timestamp"] == "2023-11-14T23:13:20+01:00"
    assert event["sentAt"] == "soon"


def test_an_unparseable_timestamp_becomes_received_at_and_is_kept_as_original() -> None:
    event = one({"type": "track", "userId": "u", "timestamp": "yesterday-ish", "sentAt": RECEIVED_AT})
    assert event["timestamp"] == RECEIVED_AT
    assert event["originalTimestamp"] == "yesterday-ish"
    # Numbers are not dates here: RudderStack and Segment read ISO-8601 strings.
    assert one({"type": "track", "userId": "u", "timestamp": 1_600_000_000_000})["timestamp"] == RECEIVED_AT

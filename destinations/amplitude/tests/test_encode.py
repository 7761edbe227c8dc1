"""``encode``: the events (and identifications) built and serialised ahead agree with building them in
``perform_batch`` (the specification): the same groups, requests and results."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from actions import Failed, use_clock
from actions.runtime import HttpSession
from actions_amplitude import destination
from actions_amplitude._batch import _group_encoded, _group_events, _Outcomes
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = destination.validate_settings({"apiKey": "test-api-key", "secretKey": "test-secret-key"})
_TEXT = st.text(alphabet=st.characters(codec=None), max_size=8)  # lone surrogates included
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT)
_EVENTS = st.fixed_dictionaries(
    {
        "type": st.just("track"),
        "event": st.sampled_from(["Order Completed", "Played", "é\ud800"]),
        "userId": st.one_of(st.none(), _TEXT, st.integers()),
        "anonymousId": st.one_of(st.none(), _TEXT),
        "messageId": _TEXT,
        "timestamp": st.sampled_from(["2024-01-15T12:00:00.000Z", "not a time", "2024-01-15"]),
        "properties": st.fixed_dictionaries(
            {"revenue": st.one_of(st.none(), st.floats(-10, 10), st.integers(-5, 5))},
            optional={
                "products": st.lists(st.dictionaries(st.sampled_from(["price", "quantity", "sku"]), _VALUES)),
                "extra": st.dictionaries(_TEXT, _VALUES, max_size=3),
            },
        ),
        "context": st.fixed_dictionaries({}, optional={"userAgent": _TEXT, "ip": _TEXT, "locale": _TEXT}),
    }
)
_KEYS = ("logEvent", "logEventV2", "logPurchase")


def _payloads(key: str, events: list[dict[str, Any]], extra: dict[str, Any]) -> list[dict[str, Any]]:
    action = destination.actions[key]
    mapping = {**action.default_mapping, **extra}
    out = []
    for event in events:
        try:
            out.append(action.prepare(event, mapping))
        except Exception:
            continue
    return out


def _flat(groups: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (group.url, group.options, [(e.payload_index, e.text, e.size, e.event.get("user_id"),
                                     e.event.get("device_id")) for e in group.events])
        for group in groups
    ]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_KEYS),
    st.lists(_EVENTS, max_size=6),
    st.fixed_dictionaries(
        {}, optional={"use_batch_endpoint": st.booleans(), "min_id_length": st.integers(-1, 9)}
    ),
)
def test_encoded_uploads_group_as_built_ones(
    key: str, events: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    action = destination.actions[key]
    with use_clock("2024-01-15T12:00:00.000Z"):
        payloads = _payloads(key, events, extra)
        assert action.encode is not None
        items = [action.encode(payload, SETTINGS) for payload in payloads]
        from actions_amplitude import log_event, log_event_v2, log_purchase

        build = {"logEvent": log_event, "logEventV2": log_event_v2, "logPurchase": log_purchase}[
            key
        ].build_upload
        built = _group_events([build(payload, SETTINGS) for payload in payloads], _Outcomes(len(payloads)))
    assert _flat(_group_encoded(items)) == _flat(built)


def _send(key: str, payloads: list[dict[str, Any]], items: list[Any] | None) -> tuple[list[Any], list[Any]]:
    """Requests sent and results, against an Amplitude that throttles one user and rejects a field."""
    requests: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = request.content.decode("utf-8", "surrogatepass")
        requests.append((str(request.url), request.headers.get("content-type"), body))
        if "/identify" in str(request.url) or "/usermap" in str(request.url):
            return httpx.Response(400 if "bad" in body and len(requests) < 3 else 200, text="success")
        sent = json.loads(body)["events"]
        if len(requests) == 1 and len(sent) > 1:
            return httpx.Response(
                400, json={"code": 400, "error": "bad", "events_with_invalid_fields": {"time": [0]},
                           "throttled_users": {sent[-1].get("user_id") or "x": 1}},
            )  # fmt: skip
        return httpx.Response(200, json={"code": 200})

    async def go() -> list[Any]:
        async with HttpSession(transport=httpx.MockTransport(answer)) as session:
            action = destination.actions[key]
            return await destination.perform_batch(action, payloads, SETTINGS, session, items=items)

    results = asyncio.run(go())
    shown = [
        (type(r).__name__, r.error.code, r.error.message) if isinstance(r, Failed) else r for r in results
    ]
    return requests, shown


def test_perform_batch_with_items_sends_and_answers_exactly_as_without() -> None:
    events = [
        {"type": "track", "event": "Played", "userId": f"user-{i}", "messageId": f"m{i}",
         "properties": {"revenue": i, "products": [{"price": 1, "quantity": i}]},
         "traits": {"name": "bad" if i == 2 else "ok"}, "anonymousId": f"anon-{i}"}
        for i in range(6)
    ]  # fmt: skip
    for key in (*_KEYS, "identifyUser", "mapUser"):
        action = destination.actions[key]
        mapping = action.default_mapping
        if key == "mapUser":
            mapping = {**mapping, "global_user_id": {"@path": "$.anonymousId"}}
        with use_clock("2024-01-15T12:00:00.000Z"):
            payloads = [action.prepare(event, mapping) for event in events]
            assert action.encode is not None
            items = [action.encode(payload, SETTINGS) for payload in payloads]
            assert _send(key, payloads, items) == _send(key, payloads, None), key

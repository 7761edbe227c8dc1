"""The fast paths of event building agree with the general rules they stand in for."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from actions import parse_date
from actions.js import UNDEFINED, json_stringify
from actions_amplitude import destination, log_event, log_event_v2, log_purchase
from actions_amplitude._event import (
    EVENT_KEYS,
    IDENTIFY_KEYS,
    LOG_EVENT_CONTROLS,
    apply_platform_rules,
    finish_event,
    library_name,
    prepare_properties,
    split_payload,
    user_agent_fields,
)
from actions_amplitude._revenue import is_empty_product, revenue_properties
from actions_amplitude._time import _iso_utc_ms, session_id_ms, time_ms
from actions_amplitude._user_properties import apply_operation_fields, merge_utm_and_referrer
from actions_amplitude.identify_user import build_identification
from actions_amplitude.log_purchase import PRODUCT_EVENT_TYPE
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = destination.unchecked_settings({"apiKey": "k", "secretKey": "s"})

_DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=3)
_ISO_TEXTS = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}Z".format,
    st.integers(0, 9999),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    _DIGITS.map(lambda digits: "." + digits if digits else ""),
)


@settings(max_examples=2000, deadline=None)
@given(_ISO_TEXTS)
def test_iso_times_are_what_the_general_date_parser_reads(text: str) -> None:
    expected = parse_date(text)
    # Twice: the second read comes from the cache of minutes.
    assert time_ms(text) == time_ms(text) == expected
    assert session_id_ms(text) == expected
    if not text.startswith("0000"):
        assert _iso_utc_ms(text) == expected


# --- Builders: the general functions of _event composed as the builders used to compose them -----

_V2_CONTROLS = (*LOG_EVENT_CONTROLS, "products", "use_batch_endpoint", "setOnce", "setAlways", "add")
_EVENT_CONTROLS = (*LOG_EVENT_CONTROLS, "products", "use_batch_endpoint")
_PURCHASE_CONTROLS = (*LOG_EVENT_CONTROLS, "products", "trackRevenuePerProduct", "use_batch_endpoint")
_IDENTIFY_CONTROLS = (
    "utm_properties", "referrer", "userAgent", "userAgentParsing", "includeRawUserAgent", "userAgentData",
    "min_id_length", "library",
)  # fmt: skip


def reference_v2(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    properties = prepare_properties(payload, _V2_CONTROLS, merge_utm=False)
    apply_operation_fields(properties, payload)
    return [finish_event(user_agent_fields(payload), properties, library_name(payload.get("library2")))]


def reference_log_event(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    properties = prepare_properties(payload, _EVENT_CONTROLS, merge_utm=True)
    return [finish_event(user_agent_fields(payload), properties, library_name(payload.get("library2")))]


def reference_purchase(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    properties = prepare_properties(payload, _PURCHASE_CONTROLS, merge_utm=True)
    library = library_name(payload.get("library2"))
    products = [
        p for p in payload.get("products") or () if not is_empty_product(p) and isinstance(p, Mapping)
    ]
    per_product_revenue = bool(payload.get("trackRevenuePerProduct"))
    order = dict(properties)
    if not (per_product_revenue and products):
        order.update(revenue_properties(payload))
    events = [finish_event(user_agent_fields(payload), order, library, EVENT_KEYS)]
    for product in products:
        event: dict[str, Any] = dict(properties)
        if per_product_revenue:
            event.update(revenue_properties(product))
        event["event_properties"] = dict(product)
        event["event_type"] = PRODUCT_EVENT_TYPE
        insert_id = properties.get("insert_id")
        if insert_id:
            event["insert_id"] = f"{insert_id}-{len(events) + 1}"
        else:
            event.pop("insert_id", None)
        events.append(finish_event({}, event, library))
    return events


def reference_identification(payload: Mapping[str, Any]) -> dict[str, Any]:
    properties = split_payload(payload, _IDENTIFY_CONTROLS)
    apply_platform_rules(properties, payload.get("library"))
    merged = merge_utm_and_referrer(
        properties.get("user_properties"),
        payload.get("utm_properties"),
        payload.get("referrer"),
        traits_first=True,
    )
    if merged is not None:
        properties["user_properties"] = merged
    return finish_event(user_agent_fields(payload), properties, "segment", IDENTIFY_KEYS)


_USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) "
    "Version/9.0 Mobile/13B143 Safari/601.1",
    "Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0 Mobile",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
    "curl/8.0",
    "",
    "x" * 600,
]
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
_VALUE = st.one_of(_JSON, st.just(UNDEFINED), st.just(""))
_OPERATION = st.one_of(
    st.none(), st.just(UNDEFINED), st.dictionaries(st.sampled_from(["a", "b", "0"]), _VALUE, max_size=3)
)
_HINT = st.one_of(st.none(), st.text(max_size=4), st.integers(0, 2), st.booleans())
_PRODUCT = st.one_of(
    st.none(),
    st.just({"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": ""}),
    st.fixed_dictionaries(
        {},
        optional={
            "price": st.one_of(st.integers(0, 30), st.floats(0, 30)),
            "quantity": st.integers(0, 3),
            "productId": st.text(max_size=2),
            "revenue": st.integers(0, 9),
            "name": _VALUE,
        },
    ),
)
#: Payload fields and the values a validated payload may hold for them (and some it may not).
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "user_id": _VALUE,
    "device_id": _VALUE,
    "event_type": _VALUE,
    "event_properties": _OPERATION,
    "user_properties": st.one_of(_OPERATION, st.just({"$set": {"x": 1}, "$setOnce": {"y": 2}})),
    "platform": st.sampled_from(["", "ios", "ANDROID", "Web", "Bios", "ios-tablet", UNDEFINED]),
    "os_name": _VALUE,
    "os_version": _VALUE,
    "device_manufacturer": _VALUE,
    "device_model": _VALUE,
    "device_type": _VALUE,
    "user_agent": _VALUE,
    "city": _VALUE,
    "insert_id": st.one_of(st.just(""), st.text(max_size=3), st.just(UNDEFINED)),
    "time": st.one_of(_ISO_TEXTS, st.sampled_from(["", "2021", "1629213675449", "nope", 0, 1629213675449])),
    "session_id": st.one_of(st.integers(-2, 2), st.sampled_from(["", "2021", "1700000000.5", 1.5])),
    "library": st.sampled_from(["analytics.js", "analytics-ios", ""]),
    "library2": st.one_of(
        st.none(),
        st.fixed_dictionaries({"behavior": st.sampled_from(["use_mapping", "x"]), "mapping": _VALUE}),
    ),
    "userAgent": st.one_of(st.sampled_from(_USER_AGENTS), st.none(), st.integers(0, 1)),
    "userAgentParsing": st.booleans(),
    "includeRawUserAgent": st.booleans(),
    "userAgentData": st.one_of(
        st.none(), st.fixed_dictionaries({}, optional={"model": _HINT, "platformVersion": _HINT})
    ),
    "utm_properties": st.one_of(st.none(), st.dictionaries(st.sampled_from(["utm_source", "1"]), _VALUE)),
    "referrer": _VALUE,
    "setOnce": _OPERATION,
    "setAlways": _OPERATION,
    "add": _OPERATION,
    "products": st.one_of(st.none(), st.lists(_PRODUCT, max_size=3)),
    "trackRevenuePerProduct": st.booleans(),
    "revenue": st.one_of(st.none(), st.integers(0, 9)),
    "price": st.one_of(st.none(), st.integers(0, 9)),
    "quantity": st.one_of(st.none(), st.integers(0, 3)),
    "revenueType": _VALUE,
    "use_batch_endpoint": st.booleans(),
    "min_id_length": st.one_of(st.none(), st.integers(-1, 7)),
    "paying": _VALUE,
    "start_version": _VALUE,
    "not_a_field": _VALUE,
}


@st.composite
def _payloads(draw: st.DrawFn) -> dict[str, Any]:
    # Each field half the time, in any order: where a field lands in the event depends on both.
    keys = [key for key in draw(st.permutations(sorted(_FIELDS))) if draw(st.booleans())]
    return {key: draw(_FIELDS[key]) for key in keys}


def _same(fast: object, reference: object) -> None:
    # Same values, same key order, same JSON: what the golden cases and snapshots see.
    assert fast == reference
    assert json_stringify(fast) == json_stringify(reference)


@settings(max_examples=1500, deadline=None)
@given(_payloads())
def test_builders_build_what_the_general_functions_specify(payload: dict[str, Any]) -> None:
    before = copy.deepcopy(payload)
    for build, reference in (
        (log_event_v2.build_upload, reference_v2),
        (log_event.build_upload, reference_log_event),
        (log_purchase.build_upload, reference_purchase),
    ):
        upload = build(payload, SETTINGS)
        _same(upload.events, reference(payload))
        _same(build(payload, SETTINGS).events, upload.events)  # again, from the caches
    _same(build_identification(payload), reference_identification(payload))
    assert payload == before  # building changes nothing in the payload


_NULL_PRODUCT = {"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": ""}


def reference_is_empty_product(product: object) -> bool:
    if product is None:
        return True
    if not isinstance(product, Mapping) or any(key not in product for key in _NULL_PRODUCT):
        return False
    return all(
        (value == "" if isinstance(_NULL_PRODUCT[key], str) else value == 0 and type(value) in (int, float))
        if key in _NULL_PRODUCT
        else value is None
        for key, value in product.items()
    )


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        _PRODUCT,
        _VALUE,
        st.fixed_dictionaries(
            {key: st.sampled_from([zero, 1, "", None, False]) for key, zero in _NULL_PRODUCT.items()},
            optional={"name": st.sampled_from([None, "x"])},
        ),
    )
)
def test_empty_products_are_what_the_rule_says(product: object) -> None:
    assert is_empty_product(product) == reference_is_empty_product(product)

"""The Amplitude-specific helpers, against the reference's recorded results and on their own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actions import use_clock
from actions.js import UNDEFINED
from actions_amplitude._endpoints import ENDPOINTS, get_endpoint_by_region
from actions_amplitude._event import (
    apply_platform_rules,
    library_name,
    min_id_length_options,
    normalise_platform,
)
from actions_amplitude._revenue import is_empty_product, js_round, revenue_properties
from actions_amplitude._time import format_session_id, group_identify_time, session_id_ms, time_ms
from actions_amplitude._user_properties import (
    apply_operation_fields,
    compact,
    merge_user_properties,
    merge_utm_and_referrer,
)
from actions_amplitude._utm import convert_referrer_property, convert_utm_properties

CONFORMANCE = Path(__file__).parent / "conformance"

HELPERS: dict[str, Callable[..., Any]] = {
    "getEndpointByRegion": get_endpoint_by_region,
    "formatSessionId": format_session_id,
    "mergeUserProperties": merge_user_properties,
    "convertUTMProperties": convert_utm_properties,
    "convertReferrerProperty": convert_referrer_property,
    "compact": compact,
}


def _lines(name: str) -> list[dict[str, Any]]:
    text = (CONFORMANCE / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


HELPER_CASES = [case for case in _lines("helpers.jsonl") if case["fn"] in HELPERS]
USER_AGENTS = json.loads((CONFORMANCE / "user-agents.json").read_text(encoding="utf-8"))


def _deliberately_different(case: dict[str, Any]) -> bool:
    """formatSessionId on a numeric string other than plain digits: we read the number it spells."""
    args = case.get("output", {}).get("effective_args", case["args"])
    return (
        case["fn"] == "formatSessionId"
        and bool(args)
        and isinstance(args[0], str)
        and args[0].lstrip("-").replace(".", "", 1).isdigit()
        and not args[0].isdigit()
    )


@pytest.mark.parametrize("case", HELPER_CASES, ids=[c["id"] for c in HELPER_CASES])
def test_helper_matches_reference_result(case: dict[str, Any]) -> None:
    args = case.get("output", {}).get("effective_args", case["args"])
    result = HELPERS[case["fn"]](*args)
    expected = case["output"].get("result")
    if _deliberately_different(case):
        # Deliberate fix: the number the string spells, in milliseconds (the reference misparses it).
        number = float(args[0])
        expected = int(number) if abs(number) <= 8.64e15 else None
    assert result == expected


def test_helper_cases_cover_every_amplitude_helper() -> None:
    assert {case["fn"] for case in HELPER_CASES} == set(HELPERS)


# --- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_unknown_or_missing_region_falls_back_to_north_america(name: str) -> None:
    north_america = ENDPOINTS[name]["north_america"]
    assert get_endpoint_by_region(name, "mars") == north_america
    assert get_endpoint_by_region(name, None) == north_america
    assert get_endpoint_by_region(name) == north_america
    assert get_endpoint_by_region(name, "europe") == ENDPOINTS[name]["europe"]


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (["europe"], "https://api.eu.amplitude.com/2/httpapi"),
        ([["europe"]], "https://api.eu.amplitude.com/2/httpapi"),
        (["europe", "north_america"], "https://api2.amplitude.com/2/httpapi"),
        ("Europe", "https://api2.amplitude.com/2/httpapi"),
        (5, "https://api2.amplitude.com/2/httpapi"),
    ],
)
def test_region_is_looked_up_as_the_text_javascript_makes_of_it(region: object, expected: str) -> None:
    # Settings are not validated when an action runs alone; an object key is the value's String().
    assert get_endpoint_by_region("httpapi", region) == expected


def test_user_mapping_api_uses_api_host_not_api2_in_north_america() -> None:
    assert get_endpoint_by_region("usermap", "north_america") == "https://api.amplitude.com/usermap"
    assert get_endpoint_by_region("httpapi", "north_america") == "https://api2.amplitude.com/2/httpapi"


# --- time and session_id ----------------------------------------------------------------------------


def _fixed_time(value: object) -> bool:
    """Cases where the reference misreads a numeric string and we read epoch milliseconds."""
    return isinstance(value, str) and value.lstrip("-").replace(".", "", 1).isdigit()


# Inputs that fail payload validation never reach the conversion (the conformance cases cover them).
TIME_CASES = [c for c in USER_AGENTS["time_cases"] if c["time_ms"] != "PAYLOAD_VALIDATION_ERROR"]
SESSION_CASES = [c for c in USER_AGENTS["session_id_cases"] if c["session_id"] != "PAYLOAD_VALIDATION_ERROR"]


@pytest.mark.parametrize("case", TIME_CASES, ids=lambda c: repr(c["input"]))
def test_time_conversion_matches_reference_except_numeric_strings(case: dict[str, Any]) -> None:
    got = time_ms(case["input"])
    if _fixed_time(case["input"]):
        expected = int(float(case["input"]))
        assert got == expected
    else:
        assert got == case["time_ms"]


@pytest.mark.parametrize("case", SESSION_CASES, ids=lambda c: repr(c["input"]))
def test_session_id_conversion_matches_reference_except_numeric_strings(case: dict[str, Any]) -> None:
    got = session_id_ms(case["input"])
    if _fixed_time(case["input"]):
        assert got == int(float(case["input"]))
    else:
        assert got == case["session_id"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1629213675449", 1629213675449),  # the reference sends -10705032951000
        ("-1", -1),  # the reference sends 978307200000 (2001-01-01)
        ("1700000000.5", 1700000000),
        ("99999999999999999999", None),  # beyond JavaScript's date range, like the number
    ],
)
def test_numeric_string_timestamp_is_epoch_milliseconds(value: str, expected: int | None) -> None:
    assert time_ms(value) == expected
    assert session_id_ms(value) == expected


def test_zero_number_sends_no_time_but_zero_string_is_epoch_zero() -> None:
    assert time_ms(0) is None
    assert session_id_ms(0) is None
    assert session_id_ms("0") == 0


def test_group_identify_time_defaults_to_now_and_is_null_when_unparsable() -> None:
    with use_clock("2024-01-15T12:00:00.000Z"):
        assert group_identify_time(UNDEFINED) == 1705320000000
        assert group_identify_time() == 1705320000000
    assert group_identify_time("not a date") is None
    assert group_identify_time("2021-04-12T16:32:37.710Z") == 1618245157710
    assert group_identify_time("1629213675449") == 1629213675449


# --- platform, library, options ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("ios", "iOS"),
        ("IOS", "iOS"),
        ("android", "Android"),
        ("ANDROID", "Android"),
        ("ios-tablet", "iOS-tablet"),
        ("Bios", "Bios"),
        ("studios", "studios"),
        ("androidtv", "androidtv"),
        ("Web", "Web"),
        ("ios and ios", "iOS and ios"),
        # Only ASCII letters match case-insensitively, as in the reference's /ios/i.
        ("\u0131os", "\u0131os"),
        ("\u0130OS", "\u0130OS"),
        ("\u0131os ios", "\u0131os iOS"),
    ],
)
def test_platform_capitalises_whole_words_only(platform: str, expected: str) -> None:
    assert normalise_platform(platform) == expected


def test_analytics_js_without_platform_is_web_but_a_mapped_platform_wins() -> None:
    empty: dict[str, Any] = {}
    apply_platform_rules(empty, "analytics.js")
    assert empty == {"platform": "Web"}
    mapped = {"platform": "ios"}
    apply_platform_rules(mapped, "analytics.js")
    assert mapped == {"platform": "iOS"}
    other: dict[str, Any] = {}
    apply_platform_rules(other, "analytics-node")
    assert other == {}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"behavior": "use_mapping", "mapping": "analytics.js"}, "analytics.js"),
        ({"behavior": "use_mapping"}, None),
        ({"behavior": "auto", "mapping": "analytics.js"}, "segment"),
        ({}, "segment"),
        (None, "segment"),
    ],
)
def test_library_is_the_mapping_only_under_use_mapping(settings: object, expected: str | None) -> None:
    assert library_name(settings) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(3, {"min_id_length": 3}), (0, None), (-1, None), (None, None)]
)
def test_min_id_length_becomes_options_only_when_positive(value: object, expected: object) -> None:
    assert min_id_length_options(value) == expected


# --- user properties ------------------------------------------------------------------------------------


def test_utm_and_referrer_become_set_and_set_once() -> None:
    merged = merge_utm_and_referrer(
        {"plan": "pro"},
        {"utm_source": "news", "utm_medium": "email"},
        "https://ref.example",
        traits_first=False,
    )
    assert merged == {
        "$set": {"utm_source": "news", "utm_medium": "email", "referrer": "https://ref.example"},
        "$setOnce": {
            "initial_utm_source": "news",
            "initial_utm_medium": "email",
            "initial_referrer": "https://ref.example",
        },
        "plan": "pro",
    }


def test_existing_set_wins_for_log_event_but_utm_wins_for_identify() -> None:
    traits = {"$set": {"utm_source": "from-traits"}}
    log_event = merge_utm_and_referrer(traits, {"utm_source": "from-campaign"}, None, traits_first=False)
    identify = merge_utm_and_referrer(traits, {"utm_source": "from-campaign"}, None, traits_first=True)
    assert log_event is not None and identify is not None
    assert log_event["$set"] == {"utm_source": "from-traits"}
    assert identify["$set"] == {"utm_source": "from-campaign"}


def test_no_utm_and_no_referrer_leaves_user_properties_alone() -> None:
    assert merge_utm_and_referrer({"utm_properties": 1}, {}, "", traits_first=False) is None


def test_utm_merge_drops_trait_keys_named_utm_properties_and_referrer() -> None:
    merged = merge_utm_and_referrer(
        {"utm_properties": "x", "referrer": "y", "keep": 1}, {"utm_term": ""}, None, traits_first=False
    )
    assert merged == {"$set": {"utm_term": ""}, "$setOnce": {"initial_utm_term": ""}, "keep": 1}


def test_merging_spreads_array_and_string_operations_by_index_like_javascript() -> None:
    merged = merge_user_properties({"$set": {"utm_source": "s"}}, {"$set": [1, 2]})
    assert merged == {"$set": {"0": 1, "1": 2, "utm_source": "s"}}
    # A string spreads into UTF-16 code units: the emoji is two of them.
    assert merge_user_properties({"$setOnce": "a\U0001f600"}, {"$setOnce": {"x": 1}}) == {
        "$setOnce": {"0": "a", "1": "\ud83d", "2": "\ude00", "x": 1}
    }
    assert merge_user_properties({"$set": 5}, {"$set": {"x": 1}}) == {"$set": {"x": 1}}


def test_merged_objects_put_index_keys_first_as_javascript_objects_do() -> None:
    merged = merge_user_properties(
        {"$set": {"utm_source": "s"}}, {"$set": ["a", "b"], "7": "seven", "plan": 1}
    )
    assert list(merged) == ["7", "$set", "plan"]
    assert list(merged["$set"]) == ["0", "1", "utm_source"]


def test_operation_fields_replace_existing_operations_and_keep_empty_values() -> None:
    event: dict[str, Any] = {"user_properties": {"$set": {"old": 1}, "trait": "t"}}
    apply_operation_fields(
        event, {"setOnce": {"initial_referrer": "", "initial_utm_source": "g"}, "setAlways": {"referrer": ""}}
    )
    assert event["user_properties"] == {
        "$set": {"old": 1},
        "trait": "t",
        "$setOnce": {"initial_referrer": "", "initial_utm_source": "g"},
    }


def test_operation_fields_create_user_properties_when_missing() -> None:
    event: dict[str, Any] = {}
    apply_operation_fields(event, {"add": {"logins": 1}})
    assert event == {"user_properties": {"$add": {"logins": 1}}}


def test_compact_is_false_for_only_empty_strings_or_non_objects() -> None:
    assert compact({"a": "", "b": ""}) is False
    assert compact({}) is False
    assert compact(None) is False
    assert compact({"a": 0}) is True


# --- revenue ----------------------------------------------------------------------------------------------


def test_price_times_quantity_wins_over_revenue() -> None:
    assert revenue_properties({"price": 10, "quantity": 3, "revenue": 1}) == {
        "revenue": 30,
        "revenueType": "Purchase",
        "quantity": 3,
        "price": 10,
    }


def test_zero_or_missing_revenue_sends_no_revenue_fields() -> None:
    assert revenue_properties({"revenue": 0, "productId": "a"}) == {}
    assert revenue_properties({"price": 5}) == {}


def test_negative_revenue_is_a_refund_and_keeps_its_type() -> None:
    assert revenue_properties({"revenue": -5, "revenueType": "Refund"}) == {
        "revenue": -5,
        "revenueType": "Refund",
    }


@pytest.mark.parametrize(("value", "expected"), [(2.5, 3), (-2.5, -2), (0.49999999999999994, 0), (3, 3)])
def test_js_round_rounds_halves_up(value: float, expected: int) -> None:
    assert js_round(value) == expected


def test_null_like_products_are_empty_and_real_ones_are_not() -> None:
    assert is_empty_product(None)
    assert is_empty_product({"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": ""})
    assert is_empty_product(
        {"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": "", "sku": None}
    )
    assert not is_empty_product({"price": 0, "productId": "free-gift"})
    assert not is_empty_product({})


def test_products_with_only_zero_values_are_still_products() -> None:
    # Not every product field is there, so the entry was a product, not null.
    assert not is_empty_product({"revenue": 0})
    assert not is_empty_product({"price": 0, "revenue": 0, "revenueType": ""})
    assert not is_empty_product({"quantity": 0, "productId": None})
    assert not is_empty_product(
        {"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": "x"}
    )
    assert not is_empty_product(
        {"price": 0, "revenue": 0, "quantity": False, "productId": "", "revenueType": ""}
    )


def test_group_identify_time_of_an_empty_string_is_null_not_now() -> None:
    # A mapped [null] is validated into "", which the reference reads as an invalid date.
    with use_clock("2024-01-15T12:00:00.000Z"):
        assert group_identify_time("") is None
        assert group_identify_time(None) is None


def test_iso_fast_path_agrees_with_the_general_date_parser() -> None:
    from actions import parse_date
    from actions_amplitude._time import _iso_utc_ms

    samples = [
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}Z"
        for year in (1, 99, 1600, 1969, 1970, 2000, 2021, 2024, 2100, 9999)
        for month in (1, 2, 12)
        for day in (1, 28, 29, 30, 31)
        for hour, minute, second in ((0, 0, 0), (23, 59, 59))
        for fraction in ("", ".5", ".05", ".449")
    ]
    for text in samples:
        assert _iso_utc_ms(text) == parse_date(text), text
    # Other shapes go to the general parser.
    assert _iso_utc_ms("2021-08-17T15:21:15.449123Z") is None
    assert _iso_utc_ms("2021-08-17T15:21:15+02:00") is None
    assert _iso_utc_ms("0000-01-01T00:00:00Z") is None

"""User-agent parsing checked against the reference's golden cases and its correction rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from actions_amplitude._user_agent import parse_user_agent, parse_user_agent_properties

CONFORMANCE = Path(__file__).parent / "conformance"
KEYS = ("os_name", "os_version", "device_manufacturer", "device_model", "device_type")
REQUIRED_AGREEMENT = 0.99


def _jsonl(path: Path) -> list[dict[str, Any]]:
    # Split on "\n" only: some strings hold raw U+2028/U+2029.
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


UA_CASES: list[dict[str, Any]] = json.loads((CONFORMANCE / "user-agents.json").read_text(encoding="utf-8"))[
    "user_agent_cases"
]
HELPER_CASES = [
    case for case in _jsonl(CONFORMANCE / "helpers.jsonl") if case["fn"] == "parseUserAgentProperties"
]

# Public cases whose disagreement is understood and accepted (ua -> reason). Keep it short.
KNOWN_DIVERGENCES: dict[str, str] = {}


def _agrees(got: dict[str, str], expected: dict[str, str]) -> bool:
    return got == expected and list(got) == list(expected)


def test_public_user_agent_cases_agree_at_least_99_percent() -> None:
    disagreements = []
    for case in UA_CASES:
        got = parse_user_agent_properties(case["ua"], case.get("userAgentData"))
        if not _agrees(got, case["expected"]):
            disagreements.append(f"{case['ua']!r}: expected {case['expected']}, got {got}")
    rate = 1 - len(disagreements) / len(UA_CASES)
    assert rate >= REQUIRED_AGREEMENT, (
        f"agreement {rate:.2%} on {len(UA_CASES)} UAs; disagreeing:\n" + "\n".join(disagreements)
    )


@pytest.mark.parametrize("case", UA_CASES, ids=[f"ua{index}" for index in range(len(UA_CASES))])
def test_public_user_agent_case(case: dict[str, Any]) -> None:
    if case["ua"] in KNOWN_DIVERGENCES:
        pytest.skip(KNOWN_DIVERGENCES[case["ua"]])
    got = parse_user_agent_properties(case["ua"], case.get("userAgentData"))
    assert got == case["expected"]
    assert list(got) == list(case["expected"])


@pytest.mark.parametrize("case", HELPER_CASES, ids=[case["id"] for case in HELPER_CASES])
def test_parse_user_agent_properties_helper_case(case: dict[str, Any]) -> None:
    args = case["args"]
    # An empty argument list is the reference called with `undefined`.
    got = parse_user_agent_properties(*args) if args else parse_user_agent_properties(None)
    assert got == case["output"]["result"]
    assert list(got) == list(case["output"]["result"])


def test_keys_come_in_reference_order_and_only_when_defined() -> None:
    every_key = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0_3 like Mac OS X) Version/16.0 Mobile/15E148 Safari/604.1"
    )
    assert list(parse_user_agent_properties(every_key)) == list(KEYS)
    desktop = parse_user_agent_properties(
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    )
    assert list(desktop) == ["os_name", "os_version", "device_model"]


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_user_agent_gives_no_properties(missing: str | None) -> None:
    assert parse_user_agent_properties(missing, {"model": "Pixel 8", "platformVersion": "14"}) == {}


def test_os_version_is_the_browser_major_not_the_os_version() -> None:
    mac_chrome = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36"
        " Chrome/53.0.2785.143 Safari/537.36"
    )
    assert parse_user_agent_properties(mac_chrome)["os_version"] == "53"


def test_device_model_falls_back_to_os_name_but_os_name_falls_back_to_browser() -> None:
    windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
    assert parse_user_agent_properties(windows)["device_model"] == "Windows"
    # No OS: the browser name stands in for os_name, and device_model stays undefined.
    assert parse_user_agent_properties("Dillo/2.2") == {"os_name": "Dillo", "os_version": "2"}


def test_user_agent_data_overrides_model_and_version() -> None:
    ua = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/116.0.0.0 Mobile Safari/537.36"
    got = parse_user_agent_properties(ua, {"model": "SM-S918B", "platformVersion": "14.0.0"})
    assert got["device_model"] == "SM-S918B"
    assert got["os_version"] == "14.0.0"
    assert got["os_name"] == "Android"


def test_user_agent_data_empty_strings_still_override() -> None:
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
    assert parse_user_agent_properties(ua, {"model": "", "platformVersion": ""}) == {
        "os_name": "Windows",
        "os_version": "",
        "device_model": "",
    }


def test_user_agent_data_none_values_do_not_override() -> None:
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
    got = parse_user_agent_properties(ua, {"model": None, "platformVersion": None})
    assert got == parse_user_agent_properties(ua)


def test_android_webview_marker_selects_the_chrome_version() -> None:
    base = (
        "Mozilla/5.0 (Linux; Android 9; Pixel 3{marker}) AppleWebKit/537.36"
        " Version/4.0 Chrome/79.0 Mobile Safari/537.36"
    )
    assert parse_user_agent_properties(base.format(marker="; wv"))["os_version"] == "79"
    # Without the marker the reference reads the stock browser's Version/ token instead.
    assert parse_user_agent_properties(base.format(marker=""))["os_version"] == "4"


def test_ios_needs_the_like_mac_os_x_form() -> None:
    app = parse_user_agent_properties("MyApp/2.0 (iPhone; iOS 17.0; Scale/3.00)")
    assert "os_name" not in app
    assert app["device_model"] == "iPhone"


def test_os_names_keep_the_spelling_found_in_the_user_agent() -> None:
    lowered = "mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 chrome/120.0.0.0 safari/537.36"
    assert parse_user_agent_properties(lowered)["os_name"] == "windows"


@pytest.mark.parametrize(
    ("model_field", "vendor", "model", "form"),
    [
        ("SM-T870", "Samsung", "SM-T870", "tablet"),
        ("SAMSUNG SM-A536B", "Samsung", "SM-A536B", "mobile"),
        ("ONEPLUS A6003", "OnePlus", "A6003", "mobile"),
        ("RMX3085", "Realme", "RMX3085", "mobile"),
        ("CPH2211", "OPPO", "CPH2211", "mobile"),
        ("Redmi Note 9 Pro", "Xiaomi", "Redmi Note 9 Pro", "mobile"),
        ("Lenovo TAB 2 A10-70F", "Lenovo", "TAB 2 A10", "tablet"),
        ("KFMAWI", "Amazon", "KFMAWI", "tablet"),
    ],
)
def test_android_model_codes_map_to_reference_vendors(
    model_field: str, vendor: str, model: str, form: str
) -> None:
    # No "Mobile" marker: vendors the reference knows decide the form factor by model code.
    ua = f"Mozilla/5.0 (Linux; Android 12; {model_field}) AppleWebKit/537.36 Chrome/110.0.0.0 Safari/537.36"
    got = parse_user_agent_properties(ua)
    assert (got["device_manufacturer"], got["device_model"], got["device_type"]) == (vendor, model, form)


def test_huawei_model_comes_from_the_build_tag() -> None:
    ua = (
        "Mozilla/5.0 (Linux; Android 10; YAL-L21 Build/HUAWEIYAL-L41)"
        " AppleWebKit/537.36 Chrome/88.0 Mobile Safari/537.36"
    )
    assert parse_user_agent_properties(ua)["device_model"] == "YAL-L41"


def test_unknown_android_vendor_uses_the_mobile_safari_marker() -> None:
    phone = "Mozilla/5.0 (Linux; Android 11; ZX-900) AppleWebKit/537.36 Chrome/99.0 Mobile Safari/537.36"
    tablet = "Mozilla/5.0 (Linux; Android 11; ZX-900) AppleWebKit/537.36 Chrome/99.0 Safari/537.36"
    assert parse_user_agent_properties(phone)["device_type"] == "mobile"
    assert parse_user_agent_properties(tablet)["device_type"] == "tablet"
    assert "device_manufacturer" not in parse_user_agent_properties(phone)


def test_macintosh_reports_no_device() -> None:
    mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15"
    got = parse_user_agent_properties(mac)
    assert "device_manufacturer" not in got
    assert got["device_model"] == "Mac OS"


def test_only_the_first_255_characters_are_parsed() -> None:
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
    )
    padded = chrome + " Safari/537.36" + " x" * 80 + " OPR/99.0.0.0"
    assert len(padded) > 255
    assert parse_user_agent_properties(padded)["os_version"] == "120"
    assert parse_user_agent_properties(chrome + " Safari/537.36 OPR/99.0.0.0")["os_version"] == "99"


def test_bots_and_http_libraries_give_no_properties() -> None:
    for ua in ("curl/8.4.0", "python-requests/2.31.0", "Mozilla/5.0 (compatible; bingbot/2.0)"):
        assert parse_user_agent_properties(ua) == {}


def test_parsing_is_cached_with_a_bounded_lru() -> None:
    ua = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"
    assert parse_user_agent(ua) is parse_user_agent(ua)
    maxsize = parse_user_agent.cache_info().maxsize
    assert maxsize is not None
    assert maxsize > 0


def test_cfnetwork_agents_of_ios_apps_are_ios_with_the_os_as_model() -> None:
    assert parse_user_agent_properties("MyApp/5 CFNetwork/1410.0.3 Darwin/22.6.0") == {
        "os_name": "iOS",
        "device_model": "iOS",
    }


def test_pixel_names_the_reference_did_not_know_get_no_vendor() -> None:
    chrome = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36"
    known = parse_user_agent_properties(f"Mozilla/5.0 (Linux; Android 13; Pixel 7) {chrome}")
    unknown = parse_user_agent_properties(f"Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) {chrome}")
    assert known["device_manufacturer"] == "Google"
    assert "device_manufacturer" not in unknown
    assert (unknown["device_model"], unknown["device_type"]) == ("Pixel 8 Pro", "mobile")

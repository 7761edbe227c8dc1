"""``@liquid`` on hostile input: every filter is linear and every size is capped."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest
from actions._errors import MappingError
from actions.mapping import transform

# The reference's own expression: the oracle the linear scan must agree with.
_REFERENCE_STRIP_HTML = re.compile(
    r"<script[\s\S]*?</script>|<style[\s\S]*?</style>|<[^\n\r\u2028\u2029]*?>|<!--[\s\S]*?-->"
)


def render(template: str, **properties: Any) -> Any:
    return transform({"out": {"@liquid": template}}, {"properties": properties}).get("out")


_PIECES = ["<", ">", "<script", "</script>", "<style", "</style>", "<!--", "-->", "\n", "\u2028", "a", " "]


@pytest.mark.parametrize("seed", range(40))
def test_strip_html_agrees_with_the_reference_regex_on_adversarial_text(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 120)))
    assert render("{{ properties.x | strip_html }}", x=text) == _REFERENCE_STRIP_HTML.sub("", text)


def _seconds(text: str) -> float:
    start = time.perf_counter()
    render("{{ properties.x | strip_html }}", x=text)
    return time.perf_counter() - start


@pytest.mark.parametrize("unit", ["<", "<script", "<style", "<!--", "<script></style<!--"])
def test_strip_html_is_linear_in_its_input(unit: str) -> None:
    # Quadratic before: 8x the input took ~64x the time (70 KB of "<" took 12.8 s).
    small = unit * (8_000 // len(unit))
    big = unit * (64_000 // len(unit))
    small_time = min(_seconds(small) for _ in range(3))
    big_time = min(_seconds(big) for _ in range(3))
    assert big_time < max(20 * small_time, 0.5), (small_time, big_time)


def failure(template: str, **properties: Any) -> list[str]:
    with pytest.raises(MappingError) as caught:
        render(template, **properties)
    return caught.value.messages


@pytest.mark.parametrize("fmt", ["%999999999N", "%1025Y", "%_99999999d", "%" + "9" * 5000 + "N"])
def test_a_date_width_over_the_cap_is_one_error_not_gigabytes(fmt: str) -> None:
    # The format comes from the event, so neither the 1000-character template limit nor
    # Python's int-string conversion limit may be what stops it.
    assert failure("{{ 'now' | date: properties.fmt }}", fmt=fmt) == [
        "date format width is over the limit of 1024, line:1, col:1"
    ]


def test_widths_up_to_the_cap_are_honoured() -> None:
    out = render("{{ '2024-03-05T10:20:30.5Z' | date: '%1024N|%01024Y|%-1024d' }}")
    milliseconds, year, day = out.split("|")
    assert milliseconds == "500" + "0" * 1021
    assert year == "0" * 1020 + "2024"
    assert day == "5"


def test_many_wide_directives_count_against_the_memory_limit() -> None:
    assert failure("{{ 'now' | date: properties.fmt }}", fmt="%1024N" * 200_000) == [
        "memory alloc limit exceeded, line:1, col:1"
    ]


def test_repeated_output_of_a_big_field_counts_against_the_memory_limit() -> None:
    # 190 copies of a 1 MB field would be 190 MB; the render stops at the 1e8 limit instead.
    copies = "{% assign y = properties.x %}" + "{{y}}" * 190
    assert failure(copies, x="a" * 1_000_000)[0].startswith("memory alloc limit exceeded")
    assert render(copies, x="a" * 100_000) == "a" * 19_000_000


# --- mapping directives ------------------------------------------------------------------------


def _template_seconds(text: str) -> float:
    start = time.perf_counter()
    transform({"out": {"@template": "{{{properties.x}}}"}}, {"properties": {"x": text}})
    return time.perf_counter() - start


def test_template_second_pass_agrees_with_the_reference_on_adversarial_text() -> None:
    rng = random.Random(7)
    double = re.compile(r"\{\{([^}]+)\}\}")
    payload = {"a": "A", "b c": "B", "properties": {}}
    for _ in range(300):
        text = "".join(rng.choice(["{", "}", "{{", "}}", "a", "b c"]) for _ in range(rng.randint(0, 40)))
        payload["properties"] = {"x": text}
        expected = double.sub(lambda m: {"a": "A", "b c": "B"}.get(m.group(1).strip(), ""), text)
        got = transform({"out": {"@template": "{{{properties.x}}}"}}, payload).get("out")
        assert got == expected, text


@pytest.mark.parametrize("unit", ["{", "{{a", "{{}"])
def test_template_second_pass_is_linear_in_the_substituted_text(unit: str) -> None:
    # Quadratic before: 20 KB of "{" took 1.2 s.
    small_time = min(_template_seconds(unit * (10_000 // len(unit))) for _ in range(3))
    big_time = min(_template_seconds(unit * (80_000 // len(unit))) for _ in range(3))
    assert big_time < max(20 * small_time, 0.5), (small_time, big_time)


def test_replace_with_a_suffix_reference_stops_at_the_result_limit() -> None:
    mapping = {"out": {"@replace": {"pattern": "a", "replacement": "$'", "value": {"@path": "$.x"}}}}
    # Each "$'" copies the rest of the text: 20,000 "a" would build 200 million characters.
    with pytest.raises(MappingError) as caught:
        transform(mapping, {"x": "a" * 20_000})
    assert caught.value.messages == ["@replace result is over the limit of 100000000 characters"]
    assert transform(mapping, {"x": "abc"}) == {"out": "bcbc"}

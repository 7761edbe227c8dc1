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

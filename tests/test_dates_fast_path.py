"""The ``date-like`` shortcut for canonical timestamps agrees with parsing them, on many shapes."""

from __future__ import annotations

import itertools

from actions._dates import _CANONICAL_TIMESTAMP, date_like_string, date_like_string_parsed, parse_date
from hypothesis import given, settings
from hypothesis import strategies as st


def _two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(min_value=low, max_value=high).map(lambda n: f"{n:02d}")


# Each part of a timestamp: its canonical forms, and variants around and beyond its bounds.
_PARTS: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "year": (
        st.sampled_from(["1969", "1970", "2021", "2026", "9999", "0001"]),
        st.sampled_from(["0000", "0099", "10000", "999", "+002021", "-000001"]),
    ),
    "date_separator": (st.just("-"), st.sampled_from(["/", "", "."])),
    "month": (_two_digits(1, 12), st.sampled_from(["00", "13", "99", "1", "001"])),
    "day": (_two_digits(1, 31), st.sampled_from(["00", "32", "99", "1", "001"])),
    "time_separator": (st.just("T"), st.sampled_from(["t", " ", "  ", "", "T "])),
    "hour": (_two_digits(0, 23), st.sampled_from(["24", "25", "99", "1", "001"])),
    "minute": (_two_digits(0, 59), st.sampled_from(["60", "99", "1", ""])),
    "second": (_two_digits(0, 59), st.sampled_from(["60", "99", "1", "", ":00"])),
    "fraction": (
        st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True)),
        st.sampled_from([".", ",5", ".5e", ".1234567890", ".0000000000000"]),
    ),
    "zone": (
        st.one_of(
            st.just("Z"), st.just(""), st.from_regex(r"[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]", fullmatch=True)
        ),
        st.sampled_from(["z", " Z", "UTC", "GMT", "Zz", "+24:00", "+05:60", "+0530", "+05", "-5:30"]),
    ),
    "end": (st.just(""), st.sampled_from([" ", "\n", "x", "\u2028"])),
}


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    """Canonical timestamps, about half of them with one or two parts changed to an odd variant."""
    odd = set(draw(st.lists(st.sampled_from(list(_PARTS)), max_size=2)))
    parts = {
        name: draw(variant if name in odd else canonical) for name, (canonical, variant) in _PARTS.items()
    }
    return (
        "{year}{date_separator}{month}{date_separator}{day}{time_separator}{hour}:{minute}:{second}"
        "{fraction}{zone}{end}".format(**parts)
    )


@settings(max_examples=3000, deadline=None)
@given(timestamps())
def test_shortcut_agrees_with_parsing_on_timestamp_shapes(text: str) -> None:
    assert date_like_string(text) == date_like_string_parsed(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789-:.TZ+ tz/", max_size=32))
def test_shortcut_agrees_with_parsing_on_arbitrary_strings(text: str) -> None:
    assert date_like_string(text) == date_like_string_parsed(text)


def test_shortcut_only_takes_strings_that_parse_to_a_date() -> None:
    fields = itertools.product(
        ["00", "01", "02", "12", "13"],  # month
        ["00", "01", "28", "29", "30", "31", "32"],  # day
        ["00", "23", "24"],  # hour
        ["00", "59", "60"],  # minute and second
        ["", ".0", ".449", ".123456789", ".1234567890"],
        ["Z", "+00:00", "-23:59", "+24:00", "+05:60", ""],
    )
    taken = 0
    for month, day, hour, minute, fraction, zone in fields:
        text = f"2024-{month}-{day}T{hour}:{minute}:{minute}{fraction}{zone}"
        assert date_like_string(text) == date_like_string_parsed(text), text
        if _CANONICAL_TIMESTAMP.match(text):
            taken += 1
            assert parse_date(text) is not None, text
    assert taken > 500  # the shortcut is really exercised

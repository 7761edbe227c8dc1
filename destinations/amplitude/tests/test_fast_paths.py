"""The fast paths of event building agree with the general rules they stand in for."""

from __future__ import annotations

from actions import parse_date
from actions_amplitude._time import _iso_utc_ms, session_id_ms, time_ms
from hypothesis import given, settings
from hypothesis import strategies as st

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

"""Date parsing with the reference's semantics: ``dayjs.utc(x).valueOf()`` and the ``date-like`` format.

The reference hands timestamps to dayjs 1.10.7, which matches strings against its own pattern
(``YYYY[-/]MM[-/]DD[T ]HH:mm:ss.SSS``, every part after the year optional, fields allowed to
overflow) and otherwise falls back to JavaScript's ``Date`` parser (:func:`actions.js.date_parse`,
V8's). Results are epoch milliseconds; ``None`` stands for JavaScript's ``NaN`` (an invalid date).
"""

from __future__ import annotations

import math
import re
from typing import Final

from actions.js import WHITE_SPACE_CLASS, date_parse, date_utc, number_to_string, string_to_number, time_clip

__all__ = ["date_like_string", "parse_date"]


def _time_value(time: float) -> int | None:
    """A time value as epoch milliseconds, ``None`` for ``NaN``."""
    return None if math.isnan(time) else int(time)


# ---------------------------------------------------------------------------------------------
# dayjs 1.10.7's own pattern
# ---------------------------------------------------------------------------------------------

# Year, then optional month, day, hour, minute, second and fraction, with optional separators.
# JavaScript's \d is ASCII-only and its \s is the JS white space set, hence the explicit classes;
# \Z because JavaScript's $ (without the m flag) does not match before a final newline.
_DAYJS_PATTERN: Final = re.compile(
    r"([0-9]{4})[-/]?([0-9]{1,2})?[-/]?([0-9]{0,2})[Tt" + WHITE_SPACE_CLASS + r"]*"
    r"([0-9]{1,2})?:?([0-9]{1,2})?:?([0-9]{1,2})?[.:]?([0-9]+)?\Z"
)


def _dayjs_pattern(match: re.Match[str]) -> float:
    """Resolve a string dayjs matched with its pattern, the way ``Date.UTC(y, M - 1, d, ...)`` does."""
    year_text, month_text, day_text, hour_text, minute_text, second_text, fraction = match.groups()
    year = int(year_text)  # Date.UTC makes "0099" 1999
    # `M - 1 || 0` and `d || 1`: a missing month is January, an empty day is the 1st, but "0"
    # and "00" are kept (they are non-empty strings) and roll back into the previous month.
    month0 = int(month_text) - 1 if month_text is not None else 0
    day = int(day_text) if day_text else 1
    # Only the first three digits of the fraction are kept, read as a whole number: ".5" is 5 ms.
    ms = int(fraction[:3]) if fraction else 0
    return date_utc(year, month0, day, int(hour_text or 0), int(minute_text or 0), int(second_text or 0), ms)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _parse_string(text: str) -> float:
    # dayjs sends strings ending in "Z" straight to Date; others try its own pattern first.
    if not text.endswith(("Z", "z")):
        match = _DAYJS_PATTERN.match(text)
        if match is not None:
            return _dayjs_pattern(match)
    return date_parse(text)


def parse_date(value: str | float) -> int | None:
    """``dayjs.utc(value).valueOf()``: epoch milliseconds, or ``None`` where dayjs says invalid.

    Numbers are milliseconds (fractions truncate, ``True`` is 1). Strings use dayjs's pattern, so
    ``"1629213675"`` reads as year 1629, month 21, day 36... (an old date), and fall back to
    JavaScript's ``Date`` parser for everything else (ISO with offsets, RFC 2822, ``"Aug 17 2021"``).

    >>> parse_date("2021-06-08")
    1623110400000
    >>> parse_date("abc") is None
    True
    """
    if isinstance(value, str):
        return _time_value(_parse_string(value))
    return _time_value(time_clip(float(value)))


# What String(number) can print; only such strings can be "the canonical spelling of a number".
_NUMBER_SPELLING: Final = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?|Infinity)\Z|NaN\Z")


# The timestamps Segment libraries send, every field in range: ``2021-08-17T15:21:15.449Z``, or
# with an offset or no zone. Each reading of such a string (V8's ISO parser for "Z", dayjs's
# pattern without a zone) gives a date within range, so they are valid without parsing.
_CANONICAL_TIMESTAMP: Final = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?\Z"
)


def date_like_string(text: str) -> bool:
    """The ajv ``date-like`` format, which only ever sees strings.

    A string that is the canonical spelling of a number (``"1629213675"``, ``"-1"``, ``"1.5"``) is
    read as unix *seconds*; anything else is valid when dayjs can parse it.
    """
    if _CANONICAL_TIMESTAMP.match(text):
        return True
    return date_like_string_parsed(text)


def date_like_string_parsed(text: str) -> bool:
    """:func:`date_like_string` without the shortcut for canonical timestamps (kept for testing it)."""
    if _NUMBER_SPELLING.match(text):
        number = string_to_number(text)
        if number_to_string(number) == text:
            return not math.isnan(time_clip(number * 1000))
    return not math.isnan(_parse_string(text))

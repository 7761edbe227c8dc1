"""Timestamps for Amplitude: ``time``, ``session_id`` and groupIdentify's ``time`` in epoch milliseconds."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

from actions import get_clock, parse_date
from actions.js import UNDEFINED, truthy

__all__ = ["format_session_id", "group_identify_time", "session_id_ms", "time_ms"]

# A plain decimal number written as a string ("1629213675449", "-1", "1700000000.5").
_NUMERIC: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
# Digits too few to be epoch milliseconds of a real event time, which the reference's date pattern
# reads as a calendar date: "2021" (a year), "202106" (year and month), "20210817" (a day).
_CALENDAR_DIGITS: Final = re.compile(r"[0-9]{4,8}\Z")
# The shape Segment libraries send ("2021-08-17T15:21:15.449Z"), parsed without the general parser.
_ISO_UTC: Final = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
    r"(?:\.([0-9]{1,3}))?Z\Z"
)
_EPOCH_ORDINAL: Final = _dt.date(1970, 1, 1).toordinal()
_MS_PER_DAY: Final = 86_400_000
# Epoch ms of each "YYYY-MM-DDTHH:MM" seen: the events of a batch share a few minutes, and the
# calendar arithmetic was most of the cost of a time. Emptied when full, so it stays small.
_MINUTES: dict[str, int] = {}
_MAX_MINUTES: Final = 4096


def _iso_utc_ms(text: str) -> int | None:
    """Epoch ms of a ``YYYY-MM-DDTHH:MM:SS[.sss]Z`` string, as ``Date`` computes it (a day past the
    month's end rolls over, as in JavaScript); ``None`` for any other shape."""
    match = _ISO_UTC.match(text)
    if match is None:
        return None
    minute_text = text[:16]
    base = _MINUTES.get(minute_text)
    if base is None:
        year, month, day, hour, minute = match.group(1, 2, 3, 4, 5)
        if year == "0000":
            return None
        days = _dt.date(int(year), int(month), 1).toordinal() - _EPOCH_ORDINAL + int(day) - 1
        base = days * _MS_PER_DAY + (int(hour) * 60 + int(minute)) * 60_000
        if len(_MINUTES) >= _MAX_MINUTES:
            _MINUTES.clear()
        _MINUTES[minute_text] = base
    if len(text) == 24:  # ".sss" written out, as Segment libraries do
        return base + int(text[17:19]) * 1000 + int(text[20:23])
    fraction = match.group(7)
    return base + int(text[17:19]) * 1000 + (int(fraction.ljust(3, "0")) if fraction else 0)


def _epoch_ms(value: object, *, calendar_digits: bool = False) -> int | None:
    """Epoch milliseconds of a timestamp value, or ``None`` when it is not a valid date.

    A numeric string is read as the number of milliseconds it spells, exactly like the number
    itself. (The reference hands such strings to dayjs, whose pattern reads "1629213675449" as a
    year-month-day-hour... and yields a date thousands of years ago; that is a deliberate fix.)
    With ``calendar_digits`` (times, which the reference parses as dates), 4 to 8 digits are
    still read as the reference reads them: ``"2021"`` is the year 2021, not 2021 ms.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if calendar_digits and _CALENDAR_DIGITS.match(value):
            return parse_date(value)
        if _NUMERIC.match(value):
            return parse_date(float(value))
        fast = _iso_utc_ms(value)
        return fast if fast is not None else parse_date(value)
    if isinstance(value, int | float):
        return parse_date(value)
    return None


def time_ms(value: object) -> int | None:
    """The event ``time`` to send: ``None`` (send no time, Amplitude uses the upload time) when
    the value is missing, falsy (``0``) or not a date.

    >>> time_ms("2021-06-08")
    1623110400000
    >>> time_ms("1629213675449")
    1629213675449
    >>> time_ms("2021")  # a year, as the reference reads it
    1609459200000
    """
    if type(value) is str:  # the common shape first: no other rule applies to it
        fast = _iso_utc_ms(value)
        if fast is not None:
            return fast
    if not truthy(value):
        return None
    return _epoch_ms(value, calendar_digits=True)


def session_id_ms(value: object) -> int | None:
    """The ``session_id`` to send (session start, epoch ms), or ``None`` to send none.

    Same rules as :func:`time_ms`, except that every string of digits is milliseconds (``"2021"``
    is 2021): the reference reads session ids so, and numbers as milliseconds without any seconds
    heuristic (``-1`` stays ``-1``).
    """
    if type(value) is str:
        fast = _iso_utc_ms(value)
        if fast is not None:
            return fast
    if not truthy(value):
        return None
    return _epoch_ms(value)


def format_session_id(value: object) -> int | None:
    """A session id value as epoch milliseconds, ``None`` where the reference gets ``NaN``.

    This is the reference's ``formatSessionId`` with the numeric-string fix: a string of digits
    is the number it spells (``"000123"`` is 123), other numeric strings (``"-1"``,
    ``"1700000000.5"``) too, and everything else is parsed as a date.
    """
    return _epoch_ms(value)


def group_identify_time(value: object = UNDEFINED) -> int | None:
    """The ``time`` of groupIdentifyUser's identify call: now when the payload has none
    (``UNDEFINED``), ``None`` (JSON ``null``, the reference's ``NaN``) when unparsable.

    An empty time (validation turns a mapped ``[null]`` into ``""``) is unparsable, not unset.
    """
    if value is UNDEFINED:
        return get_clock().now_ms()
    return _epoch_ms(value, calendar_digits=True)

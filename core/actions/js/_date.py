"""JavaScript's ``Date``: ``Date.parse`` as V8 does it, and the ECMAScript date arithmetic under it.

``new Date(string)`` in the reference's Node is V8's parser: the ISO 8601 format first, then a
lenient "legacy" grammar (``Tue, 17 Aug 2021 15:21:15 GMT``, ``Aug 17 2021 10:00 GMT+2``,
``2024/03/05``, ``1/2`` for January 2nd 2001, ``-1``). :func:`date_parse` ports it, with the
reference's time zone (UTC) as local time. Time values are epoch milliseconds as floats, ``NaN``
for an invalid date, over JavaScript's whole range (years -271821 to 275760), beyond
:mod:`datetime`'s.
"""

from __future__ import annotations

import math
import re
from typing import Final

from ._strings import LINE_TERMINATORS, WHITE_SPACE

__all__ = ["civil_from_days", "date_parse", "date_utc", "days_from_civil", "time_clip"]

_MS_PER_DAY: Final = 86_400_000
#: ECMAScript's time range: +-100,000,000 days around the epoch.
_MAX_TIME: Final = 8.64e15


# --- ECMAScript date arithmetic (proleptic Gregorian, any year; exact on integers) ------------


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a date (month 1-12; the day may overflow, as in ``MakeDay``)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468 + (day - 1)


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month 1-12, day) of a day number counted from 1970-01-01."""
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    year = year_of_era + era * 400
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return year + (month <= 2), month, day


def time_clip(time: float) -> float:
    """ECMAScript ``TimeClip``: ``NaN`` outside +-8.64e15 ms; fractions truncate toward zero; no ``-0``."""
    if not math.isfinite(time) or abs(time) > _MAX_TIME:
        return math.nan
    return float(math.trunc(time)) + 0.0


def _utc(year: int, month0: int, day: int, hour: int, minute: int, second: int, ms: int) -> int:
    """``MakeDate(MakeDay(...), MakeTime(...))`` for integer fields, without ``TimeClip``: exact."""
    days = days_from_civil(year + month0 // 12, month0 % 12 + 1, 1) + day - 1
    return days * _MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def date_utc(
    year: int, month: int = 0, day: int = 1, hour: int = 0, minute: int = 0, second: int = 0, ms: int = 0
) -> float:
    """``Date.UTC(year, month, ...)`` for integer fields: the month is 0-based, every field may
    overflow or be negative (``Date.UTC(2021, 12, 0)`` is 2021-12-31), and years 0 to 99 are
    1900 to 1999. ``NaN`` outside JavaScript's time range."""
    if 0 <= year <= 99:
        year += 1900
    return time_clip(_utc(year, month, day, hour, minute, second, ms))


# --- V8's date parser ---------------------------------------------------------------------------

_NONE: Final = 2**31 - 1  # V8's "no value" marker (kMaxInt)
_MAX_SIGNIFICANT_DIGITS: Final = 9

# Token kinds
_END, _NUMBER, _SYMBOL, _SPACE, _UNKNOWN, _WORD = range(6)
# Word kinds
_W_INVALID, _W_MONTH, _W_ZONE, _W_TIME_SEPARATOR, _W_AM_PM = range(5)

# (three-letter prefix, kind, value); a shorter keyword is padded with NULs and must match exactly,
# a longer word only matches month names ("August" is a month, "GMTX" is not a zone).
_KEYWORDS: Final = (
    ("jan", _W_MONTH, 1), ("feb", _W_MONTH, 2), ("mar", _W_MONTH, 3), ("apr", _W_MONTH, 4),
    ("may", _W_MONTH, 5), ("jun", _W_MONTH, 6), ("jul", _W_MONTH, 7), ("aug", _W_MONTH, 8),
    ("sep", _W_MONTH, 9), ("oct", _W_MONTH, 10), ("nov", _W_MONTH, 11), ("dec", _W_MONTH, 12),
    ("am\0", _W_AM_PM, 0), ("pm\0", _W_AM_PM, 12),
    ("ut\0", _W_ZONE, 0), ("utc", _W_ZONE, 0), ("z\0\0", _W_ZONE, 0), ("gmt", _W_ZONE, 0),
    ("cdt", _W_ZONE, -5), ("cst", _W_ZONE, -6), ("edt", _W_ZONE, -4), ("est", _W_ZONE, -5),
    ("mdt", _W_ZONE, -6), ("mst", _W_ZONE, -7), ("pdt", _W_ZONE, -7), ("pst", _W_ZONE, -8),
    ("t\0\0", _W_TIME_SEPARATOR, 0),
)  # fmt: skip
# The scanner tells JavaScript's WhiteSpace (never part of a word) from its line terminators,
# which are white space tokens too, but of those below 'A' only LF and CR: U+2028/U+2029 are
# at or above 'A' and not WhiteSpace, so V8 reads them as part of a word ("2021\u2028" is junk).
_V8_WHITE_SPACE: Final = frozenset(WHITE_SPACE) - frozenset(LINE_TERMINATORS)
_V8_LINE_BREAKS: Final = frozenset(LINE_TERMINATORS)


def _between(x: int, lo: int, hi: int) -> bool:
    return lo <= x <= hi


class _Token:
    __slots__ = ("kind", "length", "value", "word")

    def __init__(self, kind: int, length: int = 0, value: int = 0, word: int = _W_INVALID) -> None:
        self.kind = kind
        self.length = length
        self.value = value  # the number, the symbol's code point, or the keyword's value
        self.word = word

    def is_symbol(self, char: str) -> bool:
        return self.kind == _SYMBOL and self.value == ord(char)

    def is_sign(self) -> bool:
        return self.kind == _SYMBOL and self.value in (43, 45)

    def sign(self) -> int:
        return 1 if self.value == 43 else -1

    def is_number(self, length: int | None = None) -> bool:
        return self.kind == _NUMBER and (length is None or self.length == length)

    def is_word(self, word: int) -> bool:
        return self.kind == _WORD and self.word == word

    def is_z(self) -> bool:
        return self.kind == _WORD and self.word == _W_ZONE and self.length == 1 and self.value == 0


class _Scanner:
    """Splits a date string into numbers, symbols, words, spaces and unknown characters."""

    def __init__(self, text: str) -> None:
        # A NUL ends the input, as it does for V8's reader.
        end = text.find("\0")
        self.text = text if end < 0 else text[:end]
        self.pos = 0
        self.next_token = self._scan()

    def next(self) -> _Token:
        token = self.next_token
        self.next_token = self._scan()
        return token

    def peek(self) -> _Token:
        return self.next_token

    def peek_two_digits(self, lo: int, hi: int) -> bool:
        """Whether the next token is a two-digit number from ``lo`` to ``hi``."""
        token = self.next_token
        return token.is_number(2) and lo <= token.value <= hi

    def skip_symbol(self, char: str) -> bool:
        if self.next_token.is_symbol(char):
            self.next_token = self._scan()
            return True
        return False

    def _scan(self) -> _Token:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return _Token(_END)
        char = text[pos]
        if "0" <= char <= "9":
            end = pos
            while end < len(text) and text[end] == "0":  # leading zeros are not significant
                end += 1
            value = digits = 0
            while end < len(text) and "0" <= text[end] <= "9":
                # Digits past the ninth significant one are read but ignored, as V8 does.
                if digits < _MAX_SIGNIFICANT_DIGITS:
                    value = value * 10 + ord(text[end]) - 48
                digits += 1
                end += 1
            self.pos = end
            return _Token(_NUMBER, end - pos, value)
        if char in ":-+.)":
            self.pos = pos + 1
            return _Token(_SYMBOL, 1, ord(char))
        if char >= "A" and char not in _V8_WHITE_SPACE:
            # A "word" is any run of characters at or above 'A' (non-ASCII included) that are
            # not white space.
            end = pos
            while end < len(text) and text[end] >= "A" and text[end] not in _V8_WHITE_SPACE:
                end += 1
            self.pos = end
            return self._keyword(text[pos:end])
        if char in _V8_WHITE_SPACE or char in _V8_LINE_BREAKS:
            self.pos = pos + 1
            return _Token(_SPACE, 1)
        if char == "(":
            depth = 0
            while pos < len(text):
                if text[pos] == ")":
                    depth -= 1
                elif text[pos] == "(":
                    depth += 1
                pos += 1
                if depth <= 0:
                    break
            self.pos = pos
            return _Token(_UNKNOWN, 1)
        self.pos = pos + 1
        return _Token(_UNKNOWN, 1)

    @staticmethod
    def _keyword(word: str) -> _Token:
        # V8 lower-cases by setting bit 0x20, which is only a real lower-casing for ASCII letters.
        prefix = "".join(chr(ord(c) | 0x20) for c in word[:3]).ljust(3, "\0")
        for name, kind, value in _KEYWORDS:
            if prefix == name and (len(word) <= 3 or kind == _W_MONTH):
                return _Token(_WORD, len(word), value, kind)
        return _Token(_WORD, len(word), 0, _W_INVALID)


class _DayParts:
    def __init__(self) -> None:
        self.parts: list[int] = []
        self.named_month = _NONE
        self.iso = False

    def add(self, n: int) -> bool:
        if len(self.parts) < 3:
            self.parts.append(n)
            return True
        return False

    def resolve(self) -> tuple[int, int, int] | None:
        """(year, month0, day), guessing the order of the numbers the way V8 does."""
        if not self.parts:
            return None
        comp = [*self.parts, 1, 1][:3]  # missing day and month default to 1
        year = 0  # "no year" is 0, which becomes 2000 below
        if self.named_month == _NONE:
            if self.iso or not _between(comp[0], 1, 31):
                year, month, day = comp
            else:
                month, day, year = comp
        else:
            month = self.named_month
            if not _between(comp[0], 1, 31):
                year, day = comp[0], comp[1]
            else:
                day, year = comp[0], comp[1]
        if not self.iso:
            if _between(year, 0, 49):
                year += 2000
            elif _between(year, 50, 99):
                year += 1900
        if not _between(month, 1, 12) or not _between(day, 1, 31):
            return None
        return year, month - 1, day


class _TimeParts:
    def __init__(self) -> None:
        self.parts: list[int] = []
        self.hour_offset = _NONE

    def is_empty(self) -> bool:
        return not self.parts

    def is_expecting(self, n: int) -> bool:
        index = len(self.parts)
        return (
            (index == 1 and _between(n, 0, 59))
            or (index == 2 and _between(n, 0, 59))
            or (index == 3 and _between(n, 0, 999))
        )

    def add(self, n: int) -> bool:
        if len(self.parts) < 4:
            self.parts.append(n)
            return True
        return False

    def add_final(self, n: int) -> bool:
        if not self.add(n):
            return False
        self.parts.extend([0] * (4 - len(self.parts)))
        return True

    def resolve(self) -> tuple[int, int, int, int] | None:
        hour, minute, second, ms = [*self.parts, 0, 0, 0, 0][:4]
        if self.hour_offset != _NONE:
            if not _between(hour, 0, 12):
                return None
            hour = hour % 12 + self.hour_offset
        if not (
            _between(hour, 0, 23)
            and _between(minute, 0, 59)
            and _between(second, 0, 59)
            and _between(ms, 0, 999)
        ) and not (hour == 24 and minute == 0 and second == 0 and ms == 0):
            return None
        return hour, minute, second, ms


class _ZoneParts:
    def __init__(self) -> None:
        self.sign = _NONE
        self.hour = _NONE
        self.minute = _NONE

    def set_hours(self, offset_hours: int) -> None:
        self.sign = -1 if offset_hours < 0 else 1
        self.hour = offset_hours * self.sign
        self.minute = 0

    def is_expecting(self, n: int) -> bool:
        return self.hour != _NONE and self.minute == _NONE and _between(n, 0, 59)

    def is_utc(self) -> bool:
        return self.hour == 0 and self.minute == 0

    def is_empty(self) -> bool:
        return self.hour == _NONE

    def offset_seconds(self) -> int | bool | None:
        """Seconds east of UTC; ``None`` when no zone was given; ``False`` when it overflows."""
        if self.sign == _NONE:
            return None
        hour = 0 if self.hour == _NONE else self.hour
        minute = 0 if self.minute == _NONE else self.minute
        total = (hour * 3600 + minute * 60) % 2**32  # V8 computes this in unsigned 32-bit
        if total > 2**31 - 1:
            return False
        return -total if self.sign < 0 else total


def _read_milliseconds(token: _Token) -> int:
    """The first three significant digits of a fraction (".5" is 500 ms, ".4491" is 449 ms)."""
    number, length = token.value, token.length
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    if length > 3:
        divisor: int = 10 ** (min(length, _MAX_SIGNIFICANT_DIGITS) - 3)
        return number // divisor
    return number


def _parse_iso(scanner: _Scanner, day: _DayParts, time: _TimeParts, zone: _ZoneParts) -> _Token | None:
    """Read as much of an ISO 8601 date-time as there is.

    Returns the token the legacy grammar continues with (an end-of-input token when the whole
    string was ISO), or ``None`` when the string can no longer be a date.
    """
    if scanner.peek().is_sign():
        sign_token = scanner.next()
        if not scanner.peek().is_number(6):
            return sign_token
        year = scanner.next().value
        if sign_token.sign() < 0 and year == 0:
            return sign_token
        day.add(sign_token.sign() * year)
    elif scanner.peek().is_number(4):
        day.add(scanner.next().value)
    else:
        return scanner.next()
    if scanner.skip_symbol("-"):
        if not scanner.peek_two_digits(1, 12):
            return scanner.next()
        day.add(scanner.next().value)
        if scanner.skip_symbol("-"):
            if not scanner.peek_two_digits(1, 31):
                return scanner.next()
            day.add(scanner.next().value)
    if not scanner.peek().is_word(_W_TIME_SEPARATOR):
        if scanner.peek().kind != _END:
            return scanner.next()
    else:
        scanner.next()
        if not scanner.peek_two_digits(0, 24):
            return None
        hour_is_24 = scanner.peek().value == 24  # only 24:00[:00[.000]] is allowed
        highest = 0 if hour_is_24 else 59  # for minutes and seconds
        time.add(scanner.next().value)
        if not scanner.skip_symbol(":"):
            return None
        if not scanner.peek_two_digits(0, highest):
            return None
        time.add(scanner.next().value)
        if scanner.skip_symbol(":"):
            if not scanner.peek_two_digits(0, highest):
                return None
            time.add(scanner.next().value)
            if scanner.skip_symbol("."):
                if not scanner.peek().is_number() or (hour_is_24 and scanner.peek().value > 0):
                    return None
                time.add(_read_milliseconds(scanner.next()))
        if scanner.peek().is_z():
            scanner.next()
            zone.set_hours(0)
        elif scanner.peek().is_sign():
            zone.sign = scanner.next().sign()
            if scanner.peek().is_number(4):  # +hhmm
                hour, minute = divmod(scanner.next().value, 100)
                if not _between(hour, 0, 23) or not _between(minute, 0, 59):
                    return None
                zone.hour, zone.minute = hour, minute
            else:  # +hh:mm
                if not scanner.peek_two_digits(0, 23):
                    return None
                zone.hour = scanner.next().value
                if not scanner.skip_symbol(":"):
                    return None
                if not scanner.peek_two_digits(0, 59):
                    return None
                zone.minute = scanner.next().value
        if scanner.peek().kind != _END:
            return None
    # A date-only ISO string is UTC; date-time strings without a zone are local time, which is
    # UTC here as well.
    if zone.is_empty() and time.is_empty():
        zone.set_hours(0)
    day.iso = True
    return _Token(_END)


# The common, complete ISO 8601 shapes, read without the tokenizer. Anything unusual (and every
# out-of-range part) falls through to the full parser, which decides.
_ISO_SHAPE: Final = re.compile(
    r"([+-][0-9]{6}|[0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"
    r"(?:[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?)?\Z"
)


class _Defer(Exception):
    """A shortcut met something it does not handle; the full parser decides."""


def _parse_iso_shape(match: re.Match[str]) -> float:
    """Epoch ms for a string matching ``_ISO_SHAPE``; raises ``_Defer`` for the full parser's cases."""
    year_text, month, day, hour, minute, second, fraction, zulu, sign, zone_hour, zone_minute = match.groups()
    year = int(year_text)
    if year_text == "-000000":
        raise _Defer
    month_value = int(month) if month else 1
    day_value = int(day) if day else 1
    if not (1 <= month_value <= 12 and 1 <= day_value <= 31):
        raise _Defer
    if hour is None:
        return time_clip(_utc(year, month_value - 1, day_value, 0, 0, 0, 0))
    h, m, sec = int(hour), int(minute), int(second or 0)
    ms = int(fraction[:3].ljust(3, "0")) if fraction else 0
    if h > 24 or m > 59 or sec > 59 or (h == 24 and (m or sec or (fraction and int(fraction)))):
        raise _Defer
    millis = _utc(year, month_value - 1, day_value, h, m, sec, ms)
    if sign is not None:
        zh, zm = int(zone_hour), int(zone_minute)
        if zh > 23 or zm > 59:
            raise _Defer
        offset = (zh * 60 + zm) * 60_000
        millis -= offset if sign == "+" else -offset
    del zulu  # "Z" and a missing zone both mean UTC here
    return time_clip(millis)


def date_parse(text: str) -> float:
    """``Date.parse(text)`` in V8 with the process in UTC: epoch milliseconds, or ``NaN``.

    >>> date_parse("2021-08-17T15:21:15.449Z")
    1629213675449.0
    >>> date_parse("Aug 17 2021 10:00 GMT+2")
    1629187200000.0
    >>> date_parse("tomorrow")
    nan
    """
    shape = _ISO_SHAPE.match(text)
    if shape is not None:
        try:
            return _parse_iso_shape(shape)
        except _Defer:
            pass
    scanner = _Scanner(text)
    day, time, zone = _DayParts(), _TimeParts(), _ZoneParts()
    token = _parse_iso(scanner, day, time, zone)
    if token is None:
        return math.nan
    has_read_number = bool(day.parts)
    while token.kind != _END:
        if token.kind == _NUMBER:
            has_read_number = True
            n = token.value
            if scanner.skip_symbol(":"):
                if scanner.skip_symbol(":"):  # "n::" is hours with zero minutes
                    if not time.is_empty():
                        return math.nan
                    time.add(n)
                    time.add(0)
                else:
                    if not time.add(n):
                        return math.nan
                    if scanner.peek().is_symbol("."):
                        scanner.next()
            elif scanner.skip_symbol(".") and time.is_expecting(n):
                time.add(n)
                if not scanner.peek().is_number():
                    return math.nan
                time.add_final(_read_milliseconds(scanner.next()))
            elif zone.is_expecting(n):
                zone.minute = n
            elif time.is_expecting(n):
                time.add_final(n)
                following = scanner.peek()
                if not (following.kind in (_END, _SPACE) or following.is_z() or following.is_sign()):
                    return math.nan
            else:
                if not day.add(n):
                    return math.nan
                scanner.skip_symbol("-")
        elif token.kind == _WORD:
            if token.word == _W_AM_PM and not time.is_empty():
                time.hour_offset = token.value
            elif token.word == _W_MONTH:
                day.named_month = token.value
                scanner.skip_symbol("-")
            elif token.word == _W_ZONE and has_read_number:
                zone.set_hours(token.value)
            else:
                # Unknown words are only allowed before the first number, and must be separated
                # from it.
                if has_read_number or scanner.peek().is_number():
                    return math.nan
        elif token.is_sign() and (zone.is_utc() or not time.is_empty()):
            zone.sign = token.sign()
            n = length = 0
            if scanner.peek().is_number():
                number = scanner.next()
                n, length = number.value, number.length
            has_read_number = True
            if scanner.peek().is_symbol(":"):
                zone.hour, zone.minute = n, _NONE
            elif length in (1, 2):  # GMT-8
                zone.hour, zone.minute = n, 0
            elif length in (3, 4):  # -0800
                zone.hour, zone.minute = divmod(n, 100)
            else:
                return math.nan
        elif (token.is_sign() or token.is_symbol(")")) and has_read_number:
            return math.nan
        token = scanner.next()

    date = day.resolve()
    clock = time.resolve()
    offset = zone.offset_seconds()
    if date is None or clock is None or offset is False:
        return math.nan
    millis = _utc(*date, *clock)
    if offset:
        millis -= offset * 1000
    return time_clip(millis)

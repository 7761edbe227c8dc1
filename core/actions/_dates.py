"""Date parsing with the reference's semantics: ``dayjs.utc(x).valueOf()`` and the ``date-like`` format.

The reference hands timestamps to dayjs 1.10.7, which matches strings against its own pattern
(``YYYY[-/]MM[-/]DD[T ]HH:mm:ss.SSS``, every part after the year optional, fields allowed to
overflow) and otherwise falls back to JavaScript's ``Date`` parser, i.e. V8's: ISO 8601 first,
then a permissive "legacy" grammar (``Tue, 17 Aug 2021 15:21:15 GMT``, ``Aug 17 2021``, ``-1``).
Both are reproduced here, with the reference's time zone (UTC) as local time. Results are epoch
milliseconds; ``None`` stands for JavaScript's ``NaN`` (an invalid date).
"""

from __future__ import annotations

import math
import re
from typing import Final

from actions.js import number_to_string

__all__ = ["date_like_string", "js_string_to_number", "parse_date"]

#: ECMAScript's time range: +-100,000,000 days around the epoch.
MAX_TIME_MS: Final = 8_640_000_000_000_000
_MS_PER_DAY: Final = 86_400_000

# ---------------------------------------------------------------------------------------------
# JavaScript's Number(string)
# ---------------------------------------------------------------------------------------------

# The characters String.prototype.trim and Number() treat as white space: ECMAScript WhiteSpace
# (including every Unicode "Zs" space) and LineTerminator. Python's str.strip() differs (it strips
# U+001C..U+001F and U+0085, and keeps U+FEFF), so the set is spelled out.
_JS_SPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\Z")
_RADIX = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
_RADIX_DIGITS = {16: re.compile(r"[0-9a-fA-F]+\Z"), 8: re.compile(r"[0-7]+\Z"), 2: re.compile(r"[01]+\Z")}


def js_string_to_number(text: str) -> float:
    """``Number(text)`` in JavaScript: trims JS white space, ``""`` is 0, junk is ``NaN``.

    Accepts what JavaScript accepts (``" 12 "``, ``"1e3"``, ``".5"``, ``"0x1F"``, ``"-Infinity"``)
    and nothing Python's ``float()`` adds (``"inf"``, ``"nan"``, ``"1_000"``).
    """
    body = text.strip(_JS_SPACE)
    if not body:
        return 0.0
    if _DECIMAL.match(body):
        return float(body.replace("Infinity", "inf"))
    if len(body) > 2 and body[0] == "0" and body[1] in _RADIX:
        radix = _RADIX[body[1]]
        digits = body[2:]
        if _RADIX_DIGITS[radix].match(digits):
            return float(int(digits, radix))
    return math.nan


# ---------------------------------------------------------------------------------------------
# ECMAScript date arithmetic (MakeDay / MakeTime / TimeClip), exact on integers
# ---------------------------------------------------------------------------------------------


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); any integer year."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _make_date_ms(year: int, month0: int, day: int, hour: int, minute: int, second: int, ms: int) -> int:
    """MakeDate(MakeDay(...), MakeTime(...)): month, day and time fields may overflow or be negative."""
    year += month0 // 12
    month0 %= 12
    days = _days_from_civil(year, month0 + 1, 1) + day - 1
    return days * _MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def _clip(millis: int) -> int | None:
    """TimeClip on an integral time: outside +-8.64e15 ms is an invalid date."""
    return millis if -MAX_TIME_MS <= millis <= MAX_TIME_MS else None


def _time_clip(value: float) -> int | None:
    """TimeClip: ``new Date(number)``. Non-finite or out-of-range is invalid; fractions truncate."""
    if not math.isfinite(value) or abs(value) > MAX_TIME_MS:
        return None
    return int(value)


# ---------------------------------------------------------------------------------------------
# dayjs 1.10.7's own pattern
# ---------------------------------------------------------------------------------------------

# Year, then optional month, day, hour, minute, second and fraction, with optional separators.
# JavaScript's \d is ASCII-only and its \s is the JS white space set, hence the explicit classes;
# \Z because JavaScript's $ (without the m flag) does not match before a final newline.
_DAYJS_PATTERN: Final = re.compile(
    r"([0-9]{4})[-/]?([0-9]{1,2})?[-/]?([0-9]{0,2})[Tt" + _JS_SPACE + r"]*"
    r"([0-9]{1,2})?:?([0-9]{1,2})?:?([0-9]{1,2})?[.:]?([0-9]+)?\Z"
)


def _dayjs_pattern(match: re.Match[str]) -> int | None:
    """Resolve a string dayjs matched with its pattern, the way ``Date.UTC(y, M - 1, d, ...)`` does."""
    year_text, month_text, day_text, hour_text, minute_text, second_text, fraction = match.groups()
    year = int(year_text)
    if 0 <= year <= 99:  # Date.UTC maps two-digit years to the 1900s
        year += 1900
    # `M - 1 || 0` and `d || 1`: a missing month is January, an empty day is the 1st, but "0"
    # and "00" are kept (they are non-empty strings) and roll back into the previous month.
    month0 = int(month_text) - 1 if month_text is not None else 0
    day = int(day_text) if day_text else 1
    # Only the first three digits of the fraction are kept, read as a whole number: ".5" is 5 ms.
    ms = int(fraction[:3]) if fraction else 0
    return _clip(
        _make_date_ms(
            year, month0, day, int(hour_text or 0), int(minute_text or 0), int(second_text or 0), ms
        )
    )


# ---------------------------------------------------------------------------------------------
# V8's Date parser (what `new Date(string)` does in the reference's Node)
# ---------------------------------------------------------------------------------------------

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
# V8's WhiteSpace (not words) and line terminators (white space tokens, but below 'A' only
# LF and CR; U+2028/U+2029 end up inside words).
_V8_WHITE_SPACE: Final = frozenset(
    "\t\v\f \u00a0\u1680\u202f\u205f\u3000\ufeff" + "".join(chr(c) for c in range(0x2000, 0x200B))
)
_V8_LINE_BREAKS: Final = frozenset("\n\r\u2028\u2029")


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


def _parse_iso_shape(match: re.Match[str]) -> int | None:
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
        return _clip(_make_date_ms(year, month_value - 1, day_value, 0, 0, 0, 0))
    h, m, sec = int(hour), int(minute), int(second or 0)
    ms = int(fraction[:3].ljust(3, "0")) if fraction else 0
    if h > 24 or m > 59 or sec > 59 or (h == 24 and (m or sec or (fraction and int(fraction)))):
        raise _Defer
    millis = _make_date_ms(year, month_value - 1, day_value, h, m, sec, ms)
    if sign is not None:
        zh, zm = int(zone_hour), int(zone_minute)
        if zh > 23 or zm > 59:
            raise _Defer
        offset = (zh * 60 + zm) * 60_000
        millis -= offset if sign == "+" else -offset
    del zulu  # "Z" and a missing zone both mean UTC here
    return _clip(millis)


def _parse_v8(text: str) -> int | None:
    """``new Date(text).getTime()`` as V8 computes it (``None`` for an invalid date)."""
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
        return None
    has_read_number = bool(day.parts)
    while token.kind != _END:
        if token.kind == _NUMBER:
            has_read_number = True
            n = token.value
            if scanner.skip_symbol(":"):
                if scanner.skip_symbol(":"):  # "n::" is hours with zero minutes
                    if not time.is_empty():
                        return None
                    time.add(n)
                    time.add(0)
                else:
                    if not time.add(n):
                        return None
                    if scanner.peek().is_symbol("."):
                        scanner.next()
            elif scanner.skip_symbol(".") and time.is_expecting(n):
                time.add(n)
                if not scanner.peek().is_number():
                    return None
                time.add_final(_read_milliseconds(scanner.next()))
            elif zone.is_expecting(n):
                zone.minute = n
            elif time.is_expecting(n):
                time.add_final(n)
                following = scanner.peek()
                if not (following.kind in (_END, _SPACE) or following.is_z() or following.is_sign()):
                    return None
            else:
                if not day.add(n):
                    return None
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
                    return None
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
                return None
        elif (token.is_sign() or token.is_symbol(")")) and has_read_number:
            return None
        token = scanner.next()

    date = day.resolve()
    clock = time.resolve()
    offset = zone.offset_seconds()
    if date is None or clock is None or offset is False:
        return None
    millis = _make_date_ms(*date, *clock)
    if offset:
        millis -= offset * 1000
    return _clip(millis)


def _iso_shape_is_valid(match: re.Match[str]) -> bool | None:
    """Validity of an ``_ISO_SHAPE`` match without computing the instant (``None``: ask the parser).

    Four-digit years are always within ECMAScript's range, so only the fields need checking.
    """
    year, month, day, hour, minute, second, fraction, _zulu, _sign, zone_hour, zone_minute = match.groups()
    if len(year) != 4:
        return None
    if (month is not None and not "01" <= month <= "12") or (day is not None and not "01" <= day <= "31"):
        return None
    if hour is None:
        return True
    if hour > "24" or minute > "59" or (second is not None and second > "59"):
        return None
    if hour == "24" and (minute != "00" or (second or "00") != "00" or (fraction and fraction.strip("0"))):
        return None
    if zone_hour is not None and (zone_hour > "23" or zone_minute > "59"):
        return None
    return True


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _parse_string(text: str) -> int | None:
    # dayjs sends strings ending in "Z" straight to Date; others try its own pattern first.
    if not text.endswith(("Z", "z")):
        match = _DAYJS_PATTERN.match(text)
        if match is not None:
            return _dayjs_pattern(match)
    return _parse_v8(text)


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
        return _parse_string(value)
    return _time_clip(float(value))


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
        number = js_string_to_number(text)
        if number_to_string(number) == text:
            return _time_clip(number * 1000) is not None
    if text.endswith(("Z", "z")):  # the common ISO case, answered without computing the instant
        shape = _ISO_SHAPE.match(text)
        if shape is not None:
            valid = _iso_shape_is_valid(shape)
            if valid is not None:
                return valid
    return _parse_string(text) is not None


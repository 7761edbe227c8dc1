"""``@liquid`` dates: JavaScript's ``Date`` parsing and LiquidJS's ``LiquidDate`` (see :mod:`._strftime`).

LiquidJS builds dates with ``new Date(value)``, so the strings it accepts are those of V8's date
parser: the ISO format first, then a lenient legacy grammar (``March 7``, ``2024/03/05``,
``Tue, 5 Mar 2024 10:20:30 +0100``, ``1/2`` meaning January 2nd 2001...). :func:`js_date_parse`
ports that parser. Times are shown at a fixed offset (UTC unless the filter gets a time zone),
since the reference runs with ``TZ=UTC``. Dates cover JavaScript's whole range (years -271821 to
275760), beyond what :mod:`datetime` handles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from actions.js import UNDEFINED, from_utf16_units

from ._values import JsError, js_to_number, js_to_primitive

__all__ = ["Fields", "LiquidDate", "days_from_civil", "js_date_parse", "parse_liquid_date"]

_DAY_MS: Final = 86_400_000
_MAX_TIME: Final = 8.64e15


# --- calendar arithmetic (proleptic Gregorian, any year) -------------------------------------


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


def make_day(year: float, month: float, day: float) -> float:
    """ECMAScript ``MakeDay`` (month 0-based, may overflow)."""
    if not all(math.isfinite(x) for x in (year, month, day)):
        return math.nan
    whole_year = int(year) + int(month) // 12
    whole_month = int(month) % 12
    return days_from_civil(whole_year, whole_month + 1, 1) + int(day) - 1


def time_clip(time: float) -> float:
    if not math.isfinite(time) or abs(time) > _MAX_TIME:
        return math.nan
    return float(math.trunc(time)) + 0.0


@dataclass(frozen=True)
class Fields:
    """The calendar fields of a time value, read in UTC."""

    year: int
    month: int  # 1-12
    day: int
    hour: int
    minute: int
    second: int
    millisecond: int
    weekday: int  # 0 = Sunday


def fields_of(time: float) -> Fields:
    whole = int(time)
    days, rest = divmod(whole, _DAY_MS)
    year, month, day = civil_from_days(days)
    hour, rest = divmod(rest, 3_600_000)
    minute, rest = divmod(rest, 60_000)
    second, millisecond = divmod(rest, 1000)
    return Fields(year, month, day, hour, minute, second, millisecond, (days + 4) % 7)


# --- V8's Date string parser -----------------------------------------------------------------

_NONE: Final = -(2**31)
_MAX_SIGNIFICANT_DIGITS: Final = 9

# Token kinds.
_NUMBER, _SYMBOL, _SPACE, _WORD, _UNKNOWN, _END, _INVALID = range(7)
# Keyword types.
_MONTH_NAME, _AM_PM, _ZONE_NAME, _TIME_SEPARATOR, _GARBAGE = range(5)

_KEYWORDS: Final = (
    ("jan", _MONTH_NAME, 1),
    ("feb", _MONTH_NAME, 2),
    ("mar", _MONTH_NAME, 3),
    ("apr", _MONTH_NAME, 4),
    ("may", _MONTH_NAME, 5),
    ("jun", _MONTH_NAME, 6),
    ("jul", _MONTH_NAME, 7),
    ("aug", _MONTH_NAME, 8),
    ("sep", _MONTH_NAME, 9),
    ("oct", _MONTH_NAME, 10),
    ("nov", _MONTH_NAME, 11),
    ("dec", _MONTH_NAME, 12),
    ("am", _AM_PM, 0),
    ("pm", _AM_PM, 12),
    ("ut", _ZONE_NAME, 0),
    ("utc", _ZONE_NAME, 0),
    ("z", _ZONE_NAME, 0),
    ("gmt", _ZONE_NAME, 0),
    ("cdt", _ZONE_NAME, -5),
    ("cst", _ZONE_NAME, -6),
    ("edt", _ZONE_NAME, -4),
    ("est", _ZONE_NAME, -5),
    ("mdt", _ZONE_NAME, -6),
    ("mst", _ZONE_NAME, -7),
    ("pdt", _ZONE_NAME, -7),
    ("pst", _ZONE_NAME, -8),
    ("t", _TIME_SEPARATOR, 0),
)
_JS_SPACES: Final = frozenset(
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def _keyword(prefix: str, length: int) -> tuple[int, int]:
    for word, kind, value in _KEYWORDS:
        if prefix == word and (length <= 3 or kind == _MONTH_NAME):
            return kind, value
    return _GARBAGE, 0


class _DateToken:
    __slots__ = ("kind", "length", "value")

    def __init__(self, kind: int, value: Any = 0, length: int = 0) -> None:
        self.kind = kind
        self.value = value
        self.length = length

    def is_number(self) -> bool:
        return self.kind == _NUMBER

    def is_fixed_number(self, length: int) -> bool:
        return self.kind == _NUMBER and self.length == length

    def is_symbol(self, char: str) -> bool:
        return self.kind == _SYMBOL and self.value == char

    def is_sign(self) -> bool:
        return self.kind == _SYMBOL and self.value in ("+", "-")

    def sign(self) -> int:
        return -1 if self.value == "-" else 1

    def keyword(self) -> tuple[int, int]:
        return self.value if self.kind == _WORD else (_GARBAGE, 0)

    def is_keyword_type(self, kind: int) -> bool:
        return self.kind == _WORD and self.value[0] == kind

    def is_keyword_z(self) -> bool:
        return self.kind == _WORD and self.value == (_ZONE_NAME, 0) and self.length == 1


class _Scanner:
    """V8's ``DateStringTokenizer`` over the string's UTF-16 code units."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.next_token = self._scan()

    def _char(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def _scan(self) -> _DateToken:
        char = self._char()
        if not char:
            return _DateToken(_END)
        if "0" <= char <= "9":
            start = self.position
            while self._char() == "0":
                self.position += 1
            value = 0
            digits = 0
            while "0" <= self._char() <= "9":
                if digits < _MAX_SIGNIFICANT_DIGITS:
                    value = value * 10 + ord(self._char()) - 48
                digits += 1
                self.position += 1
            return _DateToken(_NUMBER, value, self.position - start)
        if char in ":-+.)":
            self.position += 1
            return _DateToken(_SYMBOL, char, 1)
        if char >= "A" and char not in _JS_SPACES:
            start = self.position
            prefix: list[str] = []
            while self._char() and self._char() >= "A" and self._char() not in _JS_SPACES:
                if len(prefix) < 3:
                    prefix.append(chr(ord(self._char()) | 0x20))
                self.position += 1
            length = self.position - start
            return _DateToken(_WORD, _keyword("".join(prefix), length), length)
        if char in _JS_SPACES:
            self.position += 1
            return _DateToken(_SPACE, None, 1)
        if char == "(":
            balance = 0
            while True:
                current = self._char()
                if current == ")":
                    balance -= 1
                elif current == "(":
                    balance += 1
                self.position += 1
                if not (balance > 0 and self._char()):
                    break
            return _DateToken(_UNKNOWN)
        self.position += 1
        return _DateToken(_UNKNOWN)

    def peek(self) -> _DateToken:
        return self.next_token

    def next(self) -> _DateToken:
        token = self.next_token
        self.next_token = self._scan()
        return token

    def skip_symbol(self, char: str) -> bool:
        if self.next_token.is_symbol(char):
            self.next()
            return True
        return False


class _Day:
    def __init__(self) -> None:
        self.parts: list[int] = []
        self.named_month = _NONE
        self.iso = False

    def add(self, value: int) -> bool:
        if len(self.parts) == 3:
            return False
        self.parts.append(value)
        return True

    def write(self) -> tuple[int, int, int] | None:
        if not self.parts:
            return None
        parts = self.parts + [1] * (3 - len(self.parts))
        if self.named_month == _NONE:
            if self.iso or not 1 <= parts[0] <= 31:
                year, month, day = parts
            else:
                month, day, year = parts
        else:
            month = self.named_month
            if not 1 <= parts[0] <= 31:
                year, day = parts[0], parts[1]
            else:
                day, year = parts[0], parts[1]
        if not self.iso:
            if 0 <= year <= 49:
                year += 2000
            elif 50 <= year <= 99:
                year += 1900
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        return year, month - 1, day


class _Time:
    def __init__(self) -> None:
        self.parts: list[int] = []
        self.hour_offset = _NONE

    def empty(self) -> bool:
        return not self.parts

    def expecting(self, value: int) -> bool:
        index = len(self.parts)
        return (
            (index == 1 and 0 <= value <= 59)
            or (index == 2 and 0 <= value <= 59)
            or (index == 3 and 0 <= value <= 999)
        )

    def add(self, value: int) -> bool:
        if len(self.parts) >= 4:
            return False
        self.parts.append(value)
        return True

    def add_final(self, value: int) -> bool:
        if not self.add(value):
            return False
        self.parts.extend([0] * (4 - len(self.parts)))
        return True

    def write(self) -> tuple[int, int, int, int] | None:
        hour, minute, second, millisecond = self.parts + [0] * (4 - len(self.parts))
        if self.hour_offset != _NONE:
            if not 0 <= hour <= 12:
                return None
            hour = hour % 12 + self.hour_offset
        valid = 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= millisecond <= 999
        if not valid and not (hour == 24 and minute == 0 and second == 0 and millisecond == 0):
            return None
        return hour, minute, second, millisecond


class _Zone:
    def __init__(self) -> None:
        self.sign = _NONE
        self.hour = _NONE
        self.minute = _NONE

    def set(self, offset_hours: int) -> None:
        self.sign = -1 if offset_hours < 0 else 1
        self.hour = abs(offset_hours)
        self.minute = 0

    def expecting(self, value: int) -> bool:
        return self.hour != _NONE and self.minute == _NONE and 0 <= value <= 59

    def is_utc(self) -> bool:
        return self.hour == 0 and self.minute == 0

    def empty(self) -> bool:
        return self.hour == _NONE

    def write(self) -> float | None:
        """The offset in seconds, ``nan`` for local time, ``None`` when invalid."""
        if self.sign == _NONE:
            return math.nan
        hour = 0 if self.hour == _NONE else self.hour
        minute = 0 if self.minute == _NONE else self.minute
        total = hour * 3600 + minute * 60
        if total > 2**30 - 1:
            return None
        return float(-total if self.sign < 0 else total)


def _milliseconds(token: _DateToken) -> int:
    number: int = token.value
    length = token.length
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    if length > 3:
        length = min(length, _MAX_SIGNIFICANT_DIGITS)
        factor = 1
        while length > 3:
            factor *= 10
            length -= 1
        return number // factor
    return number


def _parse_iso(scanner: _Scanner, day: _Day, time: _Time, zone: _Zone) -> _DateToken:
    """The ES5 date-time format; returns the first token it leaves to the legacy parser."""
    if scanner.peek().is_sign():
        sign_token = scanner.next()
        if not scanner.peek().is_fixed_number(6):
            return sign_token
        year = scanner.next().value
        if sign_token.sign() < 0 and year == 0:
            return sign_token
        day.add(sign_token.sign() * year)
    elif scanner.peek().is_fixed_number(4):
        day.add(scanner.next().value)
    else:
        return scanner.next()
    if scanner.skip_symbol("-"):
        if not scanner.peek().is_fixed_number(2) or not 1 <= scanner.peek().value <= 12:
            return scanner.next()
        day.add(scanner.next().value)
        if scanner.skip_symbol("-"):
            if not scanner.peek().is_fixed_number(2) or not 1 <= scanner.peek().value <= 31:
                return scanner.next()
            day.add(scanner.next().value)
    if not scanner.peek().is_keyword_type(_TIME_SEPARATOR):
        if scanner.peek().kind != _END:
            return scanner.next()
    else:
        scanner.next()
        if not scanner.peek().is_fixed_number(2) or not 0 <= scanner.peek().value <= 24:
            return _DateToken(_INVALID)
        hour_is_24 = scanner.peek().value == 24
        time.add(scanner.next().value)
        if not scanner.skip_symbol(":"):
            return _DateToken(_INVALID)
        if (
            not scanner.peek().is_fixed_number(2)
            or not 0 <= scanner.peek().value <= 59
            or (hour_is_24 and scanner.peek().value > 0)
        ):
            return _DateToken(_INVALID)
        time.add(scanner.next().value)
        if scanner.skip_symbol(":"):
            if (
                not scanner.peek().is_fixed_number(2)
                or not 0 <= scanner.peek().value <= 59
                or (hour_is_24 and scanner.peek().value > 0)
            ):
                return _DateToken(_INVALID)
            time.add(scanner.next().value)
            if scanner.skip_symbol("."):
                if not scanner.peek().is_number() or (hour_is_24 and scanner.peek().value > 0):
                    return _DateToken(_INVALID)
                time.add(_milliseconds(scanner.next()))
        if scanner.peek().is_keyword_z():
            scanner.next()
            zone.set(0)
        elif scanner.peek().is_sign():
            zone.sign = scanner.next().sign()
            if scanner.peek().is_fixed_number(4):
                hour_minute = scanner.next().value
                hour, minute = divmod(hour_minute, 100)
                if not 0 <= hour <= 23 or not 0 <= minute <= 59:
                    return _DateToken(_INVALID)
                zone.hour, zone.minute = hour, minute
            else:
                if not scanner.peek().is_fixed_number(2) or not 0 <= scanner.peek().value <= 23:
                    return _DateToken(_INVALID)
                zone.hour = scanner.next().value
                if not scanner.skip_symbol(":"):
                    return _DateToken(_INVALID)
                if not scanner.peek().is_fixed_number(2) or not 0 <= scanner.peek().value <= 59:
                    return _DateToken(_INVALID)
                zone.minute = scanner.next().value
        if scanner.peek().kind != _END:
            return _DateToken(_INVALID)
    # Date-only forms without an offset are UTC; date-time forms are local time.
    if zone.empty() and time.empty():
        zone.set(0)
    day.iso = True
    return _DateToken(_END)


def _parse_fields(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int, int], float] | None:
    scanner = _Scanner(text)
    day, time, zone = _Day(), _Time(), _Zone()
    token = _parse_iso(scanner, day, time, zone)
    if token.kind == _INVALID:
        return None
    has_read_number = bool(day.parts)
    while token.kind != _END:
        if token.is_number():
            has_read_number = True
            number = token.value
            if scanner.skip_symbol(":"):
                if scanner.skip_symbol(":"):
                    if not time.empty():
                        return None
                    time.add(number)
                    time.add(0)
                else:
                    if not time.add(number):
                        return None
                    if scanner.peek().is_symbol("."):
                        scanner.next()
            elif scanner.skip_symbol(".") and time.expecting(number):
                time.add(number)
                if not scanner.peek().is_number():
                    return None
                millis = _milliseconds(scanner.next())
                time.add_final(millis)
            elif zone.expecting(number):
                zone.minute = number
            elif time.expecting(number):
                time.add_final(number)
                following = scanner.peek()
                if not (following.kind in (_END, _SPACE) or following.is_keyword_z() or following.is_sign()):
                    return None
            else:
                if not day.add(number):
                    return None
                scanner.skip_symbol("-")
        elif token.kind == _WORD:
            kind, value = token.keyword()
            if kind == _AM_PM and not time.empty():
                time.hour_offset = value
            elif kind == _MONTH_NAME:
                day.named_month = value
                scanner.skip_symbol("-")
            elif kind == _ZONE_NAME and has_read_number:
                zone.set(value)
            else:
                if has_read_number:
                    return None
                if scanner.peek().is_number():
                    return None
        elif token.is_sign() and (zone.is_utc() or not time.empty()):
            zone.sign = token.sign()
            value = 0
            length = 0
            if scanner.peek().is_number():
                number_token = scanner.next()
                length = number_token.length
                value = number_token.value
            has_read_number = True
            if scanner.peek().is_symbol(":"):
                zone.hour = value
                zone.minute = _NONE
            elif length in (1, 2):
                zone.hour = value
                zone.minute = 0
            elif length in (3, 4):
                zone.hour = value // 100
                zone.minute = value % 100
            else:
                return None
        elif (token.is_sign() or token.is_symbol(")")) and has_read_number:
            return None
        token = scanner.next()
    written_day = day.write()
    written_time = time.write()
    offset = zone.write()
    if written_day is None or written_time is None or offset is None:
        return None
    return written_day, written_time, offset


@lru_cache(maxsize=1024)
def js_date_parse(text: str) -> float:
    """``Date.parse(text)`` in V8 with the process in UTC: epoch milliseconds or ``nan``."""
    parsed = _parse_fields(text)
    if parsed is None:
        return math.nan
    (year, month, day), (hour, minute, second, millisecond), offset = parsed
    days = make_day(year, month, day)
    time = days * _DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond
    if not math.isnan(offset):
        time -= offset * 1000
    if abs(time) > _MAX_TIME + (864_000_000 if math.isnan(offset) else 0):
        return math.nan
    return time_clip(time)


def js_new_date(value: Any) -> float:
    """The time value of ``new Date(value)``."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return time_clip(float(value))
    primitive = js_to_primitive(value)
    if isinstance(primitive, str):
        return js_date_parse(primitive)
    return time_clip(float(js_to_number(primitive)))


# --- LiquidDate ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> Any:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        pass
    canonical = {zone.lower(): zone for zone in zoneinfo.available_timezones()}.get(name.lower())
    return zoneinfo.ZoneInfo(canonical) if canonical else None


def _zone_offset_minutes(name: str, time: float) -> float:
    """LiquidJS's ``getTimezoneOffset(name, date)``: minutes behind UTC in zone ``name`` at ``time``."""
    if math.isnan(time):
        return math.nan  # an invalid date prints "Invalid Date" before the zone is looked at
    zone = _zone(from_utf16_units(name)) if name else None
    if zone is None:
        # V8 prints the zone's UTF-8 bytes as Latin-1 in this message.
        shown = from_utf16_units(name).encode("utf-8", "surrogatepass").decode("latin-1")
        raise JsError(f"Invalid time zone specified: {shown}", "RangeError")
    from datetime import UTC, datetime, timedelta

    seconds = math.floor(time / 1000)
    try:
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
        shift = instant.astimezone(zone).utcoffset()
    except (OverflowError, ValueError):
        return 0
    return -shift.total_seconds() / 60 if shift is not None else 0


@dataclass(frozen=True)
class LiquidDate:
    """A time value shown at an offset: ``display`` is the instant shifted so UTC fields read locally."""

    display: float
    offset: Any  # LiquidJS's timezoneOffset, as given (minutes behind UTC)
    fixed: bool
    zone_name: str

    def fields(self) -> Fields:
        return fields_of(self.display)


def parse_liquid_date(value: Any, now_ms: int, timezone: Any = UNDEFINED) -> LiquidDate | None:
    """LiquidJS's ``parseDate``: the date the filters format, or ``None`` when it is invalid."""
    if value is None or value is UNDEFINED:
        return None
    if value in ("now", "today") and isinstance(value, str):
        time = time_clip(float(now_ms))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        time = js_new_date(float(value) * 1000)
    elif isinstance(value, str):
        if value.isascii() and value.isdigit():
            time = js_new_date(float(int(value)) * 1000.0)
        else:
            time = js_date_parse(value)
    else:
        time = js_new_date(value)
    if timezone is None:
        timezone = UNDEFINED  # `timezone ?? undefined`
    fixed = timezone is not UNDEFINED
    if not fixed:
        offset: Any = 0 if not math.isnan(time) else math.nan
    elif isinstance(timezone, str):
        offset = _zone_offset_minutes(timezone, time)
    else:
        offset = timezone
    own_offset = 0 if not math.isnan(time) else math.nan
    shift = (own_offset - js_to_number(js_to_primitive(offset))) * 60_000
    display = time_clip(time + shift)
    if math.isnan(display):
        return None
    name = timezone if isinstance(timezone, str) else ""
    return LiquidDate(display, offset, fixed, name)

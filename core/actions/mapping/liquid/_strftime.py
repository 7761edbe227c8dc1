"""LiquidJS's ``strftime``: a :class:`LiquidDate` printed with a format (``%Y-%m-%d``, ``%-e``, ``%q``...)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from actions.js import LINE_TERMINATORS, days_from_civil, from_utf16_units, to_string

from ._dates import Fields, LiquidDate
from ._math import js_round
from ._values import JsError, js_compare, js_to_primitive, number_value

__all__ = ["MAX_DATE_WIDTH", "strftime"]

_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS: Final = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

_PAD_WIDTHS: Final = {
    "d": 2,
    "e": 2,
    "H": 2,
    "I": 2,
    "j": 3,
    "k": 2,
    "l": 2,
    "L": 3,
    "m": 2,
    "M": 2,
    "S": 2,
    "U": 2,
    "W": 2,
}
_SPACE_PADDED: Final = frozenset("aAbBceklpP")
_FLAGS: Final = frozenset("-_0^#:")


def _leap(year: int) -> bool:
    # LiquidJS's own test, which (unlike the calendar) does not count year 0 as leap.
    return year % 4 == 0 and (year % 100 != 0 or (year % 400 == 0 and year != 0))


def _day_of_year(moment: Fields) -> int:
    lengths = (31, 29 if _leap(moment.year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return sum(lengths[: moment.month - 1]) + moment.day


def _week_of_year(moment: Fields, start_day: int) -> str:
    now = _day_of_year(moment) + (start_day - moment.weekday)
    # new Date(year, 0, 1) maps years 0-99 to 1900-1999.
    year = moment.year + 1900 if 0 <= moment.year <= 99 else moment.year
    jan1 = (days_from_civil(year, 1, 1) + 4) % 7
    then = 7 - jan1 + start_day
    return str(math.floor((now - then) / 7) + 1)


def _ordinal(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _hour12(hour: int) -> str:
    return str(hour % 12 or 12)


def _locale_date(moment: Fields) -> str:
    year = moment.year if moment.year > 0 else 1 - moment.year
    return f"{moment.month}/{moment.day}/{year}"


def _locale_time(moment: Fields) -> str:
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{_hour12(moment.hour)}:{moment.minute:02d}:{moment.second:02d} {suffix}"


_MAX_PAD: Final = 100_000_000
#: The widest ``%<width><char>`` strftime accepts: far beyond any real format, small enough that
#: a hostile format (up to the memory limit long) cannot allocate gigabytes.
MAX_DATE_WIDTH: Final = 1024


def _pad_start(text: str, width: Any, pad: str) -> str:
    missing = number_value(width) - len(text) if not isinstance(width, int) else width - len(text)
    if missing != missing or missing <= 0:
        return text
    if missing > _MAX_PAD:
        # LiquidJS would try to build the string; refuse instead of allocating gigabytes.
        raise JsError("memory alloc limit exceeded", "AssertionError")
    return pad * math.ceil(missing) + text


def _zone_text(date: LiquidDate, colon: bool) -> str:
    raw = date.offset
    offset = abs(number_value(js_to_primitive(raw)))
    hours = to_string(math.floor(offset / 60)) if offset == offset else "NaN"
    minutes = to_string(math.fmod(offset, 60)) if offset == offset and math.isfinite(offset) else "NaN"
    sign = "-" if js_compare(raw, 0) == 1 else "+"
    return sign + _pad_start(hours, 2, "0") + (":" if colon else "") + _pad_start(minutes, 2, "0")


def _convert(date: LiquidDate, moment: Fields, code: str, flags: str, width: str | None) -> str | None:
    if code == "a":
        return _DAYS[moment.weekday][:3]
    if code == "A":
        return _DAYS[moment.weekday]
    if code in ("b", "h"):
        return _MONTHS[moment.month - 1][:3]
    if code == "B":
        return _MONTHS[moment.month - 1]
    if code == "c":
        return f"{_locale_date(moment)}, {_locale_time(moment)}"
    if code == "C":
        digits = str(moment.year)[:2]
        return str(int(digits)) if digits not in ("-",) else "NaN"
    if code in ("d", "e"):
        return str(moment.day)
    if code in ("H", "k"):
        return str(moment.hour)
    if code in ("I", "l"):
        return _hour12(moment.hour)
    if code == "j":
        return str(_day_of_year(moment))
    if code == "L":
        return str(moment.millisecond)
    if code == "m":
        return str(moment.month)
    if code == "M":
        return str(moment.minute)
    if code == "N":
        size = int(width) if width and int(width) else 9
        return str(moment.millisecond)[:size].ljust(size, "0")
    if code == "p":
        return "AM" if moment.hour < 12 else "PM"
    if code == "P":
        return "am" if moment.hour < 12 else "pm"
    if code == "q":
        return _ordinal(moment.day)
    if code == "s":
        return to_string(js_round(date.display / 1000))
    if code == "S":
        return str(moment.second)
    if code == "u":
        return str(moment.weekday or 7)
    if code == "U":
        return _week_of_year(moment, 0)
    if code == "w":
        return str(moment.weekday)
    if code == "W":
        return _week_of_year(moment, 1)
    if code == "x":
        return _locale_date(moment)
    if code == "X":
        return _locale_time(moment)
    if code == "y":
        return str(moment.year)[2:4]
    if code == "Y":
        return str(moment.year)
    if code == "z":
        return _zone_text(date, ":" in flags)
    if code == "Z":
        name = date.zone_name if date.fixed else "UTC"
        return from_utf16_units(name) or _zone_text(date, ":" in flags)
    if code == "t":
        return "\t"
    if code == "n":
        return "\n"
    if code == "%":
        return "%"
    return None


def _change_case(text: str) -> str:
    return text.upper() if any("a" <= char <= "z" for char in text) else text.lower()


def _next_directive(template: str, start: int) -> tuple[int, int, str, str | None, str] | None:
    """The next ``%[flags][width][E|O]<char>`` from ``start``: (begin, end, flags, width, char)."""
    index = template.find("%", start)
    while index >= 0:
        position = index + 1
        flag_start = position
        while position < len(template) and template[position] in _FLAGS:
            position += 1
        flags = template[flag_start:position]
        width_start = position
        while position < len(template) and template[position].isascii() and template[position].isdigit():
            position += 1
        width = template[width_start:position] or None
        # The E/O modifier is optional: it is one only if a conversion character follows.
        if (
            position + 1 < len(template)
            and template[position] in "EO"
            and template[position + 1] not in LINE_TERMINATORS
        ):
            position += 1
        if position < len(template) and template[position] not in LINE_TERMINATORS:
            return index, position + 1, flags, width, template[position]
        index = template.find("%", index + 1)
    return None


def strftime(date: LiquidDate, template: str, charge: Callable[[int], None] | None = None) -> str:
    """Format ``date`` like LiquidJS's strftime (flags ``-_0^#:``, widths, ``%q``, ``%N``, ``%s``...).

    ``charge`` is told the size of every explicit width before it is honoured, so a long
    format full of wide directives counts against the render's memory limit.
    """
    moment = date.fields()
    out: list[str] = []
    position = 0
    while True:
        found = _next_directive(template, position)
        if found is None:
            break
        begin, end, flags, width, code = found
        if width is not None and (len(width.lstrip("0")) > 4 or int(width) > MAX_DATE_WIDTH):
            # LiquidJS pads to any width (``%999999999N`` is a 2 GB string); one directive of
            # client-controlled format may not cost more than this.
            raise JsError(f"date format width is over the limit of {MAX_DATE_WIDTH}", "RangeError")
        if width is not None and charge is not None:
            charge(int(width))
        out.append(template[position:begin])
        position = end
        text = _convert(date, moment, code, flags, width)
        if text is None:
            out.append(template[begin:end])
            continue
        pad_char = " " if code in _SPACE_PADDED else "0"
        pad_width: Any = width or _PAD_WIDTHS.get(code, 0)
        if "^" in flags:
            text = text.upper()
        elif "#" in flags:
            text = _change_case(text)
        if "_" in flags:
            pad_char = " "
        elif "0" in flags:
            pad_char = "0"
        if "-" in flags:
            pad_width = 0
        out.append(_pad_start(text, int(pad_width), pad_char))
    out.append(template[position:])
    return "".join(out)

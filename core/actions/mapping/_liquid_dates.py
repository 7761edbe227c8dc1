"""Dates for the ``@liquid`` ``date`` filter: JavaScript's ``new Date(text)`` and LiquidJS's strftime."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from typing import Any, Final

from .._clock import get_clock

__all__ = ["LiquidDate", "parse_date", "strftime"]

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
_MONTH_NUMBERS: Final = {name[:3].lower(): index + 1 for index, name in enumerate(_MONTHS)}

# The ECMAScript date-time string format (ISO 8601 subset). Date-only forms are UTC;
# date-time forms without an offset are local time, which is UTC here (TZ=UTC, as the reference).
_ISO: Final = re.compile(
    r"^(?P<year>[+-]\d{6}|\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?$"
)
# Forms V8's fallback parser also accepts: "2024-03-05 10:20[:30[.123]] [Z|+01:00|GMT]", "2024/03/05 ...".
_LOOSE: Final = re.compile(
    r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_WORDY: Final = re.compile(
    r"^(?:[A-Za-z]{3,9},?\s+)?(?:(?P<m1>[A-Za-z]{3,9})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?"
    r"|(?P<d2>\d{1,2})\s+(?P<m2>[A-Za-z]{3,9})\.?,?)\s+(?P<year>\d{4})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
)


@dataclass(frozen=True)
class LiquidDate:
    """An instant (epoch milliseconds) shown at a fixed offset from UTC (minutes east)."""

    epoch_ms: float
    offset_minutes: int = 0

    def local(self) -> datetime:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self.epoch_ms)
        return moment + timedelta(minutes=self.offset_minutes)


def _zone_minutes(zone: str | None) -> int:
    if not zone or zone.upper() in ("Z", "UTC", "GMT"):
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4]))


def _epoch_ms(
    year: int, month: int, day: int, hour: int, minute: int, second: int, millis: int, zone: int
) -> float | None:
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 59):
        return None
    if hour == 24 and (minute or second or millis):
        return None
    try:
        base = datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        return None
    # JavaScript rolls day overflow (Feb 30) into the next month for the fallback parser only;
    # the ISO parser rejects it. Keep the strict behaviour: both are rare in event data.
    try:
        moment = base.replace(day=day)
    except ValueError:
        return None
    moment += timedelta(hours=hour, minutes=minute, seconds=second, milliseconds=millis)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.total_seconds() * 1000 - zone * 60_000


def _fraction_ms(fraction: str | None) -> int:
    return int((fraction or "0")[:3].ljust(3, "0"))


def parse_js_date(text: str) -> float | None:
    """``new Date(text).getTime()`` in a UTC process, or ``None`` for an invalid date."""
    text = text.strip()
    match = _ISO.match(text)
    if match:
        year = int(match["year"])
        if match["year"] == "-000000":
            return None
        return _epoch_ms(
            year,
            int(match["month"] or 1),
            int(match["day"] or 1),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            _fraction_ms(match["fraction"]),
            _zone_minutes(match["zone"]),
        )
    match = _LOOSE.match(text)
    if match:
        return _epoch_ms(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            _fraction_ms(match["fraction"]),
            _zone_minutes(match["zone"]),
        )
    match = _WORDY.match(text)
    if match:
        month_name = (match["m1"] or match["m2"] or "")[:3].lower()
        month = _MONTH_NUMBERS.get(month_name)
        if month is None:
            return None
        return _epoch_ms(
            int(match["year"]),
            month,
            int(match["d1"] or match["d2"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            0,
            _zone_minutes(match["zone"]),
        )
    parsed = parsedate_tz(text)
    if parsed is not None:
        year, month, day, hour, minute, second = parsed[:6]
        offset = parsed[9] or 0
        return _epoch_ms(year, month, day, hour, minute, second, 0, offset // 60)
    return None


def _offset_for(epoch_ms: float, timezone: Any) -> int | None:
    """Minutes east of UTC for the filter's optional time zone argument."""
    if timezone is None:
        return 0
    if isinstance(timezone, bool):
        return None
    if isinstance(timezone, int | float):
        # LiquidJS takes a number as minutes *behind* UTC, like Date#getTimezoneOffset.
        return -int(timezone)
    text = str(timezone).strip()
    if re.fullmatch(r"[+-]\d{2}:?\d{2}", text):
        return _zone_minutes(text)
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(text)
    except Exception:
        return 0
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
    shift = moment.astimezone(zone).utcoffset()
    return int(shift.total_seconds() // 60) if shift is not None else 0


def parse_date(value: Any, timezone: Any = None) -> LiquidDate | None:
    """The date the ``date`` filter formats, or ``None`` when the input is not a date."""
    epoch: float | None
    if value in ("now", "today"):
        epoch = float(get_clock().now_ms())
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int | float):
        epoch = float(value) * 1000
    elif isinstance(value, str):
        if value.isdigit() and value.isascii():
            epoch = float(int(value)) * 1000
        else:
            epoch = parse_js_date(value)
    elif isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        epoch = moment.timestamp() * 1000
    else:
        return None
    if epoch is None or math.isnan(epoch) or abs(epoch) > 8.64e15:
        return None
    offset = _offset_for(epoch, timezone)
    if offset is None:
        return None
    return LiquidDate(epoch, offset)


_FORMAT: Final = re.compile(r"%([-_0^#:]+)?(\d+)?([EO])?(.)", re.DOTALL)
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


def _day_of_year(moment: datetime) -> int:
    return moment.timetuple().tm_yday


def _js_weekday(moment: datetime) -> int:
    return (moment.weekday() + 1) % 7  # JavaScript: Sunday is 0


def _week_of_year(moment: datetime, start_day: int) -> str:
    now = _day_of_year(moment) + (start_day - _js_weekday(moment))
    jan1 = _js_weekday(moment.replace(month=1, day=1))
    then = 7 - jan1 + start_day
    return str(math.floor((now - then) / 7) + 1)


def _suffix(day: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _hour12(moment: datetime) -> str:
    return str(moment.hour % 12 or 12)


def _locale_date(moment: datetime) -> str:
    return f"{moment.month}/{moment.day}/{moment.year}"


def _locale_time(moment: datetime) -> str:
    return f"{_hour12(moment)}:{moment.minute:02d}:{moment.second:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _zone_text(offset: int, colon: bool) -> str:
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _convert(date: LiquidDate, moment: datetime, code: str, flags: str, width: str | None) -> str | None:
    if code == "a":
        return _DAYS[_js_weekday(moment)][:3]
    if code == "A":
        return _DAYS[_js_weekday(moment)]
    if code in ("b", "h"):
        return _MONTHS[moment.month - 1][:3]
    if code == "B":
        return _MONTHS[moment.month - 1]
    if code == "c":
        return f"{_locale_date(moment)}, {_locale_time(moment)}"
    if code == "C":
        return str(moment.year)[:2]
    if code in ("d", "e"):
        return str(moment.day)
    if code in ("H", "k"):
        return str(moment.hour)
    if code in ("I", "l"):
        return _hour12(moment)
    if code == "j":
        return str(_day_of_year(moment))
    if code == "L":
        return str(moment.microsecond // 1000)
    if code == "m":
        return str(moment.month)
    if code == "M":
        return str(moment.minute)
    if code == "N":
        size = int(width) if width else 9
        return str(moment.microsecond // 1000)[:size].ljust(size, "0")
    if code == "p":
        return "AM" if moment.hour < 12 else "PM"
    if code == "P":
        return "am" if moment.hour < 12 else "pm"
    if code == "q":
        return _suffix(moment.day)
    if code == "s":
        return str(math.floor(date.epoch_ms / 1000 + 0.5))
    if code == "S":
        return str(moment.second)
    if code == "u":
        return str(_js_weekday(moment) or 7)
    if code == "U":
        return _week_of_year(moment, 0)
    if code == "w":
        return str(_js_weekday(moment))
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
        return _zone_text(date.offset_minutes, ":" in flags)
    if code == "t":
        return "\t"
    if code == "n":
        return "\n"
    if code == "%":
        return "%"
    return None


def _change_case(text: str) -> str:
    return text.upper() if any("a" <= c <= "z" for c in text) else text.lower()


def strftime(date: LiquidDate, template: str) -> str:
    """Format ``date`` with LiquidJS's strftime (flags ``-_0^#:``, widths, ``%q``, ``%N``...)."""
    moment = date.local()
    out: list[str] = []
    position = 0
    for match in _FORMAT.finditer(template):
        out.append(template[position : match.start()])
        position = match.end()
        flags = match.group(1) or ""
        width = match.group(2)
        code = match.group(4)
        text = _convert(date, moment, code, flags, width)
        if text is None:
            out.append(match.group(0))
            continue
        pad_char = " " if code in _SPACE_PADDED else "0"
        pad_width = int(width) if width else _PAD_WIDTHS.get(code, 0)
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
        out.append(text.rjust(pad_width, pad_char))
    out.append(template[position:])
    return "".join(out)

"""``@liquid`` dates: LiquidJS's ``parseDate`` and ``LiquidDate`` (printed by :mod:`._strftime`).

LiquidJS builds dates with ``new Date(value)``, so the strings it accepts are those of V8's date
parser (:func:`actions.js.date_parse`: ``March 7``, ``2024/03/05``, ``Tue, 5 Mar 2024 10:20:30
+0100``, ``1/2`` meaning January 2nd 2001...). Times are shown at a fixed offset (UTC unless the
filter gets a time zone), since the reference runs with ``TZ=UTC``. Dates cover JavaScript's
whole range (years -271821 to 275760), beyond what :mod:`datetime` handles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from actions.js import UNDEFINED, civil_from_days, date_parse, from_utf16_units, time_clip

from ._values import JsError, js_to_primitive, number_value

__all__ = ["Fields", "LiquidDate", "parse_liquid_date"]

_DAY_MS: Final = 86_400_000


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


def js_new_date(value: Any) -> float:
    """The time value of ``new Date(value)``."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return time_clip(float(value))
    primitive = js_to_primitive(value)
    if isinstance(primitive, str):
        return date_parse(primitive)
    return time_clip(float(number_value(primitive)))


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
            time = date_parse(value)
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
    shift = (own_offset - number_value(js_to_primitive(offset))) * 60_000
    display = time_clip(time + shift)
    if math.isnan(display):
        return None
    name = timezone if isinstance(timezone, str) else ""
    return LiquidDate(display, offset, fixed, name)

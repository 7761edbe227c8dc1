"""ajv-formats 2.1.1 ("full" mode) plus the reference's ``text`` and ``date-like``: each format's test.

The patterns are ajv-formats' own, rewritten for Python's ``re`` with JavaScript's meaning kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final

from actions.js import LINE_TERMINATORS, WHITE_SPACE_CLASS

from .._dates import date_like_string
from ._regex import translate_js_regex
from ._types import is_integer

__all__ = ["FORMATS"]

_LINE_BREAKS: Final = re.compile(f"[{LINE_TERMINATORS}]")

# The patterns are built from named parts. re.ASCII keeps \d and case folding ASCII-only, as in
# JavaScript without the u flag, and \Z stands for JavaScript's $ (which never matches before a
# final newline, unlike Python's).
_I: Final = re.IGNORECASE | re.ASCII
_OCTET: Final = r"(?:25[0-5]|2[0-4]\d|[01]?\d\d?)"
_IPV4_LOOSE: Final = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_H16: Final = r"[0-9a-f]{1,4}"
_PCT: Final = r"%[0-9a-f]{2}"


def _uri_pattern(extra: str, scheme_optional: bool) -> str:
    """RFC 3986 as ajv-formats spells it; ``extra`` adds characters uri-reference tolerates."""
    ipv6 = (
        rf"(?:(?:(?:{_H16}:){{6}}|::(?:{_H16}:){{5}}|(?:{_H16})?::(?:{_H16}:){{4}}"
        rf"|(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}|(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}"
        rf"|(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:|(?:(?:{_H16}:){{0,4}}{_H16})?::)"
        rf"(?:{_H16}:{_H16}|{_IPV4_LOOSE})"
        rf"|(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}|(?:(?:{_H16}:){{0,6}}{_H16})?::)"
    )
    sub_delims = r"a-z0-9\-._~!$&'()*+,;="
    userinfo = rf"(?:(?:[{sub_delims}:]|{_PCT})*@)?"
    ip_literal = rf"\[(?:{ipv6}|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]"
    reg_name = rf"(?:[{sub_delims}{extra}]|{_PCT})*"
    pchar = rf"(?:[{sub_delims}{extra}:@]|{_PCT})"
    with_authority = rf"\/?\/{userinfo}(?:{ip_literal}|{_IPV4_LOOSE}|{reg_name})(?::\d*)?(?:\/{pchar}*)*"
    absolute = rf"\/(?:{pchar}+(?:\/{pchar}*)*)?"
    rootless = rf"{pchar}+(?:\/{pchar}*)*"
    hierarchy = rf"(?:{with_authority}|{absolute}|{rootless})" + ("?" if scheme_optional else "")
    query = rf"(?:\?(?:[{sub_delims}{extra}:@/?]|{_PCT})*)?"
    fragment = rf"(?:#(?:[{sub_delims}{extra}:@/?]|{_PCT})*)?"
    scheme = r"(?:[a-z][a-z0-9+\-.]*:)" + ("?" if scheme_optional else "")
    return rf"{scheme}{hierarchy}{query}{fragment}\Z"


def _ipv6_pattern() -> str:
    octet = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    v4 = rf"{octet}(?:\.{octet}){{3}}"
    g = _H16
    return (
        "(?:"
        + "|".join(
            [
                rf"(?:{g}:){{7}}(?:{g}|:)",
                rf"(?:{g}:){{6}}(?::{g}|{v4}|:)",
                rf"(?:{g}:){{5}}(?:(?::{g}){{1,2}}|:{v4}|:)",
                rf"(?:{g}:){{4}}(?:(?::{g}){{1,3}}|(?::{g})?:{v4}|:)",
                rf"(?:{g}:){{3}}(?:(?::{g}){{1,4}}|(?::{g}){{0,2}}:{v4}|:)",
                rf"(?:{g}:){{2}}(?:(?::{g}){{1,5}}|(?::{g}){{0,3}}:{v4}|:)",
                rf"(?:{g}:)(?:(?::{g}){{1,6}}|(?::{g}){{0,4}}:{v4}|:)",
                rf":(?:(?::{g}){{1,7}}|(?::{g}){{0,5}}:{v4}|:)",
            ]
        )
        + r")\Z"
    )


_NOT_SPACE: Final = rf"[^{WHITE_SPACE_CLASS}]"
_URL_LABEL: Final = r"[a-z0-9\u00a1-\uffff]"
_EMAIL_ATOM: Final = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
# (pattern, flags) of each format, compiled when a schema first uses it: the URL, URI and IPv6
# patterns are large, and compiling them all at import cost every start of actions ~20 ms.
_FORMAT_PATTERNS: Final[dict[str, tuple[str, int]]] = {
    "duration": (
        r"P(?!\Z)(?:(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?|(?:\d+W)?)\Z", re.ASCII
    ),
    "uri-reference": (_uri_pattern('"', scheme_optional=True), _I),
    "uri-template": (
        r"(?:(?:[^\x00-\x20\"'<>%\\^`{|}]|%[0-9a-f]{2})"
        r"|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?"
        r"(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*\Z",
        _I,
    ),
    "url": (
        rf"(?:https?|ftp):\/\/(?:{_NOT_SPACE}+(?::{_NOT_SPACE}*)?@)?"
        r"(?:(?!(?:10|127)(?:\.\d{1,3}){3})(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})"
        r"(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"
        r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"
        r"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"
        rf"|(?:(?:{_URL_LABEL}+-)*{_URL_LABEL}+)(?:\.(?:{_URL_LABEL}+-)*{_URL_LABEL}+)*"
        r"(?:\.(?:[a-z\u00a1-\uffff]{2,})))"
        rf"(?::\d{{2,5}})?(?:\/{_NOT_SPACE}*)?\Z",
        _I,
    ),
    "email": (
        rf"{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
        r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z",
        _I,
    ),
    "hostname": (
        r"(?=[^\n\r\u2028\u2029]{1,253}\.?\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
        r"(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?\Z",
        _I,
    ),
    "ipv4": (rf"{_IPV4_LOOSE}\Z", re.ASCII),
    "ipv6": (_ipv6_pattern(), _I),
    "uuid": (r"(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\Z", _I),
    "json-pointer": (r"(?:\/(?:[^~/]|~0|~1)*)*\Z", 0),
    "json-pointer-uri-fragment": (
        r"#(?:\/(?:[a-z0-9_\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*\Z", _I
    ),
    "relative-json-pointer": (r"(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)\Z", 0),
}
_URI: Final = (_uri_pattern("", scheme_optional=False), _I)
_BASE64_LINE: Final = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_DATE: Final = re.compile(r"(\d\d\d\d)-(\d\d)-(\d\d)\Z", re.ASCII)
_TIME: Final = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?\Z", _I)
_DATE_TIME_SEPARATOR: Final = re.compile(rf"[tT{WHITE_SPACE_CLASS}]")
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None:
        return False
    year, month, day = (int(part) for part in match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS_IN_MONTH[month])


def _is_time(text: str) -> bool:
    match = _TIME.match(text)
    if match is None:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    # date-time asks for a zone, but ajv-formats 2.1.1 compares a missing zone with "" and so
    # accepts a date-time without one.
    return (hour <= 23 and minute <= 59 and second <= 59) or (hour == 23 and minute == 59 and second == 60)


def _is_date_time(text: str) -> bool:
    parts = _DATE_TIME_SEPARATOR.split(text)
    return len(parts) == 2 and _is_date(parts[0]) and _is_time(parts[1])


def _is_uri(text: str) -> bool:
    return ("/" in text or ":" in text) and _compiled(_URI).match(text) is not None


def _is_base64(text: str) -> bool:
    # The pattern carries the m flag in the reference: one matching line (even empty) suffices.
    return any(_BASE64_LINE.match(line) for line in _LINE_BREAKS.split(text))


def _is_regex(text: str) -> bool:
    if re.search(r"[^\\]\\Z", text):
        return False
    try:
        re.compile(translate_js_regex(text))
    except (re.error, ValueError, OverflowError):
        return False
    return True


def _is_int32(value: Any) -> bool:
    return is_integer(value) and -(2**31) <= value <= 2**31 - 1


def _always(_value: Any) -> bool:
    return True


@functools.cache
def _compiled(pattern: tuple[str, int]) -> re.Pattern[str]:
    return re.compile(*pattern)


def _pattern_test(pattern: tuple[str, int]) -> Callable[[Any], bool]:
    match: Callable[[str], re.Match[str] | None] | None = None

    def test(value: Any) -> bool:
        nonlocal match
        if match is None:
            match = _compiled(pattern).match
        return match(value) is not None

    return test


#: format name -> (the data type it constrains, predicate)
FORMATS: Final[dict[str, tuple[str, Callable[[Any], bool]]]] = {
    **{name: ("string", _pattern_test(pattern)) for name, pattern in _FORMAT_PATTERNS.items()},
    "date": ("string", _is_date),
    "time": ("string", _is_time),
    "date-time": ("string", _is_date_time),
    "uri": ("string", _is_uri),
    "regex": ("string", _is_regex),
    "byte": ("string", _is_base64),
    "int32": ("number", _is_int32),
    "int64": ("number", is_integer),
    "float": ("number", _always),
    "double": ("number", _always),
    "password": ("string", _always),
    "binary": ("string", _always),
    "text": ("string", _always),
    "date-like": ("string", date_like_string),
}

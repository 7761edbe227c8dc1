"""User-agent parsing: the device and OS fields Amplitude's events derive from ``context.userAgent``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import ua_parser
from ua_parser import OS, Device, Parser, UserAgent

__all__ = ["ParsedUserAgent", "clear_cache", "parse_user_agent", "parse_user_agent_properties"]

# The reference parser only looks at the first 255 characters of a user agent (after trimming).
_MAX_LENGTH: Final = 255
_CACHE_SIZE: Final = 4096

_Pattern = re.Pattern[str]


def _rx(pattern: str) -> _Pattern:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedUserAgent:
    """What the reference parser reports for a user agent; ``None`` is JavaScript ``undefined``."""

    browser_name: str | None = None
    browser_major: str | None = None
    os_name: str | None = None
    device_vendor: str | None = None
    device_model: str | None = None
    device_type: str | None = None


def _build_uap_parser() -> Parser:
    # No uap-level cache: whole results are cached one level up, in `parse_user_agent`.
    if ua_parser.RegexResolver is not None:
        return Parser(ua_parser.RegexResolver(ua_parser.load_lazy_builtins()))
    return Parser(ua_parser.BestAvailableResolver(ua_parser.load_builtins()))


_uap: Parser | None = None


def _uap_parser() -> Parser:
    global _uap
    if _uap is None:
        _uap = _build_uap_parser()
    return _uap


def _major(version: str | None) -> str | None:
    """The reference's major version: digits and dots kept, text before the first dot, '' is undefined."""
    if version is None:
        return None
    major = re.sub(r"[^\d.]", "", version).split(".")[0]
    return major


def _defined(value: str | None) -> str | None:
    return value if value else None


# --------------------------------------------------------------------------------------------------
# Browser: only its name (the os_name fallback) and major version (os_version) are used.
# --------------------------------------------------------------------------------------------------

_BrowserRule = tuple[_Pattern, str, int | None]

# Tokens the reference ranks above whatever uap picks. (pattern, name, version group or None)
_PRIORITY_BROWSERS: Final[tuple[_BrowserRule, ...]] = (
    (_rx(r"\bopera mini/([\w.-]+)"), "Opera Mini", 1),
    (_rx(r"\b(?:opera (?:mobi|tablet)\w*)\b.+version/([\w.-]+)"), "Opera", 1),
    (_rx(r"\bopera\b(?:.+version/|[/ ]+)([\w.]+)"), "Opera", 1),
    (_rx(r" opr/([\w.]+)"), "Opera", 1),
    (_rx(r"\b(?:maxthon|lunascape|netfront|jasmine|blazer)[/ ]?([\w.]*)"), "", 1),
    (_rx(r"\b(?:iemobile|slim)(?:browser)?[/ ]?([\w.]*)"), "", 1),
    (_rx(r"\b(?:bidubrowser|baidubrowser)[/ ]?([\w.]+)"), "BIDUBrowser", 1),
    (_rx(r"(?:\bms|\()ie ([\w.]+)"), "IE", 1),
    (_rx(r"\btrident.+rv[: ]([\w.]+).+like gecko"), "IE", 1),
    (_rx(r"[ /]uc? ?browser[/ ]?([\w.]+)"), "UCBrowser", 1),
    (_rx(r"\bqbcore/([\w.]+)"), "WeChat(Win) Desktop", 1),
    (_rx(r"\bmicromessenger/([\w.]+)"), "WeChat", 1),
    (_rx(r"\bfocus/([\w.]+)"), "Firefox Focus", 1),
    (_rx(r"\b2345explorer[/ ]?([\w.]+)"), "2345Explorer", 1),
    (_rx(r"\blbbrowser\b"), "LBBROWSER", None),
    (_rx(r"\bmetasr\b"), "Sogou Explorer", None),
    (_rx(r"\btesla/(20\d\d\.[-\w.]+)"), "Tesla", 1),
    (_rx(r"\btesla (?:qtcarbrowser)"), "Tesla", None),
    (_rx(r"xiaomi/miuibrowser/([\w.]+)"), "MIUI Browser", 1),
    (_rx(r"\bqq/([\d.]+)"), "QQ", 1),
    (_rx(r"\bqqbrowserlite/([\w.]+)"), "QQBrowserLite", 1),
    (_rx(r"(?:fban/fbios|fb_iab/fb4a)(?!.+fbav)|;fbav/([\w.]+);"), "Facebook", 1),
    (_rx(r"\bline/([\w.]+)"), "Line", 1),
    (_rx(r"\b(?:qihu|qhbrowser|qihoobrowser|360browser)\b"), "360 Browser", None),
    (_rx(r"\bgobrowser/?([\w.]*)"), "GoBrowser", 1),
    # Named browsers the reference reads before the generic Chrome / WebView / Safari tokens.
    (
        _rx(
            r"\b(?:chromium|flock|rockmelt|midori|epiphany|silk|skyfire|ovibrowser|bolt|iron|vivaldi|iridium"
            r"|phantomjs|bowser|quark|qupzilla|falkon|rekonq|konqueror|yabrowser|avast|avg|puffin|brave"
            r"|comodo_dragon|opt|coast)/([\w.-]+)"
        ),
        "",
        1,
    ),
)

# uap family -> the reference's browser name. Families missing here are unknown to the reference.
_BROWSER_NAMES: Final[dict[str, str]] = {
    "AVG": "AVG",
    "Amazon Silk": "Silk",
    "Avast Secure Browser": "Avast Secure Browser",
    "Baidu Explorer": "baiduboxapp",
    "Bolt": "Bolt",
    "Camino": "Camino",
    "Chimera": "Chimera",
    "Chrome": "Chrome",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chromium": "Chromium",
    "Coc Coc": "Coc Coc",
    "Dillo": "Dillo",
    "Dolfin": "Dolphin",
    "Edge": "Edge",
    "Edge Mobile": "Edge",
    "Electron": "Electron",
    "Epiphany": "Epiphany",
    "Facebook": "Facebook",
    "Firefox": "Firefox",
    "Firefox Alpha": "Firefox",
    "Firefox Beta": "Firefox",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Flock": "Flock",
    "Google": "GSA",
    "HeadlessChrome": "Chrome Headless",
    "IE": "IE",
    "IE Mobile": "IEMobile",
    "Iceweasel": "Iceweasel",
    "Instagram": "Instagram",
    "K-Meleon": "K-Meleon",
    "Konqueror": "Konqueror",
    "Links": "Links",
    "Lunascape": "Lunascape",
    "Maemo Browser": "Maemo Browser",
    "Maxthon": "Maxthon",
    "MiuiBrowser": "MIUI Browser",
    "Mobile Safari": "Mobile Safari",
    "NCSA Mosaic": "Mosaic",
    "NetFront": "NetFront",
    "Netscape": "Netscape",
    "Nokia Browser": "Nokia Browser",
    "Obigo": "Obigo",
    "Oculus Browser": "Oculus Browser",
    "Opera": "Opera",
    "Opera Coast": "Opera Coast",
    "Opera Mini": "Opera Mini",
    "Opera Mobile": "Opera Mobi",
    "Opera Tablet": "Opera Tablet",
    "Pale Moon": "PaleMoon",
    "PhantomJS": "PhantomJS",
    "Phoenix": "Phoenix",
    "QQ Browser": "QQBrowser",
    "QQ Browser Mobile": "QQBrowser",
    "QupZilla": "QupZilla",
    "Safari": "Safari",
    "Sailfish Browser": "Sailfish Browser",
    "Samsung Internet": "Samsung Browser",
    "SeaMonkey": "SeaMonkey",
    "Skyfire": "Skyfire",
    "Swiftfox": "Swiftfox",
    "UC Browser": "UCBrowser",
    "UP.Browser": "UP.Browser",
    "Waterfox": "Waterfox",
    "WeChat Browser": "WeChat",
    "Weibo": "Weibo",
    "iCab": "iCab",
    "webOS Browser": "webOS Browser",
}

# Families the reference names without ever reading a version.
_VERSIONLESS_FAMILIES: Final = frozenset({"Swiftfox"})
_SAFARI_FAMILIES: Final = frozenset({"Safari", "Mobile Safari"})
# On Android the reference prefers the stock browser's Version/ token over these, unless in a `wv` WebView.
_ANDROID_ENGINE_FAMILIES: Final = frozenset(
    {"Android", "Chrome", "Chrome Mobile", "Chrome Mobile WebView", "Google"}
)

_VERSION_TOKEN = _rx(r"android.+\bversion/([\w.]+)\s")
_WEBVIEW_MARKER = _rx(r"; wv\)")
_GECKO_MOZILLA = _rx(r"\bmozilla/([\w.]+).+rv:.+gecko/\d+")
_WEBKIT_SAFARI = _rx(r"webkit.+?(?:mobile ?safari|safari)(/[\w.]+)")
_ENGINE = _rx(r"\b(?:applewebkit|webkit|khtml)/([\w.]+)")
_CHROME = _rx(r"\bchrome/([\w.]+)")
_VERSIONED_SAFARI = _rx(r"\bversion/([\w.]+).+?(mobile ?safari|safari)")
_FALLBACK_NAMED: Final[tuple[tuple[_Pattern, str], ...]] = (
    (_rx(r"\bopera\b.+version/([\w.]+)"), "Opera"),
    (_rx(r"\bopr/([\w.]+)"), "Opera"),
    (_rx(r"\bup\.browser/([\w.]+)"), "UP.Browser"),
    (_rx(r"\bopera mini/([\w.-]+)"), "Opera Mini"),
    (_rx(r"\bsilk/([\w.]+)"), "Silk"),
    (_rx(r"links \(([\w.]+)"), "Links"),
    (_rx(r"\bfirebird/([\w.]+)"), "Firebird"),
    (_rx(r"\bfirefox/([\w.]+)"), "Firefox"),
)
_OLD_SAFARI_BUILDS: Final[tuple[tuple[str, str], ...]] = (
    ("/8", "1"),
    ("/1", "1"),
    ("/3", "1"),
    ("/412", "2"),
    ("/416", "2"),
    ("/417", "2"),
    ("/419", "2"),
)


def _fallback_browser(ua: str) -> tuple[str | None, str | None]:
    """Generic engine tokens the reference falls back to when no named browser matched."""
    for pattern, name in _FALLBACK_NAMED:
        if match := pattern.search(ua):
            return name, match.group(1)
    if match := _CHROME.search(ua):
        return "Chrome", match.group(1)
    if match := _VERSIONED_SAFARI.search(ua):
        name = "Mobile Safari" if "mobile" in match.group(2).lower() else "Safari"
        return name, match.group(1)
    if match := _WEBKIT_SAFARI.search(ua):
        build = match.group(1)
        for prefix, version in _OLD_SAFARI_BUILDS:
            if prefix in build:
                return "Safari", version
        return "Safari", None
    if match := _ENGINE.search(ua):
        return "WebKit", match.group(1)
    if match := _GECKO_MOZILLA.search(ua):
        return "Mozilla", match.group(1)
    return None, None


def _browser(ua: str, agent: UserAgent | None) -> tuple[str | None, str | None]:
    """(name, version) of the browser as the reference names it."""
    for pattern, name, group in _PRIORITY_BROWSERS:
        if match := pattern.search(ua):
            version = match.group(group) if group is not None else None
            return name or match.group(0).split("/")[0], version
    family = agent.family if agent is not None else None
    if family in _ANDROID_ENGINE_FAMILIES and "android" in ua.lower():
        android = _android_browser(ua, family)
        if android is not None:
            return android
    if family is None or family not in _BROWSER_NAMES or family in _SAFARI_FAMILIES:
        return _fallback_browser(ua)
    name = _BROWSER_NAMES[family]
    if family in _VERSIONLESS_FAMILIES:
        return name, None
    version = _uap_version(agent)
    return name, version


def _android_browser(ua: str, family: str) -> tuple[str | None, str | None] | None:
    """Android WebViews and the stock browser: the reference trusts Chrome/x only behind the `wv` marker."""
    if _WEBVIEW_MARKER.search(ua) and family != "Android" and (chrome := _CHROME.search(ua)):
        return "Chrome WebView", chrome.group(1)
    if match := _VERSION_TOKEN.search(ua):
        return "Android Browser", match.group(1)
    return None


def _uap_version(agent: UserAgent | None) -> str | None:
    if agent is None or agent.major is None:
        return None
    parts = [agent.major, agent.minor, agent.patch, agent.patch_minor]
    return ".".join(part for part in parts if part is not None)


# --------------------------------------------------------------------------------------------------
# Operating system
# --------------------------------------------------------------------------------------------------

# uap family -> reference name; a value of None means "copy the token as written in the UA".
_OS_NAMES: Final[dict[str, str | None]] = {
    "Android": None,
    "Bada": "Bada",
    "BlackBerry OS": "BlackBerry",
    "BlackBerry Tablet OS": "RIM Tablet OS",
    "CentOS": None,
    "Chrome OS": "Chromium OS",
    "Chromecast Linux": "Chromecast",
    "Debian": None,
    "Fedora": None,
    "Firefox OS": "Firefox OS",
    "FreeBSD": None,
    "Gentoo": None,
    "KaiOS": None,
    "Kubuntu": None,
    "Linux": None,
    "Linux Mint": "Mint",
    "Mac OS": "Mac OS",
    "Mac OS X": "Mac OS",
    "Maemo": None,
    "MeeGo": None,
    "NetBSD": None,
    "OpenBSD": None,
    "PCLinuxOS": None,
    "Red Hat": None,
    "Solaris": "Solaris",
    "Symbian OS": "Symbian",
    "Symbian^3": "Symbian",
    "Symbian^3 Anna": "Symbian",
    "Symbian^3 Belle": "Symbian",
    "Tizen": None,
    "Ubuntu": None,
    "Web0S": "webOS",
    "webOS": "webOS",
    "Windows": None,
    "Windows Mobile": None,
    "Windows Phone": None,
    "iOS": "iOS",
}

_OsRule = tuple[_Pattern, str | None]
# Operating systems the reference finds before (or where) uap does not. None: the matched text itself.
_PRIORITY_OS: Final[tuple[_OsRule, ...]] = (
    (_rx(r"microsoft (windows) (?:vista|xp)"), None),
    (_rx(r"(windows phone(?: os)?)"), None),
    (_rx(r"(windows mobile)"), None),
    (_rx(r"windows nt.+\bxbox\b"), "Xbox"),
    (_rx(r"(windows)[ /]?(?:nt|ce|\d)"), None),
    (_rx(r"\bwin(?:9x|9\d|nt| 9x)"), "Windows"),
    (_rx(r"\bcrkey\b"), "Chromecast"),
    (_rx(r"\b(playstation)\b"), "PlayStation"),
    (_rx(r"\bnintendo\b"), "Nintendo"),
    (_rx(r"\b(kaios)\b"), None),
    (_rx(r"\((?:mobile|tablet|tv)(?:; [\w ]+)?; rv:.+gecko/"), "Firefox OS"),
    (_rx(r"\b(android-x86)"), None),
    (_rx(r"\bweb0s\b"), "webOS"),
    (_rx(r"\b(fuchsia)\b"), None),
    (_rx(r"\b(dragonfly)\b"), None),
    (_rx(r"\b(ghostbsd)\b"), None),
    (_rx(r"\b(manjaro)\b"), None),
    (_rx(r"\b(hurd)\b"), None),
    (_rx(r"\b(aix)\b"), None),
    (_rx(r"\b(beos)\b"), None),
    (_rx(r"\b(os/2)\b"), None),
    (_rx(r"\b(amigaos)\b"), None),
    (_rx(r"\b(risc os)\b"), None),
    (_rx(r"\b(contiki)\b"), None),
    (_rx(r"\b(qnx)\b"), None),
    (_rx(r"\b(joli)\b"), None),
    (_rx(r"\b(mint)\b"), None),
    (_rx(r"\b(redhat)\b"), None),
    (_rx(r"\b(sunos)\b"), "Solaris"),
    (_rx(r"\b(unix)\b"), None),
)

_FALLBACK_OS: Final[tuple[_OsRule, ...]] = ((_rx(r"mac os x|macintosh|mac_powerpc"), "Mac OS"),)
_SYMBIAN = _rx(r"symbian|symbos|s60;|series ?60")
_IOS_FORM = _rx(r"ip(?:hone|od|ad)(?:.*os ([\w]+) like mac|; opera)")
# Apple networking-stack agents of iOS apps ("MyApp/5 CFNetwork/1410.0.3 Darwin/22.6.0").
_CFNETWORK = _rx(r"cfnetwork/.+darwin")


def _os_name(ua: str, os: OS | None) -> str | None:
    family = os.family if os is not None else None
    if family == "iOS":
        return "iOS" if _IOS_FORM.search(ua) or _CFNETWORK.search(ua) else None
    for pattern, name in _PRIORITY_OS:
        if match := pattern.search(ua):
            return name if name is not None else match.group(1)
    if family is None or family not in _OS_NAMES:
        for pattern, name in _FALLBACK_OS:
            if match := pattern.search(ua):
                return name if name is not None else match.group(1)
        return None
    if family.startswith("Symbian") and not _SYMBIAN.search(ua):
        return None
    name = _OS_NAMES[family]
    if name is not None:
        return name
    # The reference reports these names exactly as the UA spells them.
    token = re.search(re.escape(family), ua, re.IGNORECASE)
    return token.group(0) if token else family


# --------------------------------------------------------------------------------------------------
# Device
# --------------------------------------------------------------------------------------------------

_MOBILE: Final = "mobile"
_TABLET: Final = "tablet"
_SMARTTV: Final = "smarttv"
_CONSOLE: Final = "console"
_WEARABLE: Final = "wearable"
_EMBEDDED: Final = "embedded"


@dataclass(frozen=True, slots=True)
class _Device:
    vendor: str | None = None
    model: str | None = None
    type: str | None = None


_NO_DEVICE: Final = _Device()

# uap brand -> the reference's vendor name. Brands missing here are unknown to the reference.
_VENDOR_NAMES: Final[dict[str, str]] = {
    "Acer": "Acer",
    "Alcatel": "ALCATEL",
    "Amazon": "Amazon",
    "Apple": "Apple",
    "Asus": "ASUS",
    "Azend": "Envizen",
    "BenQ": "BenQ",
    "BlackBerry": "BlackBerry",
    "Google": "Google",
    "HTC": "HTC",
    "Huawei": "Huawei",
    "LG": "LG",
    "Lenovo": "Lenovo",
    "Meizu": "Meizu",
    "Microsoft": "Microsoft",
    "Motorola": "Motorola",
    "Nextbook": "NextBook",
    "Nintendo": "Nintendo",
    "Nokia": "Nokia",
    "Nook": "Barnes & Noble",
    "OnePlus": "OnePlus",
    "Oppo": "OPPO",
    "Philips": "Philips",
    "RCA": "RCA",
    "Realme": "Realme",
    "Samsung": "Samsung",
    "Sharp": "Sharp",
    "Sony": "Sony",
    "Tesla": "Tesla",
    "Vodafone": "Vodafone",
    "XiaoMi": "Xiaomi",
    "Xiaomi": "Xiaomi",
    "Xbox": "Microsoft",
    "ZTE": "ZTE",
    "vivo": "Vivo",
}


@dataclass(frozen=True, slots=True)
class _ModelRule:
    """A device-code family: ``pattern`` matches the Android model field, group 1 (or all) is the model."""

    pattern: _Pattern
    vendor: str
    type: str | None  # None: decided by the "Mobile" marker like an unknown device
    model: str | None = None  # a fixed model name instead of the matched text


def _models(vendor: str, type_: str | None, *patterns: str, model: str | None = None) -> list[_ModelRule]:
    return [_ModelRule(_rx(f"^(?:{pattern})$"), vendor, type_, model) for pattern in patterns]


# Model codes of the vendors the reference knows, checked against the Android model field in order.
# Tablet families come before the same vendor's phones.
_MODEL_RULES: Final[tuple[_ModelRule, ...]] = (
    *_models("Samsung", _TABLET, r"(?:samsung[- ])?(sm-[pt]\w{2,4}|gt-[pn]\d{2,4}|sch-i[89]0\d|shw-m380s)"),
    *_models("Samsung", _TABLET, r"(nexus 10)"),
    *_models("Samsung", _MOBILE, r"(?:samsung[- ])?((?:s[cgp]h|gt|sm)-[\w-]+)", r"(galaxy nexus|nexus s)"),
    *_models("Google", _TABLET, r"(pixel c)"),
    # Only the Pixel names the reference's tables knew (digits and a/x/l suffixes): "Pixel 8 Pro"
    # is a device it does not recognise, so it has no vendor there.
    *_models("Google", _MOBILE, r"(pixel[\daxl ]{0,6})"),
    *_models("LG", _MOBILE, r".*\b(nexus [45]).*"),
    *_models("Huawei", _MOBILE, r"(nexus 6p)"),
    *_models("Motorola", _MOBILE, r"(nexus 6)"),
    *_models("ASUS", _TABLET, r"(nexus 7)"),
    *_models("HTC", _TABLET, r"(nexus 9)"),
    *_models("Huawei", _TABLET, r"(?:huawei[ _-]?)?((?:ag[rs]\d?|bah\d?|sht?|btv|cmr|scm)-a?[lw]\d{2}\w*)"),
    *_models("Huawei", _TABLET, r"(?:huawei[ _-]?)?(mediapad[\w .-]*)"),
    *_models("Huawei", _MOBILE, r"(?:huawei|honor)[ _-]?([\w -]+)"),
    *_models("Huawei", _MOBILE, r"([a-z]{2,4}\d?-[atu]?[ln][\dx]\d[an]?\d?)"),
    *_models("Xiaomi", _TABLET, r"(?:xiaomi[ _-]?)?(mi[ _-]?pad[\w ]*)"),
    *_models("Xiaomi", _MOBILE, r"(?:xiaomi[ _-]?)?((?:mi|redmi|poco|hm)\b[\w -]*|mi-one[\w ]*|20\d{5}\w?)"),
    *_models(
        "OnePlus",
        _MOBILE,
        r"(?:oneplus(?: one)?|one)[ _]?([a-z]\d{4})",
        r"(a000[1-9]|(?:kb|be|in|hd|gm|ac|le|ne)\d{4})",
    ),
    *_models("Realme", _MOBILE, r"(rmx\d{4}\w*)"),
    *_models("OPPO", _MOBILE, r"oppo[ _]?([\w ]+)", r"(cph\d{4}|p[a-z]{3}\d0|x900\d|r\d{3,4}[a-z]?t?)"),
    *_models("Vivo", _MOBILE, r"vivo[ _]?([\w ]+)", r"(v[12]\d{3}[a-z]{0,2})"),
    *_models("Motorola", _MOBILE, r"motorola[ _]?(.+)"),
    *_models("Motorola", _MOBILE, r"(moto[ \w()]+|xt\d{3,4}\w*|droid[\w ]*|mz\d{3}\+?)"),
    *_models("LG", _TABLET, r"(?:lg-?)?([vl]k-?\d{3})"),
    *_models("LG", _MOBILE, r"lg[- _]?([\w.-]+)", r"(lm-[\w.]+)"),
    *_models("Sony", _TABLET, r"(?:sony)?(?:sgp\w+|sony tablet [ps]\w*)", model="Xperia Tablet"),
    *_models("Sony", _MOBILE, r"sony[ _-]?([\w -]+)", r"([cdefgis]\d{4}|so[-gl]\w+|xq-\w{2}\d{2})"),
    *_models("Sharp", _MOBILE, r"(sh-?[altvz]?\d\d[a-ehm]?)"),
    *_models("ASUS", _TABLET, r"(?:asus[ _-]?)?(p0\d[\da-z]|k0\d{2})"),
    *_models("ASUS", _MOBILE, r"asus[ _-]?([\w -]+)", r"(z[bes]\d{3}[km][ls]|zenfone[\w ]*)"),
    *_models("BlackBerry", _MOBILE, r"((?:bb[a-f]|st[hv])\d{3}-\d)"),
    *_models("Essential", _MOBILE, r"(ph-1)"),
    *_models("Fairphone", _MOBILE, r"(fp\du?)"),
    *_models("Microsoft", _TABLET, r"(surface duo)"),
    *_models("Amazon", _TABLET, r"(kf[a-z]{2,4})"),
    *_models("Barnes & Noble", _TABLET, r"(?:barnes & noble )?(nook[\w +]*)", r"bnt(v\d+)"),
    *_models("Dragon Touch", _TABLET, r"dt(\d{4}[a-z]?)"),
    *_models("Insignia", _TABLET, r"(ns-\w{1,9})"),
    *_models("ZTE", _TABLET, r"(k88)"),
    *_models("ZTE", _MOBILE, r"zte[- _]?(.+)", r"(nx\d{3}j)"),
    *_models("NextBook", _TABLET, r"(next\d\w+|nxa?\d\w+)"),
    *_models("Envizen", _TABLET, r"(v(?:100md|700na|7011|917g)\w*)"),
    *_models("LvTel", _MOBILE, r"(?:lvtel-)?(v1[12])"),
    *_models("Voice", _MOBILE, r"(v\d{2,3}[a-z]?)"),
    *_models("MachSpeed", _TABLET, r"(trio[\w. -]*)"),
    *_models("Trinity", _TABLET, r"trinity[- ]?(t\d{3})"),
    *_models("Gigaset", _TABLET, r"gigaset[ -]+(q\w{1,9})"),
    *_models("Vodafone", _TABLET, r"vodafone ((?:smart )?tab[\w ]*)"),
    *_models("Vodafone", _MOBILE, r"vodafone ([\w ]+)"),
    *_models("Swiss", _TABLET, r"(zur\d{3})"),
    *_models("Swiss", _MOBILE, r"(gen\d{3})"),
    *_models("Acer", _TABLET, r"(a[13]-\w\d{2}[\w-]*)"),
    *_models("Nvidia", _TABLET, r"(shield[\w ]+)"),
    *_models("Verizon", _TABLET, r"(qta\w+|qmv7[ab])"),
    *_models("RCA", _TABLET, r"(rct\w+)"),
    *_models("Dell", _TABLET, r"(venue[\d ]{2,7})"),
    *_models("Lenovo", _TABLET, r"lenovo[ _-]?(tab[\w ]+|tb[\w-]{6,7}|s[56]000[\w-]*)[\w-]*"),
    *_models("Lenovo", None, r"lenovo[ _-]?([\w -]+)"),
    *_models("HTC", _MOBILE, r"htc[ _-]?([\w ]+)"),
    *_models("Meizu", _MOBILE, r"(m\d note|mx\d[\w ]*)", r"meizu[ _-]?([\w ]+)"),
)

# The Android model field: the first ';'-separated field after "Android x.y;" that is not a locale.
_ANDROID_FIELD = _rx(
    r"android[^;)]*;(?:\s*(?:[a-z]{2}[-_][a-z]{2}|[a-z]{2});)*\s*((?:[^;()]|\([^;()]*\))+?)(?:\s+build/[^;)]*)?\s*[;)]"
)
_NOT_MODELS: Final = frozenset({"mobile", "tablet", "mobile vr", "tv", "linux", "u", "wv", "arm"})
_HUAWEI_BUILD = _rx(r"build/(?:huawei|honor)([\w-]+)")
_ANDROID_TV = _rx(r"\bandroid tv\b|\bsmart[- ]?tv\b|\bgoogletv\b|\bbravia\b|\baft[bmst]\b|\bhbbtv\b")
_GENERIC_ANDROID = _rx(r"(android[-\w. ]{0,9});.+buil")
_MOBILE_SAFARI = _rx(r" mobile safari")
_SAFARI = _rx(r"safari")
_TABLET_MARKER = _rx(r"\b(?:tablet|tab)[;/]|focus/\d(?!.+mobile)")
_MOBILE_MARKER = _rx(r"phone|mobile(?:[;/]| safari)|pda(?=.+windows ce)")
_TV_MARKER = _rx(r"[\s/(](?:smart-?tv|tv)[;)]")


def _marker_type(ua: str) -> str | None:
    """Form factor from generic words only, for devices the reference cannot name."""
    if _TV_MARKER.search(ua):
        return _SMARTTV
    if _TABLET_MARKER.search(ua):
        return _TABLET
    if _MOBILE_MARKER.search(ua):
        return _MOBILE
    return None


# Families the reference recognises only through the model rules above; other members get no vendor.
_UNRECOGNISED_FAMILIES = _rx(r"^pixel\b")


def _strip_vendor(model: str, vendor: str) -> str:
    prefix = re.match(rf"{re.escape(vendor)}[ _-]?", model, re.IGNORECASE)
    return model[prefix.end() :] if prefix and prefix.end() < len(model) else model


def _android_device(ua: str, device: Device | None) -> _Device:
    if _ANDROID_TV.search(ua):
        vendor = _VENDOR_NAMES.get(device.brand or "") if device is not None else None
        if re.search(r"\blg\b", ua, re.IGNORECASE):
            vendor = "LG"
        return _Device(vendor, None, _SMARTTV)
    field = _ANDROID_FIELD.search(ua)
    model = field.group(1).strip() if field else None
    if model is not None and model.lower() in _NOT_MODELS:
        model = None
    if model is not None:
        for rule in _MODEL_RULES:
            if match := rule.pattern.match(model):
                name = rule.model or (match.group(1) if match.groups() and match.group(1) else match.group(0))
                if rule.vendor == "Huawei" and (build := _HUAWEI_BUILD.search(ua)):
                    name = build.group(1)
                form = rule.type or (_MOBILE if _MOBILE_SAFARI.search(ua) else _TABLET)
                return _Device(rule.vendor, name.strip(), form)
        vendor = _VENDOR_NAMES.get(device.brand or "") if device is not None else None
        if vendor is not None and not _UNRECOGNISED_FAMILIES.match(model):
            return _Device(vendor, _strip_vendor(model, vendor), _MOBILE)
        tail = ua[field.end() :] if field else ""
        if _SAFARI.search(tail):
            return _Device(None, model, _MOBILE if _MOBILE_SAFARI.search(tail) else _TABLET)
    marker = _marker_type(ua)
    if marker is not None:
        return _Device(None, None, marker)
    if generic := _GENERIC_ANDROID.search(ua):
        return _Device("Generic", generic.group(1), None)
    return _NO_DEVICE


_DeviceRule = tuple[_Pattern, str | None, str | None, str | None]
# Non-Android hardware with a fixed vendor: (pattern, vendor, model (None: group 1, '' : none), type).
_HARDWARE: Final[tuple[_DeviceRule, ...]] = (
    (_rx(r"\bxbox one\b"), "Microsoft", "Xbox One", _CONSOLE),
    (_rx(r"\bxbox\b"), "Microsoft", "Xbox", _CONSOLE),
    (_rx(r"\b(playstation (?:\d|vita|portable)\w*)"), "Sony", None, _CONSOLE),
    (_rx(r"\bnintendo (\w+)"), "Nintendo", None, _CONSOLE),
    (_rx(r"\bouya\b"), "OUYA", "", _CONSOLE),
    (_rx(r"\broku\w*[)/]((?:dvp-)?[\d.]*)"), "Roku", None, _SMARTTV),
    (_rx(r"\bcrkey\b"), "Google", "Chromecast", _SMARTTV),
    (_rx(r"\bapple ?tv"), "Apple", "Apple TV", _SMARTTV),
    (_rx(r"\bnetcast\b"), "LG", "", _SMARTTV),
    (_rx(r"\btesla\b"), "Tesla", "", _EMBEDDED),
    (_rx(r"\((playbook);.+\brim\b"), "RIM", None, _TABLET),
    (_rx(r"\bbb10; (\w+)"), "BlackBerry", None, _MOBILE),
    (_rx(r"\bblackberry ?(\w+)"), "BlackBerry", None, _MOBILE),
    (_rx(r"\b(?:nokia|microsoft); (lumia[\w ]*)"), None, None, _MOBILE),
    (_rx(r"\bjolla\b"), "Jolla", "", _MOBILE),
    (_rx(r"\bmaemo\b.+\b(n900)\b"), "Nokia", None, _MOBILE),
)
# Phones without Android whose vendor prefixes the model: (pattern, vendor, model, type) as above.
_PHONES: Final[tuple[_DeviceRule, ...]] = (
    (_rx(r"\bzte[-_ ]([\w]+)"), "ZTE", None, _MOBILE),
    (_rx(r"\bbenq[-_ ]?(\w+)"), "BenQ", None, _MOBILE),
    (_rx(r"\b(?:sam[sung]*[- ])?((?:s[cgp]h|gt|sm)-\w+)"), "Samsung", None, _MOBILE),
    (_rx(r"\bnokia[-_ ]?([-\w.]*)"), "Nokia", None, _MOBILE),
    (_rx(r"\b(alcatel)[-_ ]?(\w+)"), "ALCATEL", None, _MOBILE),
)
_HBBTV = _rx(r"hbbtv/[\d.]+ +\([^;]*; *([^;]*?) *;([^;]*)")
_APPLE_MODEL = _rx(r"\b(ip(?:hone|od|ad)[\w ]*?)(?:;|\))")
_APPLE_HARDWARE = _rx(r"\b((?:iphone|ipad|ipod)\d+,\d+)")


def _apple_device(ua: str, device: Device | None) -> _Device | None:
    lowered = ua.lower()
    if "ipad" not in lowered and "iphone" not in lowered and "ipod" not in lowered:
        if "watch" in lowered and "apple" in lowered:
            return _Device("Apple", "watch", _WEARABLE)
        return None
    hardware = _APPLE_HARDWARE.search(ua)
    written = _APPLE_MODEL.search(ua)
    if hardware is not None:
        model = hardware.group(1)
    elif written is not None:
        model = written.group(1)
    else:
        model = device.model if device is not None and device.model else "iPhone"
    type_ = _TABLET if model.lower().startswith("ipad") else _MOBILE
    return _Device("Apple", model, type_)


def _hardware_device(ua: str, rules: tuple[_DeviceRule, ...]) -> _Device | None:
    for pattern, vendor, model, type_ in rules:
        if match := pattern.search(ua):
            if vendor is None:
                vendor = match.group(0).split(";")[0].strip().capitalize()
            if model is None:
                name: str | None = match.group(match.lastindex or 0).replace("_", " ")
            else:
                name = model or None
            return _Device(vendor, name, type_)
    return None


def _device(ua: str, device: Device | None) -> _Device:
    lowered = ua.lower()
    if "macintosh" in lowered and "ipad" not in lowered:
        return _NO_DEVICE
    if hbbtv := _HBBTV.search(ua):
        return _Device(hbbtv.group(1).strip() or None, hbbtv.group(2).strip(), _SMARTTV)
    if (found := _hardware_device(ua, _HARDWARE)) is not None:
        return found
    if (apple := _apple_device(ua, device)) is not None:
        return apple
    if "android" in lowered:
        return _android_device(ua, device)
    if "web0s" in lowered or _TV_MARKER.search(ua):
        return _Device(None, None, _SMARTTV)
    if (phone := _hardware_device(ua, _PHONES)) is not None:
        return phone
    vendor = _VENDOR_NAMES.get(device.brand or "") if device is not None and device.brand else None
    # Apple hardware other than iOS devices (Macs, CFNetwork agents) is not reported by the reference.
    if vendor is not None and vendor != "Apple" and device is not None and device.model:
        return _Device(vendor, device.model, _marker_type(ua) or _MOBILE)
    return _Device(None, None, _marker_type(ua))


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def parse_user_agent(user_agent: str) -> ParsedUserAgent:
    """Parse ``user_agent`` the way the reference's pinned parser does (cached, bounded LRU)."""
    ua = user_agent.strip()[:_MAX_LENGTH] if len(user_agent) > _MAX_LENGTH else user_agent
    result = _uap_parser().parse(ua)
    browser_name, browser_version = _browser(ua, result.user_agent)
    device = _device(ua, result.device)
    return ParsedUserAgent(
        browser_name=_defined(browser_name),
        browser_major=_defined(_major(browser_version)),
        os_name=_defined(_os_name(ua, result.os)),
        device_vendor=_defined(device.vendor),
        device_model=device.model,
        device_type=device.type,
    )


def clear_cache() -> None:
    """Forget every cached parse (for benchmarks and tests)."""
    parse_user_agent.cache_clear()


def parse_user_agent_properties(
    user_agent: str | None, user_agent_data: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The Amplitude event fields derived from a user agent and optional client hints.

    Keys whose value would be JavaScript ``undefined`` are left out; the order is the reference's.
    """
    if not user_agent:
        return {}
    parsed = parse_user_agent(user_agent)
    model_hint = user_agent_data.get("model") if user_agent_data is not None else None
    version_hint = user_agent_data.get("platformVersion") if user_agent_data is not None else None
    os_name = parsed.os_name if parsed.os_name is not None else parsed.browser_name
    candidates: tuple[tuple[str, Any], ...] = (
        ("os_name", os_name),
        ("os_version", version_hint if version_hint is not None else parsed.browser_major),
        ("device_manufacturer", parsed.device_vendor),
        (
            "device_model",
            model_hint
            if model_hint is not None
            else parsed.device_model
            if parsed.device_model is not None
            else parsed.os_name,
        ),
        ("device_type", parsed.device_type),
    )
    return {key: value for key, value in candidates if value is not None}

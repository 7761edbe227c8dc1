"""Secret redaction: a secret setting's value becomes ``<redacted:name>`` where a secret can appear.

A run builds one redactor, from its validated settings (:meth:`Redactor.of`): the secrets are the
values typed ``SecretStr``, so a setting is redacted because of what it is, not of a list kept apart.

Secrets travel in a few places: a JSON body (Amplitude's ``api_key``), a form field, a query
string, an ``Authorization`` header (base64-encoded when Basic), and error text that quotes them.
Redaction targets exactly those, and never rewrites unrelated text: in text, a secret is replaced
only as a whole token (not inside a longer word, so the secret ``user`` leaves ``userId`` alone),
in any of the spellings it takes there (as is, JSON-escaped, URL-encoded); in JSON-like data, a
string is replaced only when it *is* a secret. All secrets are replaced in one pass, longest
first, so replacements never nest and one secret that contains another is not half-redacted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
from pydantic import BaseModel, SecretStr

__all__ = ["Redactor"]

#: Authorization schemes: ``Bearer <secret>`` as a whole value is a credential, redacted in data too.
_SCHEMES = frozenset({"bearer", "basic", "token", "bot", "apikey"})


def _spellings(value: str) -> set[str]:
    """How ``value`` can be written in text: as is, inside a JSON string, URL-encoded."""
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
        quote_plus(value, safe="*").replace("~", "%7E"),  # as form bodies are encoded
        str(httpx.QueryParams({"k": value}))[2:],  # as httpx writes query strings
    }
    return {form for form in forms if form}


def _token(form: str) -> str:
    # A secret that starts (ends) with a word character must not continue a word before (after) it;
    # a percent-escape before it counts as a boundary (``%22secret`` in an encoded JSON string).
    pattern = re.escape(form)
    if re.match(r"\w", form[0]):
        pattern = r"(?:(?<!\w)|(?<=%[0-9A-Fa-f][0-9A-Fa-f]))" + pattern
    if re.match(r"\w", form[-1]):
        pattern += r"(?!\w)"
    return pattern


class Redactor:
    """Replaces secret values (``{name: value}`` or ``(name, value)`` pairs) in text, headers and data."""

    def __init__(self, secrets: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        pairs = secrets.items() if isinstance(secrets, Mapping) else secrets
        self._pairs = [(name, value) for name, value in pairs if value]
        self._compile()

    @classmethod
    def of(cls, *settings: BaseModel) -> Redactor:
        """Redacts every ``SecretStr`` value of these settings (a run's, one per destination).

        Each is named by its setting key (the alias when it has one), as ``<redacted:apiKey>``.
        """
        return cls(
            (info.alias or name, value.get_secret_value())
            for model in settings
            for name, info in type(model).model_fields.items()
            if isinstance(value := getattr(model, name, None), SecretStr)
        )

    def _compile(self) -> None:
        self._values: dict[str, str] = {}
        self._forms: dict[str, str] = {}
        for name, value in self._pairs:
            self._values.setdefault(value, name)
            for form in _spellings(value):
                self._forms.setdefault(form, name)
        ordered = sorted(self._forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(_token(form) for form in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def _replace(self, match: re.Match[str]) -> str:
        return f"<redacted:{self._forms[match.group(0)]}>"

    def text(self, text: str) -> str:
        """``text`` with every secret that stands as a token (in any spelling) replaced."""
        if self._pattern is None:
            return text
        return self._pattern.sub(self._replace, text)

    def shorten(self, text: str, limit: int, marker: str = "...") -> str:
        """``text`` redacted, then cut to ``limit`` characters (plus ``marker``) if longer.

        Redacting first means a cut cannot split a secret out of recognition; and a cut never
        ends inside a secret left in the text (part of a longer word), which would show its prefix.
        """
        text = self.text(text)
        if len(text) <= limit:
            return text
        cut = limit
        moved = True
        while moved:
            moved = False
            for form in self._forms:
                start = text.find(form, max(0, cut - len(form) + 1), cut + len(form) - 1)
                if start != -1 and start < cut:
                    cut, moved = start, True
        return text[:cut] + marker

    def header(self, name: str, value: str) -> str:
        """Redact a header value, looking inside Basic credentials too."""
        if name.lower() in {"authorization", "proxy-authorization"} and value[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(value[6:], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return self.text(value)
            redacted = self.text(decoded)
            if redacted != decoded:
                return "Basic " + redacted
        return self.text(value)

    def data(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` where every string (keys included) that is a secret is replaced.

        Other strings are left exactly as they are: this is event data, and must stay replayable.
        """
        if not self._pairs:
            return value
        if isinstance(value, str):
            name = self._values.get(value)
            if name is not None:
                return f"<redacted:{name}>"
            scheme, _, token = value.partition(" ")  # a credential as a header carries it
            name = self._values.get(token) if scheme.lower() in _SCHEMES else None
            return value if name is None else f"{scheme} <redacted:{name}>"
        if isinstance(value, dict):
            return {self.data(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def texts(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` with :meth:`text` applied to every string (messages, reports)."""
        if not self._pairs:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.texts(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.texts(v) for v in value]
        return value

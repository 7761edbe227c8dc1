"""Secret redaction: every secret setting's value becomes ``<redacted:name>`` wherever it appears.

Redaction is by value, not by position, because secrets travel in many places: a JSON body
(Amplitude's ``api_key``), a form field, a query string, or base64-encoded in a Basic
``Authorization`` header. Longer secrets are replaced first so one secret that contains
another is not half-redacted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

__all__ = ["Redactor"]


class Redactor:
    """Replaces secret values (``{name: value}``) in text, headers and JSON-like data."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        pairs = [(name, value) for name, value in secrets.items() if value]
        self._pairs = sorted(pairs, key=lambda p: len(p[1]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self._pairs)

    @classmethod
    def combined(cls, redactors: list[Redactor]) -> Redactor:
        """One redactor for the secrets of all ``redactors`` (a run with several destinations)."""
        out = cls({})
        pairs = [pair for redactor in redactors for pair in redactor._pairs]
        out._pairs = sorted(pairs, key=lambda p: len(p[1]), reverse=True)
        return out

    def text(self, text: str) -> str:
        for name, value in self._pairs:
            if value in text:
                text = text.replace(value, f"<redacted:{name}>")
        return text

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
        """A copy of JSON-like ``value`` with secrets replaced in every string (keys included)."""
        if not self._pairs:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

"""Deterministic test data generated from field definitions: sample payloads and settings.

Every value comes from its own ``random.Random`` seeded with ``"<seed>#<field path>"``. String seeds
are hashed with SHA-512, so the data is the same on every run, machine and ``PYTHONHASHSEED``; and
because the field path is part of the seed, two fields of the same type get different values
(the reference's generator gave every string field the same string). Adding a field to an action
does not change the values generated for the others.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from .._action import Action
from .._destination import Destination
from .._fields import Condition, DependsOn, Field

__all__ = [
    "SECRET_MARKER",
    "action_seed",
    "generate_payload",
    "generate_settings",
    "generate_value",
    "settings_seed",
]

#: Every generated secret starts with this, so a leaked test secret is recognisable at a glance.
SECRET_MARKER = "test-secret-"

_ADJECTIVE_WORDS = (
    "amber brisk calm dusty eager fuzzy gentle hollow icy jolly keen lucky misty noble olive proud "
    "quiet rapid silver tidy urban vivid witty young zesty bold crisp deep fair grand hazy lunar"
)
_NOUN_WORDS = (
    "falcon river maple comet harbor meadow canyon pebble lantern orchid glacier willow beacon "
    "prairie summit thistle otter quartz breeze cedar dune ember fjord grove heron island juniper "
    "kestrel lagoon marble nectar oasis"
)
_ADJECTIVES = tuple(_ADJECTIVE_WORDS.split())
_NOUNS = tuple(_NOUN_WORDS.split())
_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NZD", "BRL")
# Documentation address ranges (RFC 5737, RFC 3849): realistic, and never anyone's real host.
_IPV4_PREFIXES = ("192.0.2", "198.51.100", "203.0.113")
_EPOCH_START = datetime(2020, 1, 1, tzinfo=UTC)
_EPOCH_SPAN_S = 6 * 365 * 24 * 3600
# Redraws allowed to find a value not used yet by another field before accepting a repeat
# (booleans and tiny integer ranges cannot all be distinct).
_DISTINCT_ATTEMPTS = 8

T = TypeVar("T")


def action_seed(destination: Destination | str, action: Action | str) -> str:
    """The seed of an action's test data: ``"<destination slug>#<action key>"``."""
    slug = destination if isinstance(destination, str) else destination.slug
    key = action if isinstance(action, str) else action.key
    return f"{slug}#{key}"


def settings_seed(destination: Destination | str) -> str:
    """The seed of a destination's generated settings: ``"<destination slug>#settings"``."""
    slug = destination if isinstance(destination, str) else destination.slug
    return f"{slug}#settings"


class _Generator:
    """Generates values for one payload, remembering them so fields do not share a value."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self._used: set[str] = set()

    def rng(self, path: str) -> random.Random:
        return random.Random(f"{self.seed}#{path}")

    def value(self, key: str, field: Field, path: str, *, nulls: bool) -> Any:
        if nulls and field.allow_null:
            return None
        if field.multiple:
            return self._many(key, field, path, nulls=nulls)
        return self._one(key, field, path, self.rng(path), nulls=nulls)

    def _many(self, key: str, field: Field, path: str, *, nulls: bool) -> list[Any]:
        values = field.choice_values
        if values:
            picked = self.rng(path).sample(values, k=min(2, len(values)))
            return list(picked)
        return [
            self._one(key, field, f"{path}[{i}]", self.rng(f"{path}[{i}]"), nulls=nulls) for i in range(2)
        ]

    def _one(self, key: str, field: Field, path: str, rng: random.Random, *, nulls: bool) -> Any:
        values = field.choice_values
        if values:
            # Choice values are returned as they are, falsy ones included (the reference returned
            # the choice object instead of a falsy value).
            return rng.choice(values)
        if field.type == "object":
            return self._object(field, path, rng, nulls=nulls)
        if field.type == "boolean":
            return rng.random() < 0.5
        if field.type in ("number", "integer"):
            return self._distinct(rng, lambda: _number(field, rng))
        if field.type == "password" or field.secret:
            return self._distinct(rng, lambda: _secret(key, field, rng))
        if field.type == "datetime":
            return self._distinct(rng, lambda: _date_time(rng))
        if field.type == "text":
            return self._distinct(rng, lambda: _fit(field, _sentence(rng), rng))
        return self._distinct(rng, lambda: _fit(field, _string(key, field.format, rng), rng))

    def _object(self, field: Field, path: str, rng: random.Random, *, nulls: bool) -> dict[str, Any]:
        if not field.properties:
            name = f"{rng.choice(_NOUNS)}_{rng.randint(1, 99)}"
            return {name: self._distinct(rng, lambda: _word_string(rng))}
        data = {
            key: self.value(key, sub, f"{path}.{key}", nulls=nulls) for key, sub in field.properties.items()
        }
        if field.additional_properties:
            data[f"extra_{rng.choice(_NOUNS)}"] = self._distinct(rng, lambda: _word_string(rng))
        return data

    def _distinct(self, rng: random.Random, draw: Callable[[], T]) -> T:
        value = draw()
        for _ in range(_DISTINCT_ATTEMPTS):
            marker = repr(value)
            if marker not in self._used:
                break
            value = draw()
        self._used.add(repr(value))
        return value


# --- value makers ---------------------------------------------------------------------------------


def _word_string(rng: random.Random) -> str:
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{rng.randint(10, 99)}"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_ADJECTIVES if i % 2 == 0 else _NOUNS) for i in range(rng.randint(5, 9))]
    return " ".join(words).capitalize() + "."


def _date_time(rng: random.Random) -> str:
    instant = _EPOCH_START + timedelta(seconds=rng.randrange(_EPOCH_SPAN_S), milliseconds=rng.randrange(1000))
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _secret(key: str, field: Field, rng: random.Random) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", key)  # apiKey -> api-Key
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-") or "value"
    return _fit(field, f"{SECRET_MARKER}{slug}-{rng.getrandbits(48):012x}", rng)


def _key_kind(key: str) -> str | None:
    """A format implied by a field's name, for string fields that declare none."""
    name = re.sub(r"[^a-z]", "", key.lower())
    if name.endswith("email"):
        return "email"
    if name in {"currency", "currencycode"}:
        return "currency"
    if "phone" in name:
        return "phone"
    if name in {"ip", "ipaddress"}:
        return "ipv4"
    if name == "url" or name.endswith("url"):
        return "uri"
    return None


def _string(key: str, fmt: str | None, rng: random.Random) -> str:
    kind = fmt or _key_kind(key)
    word, noun, number = rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.randint(10, 99)
    if kind in ("date-time", "date-like"):
        return _date_time(rng)
    if kind == "date":
        return _date_time(rng)[:10]
    if kind == "time":
        return _date_time(rng)[11:19]
    if kind in ("uri", "url", "uri-reference", "iri"):
        return f"https://{word}-{noun}.example.com/{noun}/{number}"
    if kind in ("email", "idn-email"):
        return f"{word}.{noun}{number}@example.com"
    if kind in ("hostname", "idn-hostname"):
        return f"{word}-{noun}.example.com"
    if kind == "ipv4":
        return f"{rng.choice(_IPV4_PREFIXES)}.{rng.randint(1, 254)}"
    if kind == "ipv6":
        return f"2001:db8::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}"
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "currency":
        return rng.choice(_CURRENCIES)
    if kind == "phone":
        return f"+1555{rng.randrange(10**7):07d}"
    return f"{word}-{noun}-{number}"


def _fit(field: Field, text: str, rng: random.Random) -> str:
    """Pad or cut ``text`` to the field's length bounds (``minimum``/``maximum`` for strings)."""
    low = max(0, math.ceil(field.minimum)) if field.minimum is not None else 0
    high = math.floor(field.maximum) if field.maximum is not None else None
    while len(text) < low:
        text += rng.choice("abcdefghijklmnopqrstuvwxyz")
    if high is not None and len(text) > high:
        text = text[: max(high, low)]
    return text


def _number(field: Field, rng: random.Random) -> int | float:
    low = field.minimum
    high = field.maximum
    if low is None and high is None:
        low, high = 0.0, 1000.0
    elif low is None:
        assert high is not None
        low = high - 1000.0
    elif high is None:
        high = low + 1000.0
    assert low is not None
    assert high is not None
    if field.type == "integer":
        first, last = math.ceil(low), math.floor(high)
        return rng.randint(first, last) if first <= last else first
    value = round(rng.uniform(low, high), 2)
    return min(max(value, low), high)


# --- required-only selection ------------------------------------------------------------------------


def _condition_holds(condition: Condition, data: Mapping[str, Any]) -> bool:
    present = condition.field_key in data and data[condition.field_key] is not None
    if condition.value is None:
        holds = present
    else:
        holds = present and data[condition.field_key] == condition.value
    return holds if condition.operator == "is" else not holds


def _required_when(depends: DependsOn, data: Mapping[str, Any]) -> bool:
    results = [_condition_holds(c, data) for c in depends.conditions]
    return all(results) if depends.match == "all" else any(results)


def _required_subset(fields: Mapping[str, Field], full: Mapping[str, Any]) -> dict[str, Any]:
    """The always-required fields of ``full``, plus conditionally required ones whose conditions hold."""
    chosen = {key: full[key] for key, field in fields.items() if field.required is True and key in full}
    pending = {
        key: f.required for key, f in fields.items() if isinstance(f.required, DependsOn) and key in full
    }
    changed = True
    while changed:  # a condition may refer to a field that is itself conditionally required
        changed = False
        for key, depends in list(pending.items()):
            if _required_when(depends, chosen):
                chosen[key] = full[key]
                del pending[key]
                changed = True
    ordered = {key: chosen[key] for key in fields if key in chosen}
    for key, value in ordered.items():
        field = fields[key]
        if field.type == "object" and field.properties:
            if isinstance(value, list):
                ordered[key] = [
                    _required_subset(field.properties, v) if isinstance(v, dict) else v for v in value
                ]
            elif isinstance(value, dict):
                ordered[key] = _required_subset(field.properties, value)
    return ordered


# --- public ---------------------------------------------------------------------------------------


def generate_value(field: Field, seed: str, key: str = "value") -> Any:
    """A sample value for one field (``key`` names it: it picks name-based formats such as ``email``)."""
    return _Generator(seed).value(key, field, key, nulls=False)


def generate_payload(
    fields: Action | Mapping[str, Field],
    seed: str,
    *,
    required_only: bool = False,
    nulls: bool = False,
) -> dict[str, Any]:
    """A sample payload for an action's fields.

    Args:
        fields: The action, or its fields.
        seed: Usually :func:`action_seed` (``"<slug>#<action key>"``).
        required_only: Only the required fields (and conditionally required fields whose
            conditions hold in the sample), with only the required sub-fields of objects.
            The values are the same as in the all-fields sample.
        nulls: Give ``None`` to fields that allow null instead of a value.

    Values respect the field's type, ``format`` (date-time, uri, email, uuid, hostname, ipv4,
    ipv6, date, time), ``choices``, ``minimum``/``maximum`` (bounds for numbers, lengths for
    strings), ``multiple`` (two items) and nested ``properties``. Secret fields get values that
    start with :data:`SECRET_MARKER`.
    """
    defined = fields.fields if isinstance(fields, Action) else fields
    generator = _Generator(seed)
    full = {key: generator.value(key, field, key, nulls=nulls) for key, field in defined.items()}
    return _required_subset(defined, full) if required_only else full


def generate_settings(
    destination: Destination,
    seed: str | None = None,
    *,
    required_only: bool = False,
) -> dict[str, Any]:
    """Sample raw settings for ``destination`` (seed: :func:`settings_seed` by default).

    Secret settings get values that start with :data:`SECRET_MARKER`; being secret, they are
    replaced by ``<redacted:key>`` wherever ``destination.redactor(settings)`` is applied.
    With ``required_only``, settings that have a default are left out.
    """
    return generate_payload(
        destination.settings_fields, seed or settings_seed(destination), required_only=required_only
    )

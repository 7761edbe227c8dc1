"""The standard test suite every destination gets in one line: ``TestX = destination_test_class(x)``.

For every action it takes request snapshots of a required-fields-only and an all-fields sample
(:mod:`~actions.testing._data`), checks the batch contract, the action's JSON Schema, default
mappings and default subscription; for the destination it checks secret settings, presets and
``describe`` in every format; and it runs the destination's own golden conformance cases, one
test per case id. Subclass the returned class to add tests or override a check.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from .._clock import use_clock
from .._describe import describe, describe_markdown, describe_text
from .._destination import Destination
from .._registry import Registry
from ..hookspecs import hookimpl
from ._data import action_seed, generate_payload, generate_settings
from ._events import make_event
from ._harness import ActionRun, run_action, run_batch
from ._snapshots import snapshot_of
from .conformance import load_cases, run_cases
from .pytest_plugin import FROZEN_NOW, _optional_fixture

__all__ = [
    "SECRET_NAME_PATTERN",
    "DestinationSuite",
    "destination_test_class",
    "registry_for",
    "schema_problems",
]

#: Setting keys that look like credentials; such a setting must be annotated ``SecretStr``.
SECRET_NAME_PATTERN = re.compile(r"key|token|secret|password|passwd|credential|private", re.IGNORECASE)

SAMPLES = ("required", "all")
DESCRIBE_FORMATS = ("text", "json", "markdown")
_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
_SCHEMA_KEYWORDS = ("items", "additionalProperties", "not", "if", "then", "else")
_SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf")


class _OneDestination:
    """A plugin object that registers exactly one destination."""

    def __init__(self, destination: Destination) -> None:
        self.__name__ = f"suite:{destination.slug}"
        self._destination = destination

    @hookimpl
    def register_destinations(self, register: Any) -> None:
        register(self._destination)


def registry_for(*destinations: Destination) -> Registry:
    """A registry holding only ``destinations``: no entry points, so installed plugins never interfere."""
    return Registry([_OneDestination(d) for d in destinations], entry_points=False, strict=True)


def schema_problems(schema: Any, where: str = "$") -> list[str]:
    """Structural problems of a JSON Schema (types, properties, required, enum, nested schemas)."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [f"{where}: a schema must be an object, got {type(schema).__name__}"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        listed = kinds if isinstance(kinds, list) else [kinds]
        bad = [k for k in listed if k not in _JSON_TYPES]
        if bad:
            problems.append(f"{where}.type: unknown type(s) {bad}")
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, dict):
            problems.append(f"{where}.properties: must be an object")
        else:
            for key, sub in properties.items():
                problems += schema_problems(sub, f"{where}.properties.{key}")
    required = schema.get("required")
    if required is not None:
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            problems.append(f"{where}.required: must be a list of property names")
        elif isinstance(properties, dict):
            missing = [r for r in required if r not in properties]
            if missing:
                problems.append(f"{where}.required: names undeclared properties {missing}")
    if "enum" in schema and not isinstance(schema["enum"], list):
        problems.append(f"{where}.enum: must be a list")
    for bound in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        if bound in schema and not isinstance(schema[bound], int | float):
            problems.append(f"{where}.{bound}: must be a number")
    for keyword in _SCHEMA_KEYWORDS:
        if keyword in schema:
            problems += schema_problems(schema[keyword], f"{where}.{keyword}")
    for keyword in _SCHEMA_LIST_KEYWORDS:
        if keyword in schema:
            for i, sub in enumerate(schema[keyword]):
                problems += schema_problems(sub, f"{where}.{keyword}[{i}]")
    try:
        json.dumps(schema)
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: not JSON-serialisable ({exc})")
    return problems


def _path_mapping(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping reading each payload key from ``properties`` (literal values for unusual keys)."""
    return {
        key: {"@path": f"$.properties.{key}"} if re.fullmatch(r"[A-Za-z_$][\w$]*", key) else value
        for key, value in payload.items()
    }


class DestinationSuite:
    """The standard tests, configured by class attributes (see :func:`destination_test_class`).

    Attributes:
        destination: The destination under test.
        settings: Raw settings used for every run (default: the ``destination_settings`` fixture
            if the suite defines one, else :func:`generate_settings`).
        cases: Golden case files (``.jsonl``) run one test per case id.
        not_secret: Setting keys that look like credentials but are not secret.
    """

    destination: ClassVar[Destination]
    settings: ClassVar[Mapping[str, Any] | None] = None
    cases: ClassVar[tuple[Path, ...]] = ()
    not_secret: ClassVar[frozenset[str]] = frozenset()

    # --- parametrization (pytest calls this for every test method of the class) ------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        destination = self.destination
        names = metafunc.fixturenames
        if "action_key" in names:
            metafunc.parametrize("action_key", list(destination.actions))
        if "batch_action_key" in names:
            batched = [k for k, a in destination.actions.items() if a.perform_batch is not None]
            metafunc.parametrize("batch_action_key", batched)
        if "sample" in names:
            metafunc.parametrize("sample", SAMPLES)
        if "describe_format" in names:
            metafunc.parametrize("describe_format", DESCRIBE_FORMATS)
        if "golden_case" in names:
            cases = [case for path in self.cases for case in load_cases(path)]
            metafunc.parametrize("golden_case", cases, ids=[str(c.get("id")) for c in cases])

    # --- helpers subclasses may override ---------------------------------------------------------

    def run_settings(self, request: pytest.FixtureRequest | None = None) -> dict[str, Any]:
        """The raw settings every run uses.

        The class's ``settings``, else the suite's ``destination_settings`` fixture, else
        :func:`generate_settings`.
        """
        if self.settings is not None:
            return dict(self.settings)
        if request is not None:
            from_fixture = _optional_fixture(request, "destination_settings")
            if from_fixture is not None:
                return dict(from_fixture)
        return generate_settings(self.destination)

    def sample_payload(self, action_key: str, sample: str) -> dict[str, Any]:
        """The generated payload for ``sample`` (``required`` or ``all``)."""
        action = self.destination.action(action_key)
        return generate_payload(
            action, action_seed(self.destination, action), required_only=sample == "required"
        )

    # --- per action ------------------------------------------------------------------------------

    def test_request_snapshot(
        self, action_key: str, sample: str, request_snapshot: Any, request: pytest.FixtureRequest
    ) -> None:
        """The requests made for the generated sample match the stored snapshot."""
        settings = self.run_settings(request)
        with use_clock(FROZEN_NOW):
            payload = self.sample_payload(action_key, sample)
            run = run_action(
                self.destination,
                action_key,
                event=make_event(properties=payload),
                mapping=payload,
                settings=settings,
                validate_settings=True,
                raise_errors=False,
            )
        _raise_if_not_performed(run)
        assert snapshot_of(run, destination=self.destination, settings=settings) == request_snapshot

    def test_batch_request_snapshot(
        self, batch_action_key: str, request_snapshot: Any, request: pytest.FixtureRequest
    ) -> None:
        """A batch of two samples gets one result per event, and its requests match the snapshot."""
        settings = self.run_settings(request)
        action = self.destination.action(batch_action_key)
        seed = action_seed(self.destination, action)
        samples = [generate_payload(action, seed), generate_payload(action, f"{seed}#second")]
        with use_clock(FROZEN_NOW):
            events = [make_event(properties=sample) for sample in samples]
            run = run_batch(
                self.destination,
                batch_action_key,
                events=events,
                mapping=_path_mapping(samples[0]),
                settings=settings,
                validate_settings=True,
                raise_errors=False,
            )
        _raise_if_not_performed(run)
        if run.error is None:
            assert len(run.results) == len(events), "perform_batch must return one result per event"
        assert snapshot_of(run, destination=self.destination, settings=settings) == request_snapshot

    def test_fields_give_a_valid_json_schema(self, action_key: str) -> None:
        from ..validation import fields_to_json_schema

        action = self.destination.action(action_key)
        schema = fields_to_json_schema(action.fields)
        assert schema_problems(schema) == []
        declared = schema.get("properties", {})
        assert set(action.fields) <= set(declared), "every field appears in the JSON Schema"

    def test_default_mapping_is_valid(self, action_key: str) -> None:
        from .. import mapping as mapping_kit

        mapping_kit.validate(self.destination.action(action_key).default_mapping)

    def test_default_subscription_parses(self, action_key: str) -> None:
        from .._subscriptions import parse_filter

        subscription = self.destination.action(action_key).default_subscription
        if subscription is None:
            pytest.skip("the action has no default subscription")
        parse_filter(subscription)

    # --- destination-wide ------------------------------------------------------------------------

    def test_credential_like_settings_are_secret(self) -> None:
        fields = self.destination.settings_fields
        unflagged = [
            key
            for key, field in fields.items()
            if SECRET_NAME_PATTERN.search(key) and not field.is_secret and key not in self.not_secret
        ]
        assert unflagged == [], (
            f"settings {unflagged} look like credentials but are not secret: "
            "annotate them SecretStr, or list them in not_secret"
        )

    def test_secret_settings_are_redacted(self, request: pytest.FixtureRequest) -> None:
        for settings in (generate_settings(self.destination), self.run_settings(request)):
            redactor = self.destination.redactor(settings)
            for key, field in self.destination.settings_fields.items():
                value = settings.get(key)
                if field.is_secret and isinstance(value, str) and value:
                    assert redactor.text(f"sent {value}") == f"sent <redacted:{key}>"

    def test_presets_use_existing_actions_and_fields(self) -> None:
        from .. import mapping as mapping_kit
        from .._subscriptions import parse_filter

        for preset in self.destination.presets:
            parse_filter(preset.subscribe)
            if preset.platform == "web":  # runs in the browser: its action is not one of ours
                assert preset.action not in self.destination.actions
                continue
            action = self.destination.action(preset.action)
            mapping = self.destination.preset_mapping(preset)
            unknown = sorted(set(mapping) - set(action.fields))
            assert unknown == [], (
                f"preset {preset.name!r} maps keys that are not fields of {action.key!r}: {unknown}"
            )
            mapping_kit.validate(mapping)
        for subscription in self.destination.default_subscriptions():
            assert subscription.action in self.destination.actions

    def test_describe_renders(self, describe_format: str) -> None:
        destination = self.destination
        if describe_format == "json":
            data = json.loads(json.dumps(describe(destination)))
            assert data["slug"] == destination.slug
            visible = {k for k, a in destination.actions.items() if not a.hidden}
            assert set(data["actions"]) == visible
            return
        text = describe_markdown(destination) if describe_format == "markdown" else describe_text(destination)
        assert destination.slug in text
        for key, action in destination.actions.items():
            if not action.hidden:
                assert key in text

    # --- golden cases ----------------------------------------------------------------------------

    def test_conformance_case(self, golden_case: dict[str, Any]) -> None:
        """The case's output matches, or differs only as the destination documents it does."""
        (result,) = run_cases([golden_case], registry_for(self.destination))
        if result.status == "unsupported":
            pytest.skip(result.reason)
        if result.status == "divergent":
            pytest.xfail(f"documented divergence: {result.reason}")
        assert result.status == "pass", "\n".join(result.differences)


def _raise_if_not_performed(run: ActionRun) -> None:
    """A sample that fails to map or validate is a bug in the fields or the generator, not a snapshot."""
    if run.error is not None and not run.payloads:
        raise run.error


def _class_name(slug: str) -> str:
    return "Test" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", slug) if part)


def destination_test_class(
    destination: Destination,
    *,
    settings: Mapping[str, Any] | None = None,
    cases: str | Path | Sequence[str | Path] = (),
    not_secret: Iterable[str] = (),
    name: str | None = None,
) -> type[DestinationSuite]:
    """The standard suite for ``destination`` as a pytest test class.

    Example (in ``tests/test_suite.py``)::

        TestAcme = destination_test_class(destination, settings={"api_key": "test-key"},
                                          cases=Path(__file__).parent / "conformance" / "cases.jsonl")

    Args:
        destination: The destination under test.
        settings: Raw settings for every run; default: the ``destination_settings`` fixture if
            defined, else generated ones. Secret values are redacted from snapshots.
        cases: Golden case files (``.jsonl``, this project's conformance format).
        not_secret: Setting keys that look like credentials (``*key*``, ``*token*``...) but are not.
        name: The class name (default ``Test<Slug>``).
    """
    paths = (cases,) if isinstance(cases, str | Path) else tuple(cases)
    attributes: dict[str, Any] = {
        "destination": destination,
        "settings": dict(settings) if settings is not None else None,
        "cases": tuple(Path(p) for p in paths),
        "not_secret": frozenset(not_secret),
        "__doc__": f"The standard suite for the {destination.name} destination.",
    }
    caller = sys._getframe(1).f_globals.get("__name__")
    if isinstance(caller, str):
        attributes["__module__"] = caller
    return type(name or _class_name(destination.slug), (DestinationSuite,), attributes)

"""Destinations: settings, actions, presets and the hooks that talk to the vendor outside actions.

A :class:`Destination` is plain data plus a few async callables. This module also holds the
operations the runtime performs with it (execute an action, a batch, an authentication check, a
deletion), so the CLI, the delivery engine and the test harness share one code path.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField

from ._action import Action, BatchInput, Delivered, ExecuteInput, Failed, ItemResult, Payload
from ._errors import (
    AuthenticationFailed,
    ConfigurationError,
    IntegrationError,
)
from ._fields import Field
from ._redact import Redactor
from ._request import HttpSession, RequestClient, RequestOptions, response_data
from ._settings import Settings, settings_fields

__all__ = [
    "DeleteInput",
    "Destination",
    "Divergence",
    "Preset",
    "SandboxRun",
    "Subscription",
]


class Preset(BaseModel):
    """A ready-made subscription: which events (``subscribe``) go to which action, mapped how.

    ``mapping=None`` means the action's field defaults. A ``platform="web"`` preset names an
    action that runs in the browser (a device-mode plugin), not here: it is listed, so
    configurations written for the reference keep their meaning, but never delivered.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    subscribe: str
    action: str
    mapping: dict[str, Any] | None = None
    type: Literal["automatic", "specificEvent"] = "automatic"
    platform: Literal["cloud", "web"] = "cloud"


class Subscription(BaseModel):
    """Events matching ``subscribe`` are sent to ``action`` with ``mapping`` (default: field defaults).

    Accepts the reference's spelling ``partnerAction`` for ``action``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    subscribe: str
    action: str = PydanticField(alias="partnerAction")
    mapping: dict[str, Any] | None = None
    name: str | None = None


@dataclass(frozen=True)
class DeleteInput:
    """What ``on_delete`` receives: who to delete, and the settings."""

    user_id: str | None
    anonymous_id: str | None
    settings: Any
    event: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Divergence:
    """A deliberate difference from the reference, and exactly how it shows in golden cases.

    A golden case counts as an expected divergence only when *every* line of its comparison is
    explained by a divergence that applies to it, so a broad case pattern cannot hide an
    unrelated failure.

    Args:
        name: Short handle.
        reason: Why we differ (``actions conformance run --show-divergences`` prints it).
        cases: ``fnmatch`` patterns of the case ids that may show it.
        differences: Regular expressions over comparison lines (as
            :func:`actions.testing.conformance.compare` writes them); a matching line is
            explained. The default explains any line.
        when: A regular expression one of the case's comparison lines must match for this
            divergence to apply at all (for differences that follow from one telltale line).
    """

    name: str
    reason: str
    cases: tuple[str, ...]
    differences: tuple[str, ...] = (".*",)
    when: str | None = None

    def applies_to(self, case_id: str, differences: Sequence[str] = ()) -> bool:
        if not any(fnmatch.fnmatchcase(case_id, pattern) for pattern in self.cases):
            return False
        return self.when is None or any(re.fullmatch(self.when, line, re.DOTALL) for line in differences)

    def explains(self, line: str) -> bool:
        return any(re.fullmatch(pattern, line, re.DOTALL) for pattern in self.differences)


@dataclass(frozen=True)
class SandboxRun:
    """A running local stand-in for the vendor API (see ``Destination.emulator``)."""

    base_url: str
    settings: Mapping[str, Any]
    stats: Callable[[], Mapping[str, Any]]


TestAuthenticationFn = Callable[[RequestClient, Any], Awaitable[Any]]
OnDeleteFn = Callable[[RequestClient, DeleteInput], Awaitable[Any]]
ExtendRequestFn = Callable[[Any, Payload | None], RequestOptions]
EmulatorFn = Callable[..., contextlib.AbstractContextManager[SandboxRun]]


class Destination(BaseModel):
    """A vendor integration.

    Args:
        name: Human name (``Actions Amplitude``).
        slug: Identifier used on the command line (``amplitude``).
        description: Markdown, for docs.
        settings: The settings model (a :class:`~actions.Settings` subclass).
        actions: The actions, by key (a list is accepted and keyed by ``Action.key``).
        presets: Ready-made subscriptions.
        extend_request: ``(settings, payload) -> RequestOptions`` applied to every request.
        test_authentication: ``async (request, settings)``; raise if the credentials are bad.
        on_delete: ``async (request, DeleteInput)``: delete a user's data (privacy requests).
        emulator: ``(host, port, **options) -> context manager of SandboxRun``: a local fake of the
            vendor API used by ``actions run --sandbox`` and ``actions emulator``.
        known_divergences: Where this destination deliberately differs from the reference's
            golden cases (see :class:`Divergence`).
        rate_limit: Most requests per second the vendor accepts from one sender; the delivery
            engine paces requests to it unless the operator overrides it (``None``: no limit).
        ordered: Whether the order of one user's events matters to the vendor. When it does
            (the default), a user's later events wait while an earlier one waits for a retry.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str
    slug: str
    description: str = ""
    settings: type[Settings] = Settings
    actions: dict[str, Action]
    presets: tuple[Preset, ...] = ()
    extend_request: ExtendRequestFn | None = None
    test_authentication: TestAuthenticationFn | None = None
    on_delete: OnDeleteFn | None = None
    emulator: EmulatorFn | None = None
    known_divergences: tuple[Divergence, ...] = ()
    rate_limit: float | None = PydanticField(default=None, gt=0)
    ordered: bool = True

    @model_validator(mode="before")
    @classmethod
    def _key_actions(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("actions"), list | tuple):
            data = {**data, "actions": {a.key: a for a in data["actions"]}}
        return data

    @model_validator(mode="after")
    def _presets_name_actions(self) -> Destination:
        for preset in self.presets:
            if preset.platform == "cloud" and preset.action not in self.actions:
                raise ValueError(f"preset {preset.name!r} uses unknown action {preset.action!r}")
        return self

    # --- lookups ----------------------------------------------------------------------------

    def action(self, key: str) -> Action:
        try:
            return self.actions[key]
        except KeyError:
            known = ", ".join(self.actions) or "none"
            raise ConfigurationError(
                f"destination {self.slug!r} has no action {key!r} (actions: {known})"
            ) from None

    def preset(self, name: str) -> Preset:
        for preset in self.presets:
            if preset.name == name:
                return preset
        known = ", ".join(repr(p.name) for p in self.presets) or "none"
        raise ConfigurationError(f"destination {self.slug!r} has no preset {name!r} (presets: {known})")

    def preset_mapping(self, preset: Preset) -> dict[str, Any]:
        if preset.mapping is not None:
            return dict(preset.mapping)
        return self.action(preset.action).default_mapping if preset.platform == "cloud" else {}

    def default_subscriptions(self) -> list[Subscription]:
        """The presets as subscriptions: what ``actions run`` does without ``--subscriptions``."""
        return [
            Subscription(subscribe=p.subscribe, action=p.action, mapping=self.preset_mapping(p), name=p.name)
            for p in self.presets
            if p.type == "automatic" and p.platform == "cloud"
        ]

    # --- settings ---------------------------------------------------------------------------

    @functools.cached_property
    def settings_fields(self) -> dict[str, Field]:
        return settings_fields(self.settings)

    def validate_settings(self, raw: Mapping[str, Any]) -> Settings:
        """Validate raw settings (coercing like payloads) and build the settings model.

        The settings schema is the one validation (with the reference's messages); the model is
        then built from the values it returns, as they are, not validated a second time.

        Raises:
            SettingsValidationError: with one message per problem.
        """
        from .validation import validate_settings

        return self.settings.unchecked(validate_settings(self.settings_fields, raw))

    def unchecked_settings(self, raw: Mapping[str, Any] | None) -> Settings:
        """Settings built without validation (what the reference's test harness does)."""
        return self.settings.unchecked(raw)

    def redactor(self, settings: Settings | Mapping[str, Any] | None) -> Redactor:
        """Redacts this destination's secret settings (raw ones read as :meth:`unchecked_settings`)."""
        return Redactor.of(settings if isinstance(settings, Settings) else self.unchecked_settings(settings))

    # --- operations -------------------------------------------------------------------------

    def request_client(
        self, session: HttpSession, settings: Any, payload: Payload | None = None
    ) -> RequestClient:
        options = self.extend_request(settings, payload) if self.extend_request else None
        return RequestClient(session, options)

    async def perform(
        self,
        action: Action,
        payload: Payload,
        settings: Any,
        session: HttpSession,
        *,
        event: Mapping[str, Any] | None = None,
        mapping: Mapping[str, Any] | None = None,
    ) -> Any:
        """Run ``action.perform`` on an already prepared payload; returns the response data."""
        request = self.request_client(session, settings, payload)
        result = await action.perform(request, ExecuteInput(payload, settings, event, mapping))
        return _result_data(result)

    async def perform_batch(
        self,
        action: Action,
        payloads: Sequence[Payload],
        settings: Any,
        session: HttpSession,
        *,
        events: Sequence[Mapping[str, Any]] = (),
        mapping: Mapping[str, Any] | None = None,
        items: Sequence[Any] | None = None,
    ) -> list[ItemResult]:
        """Run ``action.perform_batch``; always returns exactly one result per payload.

        An :class:`~actions.IntegrationError` raised by the action fails every payload with it.
        ``items``: ``action.encode`` of each payload, done ahead; a :class:`~actions.Failed` among
        them is that payload's result, and the others are sent without it.
        """
        if action.perform_batch is None:
            raise IntegrationError("This action does not support batched requests.", "NotImplemented", 501)
        if not payloads:
            return []
        if items is not None and any(isinstance(item, Failed) for item in items):
            return await self._perform_encoded(action, payloads, settings, session, events, mapping, items)
        request = self.request_client(session, settings, None)
        encoded = None if items is None else list(items)
        data = BatchInput(list(payloads), settings, list(events), mapping, encoded)
        try:
            results: object = await action.perform_batch(request, data)
        except IntegrationError as error:
            return [Failed(error) for _ in payloads]
        if not isinstance(results, list):
            return [Delivered() for _ in payloads]
        if len(results) != len(payloads):
            missing = IntegrationError(
                f"perform_batch returned {len(results)} results for {len(payloads)} payloads",
                "MISSING_RESULT",
                500,
            )
            results = list(results[: len(payloads)]) + [Failed(missing)] * (len(payloads) - len(results))
        return results

    async def _perform_encoded(
        self,
        action: Action,
        payloads: Sequence[Payload],
        settings: Any,
        session: HttpSession,
        events: Sequence[Mapping[str, Any]],
        mapping: Mapping[str, Any] | None,
        items: Sequence[Any],
    ) -> list[ItemResult]:
        """:meth:`perform_batch` of the payloads whose ``encode`` worked; the failures are their results."""
        results: list[ItemResult] = [item if isinstance(item, Failed) else Delivered() for item in items]
        kept = [index for index, item in enumerate(items) if not isinstance(item, Failed)]
        if kept:
            sent = await self.perform_batch(
                action, [payloads[i] for i in kept], settings, session, mapping=mapping,
                events=[events[i] for i in kept] if events else (), items=[items[i] for i in kept],
            )  # fmt: skip
            for index, result in zip(kept, sent, strict=True):
                results[index] = result
        return results

    async def authenticate(self, settings: Any, session: HttpSession) -> None:
        """Run the authentication check; failures raise :class:`AuthenticationFailed`.

        The message is ``Credentials are invalid: <status> <reason>``, as in the reference.
        """
        if self.test_authentication is None:
            return
        request = self.request_client(session, settings, None)
        try:
            await self.test_authentication(request, settings)
        except Exception as exc:
            status = getattr(exc, "status", None)
            status_text = "" if status is None else str(status)
            message = getattr(exc, "message", None) or str(exc)
            raise AuthenticationFailed(f"Credentials are invalid: {status_text} {message}") from exc

    async def delete(self, event: Mapping[str, Any], settings: Any, session: HttpSession) -> Any:
        """Run ``on_delete`` for the user named by ``event`` (``userId`` / ``anonymousId``)."""
        if self.on_delete is None:
            raise ConfigurationError(f"destination {self.slug!r} does not support deletion")
        request = self.request_client(session, settings, None)
        data = DeleteInput(event.get("userId"), event.get("anonymousId"), settings, event)
        return _result_data(await self.on_delete(request, data))


def _result_data(result: Any) -> Any:
    import httpx

    if isinstance(result, httpx.Response):
        return response_data(result)
    return result

"""Settings models: secrets typed ``SecretStr`` (never shown), fields derived, validated once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from actions import Action, Destination, ExecuteInput, Field, RequestClient, SecretStr, Settings, setting
from actions.delivery import DestinationConfig, Engine, Report

SECRET = "tok-SECRET-123"


class TokenSettings(Settings):
    token: SecretStr = setting(label="Token")
    signing: SecretStr | None = setting(None, label="Signing Key")
    region: str = setting("us", label="Region")


def recording_destination(seen: list[Any]) -> Destination:
    async def perform(request: RequestClient, data: ExecuteInput[TokenSettings]) -> None:
        seen.append(data.settings)

    fields = {"name": Field(label="Name", type="string", default={"@path": "$.event"})}
    send = Action(key="send", title="Send", description="Records.", fields=fields, perform=perform)
    return Destination(name="Recorder", slug="recorder", settings=TokenSettings, actions=[send])


VALIDATIONS: list[Mapping[str, Any]] = []


class CountingDestination(Destination):
    """Records each settings validation in ``VALIDATIONS``."""

    def validate_settings(self, raw: Mapping[str, Any]) -> Settings:
        VALIDATIONS.append(raw)
        return super().validate_settings(raw)


def deliver(engine: Engine, count: int = 3) -> Report:
    events = [{"type": "track", "event": f"E{i}", "messageId": f"m{i}"} for i in range(count)]
    return asyncio.run(engine.run(events))


SUBSCRIPTIONS = [{"subscribe": 'type = "track"', "action": "send"}]


def test_a_secret_setting_is_validated_into_a_secret_that_repr_and_str_never_show() -> None:
    destination = recording_destination([])
    settings = destination.validate_settings({"token": SECRET, "signing": "sign-SECRET-456"})
    assert isinstance(settings, TokenSettings)
    assert isinstance(settings.token, SecretStr) and settings.token.get_secret_value() == SECRET
    assert isinstance(settings.signing, SecretStr)
    assert settings.signing.get_secret_value() == "sign-SECRET-456"
    for shown in (repr(settings), str(settings), f"{settings.token}", repr(settings.token)):
        assert SECRET not in shown and "sign-SECRET-456" not in shown
    assert "region='us'" in repr(settings)  # other settings still show


def test_the_secret_annotation_is_the_declaration_the_fields_read() -> None:
    fields = recording_destination([]).settings_fields
    assert fields["token"].is_secret and fields["token"].type == "password" and fields["token"].required
    assert fields["signing"].is_secret and not fields["signing"].required and fields["signing"].allow_null
    assert not fields["region"].is_secret and fields["region"].type == "string"


def test_unchecked_settings_make_given_strings_secret_and_leave_the_rest_as_given() -> None:
    destination = recording_destination([])
    settings = destination.unchecked_settings({"token": SECRET})
    assert isinstance(settings.token, SecretStr) and SECRET not in repr(settings)
    assert settings.signing is None and settings.region == "us"
    assert destination.unchecked_settings({}).token is None  # missing, as the reference's harness leaves it
    assert destination.unchecked_settings({"token": 5}).token == 5  # not a string: not made a secret


def test_validated_settings_are_the_object_every_action_call_receives() -> None:
    seen: list[Any] = []
    destination = recording_destination(seen)
    settings = destination.validate_settings({"token": SECRET})
    assert deliver(Engine(destination, settings, SUBSCRIPTIONS)).delivered == 3
    assert len(seen) == 3 and all(received is settings for received in seen)


def test_raw_settings_are_validated_once_per_run_not_per_event() -> None:
    seen: list[Any] = []
    deliver(Engine(recording_destination(seen), {"token": SECRET}, SUBSCRIPTIONS))
    assert len(seen) == 3 and len({id(received) for received in seen}) == 1
    assert isinstance(seen[0], TokenSettings) and seen[0].token.get_secret_value() == SECRET


def test_a_configured_destination_validates_its_settings_once_for_the_whole_run() -> None:
    from actions.runtime import get_registry

    seen: list[Any] = []
    destination = CountingDestination(**dict(recording_destination(seen)))
    VALIDATIONS.clear()
    config = DestinationConfig("recorder", destination, {"token": SECRET}, SUBSCRIPTIONS)
    lane = config.lane(get_registry())
    assert deliver(Engine([lane])).delivered == 3
    assert VALIDATIONS == [{"token": SECRET}]
    assert all(received is lane.settings for received in seen)

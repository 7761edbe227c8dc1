"""The `harness` and `frozen_clock` fixtures: a destination run with canned replies, never the network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from actions import (
    Action,
    ConfigurationError,
    DeleteInput,
    Destination,
    ExecuteInput,
    Field,
    RequestClient,
    SecretStr,
    Settings,
    setting,
)
from actions.testing import FROZEN_NOW, Harness, make_event


class PingSettings(Settings):
    token: SecretStr = setting(label="Token")


async def perform(request: RequestClient, data: ExecuteInput[PingSettings]) -> httpx.Response:
    return await request(
        "https://api.example.com/ping",
        method="POST",
        json={"n": data.payload["n"], "token": data.settings.token.get_secret_value()},
    )


async def check(request: RequestClient, settings: PingSettings) -> None:
    await request("https://api.example.com/me")


async def delete(request: RequestClient, data: DeleteInput) -> httpx.Response:
    return await request(f"https://api.example.com/users/{data.user_id}", method="DELETE")


PING = Destination(
    name="Ping",
    slug="ping",
    settings=PingSettings,
    actions=[
        Action(
            key="ping",
            title="Ping",
            description="Send n.",
            fields={
                "n": Field(label="N", type="integer", required=True, default={"@path": "$.properties.n"})
            },
            perform=perform,
        )
    ],
    test_authentication=check,
    on_delete=delete,
)


@pytest.fixture
def destination() -> Destination:
    return PING


@pytest.fixture
def destination_settings() -> dict[str, Any]:
    return {"token": "tok-123"}


def test_harness_runs_with_the_suite_destination_and_settings(harness: Harness) -> None:
    run = harness.run("ping", make_event(properties={"n": 3}), use_default_mappings=True)
    assert run.request.url == "https://api.example.com/ping"
    assert run.request.body == {"n": 3, "token": "tok-123"}
    assert harness.destination is PING


def test_every_request_gets_an_empty_200_by_default(harness: Harness) -> None:
    run = harness.run("ping", make_event(properties={"n": 1}), use_default_mappings=True)
    assert run.exchanges[0].response is not None
    assert run.exchanges[0].response.status_code == 200


def test_queued_replies_answer_the_next_call_only(harness: Harness) -> None:
    harness.reply(status=201, body={"ok": True})
    first = harness.run("ping", make_event(properties={"n": 1}), use_default_mappings=True)
    second = harness.run("ping", make_event(properties={"n": 2}), use_default_mappings=True)
    assert first.data == {"ok": True}
    assert second.data == {}


def test_a_route_answers_every_following_request(harness: Harness) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(202, json={"seen": len(seen)})

    harness.route(handler)
    for n in (1, 2):
        harness.run("ping", make_event(properties={"n": n}), use_default_mappings=True)
    assert seen == ["/ping", "/ping"]
    assert harness.runs[-1].data == {"seen": 2}


def test_requests_and_payloads_accumulate_over_the_test(harness: Harness) -> None:
    for n in (1, 2):
        harness.run("ping", make_event(properties={"n": n}), use_default_mappings=True)
    assert [r.body["n"] for r in harness.requests] == [1, 2]
    assert harness.payloads == [{"n": 1}, {"n": 2}]


def test_errors_can_be_kept_instead_of_raised(harness: Harness) -> None:
    run = harness.run("ping", make_event(), use_default_mappings=True, raise_errors=False)
    assert run.error is not None
    assert harness.requests == []


def test_settings_passed_to_a_call_win(harness: Harness) -> None:
    run = harness.run(
        "ping", make_event(properties={"n": 1}), use_default_mappings=True, settings={"token": "other"}
    )
    assert run.request.body["token"] == "other"


def test_authentication_check_uses_the_suite_settings(harness: Harness) -> None:
    assert harness.check_authentication().request.url == "https://api.example.com/me"


def test_delete_runs_on_delete_for_the_events_user(harness: Harness) -> None:
    run = harness.delete(make_event(userId="u-42"))
    assert run.request.method == "DELETE"
    assert run.request.url == "https://api.example.com/users/u-42"


def test_delete_without_on_delete_is_a_configuration_error(harness: Harness) -> None:
    harness.destination = PING.model_copy(update={"on_delete": None})
    with pytest.raises(ConfigurationError):
        harness.delete(make_event())


def test_snapshot_of_redacts_the_suite_settings_secrets(harness: Harness) -> None:
    run = harness.run("ping", make_event(properties={"n": 1}), use_default_mappings=True)
    assert harness.snapshot_of(run).requests[0]["body"] == {"n": 1, "token": "<redacted:token>"}


def test_events_made_in_a_harness_test_use_the_frozen_clock(harness: Harness) -> None:
    assert make_event()["timestamp"] == FROZEN_NOW


def test_frozen_clock_fixture_fixes_now(frozen_clock: Any) -> None:
    assert make_event()["receivedAt"] == FROZEN_NOW

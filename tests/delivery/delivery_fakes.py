"""Fake destinations and events for the delivery and CLI tests: scripted results, no network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from actions import (
    Action,
    Batching,
    BatchInput,
    Destination,
    ExecuteInput,
    Field,
    ItemResult,
    Preset,
    RequestClient,
    SecretStr,
    Settings,
    setting,
)

FIELDS = {
    "name": Field(label="Name", type="string", required=True, default={"@path": "$.event"}),
    "user": Field(label="User", type="string", default={"@path": "$.userId"}),
    "n": Field(label="Number", type="integer", default={"@path": "$.properties.n"}),
}


class FakeSettings(Settings):
    token: SecretStr = setting(label="Token")


PerformBatch = Callable[[list[dict[str, Any]]], Awaitable[Sequence[ItemResult]] | Sequence[ItemResult]]
Perform = Callable[[dict[str, Any]], Awaitable[Any] | Any]


@dataclass
class Calls:
    """What the fake actions were asked to do, in order."""

    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    singles: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [p for batch in self.batches for p in batch] + list(self.singles)


async def _maybe_await(value: Any) -> Any:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def make_destination(
    calls: Calls,
    *,
    perform: Perform | None = None,
    perform_batch: PerformBatch | None = None,
    batching: Batching | None = None,
    presets: Sequence[Preset] = (),
    rate_limit: float | None = None,
) -> Destination:
    """A destination with action ``single`` (perform only) and ``batched`` (perform_batch)."""

    async def do_perform(request: RequestClient, data: ExecuteInput[Any]) -> Any:
        calls.singles.append(data.payload)
        calls.in_flight += 1
        calls.most_in_flight = max(calls.most_in_flight, calls.in_flight)
        try:
            return await _maybe_await(perform(data.payload)) if perform else None
        finally:
            calls.in_flight -= 1

    async def do_perform_batch(request: RequestClient, data: BatchInput[Any]) -> list[ItemResult]:
        calls.batches.append(list(data.payloads))
        calls.in_flight += 1
        calls.most_in_flight = max(calls.most_in_flight, calls.in_flight)
        try:
            if perform_batch is None:
                from actions import Delivered

                return [Delivered() for _ in data.payloads]
            return list(await _maybe_await(perform_batch(list(data.payloads))))
        finally:
            calls.in_flight -= 1

    single = Action(
        key="single", title="Single", description="One per call.", fields=FIELDS, perform=do_perform
    )
    batched = Action(
        key="batched",
        title="Batched",
        description="Many per call.",
        fields=FIELDS,
        perform=do_perform,
        perform_batch=do_perform_batch,
        batching=batching or Batching(max_events=10, max_bytes=1_000_000, linger_s=0.01),
    )
    return Destination(
        name="Fake",
        slug="fake",
        settings=FakeSettings,
        actions=[single, batched],
        presets=tuple(presets),
        rate_limit=rate_limit,
    )


SETTINGS = {"token": "tok-SECRET-123"}


def track(i: int, **extra: Any) -> dict[str, Any]:
    """A small track event numbered ``i``."""
    return {
        "type": "track",
        "event": f"Event {i}",
        "userId": f"user{i}",
        "messageId": f"m{i}",
        "properties": {"n": i},
        **extra,
    }


async def endless_tracks() -> AsyncIterator[dict[str, Any]]:
    """Track events numbered from 0, without end, yielding to the event loop between them."""
    i = 0
    while True:
        yield track(i)
        i += 1
        await asyncio.sleep(0)


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


# --- a destination that talks HTTP, with an emulator (for the CLI tests) ------------------------

API = "https://api.fake.test"


def http_destination(name: str = "fakehttp") -> Destination:
    """Action ``send`` POSTs each payload to ``{API}/v1/events`` (``sendBatch``: arrays, by 5).

    A 401 answer means the token was rejected. ``emulator`` serves the API locally; its option
    ``reject_token=True`` answers 401 to everything.
    """
    import contextlib

    from actions import Delivered, InvalidAuthenticationError, SandboxRun
    from http_fakes import Received, local_server

    async def send(request: RequestClient, data: ExecuteInput[Any]) -> Any:
        response = await request(
            f"{API}/v1/events",
            method="POST",
            json=data.payload,
            headers={"authorization": f"Bearer {data.settings.token.get_secret_value()}"},
            throw_http_errors=False,
        )
        if response.status_code == 401:
            raise InvalidAuthenticationError(f"token {data.settings.token.get_secret_value()} rejected")
        if not response.is_success:
            from actions import HTTPError

            raise HTTPError(response)
        return response

    async def send_batch(request: RequestClient, data: BatchInput[Any]) -> list[ItemResult]:
        await request(f"{API}/v1/batch", method="POST", json=data.payloads)
        return [Delivered() for _ in data.payloads]

    @contextlib.contextmanager
    def emulator(host: str, port: int, *, reject_token: bool = False) -> Any:
        def respond(request: Received) -> tuple[int, dict[str, str]]:
            return (401, {}) if reject_token else (200, {})

        with local_server(respond) as server:
            yield SandboxRun(
                base_url=server.url,
                settings={"token": "emulator-token"},
                stats=lambda: {
                    "requests": len(server.received),
                    "paths": sorted({r.path for r in server.received}),
                },
            )

    actions = [
        Action(key="send", title="Send", description="One event.", fields=FIELDS, perform=send),
        Action(
            key="sendBatch",
            title="Send batch",
            description="Arrays.",
            fields=FIELDS,
            perform=send,
            perform_batch=send_batch,
            batching=Batching(max_events=5, linger_s=0.01),
        ),
    ]
    presets = [Preset(name="Tracks", subscribe='type = "track"', action="send")]
    return Destination(
        name=name, slug=name, settings=FakeSettings, actions=actions, presets=presets, emulator=emulator
    )

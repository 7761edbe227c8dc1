"""The real segment-analytics-python client, from several threads, gzip on and off: nothing is lost."""

from __future__ import annotations

import threading

import pytest
from segment.analytics import Client
from serve_fakes import SERVER_KEY, serve


@pytest.mark.parametrize("gzip", [False, True])
def test_hundreds_of_mixed_events_from_threads_all_arrive(gzip: bool) -> None:
    with serve() as running:
        errors: list[Exception] = []
        client = Client(
            SERVER_KEY,
            host=running.url,
            gzip=gzip,
            on_error=lambda error, _: errors.append(error),
            max_retries=0,
        )

        def send(thread: int) -> None:
            for n in range(50):
                user = f"user-{thread}-{n}"
                if n % 3 == 0:
                    client.identify(user, {"plan": "pro"})
                elif n % 3 == 1:
                    client.track(user, "Clicked", {"n": n})
                else:
                    client.page(user, "Docs", "Home")

        threads = [threading.Thread(target=send, args=(thread,)) for thread in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.flush()
        client.shutdown()
        assert errors == []
        events = running.queue.events()
        assert len(events) == 300
        assert {event["userId"] for event in events} == {f"user-{t}-{n}" for t in range(6) for n in range(50)}
        assert {accepted.source for accepted in running.queue.stored} == {"backend"}
        assert all("writeKey" not in event and event["receivedAt"].endswith("Z") for event in events)

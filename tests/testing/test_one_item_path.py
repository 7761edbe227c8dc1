"""The harness, the golden-case runner and the engine turn one item's failure into the same result."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from actions import ConfigurationError, Failed
from actions.delivery import MAPPING_FAILED, Engine, item_failure, prepare_each
from actions.testing import run_action, run_batch
from actions_webhook import destination

SETTINGS = {"url": "https://hooks.example.com/in"}
#: Valid as a mapping (the reference, too, reports Liquid parse errors only when it renders).
FAILS_ON_EVERY_EVENT = {"data": {"x": {"@liquid": "{% for %}"}}}
NOT_A_FIELD = {"data": {"@path": "$.properties"}, "dat": {"@path": "$.event"}}
EVENT = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"}


def _engine_dead_letter(mapping: dict[str, Any]) -> dict[str, Any]:
    engine = Engine(
        destination,
        SETTINGS,
        [{"subscribe": 'type = "track"', "action": "send", "mapping": mapping}],
        transport=httpx.MockTransport(lambda request: httpx.Response(200)),
    )
    asyncio.run(engine.run([EVENT]))
    (record,) = engine.dead_letters
    return record


def test_a_mapping_failure_has_one_code_in_the_harness_and_the_engine() -> None:
    dead = _engine_dead_letter(FAILS_ON_EVERY_EVENT)
    single = run_action(destination, "send", event=EVENT, mapping=FAILS_ON_EVERY_EVENT, raise_errors=False)
    batch = run_batch(
        destination, "sendBatch", events=[EVENT], mapping=FAILS_ON_EVERY_EVENT, raise_errors=False
    )
    assert single.failure is not None
    (result,) = batch.results
    assert isinstance(result, Failed)
    assert dead["code"] == single.failure.code == result.error.code == MAPPING_FAILED
    assert dead["message"] == single.failure.message == result.error.message
    assert dead["status"] == single.failure.status == result.error.status == 400


def test_a_mapping_key_that_is_not_a_field_is_refused_by_the_harness_as_by_the_engine() -> None:
    with pytest.raises(ConfigurationError, match="mapping key 'dat' is not a field of action 'send'"):
        Engine(
            destination, SETTINGS, [{"subscribe": 'type = "track"', "action": "send", "mapping": NOT_A_FIELD}]
        )
    with pytest.raises(ConfigurationError, match="mapping key 'dat' is not a field of action 'send'"):
        run_action(destination, "send", event=EVENT, mapping=NOT_A_FIELD)
    with pytest.raises(ConfigurationError, match="mapping key 'dat' is not a field of action 'send'"):
        run_batch(destination, "send", events=[EVENT], mapping=NOT_A_FIELD)


def test_one_failing_item_never_fails_the_others() -> None:
    def prepare(event: Any) -> dict[str, Any]:
        if event["n"] == 2:
            raise KeyError("boom")
        return {"n": event["n"]}

    first, second, third = prepare_each(prepare, [{"n": 1}, {"n": 2}, {"n": 3}])
    assert (first, third) == ({"n": 1}, {"n": 3})
    assert isinstance(second, Failed)
    # a bug in the action, not the event: sending it again would fail the same way
    assert (second.error.code, second.error.retryable) == ("UNEXPECTED_ERROR", False)
    assert item_failure(second.error) == Failed(second.error)  # an IntegrationError is kept as it is

"""Webhook test fixtures: the destination and settings with a shared secret, used by `harness`."""

from __future__ import annotations

from typing import Any

import pytest
from actions import Destination
from actions_webhook import destination as webhook

#: Fake settings; the shared secret is redacted from every snapshot.
SETTINGS: dict[str, Any] = {
    "url": "https://hooks.example.com/in",
    "method": "POST",
    "sharedSecret": "whsec-test-0c1d2e3f4a5b",
}


@pytest.fixture
def destination() -> Destination:
    return webhook


@pytest.fixture
def destination_settings() -> dict[str, Any]:
    return dict(SETTINGS)

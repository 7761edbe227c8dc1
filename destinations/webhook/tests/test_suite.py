"""The standard destination suite applied to the webhook: snapshots, schema checks and golden cases."""

from __future__ import annotations

from pathlib import Path

from actions.testing import destination_test_class
from actions_webhook import destination

# Settings come from the `destination_settings` fixture in conftest.py (shared secret included).
TestWebhook = destination_test_class(destination, cases=Path(__file__).parent / "conformance" / "cases.jsonl")

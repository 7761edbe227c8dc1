"""The standard destination suite for Amplitude: a required-only and an all-fields request snapshot
per action (secrets redacted), batch snapshots, schema and preset sanity, describe rendering.

The golden cases run in test_conformance.py, which also checks that every divergence is documented.
Regenerate snapshots with `pytest --snapshot-update` on the full suite, serially.
"""

from __future__ import annotations

from actions.testing import destination_test_class
from actions_amplitude import destination

TestAmplitude = destination_test_class(
    destination,
    settings={
        "apiKey": "amplitude-api-key-0001",
        "secretKey": "amplitude-secret-key-0001",
        "endpoint": "north_america",
    },
)

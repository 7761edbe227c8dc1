"""Makes ``delivery_fakes`` importable from the delivery tests (pytest runs in importlib mode)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from delivery_fakes import Calls


@pytest.fixture
def calls() -> Calls:
    return Calls()

"""Have pytest rewrite the standard suite's asserts, so a failed snapshot shows syrupy's explanation.

pytest rewrites the asserts of test modules and of the plugin packages it can locate; an install
it cannot locate (an import-hook editable install, or ``-p actions.testing.pytest_plugin`` with
autoload off) left ``assert ... == request_snapshot`` in the suite a bare ``AssertionError``.
This module is imported first by :mod:`actions.testing`, before ``_suite`` (outside pytest it does
nothing).
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("actions.testing._suite")

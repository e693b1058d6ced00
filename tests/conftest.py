"""Shared pytest configuration.

Hypothesis profiles for the property-based tests, selected by ``HYPOTHESIS_PROFILE``:

* ``ci`` (default): a fixed example budget, no deadline (shared, loaded CI cores), and
  ``derandomize=True`` so a CI run is deterministic and a failure reproduces exactly.
* ``dev``: many more random examples, for hunting locally
  (``HYPOTHESIS_PROFILE=dev pytest tests/test_runtime_differential.py``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
